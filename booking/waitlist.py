"""The waitlist: a request nothing could meet waits, and is booked the moment a fitting space
frees.

A request names a site, a kind of space, a time, the attendees, the features needed and the
organisation. When a space frees for that time (a cancel, a release, a no-show, a change
moving a booking away, a closure removed, a decline), :func:`fill_slot` runs **inside the
transaction that freed it**: the earliest waiting request that still passes every booking
rule (the same :func:`booking.rules.check_booking`, clash check and allocation as a booking
made by hand) is booked for its requester and linked to its request, so nobody can take the
slot in between. A request that no longer passes a rule is skipped and the next one tried.
Requests expire when their start passes (:func:`expire`, run by the release sweep).

This module holds no SQL (``db/waitlist_queries.py``); the functions that take ``conn`` take
the caller's open write transaction and never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from booking import horizon, limits, permissions, rules
from booking.errors import CospaceError, InvalidInput, NotFound, NotPermitted, RuleViolation
from booking.models import KINDS, MAX_BOOKING_MINUTES, Actor, OrgInfo, SiteInfo, SpaceInfo
from booking.timeutil import day_bounds, iso_local, parse_end_utc, parse_local_utc, utc
from db import queries as q
from db import waitlist_queries as wq
from db.engine import read_tx, write_tx

#: The audit actor of a booking the waitlist made (its booker is the requester).
SYSTEM_ACTOR = "system"
STATUSES = ("waiting", "booked", "expired", "cancelled")


@dataclass(frozen=True)
class WaitInfo:
    """A waiting request as its reader may see it."""

    id: int
    site: str
    kind: str
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    tz: str
    status: str
    org: str
    attendees: int
    needs: tuple[str, ...]
    booking: int | None = None
    created_at: dt.datetime | None = None
    met_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "site": self.site, "kind": self.kind,
            "start": iso_local(self.start, self.tz), "end": iso_local(self.end, self.tz),
            "status": self.status,
        }
        if self.status == "booked":
            out["booking"] = self.booking
        out.update(org=self.org, attendees=self.attendees, needs=list(self.needs))
        return out


def _info(row: Any, now: dt.datetime) -> WaitInfo:
    status = row.status
    if status == "waiting" and row.start_at <= now:
        status = "expired"  # the sweep has not marked it yet
    return WaitInfo(id=row.id, site=row.site_code, kind=row.kind, start=row.start_at,
                    end=row.end_at, tz=row.tz, status=status, org=row.org_code,
                    attendees=row.attendees,
                    needs=tuple(f for f in (row.features or "").split(",") if f),
                    booking=row.booking_id, created_at=row.created_at, met_at=row.met_at)


def actor_of(conn: Any, login: str) -> Actor:
    """The acting staff member (an unknown login may only look)."""
    row = q.staff_row(conn, login)
    if row is None or not row.active:
        return Actor(login=login)
    return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                 org_code=row.org_code, role=row.role)


def site_info(conn: Any, *, code: str | None = None, id: int | None = None) -> SiteInfo:
    """A site with its opening hours and closures, as the booking rules take it."""
    row = q.site_row(conn, code=code, id=id)
    if row is None:
        raise NotFound(f"There is no site '{code}'.")
    return SiteInfo(id=row.id, code=row.code, name=row.name, tz=row.tz,
                    holiday_region=row.holiday_region, hours=q.opening_hours(conn, row.id),
                    closures=q.closures(conn, row.id),
                    release_after_minutes=row.release_after_minutes)


# ----------------------------------------------------------------- use cases
def wait(app: Any, site: str, kind: str, start: str | dt.datetime, end: str | dt.datetime, *,
         attendees: int = 1,
         needs: str | Sequence[str] = (), org: str | None = None) -> WaitInfo:
    """Put a request on the waitlist. An adviser waits for their own organisation; the front
    desk and administrators for any (``org``). The time must pass the site's opening hours
    and not be over."""
    from booking.service import org_info, parse_features

    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    wanted = sorted(frozenset(limits.feature(f) for f in parse_features(needs)))
    now = app.now()
    with write_tx(app.engine) as conn:
        actor = actor_of(conn, app.login)
        permissions.require_known(actor)
        site_ = site_info(conn, code=site)
        start_at = parse_local_utc(start, site_.tz) if isinstance(start, str) else utc(start)
        end_at = parse_end_utc(end, start_at, site_.tz) if isinstance(end, str) else utc(end)
        if org is None and actor.org_id is None:
            raise InvalidInput(f"'{actor.login}' belongs to no organisation: say which with "
                               "--org.")
        org_row = q.org_row(conn, code=org) if org else q.org_row(conn, id=actor.org_id)
        if org_row is None:
            raise NotFound(f"There is no organisation '{org}'.")
        org_ = org_info(org_row)
        if actor.role == "estates":
            raise NotPermitted("Estates staff cannot wait for spaces (booking details are "
                               "for the organisations themselves).")
        permissions.require_booking_action(actor, "book", org_.id, org_.code)
        rules.check_interval(start_at, end_at, site_)
        rules.check_not_past(start_at, now, site_.tz)
        rules.check_advance(start_at, now, org_, site_.tz)
        free = free_now(conn, site_, kind, start_at, end_at, attendees, frozenset(wanted), org_)
        if free:
            raise RuleViolation(f"{free} is free then: book it instead of waiting.")
        values = dict(site_id=site_.id, kind=kind, start_at=start_at, end_at=end_at,
                      attendees=attendees, features=",".join(wanted), org_id=org_.id,
                      requested_by_id=actor.staff_id, status="waiting", created_at=now)
        request_id = wq.insert_request(conn, values)
        q.add_audit(conn, at=now, actor=actor.login, action="create", entity="wait_request",
                    entity_id=request_id, after={**values, "site": site_.code,
                                                 "org": org_.code})
        return WaitInfo(id=request_id, site=site_.code, kind=kind, start=start_at,
                        end=end_at, tz=site_.tz, status="waiting", org=org_.code,
                        attendees=attendees, needs=tuple(wanted), created_at=now)


def requests(app: Any, *, site: str | None = None) -> list[WaitInfo]:
    """The waitlist: an adviser sees their own organisation's requests; the front desk,
    estates and administrators everyone's."""
    now = app.now()
    with read_tx(app.engine) as conn:
        actor = actor_of(conn, app.login)
        permissions.require_known(actor)
        site_id = site_info(conn, code=site).id if site else None
        org_id = actor.org_id if actor.role == "adviser" else None
        if actor.role == "adviser" and org_id is None:
            return []
        return [_info(r, now) for r in wq.request_rows(conn, site_id=site_id, org_id=org_id)]


