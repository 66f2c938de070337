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
:func:`change_following` (:mod:`booking.following`) changes this date and the later ones
together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from booking import allocations, horizon, limits, permissions, rules, series, waitlist
from booking.context import Context
from booking.errors import Conflict, InvalidInput, NotFound, RaceConflict, RuleViolation
from booking.models import Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.timeutil import human_span, to_local
from db import queries
from db import status as status_queries
from db.engine import Row, Tx

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


def new_interval(ctx: Context, row: Row, ch: Changes, tz: str) -> tuple[dt.datetime, dt.datetime]:
    """The new interval: ``start`` alone keeps the length, ``end`` alone keeps the start."""
    if ch.start is None and ch.end is None:
        return row.start_at, row.end_at
    if ch.end is None:
        assert ch.start is not None
        s, _ = ctx.times(ch.start, row.end_at, tz)
        return s, s + (row.end_at - row.start_at)
    if ch.start is None:
        return ctx.times(row.start_at, ch.end, tz)
    return ctx.times(ch.start, ch.end, tz)


def load_booking(conn: Tx, booking_id: int, lock: bool) -> Row:
    rows = status_queries.locked_rows(conn, [booking_id]) if lock else [
        r for r in [queries.booking_row(conn, booking_id)] if r is not None]
    if not rows:
        raise NotFound(f"There is no booking #{booking_id}.")
    return rows[0]


def _when(row: Row) -> str:
    return human_span(row.start_at, row.end_at, row.tz)


def _plan(ctx: Context, conn: Tx, booking_id: int, ch: Changes, now: dt.datetime,
          *, override: str | None, lock: bool) -> Plan:
    """Read the booking, work out the change and apply every rule to it; raises the refusal.
    Writes nothing."""
    if ch.empty:
        raise InvalidInput("Say what to change: --start, --end, --space, --org, --attendees, "
                           "--purpose or --confidential/--not-confidential.")
    actor = ctx.load_actor(conn)
    row = load_booking(conn, booking_id, lock)
    permissions.require_booking_action(actor, "move", row.org_id, row.org_code)
    allocations.check_override(actor, override)
    if row.status not in CHANGEABLE:
        word = row.status.replace("_", "-")
        raise RuleViolation(f"Booking #{row.id} is {word}; only a confirmed booking can be "
                            "changed (undo the mark first).")
    if row.end_at <= now:
        raise RuleViolation(f"Booking #{row.id} ({_when(row)}) is over; it cannot be changed.")
    space = ctx.lookup_space(conn, ch.space or row.space_code)
    site = ctx.lookup_site(conn, id=space.site_id)
    org = ctx.lookup_org(conn, ch.org or row.org_code)
    if org.id != row.org_id:
        permissions.require_booking_action(actor, "book", org.id, org.code)
    s, e = new_interval(ctx, row, ch, site.tz)
    attendees = (row.attendees if ch.attendees is None
                 else limits.bounded_int(ch.attendees, "Attendees", *limits.ATTENDEES))
    purpose = (row.purpose if ch.purpose is None
               else limits.free_text(ch.purpose, "purpose", limits.TEXT_LIMITS["purpose"]))
    confidential = bool(row.confidential) if ch.confidential is None else ch.confidential
    _refuse_started(row, s, e, space, org, now)
    rules.check_booking(space=space, site=site, org=org, start=s, end=e, attendees=attendees,
                        confidential=confidential, now=now,
                        check_past=not row.start_at <= now,
                        horizon_weeks=horizon.weeks(conn))
    plan = Plan(row=row, actor=actor, space=space, site=site, org=org, start=s, end=e)
    _differences(plan, attendees=attendees, purpose=purpose, confidential=confidential)
    if not plan.values:
        return plan
    if "start_at" in plan.values or "end_at" in plan.values or "space_id" in plan.values:
        ctx.refuse_clash(conn, space, site, s, e, exclude_id=row.id)
        if row.series_id is not None:  # a date of a series changed on its own: an exception
            plan.values["moved_from"] = row.moved_from or row.start_at
    kept_within = (org.id == row.org_id and space.site_code == row.site_code
                   and space.kind == row.kind and row.start_at <= s and e <= row.end_at)
    if plan.moves and not kept_within:  # a shortening in place never needs more allocation
        plan.overridden = allocations.enforce(
            conn, actor=actor, org=org, site=site, kind=space.kind, intervals=[(s, e)],
            override=override, exclude_ids=[row.id])
    return plan


