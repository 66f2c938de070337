"""Fair shares: an organisation's allocation of one kind of space at one site.

An allocation caps the hours per week (weeks run Monday to Sunday in the site's local time) and
/or the number of spaces held at once, pooled across all the organisation's staff. Only
confirmed and checked-in bookings count, so cancelling, releasing or a no-show gives the hours
back. The pure functions here work on plain intervals; :func:`enforce` runs inside the caller's
write transaction so the check and the insert cannot race.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pendulum

from booking import limits, permissions
from booking.errors import InvalidInput, NotFound, NotPermitted, RuleViolation
from booking.models import KIND_LABELS, KINDS, MAX_BOOKING_MINUTES, Actor, OrgInfo, SiteInfo
from booking.timeutil import parse_date, to_local, utc
from db import allocations as qa
from db import queries as q
from db.engine import read_tx, write_tx
from db.tx import Engine, Tx

Interval = tuple[dt.datetime, dt.datetime]
EPSILON = 1e-9
_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class AllocationInfo:
    """How much of one kind of space at one site an organisation may hold."""

    id: int
    org: str
    site: str
    kind: str
    hours_per_week: float | None
    max_at_once: int | None

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "site": self.site, "kind": self.kind,
                "hours_per_week": self.hours_per_week, "max_at_once": self.max_at_once}


@dataclass(frozen=True)
class Breach:
    """One way a request would exceed an allocation, with the numbers."""

    limit_kind: str  # "hours" or "at-once"
    message: str
    limit: float
    used: float
    needed: float
    week: dt.date | None = None  # the Monday, for "hours"
    at: dt.datetime | None = None  # the busiest instant (UTC), for "at-once"

    def to_json(self) -> dict[str, Any]:
        return {"limit": self.limit_kind, "allowed": self.limit, "used": self.used,
                "needed": self.needed,
                "week": self.week.isoformat() if self.week else None,
                "at": self.at.isoformat() if self.at else None, "message": self.message}


@dataclass(frozen=True)
class UsageRow:
    """An allocation against its use in one week."""

    org: str
    site: str
    kind: str
    week: dt.date
    hours_per_week: float | None
    hours_used: float
    max_at_once: int | None
    peak_at_once: int

    def to_json(self) -> dict[str, Any]:
        return {"org": self.org, "site": self.site, "kind": self.kind,
                "week": self.week.isoformat(), "hours_per_week": self.hours_per_week,
                "hours_used": round(self.hours_used, 2), "max_at_once": self.max_at_once,
                "peak_at_once": self.peak_at_once}


# ----------------------------------------------------------------- pure functions
def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@lru_cache(maxsize=512)
def week_bounds(monday: dt.date, tz: str) -> Interval:
    """The UTC instants of local midnight starting ``monday`` and the next Monday."""
    nxt = monday + dt.timedelta(days=7)
    lo = pendulum.datetime(monday.year, monday.month, monday.day, tz=tz)
    hi = pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=tz)
    return utc(lo), utc(hi)


def weeks_touched(intervals: Sequence[Interval], tz: str) -> list[dt.date]:
    """The Mondays of every local week that any of ``intervals`` has time in."""
    out: set[dt.date] = set()
    zone = ZoneInfo(tz)
    for s, e in intervals:
        monday = week_monday(s.astimezone(zone).date())
        last = (e - dt.timedelta(microseconds=1)).astimezone(zone).date()
        while monday <= last:
            out.add(monday)
            monday += dt.timedelta(days=7)
    return sorted(out)


def hours_within(intervals: Sequence[Interval], lo: dt.datetime, hi: dt.datetime) -> float:
    """Hours of ``intervals`` falling inside ``[lo, hi)``: a booking spanning two weeks counts
    its part in each."""
    total = 0.0
    for s, e in intervals:
        a, b = max(s, lo), min(e, hi)
        if b > a:
            total += (b - a).total_seconds() / 3600
    return total


def peak(intervals: Sequence[Interval],
         within: Sequence[Interval]) -> tuple[int, dt.datetime | None]:
    """The most of ``intervals`` overlapping at one instant inside any of ``within``, and that
    instant (half-open: one ending at 10:00 and one starting at 10:00 are not at once).

    One sweep over the start and end events: the count changes only at them, so the peak
    inside a window is at the window's start or at a start inside it."""
    spans: list[Interval] = []  # ``within`` merged into disjoint, sorted windows
    for ws, we in sorted(within):
        if spans and ws <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], we))
        else:
            spans.append((ws, we))

    def inside(t: dt.datetime) -> bool:
        i = bisect_right(spans, (t, _FAR)) - 1
        return i >= 0 and spans[i][0] <= t < spans[i][1]

    candidates = {ws for ws, _ in within} | {s for s, _ in intervals if inside(s)}
    # ends (-1) sort before starts (+1) at the same instant: half-open intervals
    marks: list[tuple[dt.datetime, int]] = [(s, 1) for s, _ in intervals]
    marks += [(e, -1) for _, e in intervals] + [(t, 0) for t in candidates]
    events = sorted(marks, key=lambda ev: (ev[0], ev[1] != -1, ev[1]))
    best, when, count = 0, None, 0
    for t, delta in events:
        count += delta
        if delta >= 0 and t in candidates and count > best:
            best, when = count, t
    return best, when