def cancel(app: Any, request_id: int) -> WaitInfo:
    """Take a waiting request off the waitlist (its organisation's advisers, the front desk,
    administrators)."""
    now = app.now()
    with write_tx(app.engine) as conn:
        actor = actor_of(conn, app.login)
        permissions.require_known(actor)
        row = wq.request_row(conn, request_id)
        if row is None or (actor.role == "adviser" and row.org_id != actor.org_id):
            raise NotFound(f"There is no waiting request #{request_id}.")
        permissions.require_booking_action(actor, "cancel", row.org_id, row.org_code)
        info = _info(row, now)
        if info.status != "waiting":
            raise RuleViolation(f"Request #{request_id} is {info.status}; only a waiting "
                                "request can be cancelled.")
        if wq.set_status(conn, request_id, "cancelled", ("waiting",)) != 1:
            raise RuleViolation(f"Request #{request_id} changed meanwhile; look again.")
        q.add_audit(conn, at=now, actor=actor.login, action="cancel", entity="wait_request",
                    entity_id=request_id, before={"status": "waiting"},
                    after={"status": "cancelled"})
        fresh = wq.request_row(conn, request_id)
        return _info(fresh, now)


def free_now(conn: Any, site: SiteInfo, kind: str, start: dt.datetime, end: dt.datetime,
             attendees: int, wanted: frozenset[str], org: OrgInfo) -> str | None:
    """The code of a space that fits and is free for ``[start, end)`` now, if any (then
    there is nothing to wait for)."""
    from booking.service import space_info

    rows = q.space_rows(conn, site_id=site.id, kind=kind, active_only=True)
    restricted = q.restrictions(conn, [r.id for r in rows])
    for r in rows:
        space = space_info(r, restricted.get(r.id, frozenset()))
        if space.capacity < attendees or not wanted <= space.features:
            continue
        if space.restricted_to and org.code not in space.restricted_to:
            continue
        if not q.clashes(conn, space.id, start, end, max_minutes=MAX_BOOKING_MINUTES, limit=1):
            return space.code
    return None


