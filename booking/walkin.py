"""Walk-in: book the first free space that fits, starting now, for the person at the desk.

A walk-in booked now is checked in at once (the person is standing there). When nothing fits
the refusal says, space by space, why each one did not (``IR5 is only for JCP, PROB``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from booking import permissions, search
from booking.errors import CospaceError, RuleViolation
from booking.models import KIND_LABELS, MAX_MINUTES, BookingView, OrgInfo, SpaceInfo
from booking.rules import grid_floor, opening_window
from booking.service import Cospace, parse_features
from booking.timeutil import at_minutes, hm, human_time_span, minutes_of_day, to_local, utc
from db import precheck_queries as pq
from db.engine import read_tx


def walk_in(cs: Cospace, site_code: str, kind: str, minutes: int, *, attendees: int = 1,
            needs: str | Sequence[str] = (), confidential: bool = False,
            org: str | None = None, purpose: str = "Walk-in",
            check_in: bool = False) -> BookingView:
    """Book the best free ``kind`` space from the current 5-minute slot for ``minutes``
    (shortened to closing time). When none fits, the request is recorded as unmet demand and
    the refusal names the nearest free times and why each space did not fit. ``check_in``
    marks the booking checked in at once when the acting person may do that."""
    site = cs.site(site_code)
    now = cs.now()
    start = grid_floor(now, site.tz)
    day = to_local(start, site.tz).date()
    window = opening_window(site, day)
    start_min = minutes_of_day(start, site.tz)
    if window is None or not window[0] <= start_min < window[1]:
        raise RuleViolation(f"{site.name} is not open now ({to_local(now, site.tz):HH:mm}).")
    end_min = min(start_min + minutes, window[1])
    end = utc(at_minutes(day, end_min, site.tz))
    found = cs.find_free(site_code, kind, start, end, attendees=attendees, needs=needs,
                         confidential=confidential, org=org)
    if not found.spaces:
        hint = "; ".join(f"{s.space} {human_time_span(s.start, s.end, s.tz)}"
                         for s in found.suggestions)
        why = why_not(cs, site_code, kind, start, end, attendees=attendees, needs=needs,
                      confidential=confidential, org=org)
        raise RuleViolation(
            f"No {KIND_LABELS.get(kind, kind)} fits now ({hm(start_min)}–{hm(end_min)})"
            + (f": {'; '.join(why)}" if why else "")
            + (f". Free later: {hint}." if hint else "."))
    view = cs.book(found.spaces[0].code, start, end, org=org, attendees=attendees,
                   purpose=purpose, confidential=confidential)
    if check_in and _may_check_in(cs, view):
        view = cs.checkin(view.id)
    return view


def _may_check_in(cs: Cospace, view: BookingView) -> bool:
    actor = cs.actor
    return actor.known and permissions.may_booking_action(actor, "checkin", actor.org_id or 0)


def why_not(cs: Cospace, site_code: str, kind: str, start: dt.datetime, end: dt.datetime,
            *, attendees: int = 1, needs: str | Sequence[str] = (), confidential: bool = False,
            org: str | None = None) -> list[str]:
    """For each space of ``kind`` at the site, why it does not suit this request now:
    ``IR5 is only for JCP, PROB``, ``IR4 holds 2``, ``D02 has no pc``, ``IR2 is booked
    09:30–10:30``. Read-only."""
    spaces = [s for s in cs.spaces(site_code, kind) if s.kind == kind]
    org_info = _org(cs, org)
    wanted = parse_features(needs)
    day = to_local(start, cs.site(site_code).tz).date()
    busy = {b.space: b for b in (cs.day_bookings(site_code, day) if spaces else [])
            if b.active and b.start < end and start < b.end}
    reasons = []
    for s in spaces:
        reason = _reason(s, busy.get(s.code), attendees=attendees, needs=wanted,
                         confidential=confidential, org=org_info, start=start, end=end)
        if reason:
            reasons.append(reason)
    return reasons


def _org(cs: Cospace, code: str | None) -> OrgInfo | None:
    actor = cs.actor
    code = code or actor.org_code
    return next((o for o in cs.orgs() if o.code == code), None)


def _reason(s: SpaceInfo, holder: BookingView | None, *, attendees: int,
            needs: frozenset[str], confidential: bool, org: OrgInfo | None,
            start: dt.datetime, end: dt.datetime) -> str:
    if not s.active:
        return f"{s.code} is out of use"
    if s.restricted_to and (org is None or org.code not in s.restricted_to):
        return f"{s.code} is only for {', '.join(sorted(s.restricted_to))}"
    if s.capacity < attendees:
        return f"{s.code} holds {s.capacity}"
    missing = sorted(needs - s.features)
    if missing:
        return f"{s.code} has no {', '.join(missing)}"
    if confidential and not s.private:
        return f"{s.code} is not a private room"
    if (end - start).total_seconds() / 60 > MAX_MINUTES[s.kind]:
        return f"{s.code} is too long a booking"
    if holder is not None:
        who = f" by {holder.org}" if holder.org else ""
        return f"{s.code} is booked {human_time_span(holder.start, holder.end, holder.tz)}{who}"
    if not search.fits(s, kind=s.kind, attendees=attendees, needs=needs,
                       confidential=confidential, org=org):
        return f"{s.code} does not fit"
    return ""


def adviser_names(cs: Cospace) -> dict[str, str]:
    """Logins and names of the staff, for finding a booking by its adviser's name; empty
    when this login may not read staff."""
    try:
        with read_tx(cs.engine) as conn:
            return pq.staff_names(conn)
    except CospaceError:
        return {}
    except Exception:  # a role that may not read staff (a display): search without names
        return {}
