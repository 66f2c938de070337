"""Change a booking: move it (another time, day or space), extend or shorten it, hand it to
another organisation, or correct its attendees, purpose or confidential flag.

A change is one write transaction that applies every rule of a new booking to the result
(:func:`booking.rules.check_booking`: hours, grid, length, capacity, privacy, advance window,
restrictions; :func:`booking.allocations.enforce` with the booking's own old hours freed),
checks clashes excluding the booking itself (on PostgreSQL the exclusion constraint has the
last word) and writes one audit record with the values before and after. The booking is read
locked and written only if it is still as read, so two terminals can never both change it.
A refusal leaves the booking exactly as it was.

Only a confirmed booking that has not ended may move. Once it has started, its start, space
and organisation stay; its end (extend, shorten) and its details may still change, also when
it is checked in. A date of a series changed on its own stays in its series, marked as moved
(``moved_from``: the iCalendar export writes it as an exception of the rule);
:func:`change_following` changes this date and the later ones together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from booking import allocations, horizon, limits, permissions, rules, waitlist
from booking import series as S
from booking.errors import Conflict, InvalidInput, NotFound, RaceConflict, RuleViolation
from booking.models import MAX_BOOKING_MINUTES, Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.recurrence import Occurrence, describe, place
from booking.timeutil import human_span, to_local, utc, wall
from db import queries as q
from db import series as sq
from db import status as sst
from db.engine import read_tx, write_tx

if TYPE_CHECKING:
    from booking.service import Cospace

Time = str | dt.datetime | None
#: Statuses whose end and details may still change (a checked-in session runs over).
CHANGEABLE = ("confirmed", "checked_in")


@dataclass(frozen=True)
class Changes:
    """What to change; None leaves a field as it is. ``start`` alone keeps the length,
    ``end`` alone keeps the start (``HH:MM`` is on the start's day)."""

    start: Time = None
    end: Time = None
    space: str | None = None
    org: str | None = None
    attendees: int | None = None
    purpose: str | None = None
    confidential: bool | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in (self.start, self.end, self.space, self.org,
                                       self.attendees, self.purpose, self.confidential))


@dataclass
class Plan:
    """A change worked out and checked, before it is written."""

    row: Row
    actor: Actor
    space: SpaceInfo
    site: SiteInfo
    org: OrgInfo
    start: dt.datetime
    end: dt.datetime
    values: dict[str, Any] = field(default_factory=dict)  # the columns that change
    before: dict[str, Any] = field(default_factory=dict)  # for the audit record
    after: dict[str, Any] = field(default_factory=dict)
    overridden: list[allocations.Breach] = field(default_factory=list)

    @property
    def moves(self) -> bool:
        return any(k in self.values for k in ("start_at", "end_at", "space_id", "org_id"))


