"""Change this date of a series and every later confirmed one together: new wall-clock times
on each one's own date (09:00 stays 09:00 across a clock change), another space or
organisation, or new details.

Two steps in one write transaction: :func:`_plan_following` reads the dates, places each one
and checks every rule and clash (writing nothing); :func:`_apply_following` splits the series
when the time, space or organisation changes and writes every date, conditional on it being
as read. All or nothing; a refusal lists every clash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from booking import allocations, permissions, series
from booking.change import Changes, load_booking, new_interval
from booking.context import Context
from booking.errors import Conflict, InvalidInput, RaceConflict, RuleViolation
from booking.models import MAX_BOOKING_MINUTES, Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.recurrence import Occurrence, describe, place
from booking.timeutil import to_local, utc, wall
from db import series as series_queries
from db import status as status_queries
from db.engine import Row, Tx


def _wall_minutes(value: dt.datetime, tz: str, day: dt.date) -> int:
    w = wall(value, tz)
    return (w.date() - day).days * 1440 + w.hour * 60 + w.minute


@dataclass
class Following:
    """This date of a series and the later ones, worked out and checked before anything is
    written: each target row with its new occurrence, by space."""

    actor: Actor
    row: Row
    srow: Row
    tz: str
    start_min: int
    minutes: int
    org: OrgInfo
    new_space: SpaceInfo | None
    site: SiteInfo | None = None
    targets: list[Row] = field(default_factory=list)
    spaces: dict[str, SpaceInfo] = field(default_factory=dict)
    moves: dict[int, Occurrence] = field(default_factory=dict)
    by_space: dict[str, list[Occurrence]] = field(default_factory=dict)

    @property
    def retimed(self) -> bool:
        return any((self.moves[r.id].start, self.moves[r.id].end) != (r.start_at, r.end_at)
                   for r in self.targets)


def change_following(ctx: Context, booking_id: int, changes: Changes | None = None, *,
                     override: str | None = None,
                     times: tuple[int, int] | None = None, **fields: Any) -> series.SeriesResult:
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
    now = ctx.now()
    try:
        with ctx.writing() as conn:
            plan = _plan_following(ctx, conn, booking_id, ch, times, now, override=override)
            overridden: list[allocations.Breach] = []
            assert plan.site is not None
            for code, occs in plan.by_space.items():
                overridden += allocations.enforce(
                    conn, actor=plan.actor, org=plan.org, site=plan.site,
                    kind=plan.spaces[code].kind, intervals=series.intervals(occs),
                    override=override, exclude_ids=list(plan.moves))
            return _apply_following(conn, plan, ch, now, booking_id=booking_id,
                                    override=override if overridden else None,
                                    overridden=overridden, view=ctx.view)
    except RaceConflict as race:  # PostgreSQL caught a clash made at the same moment
        raise Conflict(f"Booking #{booking_id}'s new times were booked by someone else at the "
                       "same moment; look again and try once more.") from race


def _plan_following(ctx: Context, conn: Tx, booking_id: int, ch: Changes,
                    times: tuple[int, int] | None, now: dt.datetime, *,
                    override: str | None) -> Following:
    """Read the date and its series, work out every later date's new times and check every
    rule and clash; raises the refusal. Writes nothing."""
    actor = ctx.load_actor(conn)
    row = load_booking(conn, booking_id, lock=True)
    permissions.require_booking_action(actor, "move", row.org_id, row.org_code)
    allocations.check_override(actor, override)
    if row.series_id is None:
        raise InvalidInput(f"Booking #{booking_id} is not part of a series; change it "
                           "without --following.")
    series.not_started(row, now)
    srow = series_queries.series_row(conn, row.series_id)
    assert srow is not None
    start_min, end_min = _new_minutes(ctx, row, ch, times, srow.tz)
    if end_min <= start_min:
        raise RuleViolation("The end must be after the start.")
    org = ctx.lookup_org(conn, ch.org) if ch.org else ctx.lookup_org(conn, row.org_code)
    if org.id != row.org_id:
        permissions.require_booking_action(actor, "book", org.id, org.code)
    plan = Following(actor=actor, row=row, srow=srow, tz=srow.tz, start_min=start_min,
                     minutes=end_min - start_min, org=org,
                     new_space=ctx.lookup_space(conn, ch.space) if ch.space else None)
    candidates = [r for r in series_queries.series_bookings(conn, [row.series_id])
                  if r.status == "confirmed" and r.start_at > now
                  and r.start_at >= row.start_at]
    plan.targets = [r for r in status_queries.locked_rows(conn, [r.id for r in candidates])
                    if r.status == "confirmed"]
    _place_dates(ctx, conn, plan, ch, now)
    _refuse_clashes(conn, plan)
    return plan


def _new_minutes(ctx: Context, row: Row, ch: Changes, times: tuple[int, int] | None,
                 tz: str) -> tuple[int, int]:
    """The new start and end as minutes after midnight of this date's day."""
    if times is not None:
        return times
    day = to_local(row.start_at, tz).date()
    s, e = new_interval(ctx, row, ch, tz)
    if to_local(s, tz).date() != day:
        raise InvalidInput(
            "With --following every date keeps its day and takes the new times: "
            f"give --start on {day.isoformat()} (this date), or change the dates "
            "one at a time.")
    return _wall_minutes(s, tz, day), _wall_minutes(e, tz, day)