# ----------------------------------------------------------------- the fill
def _space(conn: Any, space_id: int) -> SpaceInfo | None:
    from booking.service import space_info

    code = wq.space_code(conn, space_id)
    row = q.space_row(conn, code) if code else None
    if row is None:
        return None
    return space_info(row, q.restrictions(conn, [row.id]).get(row.id, frozenset()))


def _try_book(conn: Any, req: Any, space: SpaceInfo, site: SiteInfo, now: dt.datetime,
              horizon_weeks: int) -> int | None:
    """Book ``req`` into ``space`` if it passes every rule now; the booking id, else None."""
    from booking import approvals
    from booking.service import org_info

    start, end = utc(req.start_at), utc(req.end_at)
    wanted = frozenset(f for f in (req.features or "").split(",") if f)
    if not wanted <= space.features:
        return None
    staff = wq.staff_by_id(conn, req.requested_by_id) if req.requested_by_id else None
    if staff is None or not staff.active:
        return None  # the requester has left: nobody to book it for
    requester = Actor(login=staff.login, staff_id=staff.id, name=staff.name,
                      org_id=staff.org_id, org_code=staff.org_code, role=staff.role)
    org_row = q.org_row(conn, id=req.org_id)
    if org_row is None or not org_row.active:
        return None
    org: OrgInfo = org_info(org_row)
    try:
        permissions.require_booking_action(requester, "book", org.id, org.code)
        rules.check_booking(space=space, site=site, org=org, start=start, end=end,
                            attendees=req.attendees, confidential=False, now=now,
                            horizon_weeks=horizon_weeks)
        if q.clashes(conn, space.id, start, end, max_minutes=MAX_BOOKING_MINUTES, limit=1):
            return None
        from booking import allocations  # only when a request is filled (start-up)

        allocations.enforce(conn, actor=requester, org=org, site=site, kind=space.kind,
                            intervals=[(start, end)])
    except CospaceError:
        return None
    values = dict(space_id=space.id, org_id=org.id, booked_by_id=requester.staff_id,
                  start_at=start, end_at=end,
                  status=approvals.initial_status(conn, requester, space.id),
                  attendees=req.attendees, purpose="", confidential=False,
                  created_at=now, updated_at=now)
    booking_id = wq.insert_booking_if_free(conn, values)
    if booking_id is None:
        return None
    if wq.mark_met(conn, req.id, booking_id, now) != 1:
        raise RuleViolation(f"Request #{req.id} changed while it was being booked; look again.")
    q.add_audit(conn, at=now, actor=SYSTEM_ACTOR, action="waitlist_book", entity="booking",
                entity_id=booking_id,
                after={**values, "space": space.code, "org": org.code, "request": req.id},
                reason=f"waitlist request #{req.id}")
    return booking_id


def fill_slot(conn: Any, *, space_id: int, start: dt.datetime, end: dt.datetime,
              now: dt.datetime) -> list[int]:
    """Book the waiting requests that the freed ``[start, end)`` of ``space_id`` can now meet,
    earliest request first, in the caller's transaction; returns the bookings made.

    Each request passes the same rules as a booking by hand (opening hours, length, capacity,
    restrictions, advance window, horizon, allocation, no clash); one that does not is
    skipped, and the next tried."""
    reqs = wq.candidates(conn, space_id, start, end, now)
    if not reqs:
        return []
    space = _space(conn, space_id)
    if space is None or not space.active:
        return []
    site = site_info(conn, id=space.site_id)
    weeks = horizon.weeks(conn)
    made = []
    for req in reqs:
        booking_id = _try_book(conn, req, space, site, now, weeks)
        if booking_id is not None:
            made.append(booking_id)
    return made