def _num(x: float) -> str:
    return f"{x:g}" if abs(x - round(x, 2)) < EPSILON else f"{x:.2f}"


def breaches(*, org_code: str, kind: str, tz: str, hours_per_week: float | None,
             max_at_once: int | None, existing: Sequence[Interval],
             new: Sequence[Interval],
             hours_used: Callable[[dt.datetime, dt.datetime], float] | None = None,
             ) -> list[Breach]:
    """How adding ``new`` to ``existing`` (both the organisation's active bookings of ``kind``
    at one site) would exceed the allocation; empty when it fits. ``hours_used(lo, hi)``, when
    given, says how many hours the existing bookings hold in a week instead of ``existing``
    (which then need only be those near ``new``, for the spaces-at-once check)."""
    found: list[Breach] = []
    label = KIND_LABELS[kind]
    noun = "this booking needs" if len(new) == 1 else "these bookings need"
    if hours_per_week is not None:
        for monday in weeks_touched(new, tz):
            lo, hi = week_bounds(monday, tz)
            used = round(hours_used(lo, hi) if hours_used else hours_within(existing, lo, hi), 6)
            needed = hours_within(new, lo, hi)
            if used + needed > hours_per_week + EPSILON:
                found.append(Breach(
                    "hours",
                    f"{org_code} has used {_num(used)} of its {_num(hours_per_week)} "
                    f"{label.replace(' ', '-')} hours for the week of "
                    f"{monday.day} {monday.strftime('%b')}; {noun} {_num(needed)}.",
                    limit=hours_per_week, used=used, needed=needed, week=monday,
                ))
    if max_at_once is not None:
        total, when = peak([*existing, *new], new)
        if total > max_at_once and when is not None:
            mine = sum(1 for s, e in new if s <= when < e)
            held = total - mine
            loc = to_local(when, tz)
            found.append(Breach(
                "at-once",
                f"{org_code} may hold {max_at_once} {label}{'s' if max_at_once != 1 else ''} "
                f"at once and already holds {held} at {loc.format('HH:mm')} on "
                f"{loc.format('ddd D MMM')}; {noun} {mine} more.",
                limit=max_at_once, used=held, needed=mine, at=when,
            ))
    return found