def _place_dates(ctx: Context, conn: Tx, plan: Following, ch: Changes,
                 now: dt.datetime) -> None:
    """Each target's new occurrence on its own day, checked by the rules of a new booking."""
    tz = plan.tz
    for r in plan.targets:
        sp = plan.new_space or plan.spaces.get(r.space_code) or ctx.lookup_space(
            conn, r.space_code)
        plan.spaces[sp.code] = sp
        if plan.site is None:
            plan.site = ctx.lookup_site(conn, id=sp.site_id)
        d = to_local(r.start_at, tz).date()
        occ = place(dt.datetime(d.year, d.month, d.day) + dt.timedelta(
            minutes=plan.start_min), plan.minutes, tz)
        if not occ.exists:
            raise RuleViolation(
                f"{occ.local_start:%H:%M} does not exist in {tz} on {d.isoformat()} "
                "(the clocks go forward); nothing was changed.")
        series.check_rules(occ, space=sp, site=plan.site, org=plan.org,
                      attendees=r.attendees if ch.attendees is None else ch.attendees,
                      confidential=bool(r.confidential) if ch.confidential is None
                      else ch.confidential, now=now)
        plan.moves[r.id] = occ
        plan.by_space.setdefault(sp.code, []).append(occ)


def _refuse_clashes(conn: Tx, plan: Following) -> None:
    """:class:`~booking.series.SeriesConflict` listing every date the change would clash on
    (the dates being changed do not clash with their own old times)."""
    exclude = frozenset(plan.moves)
    clashes: list[series.Clash] = []
    for code, occs in plan.by_space.items():
        held = series_queries.active_overlapping(conn, plan.spaces[code].id,
                                                 series.intervals(occs),
                                                 max_minutes=MAX_BOOKING_MINUTES)
        clashes += series.split_clashes(occs, held, plan.tz, plan.org.code, exclude)[1]
    if not clashes:
        return
    srow = plan.srow
    refused = series.SeriesPlan(space=plan.row.space_code, tz=plan.tz, rule=srow.rrule,
                           dtstart_local=dt.datetime.fromisoformat(srow.dtstart_local),
                           duration_min=plan.minutes, description="", free=[],
                           clashes=clashes, skipped=[])
    lines = [f"The change clashes on {len(refused.clash_days)} of the "
             f"{len(plan.targets)} dates; nothing was changed:"]
    lines += [f"  {c.describe()}" for c in clashes]
    raise series.SeriesConflict("\n".join(lines), refused)


def _apply_following(conn: Tx, plan: Following, ch: Changes, now: dt.datetime, *,
                     booking_id: int, override: str | None,
                     overridden: list[allocations.Breach],
                     view: Callable[[Any, Actor], BookingView]) -> series.SeriesResult:
    """Write a checked :class:`Following`: split the series when the time, space or
    organisation changes, then every date, conditional on it being as read, with its audit
    record."""
    row, srow, actor, org = plan.row, plan.srow, plan.actor, plan.org
    new_id = srow.id
    if plan.retimed or plan.new_space is not None or org.id != row.org_id:
        new_id = series.split_series(conn, srow, plan.targets, plan.start_min, plan.minutes, actor,
                                now)
        extra: dict[str, Any] = {}
        if plan.new_space is not None:
            extra["space_id"] = plan.new_space.id
        if org.id != row.org_id:
            extra["org_id"] = org.id
        if extra and new_id != srow.id:
            series_queries.update_series(conn, new_id, extra)
    reason = (f"series #{row.series_id}: this date and following, from booking #{booking_id}"
              + (f"; {override}" if override else ""))
    audits = [_write_date(conn, plan, r, ch, new_id, now, reason) for r in plan.targets]
    series_queries.add_audits(conn, audits)
    if override:
        for r in plan.targets:
            allocations.audit_override(conn, at=now, actor=actor, booking_id=r.id,
                                       found=overridden, reason=override)
    wanted = {r.id for r in plan.targets}
    views = [view(r, actor) for r in series_queries.series_bookings(conn, [new_id])
             if r.id in wanted]
    nrow = series_queries.series_row(conn, new_id)
    assert nrow is not None
    return series.SeriesResult(series=new_id, booked=views, description=describe(
        nrow.rrule, dt.datetime.fromisoformat(nrow.dtstart_local), nrow.duration_min))


def _write_date(conn: Tx, plan: Following, r: Row, ch: Changes, series_id: int,
                now: dt.datetime, reason: str) -> dict[str, Any]:
    """Write one date's new values if it is still as read; its audit record."""
    occ = plan.moves[r.id]
    assert occ.start is not None and occ.end is not None
    sp = plan.new_space or plan.spaces[r.space_code]
    values: dict[str, Any] = {
        "start_at": occ.start, "end_at": occ.end, "series_id": series_id,
        "space_id": sp.id, "org_id": plan.org.id,
        "moved_from": _replanned(r, plan.start_min, plan.tz, occ.start)}
    if ch.attendees is not None:
        values["attendees"] = ch.attendees
    if ch.purpose is not None:
        values["purpose"] = ch.purpose.strip()
    if ch.confidential is not None:
        values["confidential"] = ch.confidential
    if not status_queries.update_if_unchanged(conn, r, {**values, "updated_at": now}):
        raise Conflict(f"Booking #{r.id} changed while this change was being "
                       "saved; nothing was changed.")
    before, after = _diff(r, values, sp.code, plan.org.code)
    return dict(at=now, actor=plan.actor.login, action="change", entity="booking",
                entity_id=r.id, before=before, after=after, reason=reason)


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


__all__ = ["Following", "change_following"]