def _refuse_started(row: Row, s: dt.datetime, e: dt.datetime, space: SpaceInfo,
                    org: OrgInfo, now: dt.datetime) -> None:
    """Once a booking has started (or is checked in) only its end and details may change,
    and not to an end already past."""
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


def _differences(plan: Plan, *, attendees: int, purpose: str, confidential: bool) -> None:
    """The columns the change touches, with their values before and after for the audit."""
    row, space, org = plan.row, plan.space, plan.org
    new = {"start_at": plan.start, "end_at": plan.end, "space_id": space.id, "org_id": org.id,
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


def check_change(ctx: Context, booking_id: int, changes: Changes, *,
                 override: str | None = None) -> tuple[dt.datetime, dt.datetime, str]:
    """What :func:`change_booking` would make of the booking (start, end, space), with every
    rule and the clash check applied, writing nothing: the terminal app's live check.
    Raises the refusal saving would give."""
    with ctx.reading() as conn:
        plan = _plan(ctx, conn, booking_id, changes, ctx.now(), override=override, lock=False)
        return plan.start, plan.end, plan.space.code


def change_booking(ctx: Context, booking_id: int, changes: Changes | None = None, *,
                   override: str | None = None, **fields: Any) -> BookingView:
    """Change one booking (``changes``, or the same fields as keywords) in one write
    transaction; returns it as the acting person may see it. Nothing that needs no change is
    written; a request that changes nothing writes nothing and returns the booking."""
    ch = changes or Changes(**fields)
    now = ctx.now()
    plan = None
    try:
        with ctx.writing() as conn:
            plan = _plan(ctx, conn, booking_id, ch, now, override=override, lock=True)
            row, actor = plan.row, plan.actor
            if plan.values:
                written = {**plan.values, "updated_at": now}
                if not status_queries.update_if_unchanged(conn, row, written):
                    raise Conflict(f"Booking #{row.id} changed while this change was being "
                                   "saved; look again.")
                reason = override if plan.overridden and override else ""
                if row.series_id is not None and plan.moves:
                    reason = (f"series #{row.series_id}, this date only"
                              + (f"; {reason}" if reason else ""))
                queries.add_audit(conn, at=now, actor=actor.login, action="change",
                            entity="booking", entity_id=row.id, before=plan.before,
                            after=plan.after, reason=reason)
                if plan.overridden and override:
                    allocations.audit_override(conn, at=now, actor=actor, booking_id=row.id,
                                               found=plan.overridden, reason=override)
                if plan.moves:  # the old slot is free: the waitlist may take it
                    waitlist.fill_freed(conn, [row], now)
            new = queries.booking_row(conn, booking_id)
            assert new is not None
            return ctx.view(new, actor)
    except RaceConflict as race:
        if plan is None:
            raise
        raise ctx.race_refusal(race, plan.space.code, plan.start, plan.end,
                               exclude_id=booking_id) from race


# --------------------------------------------------------------------------- following
def change_following(ctx: Context, booking_id: int, changes: Changes | None = None, *,
                     override: str | None = None,
                     times: tuple[int, int] | None = None, **fields: Any) -> series.SeriesResult:
    """Change this date of a series and every later confirmed one together
    (:func:`booking.following.change_following`)."""
    from booking import following

    return following.change_following(ctx, booking_id, changes, override=override,
                                      times=times, **fields)


__all__ = ["Changes", "change_booking", "change_following", "check_change"]
