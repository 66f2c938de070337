"""Walk-in: book the first free space that fits, starting now, for the person at the desk."""

from __future__ import annotations

from collections.abc import Sequence

from booking.errors import RuleViolation
from booking.models import BookingView
from booking.rules import grid_floor, opening_window
from booking.service import Cospace
from booking.timeutil import at_minutes, hm, human_time_span, minutes_of_day, to_local, utc


def walk_in(cs: Cospace, site_code: str, kind: str, minutes: int, *, attendees: int = 1,
            needs: str | Sequence[str] = (), confidential: bool = False,
            org: str | None = None, purpose: str = "Walk-in") -> BookingView:
    """Book the best free ``kind`` space from the current 5-minute slot for ``minutes``
    (shortened to closing time). When none fits, the request is recorded as unmet demand and
    the refusal names the nearest free times."""
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
        raise RuleViolation(
            f"No {kind} space fits now ({hm(start_min)}–{hm(end_min)})"
            + (f"; free later: {hint}." if hint else ".")
        )
    return cs.book(found.spaces[0].code, start, end, org=org, attendees=attendees,
                   purpose=purpose, confidential=confidential)