def fill_freed(conn: Any, rows: Sequence[Any], now: dt.datetime) -> list[int]:
    """:func:`fill_slot` for the slots of bookings just freed (rows with ``space_id``,
    ``start_at``, ``end_at``)."""
    made: list[int] = []
    for r in rows:
        made += fill_slot(conn, space_id=r.space_id, start=r.start_at, end=r.end_at, now=now)
    return made


def fill_reopened(conn: Any, site_id: int, days: Sequence[dt.date],
                  now: dt.datetime) -> list[int]:
    """:func:`fill_slot` for every space of a site on days a closure no longer closes."""
    row = q.site_row(conn, id=site_id)
    if row is None:
        return []
    made: list[int] = []
    for day in days:
        lo, hi = day_bounds(day, row.tz)
        for space_id in wq.site_space_ids(conn, site_id):
            made += fill_slot(conn, space_id=space_id, start=utc(lo), end=utc(hi), now=now)
    return made


def any_expiring(conn: Any, now: dt.datetime) -> bool:
    """Whether a waiting request has started (and so should expire)."""
    return wq.any_due(conn, now)


def expire(conn: Any, now: dt.datetime) -> int:
    """Waiting requests whose start has passed expire (in the caller's transaction)."""
    return wq.expire(conn, now) if wq.any_due(conn, now) else 0


# ----------------------------------------------------------------- reports
@dataclass(frozen=True)
class WaitlistSummary:
    """Requests for a period: how many wait, were met later, expired or were cancelled, and
    the mean time the met ones waited."""

    waiting: int
    booked: int
    expired: int
    cancelled: int
    mean_wait_hours: float | None

    def to_json(self) -> dict[str, Any]:
        return {"waiting": self.waiting, "met_later": self.booked, "expired": self.expired,
                "cancelled": self.cancelled, "mean_wait_hours": self.mean_wait_hours}


def summary(app: Any, *, site: str | None, first: dt.date, last: dt.date) -> WaitlistSummary:
    """The waitlist beside unmet demand, for ``first``..``last`` (the site's days)."""
    with read_tx(app.engine) as conn:
        actor = actor_of(conn, app.login)
        permissions.require_admin_action(actor, "reports")
        site_ = site_info(conn, code=site) if site else None
        tz = site_.tz if site_ else "Europe/London"
        lo, hi = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
        rows = {r.status: r for r in wq.demand_summary(conn, site_id=site_.id if site_ else None,
                                                       lo=utc(lo), hi=utc(hi))}

    def n(status: str) -> int:
        return int(rows[status].n) if status in rows else 0

    booked = n("booked")
    mean = (round(float(rows["booked"].waited_s or 0) / booked / 3600, 1) if booked else None)
    return WaitlistSummary(waiting=n("waiting"), booked=booked, expired=n("expired"),
                           cancelled=n("cancelled"), mean_wait_hours=mean)


def summary_lines(app: Any, *, sites: Sequence[str], first: dt.date, last: dt.date) -> str:
    """One line per site (or one for every site) saying what became of the waitlist."""
    lines = []
    chosen: list[str | None] = list(sites) or [None]
    for site in chosen:
        s = summary(app, site=site, first=first, last=last)
        wait = f" (waited {s.mean_wait_hours:.1f} h on average)" if s.booked else ""
        lines.append(f"Waitlist{' at ' + site if site else ''}: {s.waiting} waiting, "
                     f"{s.booked} met later{wait}, {s.expired} expired, "
                     f"{s.cancelled} cancelled.")
    return "\n".join(lines)


__all__ = ["STATUSES", "WaitInfo", "WaitlistSummary", "cancel", "expire", "fill_freed",
           "fill_reopened", "fill_slot", "requests", "summary", "summary_lines", "wait"]