# ----------------------------------------------------------------- in a transaction
def check(conn: Tx, *, org: OrgInfo, site: SiteInfo, kind: str,
          intervals: Sequence[Interval], exclude_ids: Sequence[int] = ()) -> list[Breach]:
    """What booking ``intervals`` (UTC, for ``org``, of ``kind`` at ``site``) would exceed.

    Call inside the write transaction that inserts them; ``exclude_ids`` leaves out bookings
    being replaced (a move). A series passes all its occurrences at once."""
    if not intervals:
        return []
    row = qa.allocation_row(conn, org.id, site.id, kind, lock=True)
    if row is None or (row.hours_per_week is None and row.max_at_once is None):
        return []
    near: list[Interval] = []
    if row.max_at_once is not None:
        near = qa.org_kind_intervals(
            conn, org_id=org.id, site_id=site.id, kind=kind,
            start=min(s for s, _ in intervals), end=max(e for _, e in intervals),
            exclude_ids=exclude_ids, max_minutes=MAX_BOOKING_MINUTES)

    def hours_used(lo: dt.datetime, hi: dt.datetime) -> float:
        return qa.org_kind_hours(conn, org_id=org.id, site_id=site.id, kind=kind, start=lo,
                                 end=hi, exclude_ids=exclude_ids,
                                 max_minutes=MAX_BOOKING_MINUTES)

    return breaches(org_code=org.code, kind=kind, tz=site.tz,
                    hours_per_week=row.hours_per_week, max_at_once=row.max_at_once,
                    existing=near, new=list(intervals), hours_used=hours_used)


def enforce(conn: Tx, *, actor: Actor, org: OrgInfo, site: SiteInfo, kind: str,
            intervals: Sequence[Interval], override: str | None = None,
            exclude_ids: Sequence[int] = ()) -> list[Breach]:
    """Refuse (:class:`RuleViolation`, with the numbers) when ``intervals`` would exceed
    ``org``'s allocation, unless ``override`` gives a reason and ``actor`` may override
    (front desk, admin). Returns the breaches overridden, for the audit trail."""
    check_override(actor, override)
    found = check(conn, org=org, site=site, kind=kind, intervals=intervals,
                  exclude_ids=exclude_ids)
    if found and not override:
        extra = (" Front-desk staff or an administrator can override with a reason."
                 if not permissions.may_booking_action(actor, "override", org.id) else
                 " To book anyway, give a reason with --override.")
        raise RuleViolation(" ".join(b.message for b in found) + extra)
    return found


def check_override(actor: Actor, override: str | None) -> None:
    """An override needs a reason and a role allowed to override."""
    if override is None:
        return
    if not override.strip():
        raise InvalidInput("An override needs a reason (--override \"why\").")
    permissions.require_known(actor)
    if not permissions.may_booking_action(actor, "override", actor.org_id or -1):
        raise NotPermitted(
            f"{permissions.role_label(actor)} cannot {permissions.NO_WORDS['override']}."
        )


def audit_override(conn: Tx, *, at: dt.datetime, actor: Actor, booking_id: int,
                   found: Sequence[Breach], reason: str) -> None:
    """Record that a booking went through over its organisation's allocation."""
    q.add_audit(conn, at=at, actor=actor.login, action="override", entity="booking",
                entity_id=booking_id, before={"breaches": [b.to_json() for b in found]},
                after={"booking": booking_id}, reason=reason)


# ----------------------------------------------------------------- use cases
def _actor(conn: Tx, login: str) -> Actor:
    row = q.staff_row(conn, login)
    if row is None or not row.active:
        return Actor(login=login)
    return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                 org_code=row.org_code, role=row.role)


def _info(row: Any) -> AllocationInfo:
    return AllocationInfo(id=row.id, org=row.org_code, site=row.site_code, kind=row.kind,
                          hours_per_week=row.hours_per_week, max_at_once=row.max_at_once)