def _times(app: Cospace, row: Row, ch: Changes, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The new interval: ``start`` alone keeps the length, ``end`` alone keeps the start."""
    if ch.start is None and ch.end is None:
        return row.start_at, row.end_at
    if ch.end is None:
        s, _ = app._times(ch.start, row.end_at, tz)  # type: ignore[arg-type]
        return s, s + (row.end_at - row.start_at)
    if ch.start is None:
        return app._times(row.start_at, ch.end, tz)
    return app._times(ch.start, ch.end, tz)


def _load(conn: Connection, booking_id: int, lock: bool) -> Row:
    rows = sst.locked_rows(conn, [booking_id]) if lock else [
        r for r in [q.booking_row(conn, booking_id)] if r is not None]
    if not rows:
        raise NotFound(f"There is no booking #{booking_id}.")
    return rows[0]


def _when(row: Row) -> str:
    return human_span(row.start_at, row.end_at, row.tz)


def _plan(app: Cospace, conn: Connection, booking_id: int, ch: Changes, now: dt.datetime,
          *, override: str | None, lock: bool) -> Plan:
    """Read the booking, work out the change and apply every rule to it; raises the refusal.
    Writes nothing."""
    if ch.empty:
        raise InvalidInput("Say what to change: --start, --end, --space, --org, --attendees, "
                           "--purpose or --confidential/--not-confidential.")
    actor = app._load_actor(conn)
    row = _load(conn, booking_id, lock)
    permissions.require_booking_action(actor, "move", row.org_id, row.org_code)
    allocations.check_override(actor, override)
    if row.status not in CHANGEABLE:
        word = row.status.replace("_", "-")
        raise RuleViolation(f"Booking #{row.id} is {word}; only a confirmed booking can be "
                            "changed (undo the mark first).")
    if row.end_at <= now:
        raise RuleViolation(f"Booking #{row.id} ({_when(row)}) is over; it cannot be changed.")
    space = app._space(conn, ch.space) if ch.space else app._space(conn, row.space_code)
    site = app._site(conn, id=space.site_id)
    org = app._org(conn, ch.org) if ch.org else app._org(conn, row.org_code)
    if org.id != row.org_id:
        permissions.require_booking_action(actor, "book", org.id, org.code)
    s, e = _times(app, row, ch, site.tz)
    attendees = (row.attendees if ch.attendees is None
                 else limits.bounded_int(ch.attendees, "Attendees", *limits.ATTENDEES))
    purpose = (row.purpose if ch.purpose is None
               else limits.free_text(ch.purpose, "purpose", limits.TEXT_LIMITS["purpose"]))
    confidential = bool(row.confidential) if ch.confidential is None else ch.confidential
    started = row.start_at <= now
    moved = s != row.start_at or space.id != row.space_id or org.id != row.org_id
    if started and moved:
        what = ("its start stays" if s != row.start_at else
                "it stays in its space" if space.id != row.space_id else
                "it stays with its organisation")
        raise RuleViolation(
            f"Booking #{row.id} started at {to_local(row.start_at, row.tz):HH:mm}; {what}: "
            "only its end (extend, shorten) and its details can change now.")
    if row.status != "confirmed" and moved:
        raise RuleViolation(f"Booking #{row.id} is checked in; it can be extended or shortened "
                            "but not moved.")
    if started and e <= now:
        raise RuleViolation(
            f"Booking #{row.id} would end at {to_local(e, row.tz):HH:mm}, which has passed "
            f"(it is now {to_local(now, row.tz):HH:mm}).")
    rules.check_booking(space=space, site=site, org=org, start=s, end=e, attendees=attendees,
                        confidential=confidential, now=now, check_past=not started,
                        horizon_weeks=horizon.weeks(conn))
    plan = Plan(row=row, actor=actor, space=space, site=site, org=org, start=s, end=e)
    new = {"start_at": s, "end_at": e, "space_id": space.id, "org_id": org.id,
           "attendees": attendees, "purpose": purpose, "confidential": confidential}
    names = {"space_id": ("space", row.space_code, space.code),
             "org_id": ("org", row.org_code, org.code)}
    for key, value in new.items():
        old = bool(row.confidential) if key == "confidential" else getattr(row, key)
        if value == old:
            continue
        plan.values[key] = value
        label, was, now_ = names.get(key, (key, old, value))
        plan.before[label], plan.after[label] = was, now_
    if not plan.values:
        return plan
    if "start_at" in plan.values or "end_at" in plan.values or "space_id" in plan.values:
        app._refuse_clash(conn, space, site, s, e, exclude_id=row.id)
        if row.series_id is not None:  # a date of a series changed on its own: an exception
            plan.values["moved_from"] = row.moved_from or row.start_at
    kept_within = (org.id == row.org_id and space.site_code == row.site_code
                   and space.kind == row.kind and row.start_at <= s and e <= row.end_at)
    if plan.moves and not kept_within:  # a shortening in place never needs more allocation
        plan.overridden = allocations.enforce(
            conn, actor=actor, org=org, site=site, kind=space.kind, intervals=[(s, e)],
            override=override, exclude_ids=[row.id])
    return plan


def check_change(app: Cospace, booking_id: int, changes: Changes, *,
                 override: str | None = None) -> tuple[dt.datetime, dt.datetime, str]:
    """What :func:`change_booking` would make of the booking (start, end, space), with every
    rule and the clash check applied, writing nothing: the terminal app's live check.
    Raises the refusal saving would give."""
    with read_tx(app.engine) as conn:
        plan = _plan(app, conn, booking_id, changes, app.now(), override=override, lock=False)
        return plan.start, plan.end, plan.space.code


def change_booking(app: Cospace, booking_id: int, changes: Changes | None = None, *,
                   override: str | None = None, **fields: Any) -> BookingView:
    """Change one booking (``changes``, or the same fields as keywords) in one write
    transaction; returns it as the acting person may see it. Nothing that needs no change is
    written; a request that changes nothing writes nothing and returns the booking."""
    ch = changes or Changes(**fields)
    now = app.now()
    plan = None
    try:
        with write_tx(app.engine) as conn:
            plan = _plan(app, conn, booking_id, ch, now, override=override, lock=True)
            row, actor = plan.row, plan.actor
            if plan.values:
                if not sst.update_if_unchanged(conn, row, {**plan.values, "updated_at": now}):
                    raise Conflict(f"Booking #{row.id} changed while this change was being "
                                   "saved; look again.")
                reason = override if plan.overridden and override else ""
                if row.series_id is not None and plan.moves:
                    reason = (f"series #{row.series_id}, this date only"
                              + (f"; {reason}" if reason else ""))
                q.add_audit(conn, at=now, actor=actor.login, action="change",
                            entity="booking", entity_id=row.id, before=plan.before,
                            after=plan.after, reason=reason)
                if plan.overridden and override:
                    allocations.audit_override(conn, at=now, actor=actor, booking_id=row.id,
                                               found=plan.overridden, reason=override)
                if plan.moves:  # the old slot is free: the waitlist may take it
                    waitlist.fill_freed(conn, [row], now)
            new = q.booking_row(conn, booking_id)
            assert new is not None
            return app._view(new, actor)
    except RaceConflict as exc:
        if plan is None:
            raise
        raise app._constraint_conflict(exc.__cause__ or exc, plan.space.code, plan.start, plan.end,
                                       exclude_id=booking_id) from exc


# --------------------------------------------------------------------------- following
def _wall_minutes(value: dt.datetime, tz: str, day: dt.date) -> int:
    w = wall(value, tz)
    return (w.date() - day).days * 1440 + w.hour * 60 + w.minute


def change_following(app: Cospace, booking_id: int, changes: Changes | None = None, *,
                     override: str | None = None,
                     times: tuple[int, int] | None = None, **fields: Any) -> S.SeriesResult:
    """Change this date of a series and every later confirmed one together: new wall-clock
    times (on each one's own date, so 09:00 stays 09:00 across a clock change), space,
    organisation or details. Every date is checked; all or nothing, with every clash listed
    (:class:`~booking.series.SeriesConflict`). A change of time, space or organisation splits
    the series: the earlier dates keep the old rule, the changed ones form a new series.
    ``times`` gives the new times as minutes after midnight instead of ``start``/``end``."""
    ch = changes or Changes(**fields)
    if ch.empty and times is None:
        raise InvalidInput("Say what to change: --start, --end, --space, --org, --attendees, "
                           "--purpose or --confidential/--not-confidential.")
    now = app.now()
    try:
        with write_tx(app.engine) as conn:
            actor = app._load_actor(conn)
            row = _load(conn, booking_id, lock=True)
            permissions.require_booking_action(actor, "move", row.org_id, row.org_code)
            allocations.check_override(actor, override)
            if row.series_id is None:
                raise InvalidInput(f"Booking #{booking_id} is not part of a series; change it "
                                   "without --following.")
            S._not_started(row, now)
            srow = sq.series_row(conn, row.series_id)
            assert srow is not None
            tz = srow.tz
            day = to_local(row.start_at, tz).date()
            if times is not None:
                start_min, end_min = times
            else:
                s, e = _times(app, row, ch, tz)
                if to_local(s, tz).date() != day:
                    raise InvalidInput(
                        "With --following every date keeps its day and takes the new times: "
                        f"give --start on {day.isoformat()} (this date), or change the dates "
                        "one at a time.")
                start_min, end_min = _wall_minutes(s, tz, day), _wall_minutes(e, tz, day)
            minutes = end_min - start_min
            if minutes <= 0:
                raise RuleViolation("The end must be after the start.")
            org = app._org(conn, ch.org) if ch.org else app._org(conn, row.org_code)
            if org.id != row.org_id:
                permissions.require_booking_action(actor, "book", org.id, org.code)
            new_space = app._space(conn, ch.space) if ch.space else None
            candidates = [r for r in sq.series_bookings(conn, [row.series_id])
                          if r.status == "confirmed" and r.start_at > now
                          and r.start_at >= row.start_at]
            targets = [r for r in sst.locked_rows(conn, [r.id for r in candidates])
                       if r.status == "confirmed"]
            spaces: dict[str, SpaceInfo] = {}
            moves: dict[int, Occurrence] = {}
            by_space: dict[str, list[Occurrence]] = {}
            site: SiteInfo | None = None
            for r in targets:
                sp = new_space or spaces.get(r.space_code) or app._space(conn, r.space_code)
                spaces[sp.code] = sp
                site = app._site(conn, id=sp.site_id) if site is None else site
                d = to_local(r.start_at, tz).date()
                occ = place(dt.datetime(d.year, d.month, d.day) + dt.timedelta(
                    minutes=start_min), minutes, tz)
                if not occ.exists:
                    raise RuleViolation(
                        f"{occ.local_start:%H:%M} does not exist in {tz} on {d.isoformat()} "
                        "(the clocks go forward); nothing was changed.")
                S._check_rules(occ, space=sp, site=site, org=org,
                               attendees=r.attendees if ch.attendees is None else ch.attendees,
                               confidential=bool(r.confidential) if ch.confidential is None
                               else ch.confidential, now=now)
                moves[r.id] = occ
                by_space.setdefault(sp.code, []).append(occ)
            assert site is not None
            exclude = frozenset(moves)
            clashes: list[S.Clash] = []
            for code, occs in by_space.items():
                held = sq.active_overlapping(conn, spaces[code].id,
                                             [(o.start, o.end) for o in occs],  # type: ignore[misc]
                                             max_minutes=MAX_BOOKING_MINUTES)
                clashes += S.sweep(occs, held, tz, org.code, exclude)[1]
            if clashes:
                plan = S.SeriesPlan(space=row.space_code, tz=tz, rule=srow.rrule,
                                    dtstart_local=dt.datetime.fromisoformat(srow.dtstart_local),
                                    duration_min=minutes, description="", free=[],
                                    clashes=clashes, skipped=[])
                lines = [f"The change clashes on {len(plan.clash_days)} of the "
                         f"{len(targets)} dates; nothing was changed:"]
                lines += [f"  {c.describe()}" for c in clashes]
                raise S.SeriesConflict("\n".join(lines), plan)
            overridden: list[allocations.Breach] = []
            for code, occs in by_space.items():
                overridden += allocations.enforce(
                    conn, actor=actor, org=org, site=site, kind=spaces[code].kind,
                    intervals=[(o.start, o.end) for o in occs],  # type: ignore[misc]
                    override=override, exclude_ids=list(moves))
            retimed = any((moves[r.id].start, moves[r.id].end) != (r.start_at, r.end_at)
                          for r in targets)
            new_id = srow.id
            if retimed or new_space is not None or org.id != row.org_id:
                new_id = S._split(conn, srow, targets, start_min, minutes, actor, now)
                extra: dict[str, Any] = {}
                if new_space is not None:
                    extra["space_id"] = new_space.id
                if org.id != row.org_id:
                    extra["org_id"] = org.id
                if extra and new_id != srow.id:
                    sq.update_series(conn, new_id, extra)
            audits = []
            for r in targets:
                occ = moves[r.id]
                assert occ.start is not None and occ.end is not None
                sp = new_space or spaces[r.space_code]
                values: dict[str, Any] = {
                    "start_at": occ.start, "end_at": occ.end, "series_id": new_id,
                    "space_id": sp.id, "org_id": org.id,
                    "moved_from": _replanned(r, start_min, tz, occ.start)}
                if ch.attendees is not None:
                    values["attendees"] = ch.attendees
                if ch.purpose is not None:
                    values["purpose"] = ch.purpose.strip()
                if ch.confidential is not None:
                    values["confidential"] = ch.confidential
                if not sst.update_if_unchanged(conn, r, {**values, "updated_at": now}):
                    raise Conflict(f"Booking #{r.id} changed while this change was being "
                                   "saved; nothing was changed.")
                before, after = _diff(r, values, sp.code, org.code)
                audits.append(dict(
                    at=now, actor=actor.login, action="change", entity="booking",
                    entity_id=r.id, before=before, after=after,
                    reason=f"series #{row.series_id}: this date and following, from booking "
                           f"#{booking_id}" + (f"; {override}" if overridden and override
                                               else "")))
            sq.add_audits(conn, audits)
            if overridden and override:
                for r in targets:
                    allocations.audit_override(conn, at=now, actor=actor, booking_id=r.id,
                                               found=overridden, reason=override)
            wanted = {r.id for r in targets}
            views = [app._view(r, actor) for r in sq.series_bookings(conn, [new_id])
                     if r.id in wanted]
            nrow = sq.series_row(conn, new_id)
            assert nrow is not None
            return S.SeriesResult(series=new_id, booked=views, description=describe(
                nrow.rrule, dt.datetime.fromisoformat(nrow.dtstart_local), nrow.duration_min))
    except RaceConflict as exc:
        raise S._constraint(exc.__cause__ or exc, str(booking_id)) from exc


def _replanned(r: Row, start_min: int, tz: str, new_start: dt.datetime) -> dt.datetime | None:
    """A date moved on its own before keeps its mark: its planned date at the new time."""
    if r.moved_from is None:
        return None
    d = to_local(r.moved_from, tz).date()
    planned = place(dt.datetime(d.year, d.month, d.day) + dt.timedelta(minutes=start_min),
                    1, tz).start
    if planned is None or planned == new_start:
        return None
    return utc(planned)


def _diff(r: Row, values: dict[str, Any], space: str, org: str) -> tuple[dict, dict]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key, value in values.items():
        old = bool(r.confidential) if key == "confidential" else getattr(r, key)
        if value == old:
            continue
        label = {"space_id": "space", "org_id": "org"}.get(key, key)
        before[label] = {"space_id": r.space_code, "org_id": r.org_code}.get(key, old)
        after[label] = {"space_id": space, "org_id": org}.get(key, value)
    return before, after


__all__ = ["Changes", "change_booking", "change_following", "check_change"]