def set_allocation(app: Any, org: str, *, site: str, kind: str,
                   hours_per_week: float | None = None,
                   max_at_once: int | None = None) -> AllocationInfo | None:
    """Give ``org`` an allocation of ``kind`` at ``site`` (estates, admin). Both limits
    omitted removes it (returns None). Audited with the values before and after."""
    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
    if hours_per_week is not None:
        hours_per_week = limits.bounded_float(hours_per_week, "--hours-per-week",
                                              *limits.HOURS_PER_WEEK)
    if max_at_once is not None:
        max_at_once = limits.bounded_int(max_at_once, "--max-at-once", *limits.MAX_AT_ONCE)
    engine: Engine = app.engine
    now = app.now()
    with write_tx(engine) as conn:
        actor = _actor(conn, app.login)
        permissions.require_admin_action(actor, "manage-allocations")
        org_row = q.org_row(conn, code=org)
        if org_row is None:
            raise NotFound(f"There is no organisation '{org}'.")
        site_row = q.site_row(conn, code=site)
        if site_row is None:
            raise NotFound(f"There is no site '{site}'.")
        existing = qa.allocation_row(conn, org_row.id, site_row.id, kind)
        values = {"hours_per_week": hours_per_week, "max_at_once": max_at_once}
        key = {"org": org_row.code, "site": site_row.code, "kind": kind}
        if existing is not None:
            before = {**key, "hours_per_week": existing.hours_per_week,
                      "max_at_once": existing.max_at_once}
            if hours_per_week is None and max_at_once is None:
                qa.delete_allocation(conn, existing.id)
                q.add_audit(conn, at=now, actor=actor.login, action="delete",
                            entity="allocation", entity_id=existing.id, before=before)
                return None
            qa.update_allocation(conn, existing.id, values)
            q.add_audit(conn, at=now, actor=actor.login, action="update", entity="allocation",
                        entity_id=existing.id, before=before, after={**key, **values})
            alloc_id = existing.id
        else:
            if hours_per_week is None and max_at_once is None:
                raise InvalidInput("Give --hours-per-week and/or --max-at-once.")
            alloc_id = qa.insert_allocation(conn, {"org_id": org_row.id,
                                                   "site_id": site_row.id, "kind": kind,
                                                   **values})
            q.add_audit(conn, at=now, actor=actor.login, action="create", entity="allocation",
                        entity_id=alloc_id, after={**key, **values})
        row = qa.allocation_row(conn, org_row.id, site_row.id, kind)
        assert row is not None and row.id == alloc_id
        return _info(row)


def list_allocations(app: Any, *, site: str | None = None) -> list[AllocationInfo]:
    """Every allocation (any known staff member may read them; they are not private)."""
    with read_tx(app.engine) as conn:
        permissions.require_known(_actor(conn, app.login))
        site_id = None
        if site:
            row = q.site_row(conn, code=site)
            if row is None:
                raise NotFound(f"There is no site '{site}'.")
            site_id = row.id
        return [_info(r) for r in qa.allocation_rows(conn, site_id=site_id)]


def usage(app: Any, *, site: str, week: str | dt.date) -> list[UsageRow]:
    """Each allocation at ``site`` against its use in the week (Monday to Sunday, local) that
    contains ``week``. Reports roles see every organisation; an adviser sees their own."""
    day = parse_date(week) if isinstance(week, str) else week
    monday = week_monday(day)
    with read_tx(app.engine) as conn:
        actor = _actor(conn, app.login)
        permissions.require_known(actor)
        only_org: int | None = None
        if not permissions.may_admin_action(actor, "reports"):
            if actor.role != "adviser":
                permissions.require_admin_action(actor, "reports")
            only_org = actor.org_id
        site_row = q.site_row(conn, code=site)
        if site_row is None:
            raise NotFound(f"There is no site '{site}'.")
        lo, hi = week_bounds(monday, site_row.tz)
        out: list[UsageRow] = []
        for r in qa.allocation_rows(conn, site_id=site_row.id, org_id=only_org):
            used = qa.org_kind_intervals(conn, org_id=r.org_id, site_id=r.site_id, kind=r.kind,
                                         start=lo, end=hi, max_minutes=MAX_BOOKING_MINUTES)
            most, _ = peak(used, [(lo, hi)])
            out.append(UsageRow(org=r.org_code, site=r.site_code, kind=r.kind, week=monday,
                                hours_per_week=r.hours_per_week,
                                hours_used=hours_within(used, lo, hi),
                                max_at_once=r.max_at_once, peak_at_once=most))
        return out
