"""Recurring bookings: book a series, and change it (cancel one, this and following, or all;
move one; change the time of the following ones).

A series is a row in ``series`` (the RFC 5545 rule, its zone, the first local start and the
length) plus one real ``booking`` row per occurrence, linked by ``series_id``. Booking a series
checks every occurrence's rules and clashes in one pass: one query reads the space's active
bookings over the whole span, and occurrences are also checked against each other. Everything
is written in one write transaction, so a refused series leaves no rows.

These are the functions the CLI and the terminal app call; each takes the use-case
:class:`~booking.context.Context` (a :class:`~booking.service.Cospace`: its store, acting
login and clock).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from booking import allocations, approvals, horizon, limits, permissions, rules
from booking.context import Context
from booking.errors import Conflict, InvalidInput, NotFound, RaceConflict, RuleViolation
from booking.models import MAX_BOOKING_MINUTES, Actor, OrgInfo, SiteInfo, SpaceInfo
from booking.recurrence import Occurrence, Repeat, build_rule, describe, expand
from booking.series_changes import (
    cancel_series,
    move_occurrence,
    not_started,
    retime_following,
    split_series,
)
from booking.series_plan import (
    SCOPES,
    Clash,
    SeriesConflict,
    SeriesInfo,
    SeriesPlan,
    SeriesResult,
    Skipped,
    check_rules,
    intervals,
    representatives,
    split_clashes,
)
from booking.timeutil import parse_date, parse_weekdays, to_local
from booking.views import NewBooking, audit_values, view_of
from db import queries, setup_queries
from db import series as series_queries
from db.engine import Tx


# --------------------------------------------------------------------------- input
def parse_repeat(freq: str, *, every: int = 1, on: str | None = None, until: str | None = None,
                 count: int | None = None) -> Repeat:
    """A :class:`Repeat` from the words a person types (``--on thu,fri --until 2027-03-31``)."""
    freq = (freq or "").strip().lower()
    if freq not in ("weekly", "monthly"):
        raise InvalidInput(f"'{freq}' is not a repeat (weekly or monthly).")
    return Repeat(
        freq=freq, every=every, weekdays=tuple(parse_weekdays(on)) if on else (),
        until=parse_date(until) if until else None, count=count,
    )


# --------------------------------------------------------------------------- planning
def _context(ctx: Context, conn: Tx, space_code: str,
             org: str | None) -> tuple[Actor, SpaceInfo, SiteInfo, OrgInfo]:
    actor = ctx.load_actor(conn)
    permissions.require_known(actor)
    space = ctx.lookup_space(conn, space_code)
    site = ctx.lookup_site(conn, id=space.site_id)
    org_ = ctx.lookup_org(conn, org)
    return actor, space, site, org_


def _first(ctx: Context, start: str | dt.datetime, end: str | dt.datetime,
           tz: str) -> tuple[dt.datetime, int]:
    """The first occurrence's naive local start and its wall-clock length in minutes."""
    s, e = ctx.times(start, end, tz)
    ls, le = to_local(s, tz).naive(), to_local(e, tz).naive()
    minutes = int((le - ls).total_seconds() // 60)
    if minutes <= 0:
        raise RuleViolation(f"The end ({le:%H:%M}) must be after the start ({ls:%H:%M}).")
    return dt.datetime(ls.year, ls.month, ls.day, ls.hour, ls.minute), minutes


def _plan(conn: Tx, *, space: SpaceInfo, site: SiteInfo, org: OrgInfo, rule: str,
          dtstart_local: dt.datetime, duration_min: int, attendees: int, confidential: bool,
          now: dt.datetime) -> SeriesPlan:
    occurrences = expand(rule, dtstart_local, duration_min, site.tz)
    skipped: list[Skipped] = []
    bookable: list[Occurrence] = []
    for occ in occurrences:
        reason = rules.closed_reason(site, occ.day)
        if reason is None and not occ.exists:
            reason = (f"{occ.local_start:%H:%M} does not exist in {site.tz} that day "
                      "(the clocks go forward)")
        if reason is not None:
            skipped.append(Skipped(occ.day, reason))
            continue
        bookable.append(occ)
    for occ in representatives(bookable):
        check_rules(occ, space=space, site=site, org=org, attendees=attendees,
                     confidential=confidential, now=now, horizon_weeks=horizon.weeks(conn))
    clashes: list[Clash] = []
    free = bookable
    if bookable:
        held = series_queries.active_overlapping(
            conn, space.id, intervals(bookable),
            max_minutes=MAX_BOOKING_MINUTES)
        free, clashes = split_clashes(bookable, held, site.tz, org.code)
    return SeriesPlan(
        space=space.code, tz=site.tz, rule=rule, dtstart_local=dtstart_local,
        duration_min=duration_min, description=describe(rule, dtstart_local, duration_min),
        free=free, clashes=clashes, skipped=skipped,
    )


def plan_series(ctx: Context, space_code: str, start: str | dt.datetime,
                end: str | dt.datetime, repeat: Repeat, *, org: str | None = None,
                attendees: int = 1, confidential: bool = False) -> SeriesPlan:
    """What :func:`book_series` would book, clash with and skip, without writing anything."""
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    now = ctx.now()
    with ctx.reading() as conn:
        actor, space, site, org_ = _context(ctx, conn, space_code, org)
        permissions.require_booking_action(actor, "book", org_.id, org_.code)
        dtstart, minutes = _first(ctx, start, end, site.tz)
        rule = build_rule(repeat, dtstart.date())
        return _plan(conn, space=space, site=site, org=org_, rule=rule, dtstart_local=dtstart,
                     duration_min=minutes, attendees=attendees, confidential=confidential,
                     now=now)


def _refusal(plan: SeriesPlan, label: str) -> SeriesConflict:
    n = len(plan.clash_days)
    total = n + len(plan.free)
    lines = [f"{label} is not free on {n} of the {total} dates of the series; nothing was "
             f"booked (book the {len(plan.free)} free dates with --skip-clashes):"]
    lines += [f"  {c.describe()}" for c in plan.clashes]
    return SeriesConflict("\n".join(lines), plan)


# --------------------------------------------------------------------------- booking
def book_series(
    ctx: Context,
    space_code: str,
    start: str | dt.datetime,
    end: str | dt.datetime,
    repeat: Repeat,
    *,
    org: str | None = None,
    attendees: int = 1,
    purpose: str = "",
    confidential: bool = False,
    skip_clashes: bool = False,
) -> SeriesResult:
    """Book ``space_code`` from ``start`` to ``end`` (the first date, local wall time) and on
    every date of ``repeat``.

    All or nothing by default: one clash refuses the series with :class:`SeriesConflict`
    listing every clash. With ``skip_clashes`` the free dates are booked and the clashes
    listed. Closed days are always skipped and listed. One write transaction.
    """
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    purpose = limits.free_text(purpose, "purpose", limits.TEXT_LIMITS["purpose"])
    now = ctx.now()
    try:
        with ctx.writing() as conn:
            actor, space, site, org_ = _context(ctx, conn, space_code, org)
            permissions.require_booking_action(actor, "book", org_.id, org_.code)
            dtstart, minutes = _first(ctx, start, end, site.tz)
            plan = _plan(conn, space=space, site=site, org=org_,
                         rule=build_rule(repeat, dtstart.date()), dtstart_local=dtstart,
                         duration_min=minutes, attendees=attendees,
                         confidential=confidential, now=now)
            _refuse_plan(plan, space, site, skip_clashes=skip_clashes)
            # The organisation's allocation covers every date at once.
            allocations.enforce(conn, actor=actor, org=org_, site=site, kind=space.kind,
                                intervals=intervals(plan.free))
            booking = NewBooking(
                id=0, space_code=space.code, space_name=space.name, site_code=site.code,
                kind=space.kind, org_id=org_.id, org_code=org_.code, start_at=now, end_at=now,
                tz=site.tz, status=approvals.initial_status(conn, actor, space.id),
                attendees=attendees, purpose=purpose or "",
                confidential=confidential, series_id=None, booked_by_id=actor.staff_id,
                booked_by_login=actor.login if actor.staff_id else None)
            return _write_series(conn, plan, booking, space_id=space.id, actor=actor, now=now)
    except RaceConflict as race:  # PostgreSQL caught a clash made at the same moment
        raise Conflict(f"{space_code} was booked by someone else at the same moment; look "
                       "again and try once more.") from race


def _refuse_plan(plan: SeriesPlan, space: SpaceInfo, site: SiteInfo, *,
                 skip_clashes: bool) -> None:
    """All or nothing unless ``skip_clashes``; nothing at all to book is refused too."""
    if plan.clashes and (not skip_clashes or not plan.free):
        raise _refusal(plan, space.label)
    if not plan.free:
        raise RuleViolation(f"{site.name} is closed on every date of the series "
                            f"({plan.description}); nothing was booked.")


def _write_series(conn: Tx, plan: SeriesPlan, booking: NewBooking, *, space_id: int,
                  actor: Actor, now: dt.datetime) -> SeriesResult:
    """Write the series row, one booking per free date and their audit records; return the
    dates as the booker sees them (:func:`booking.views.view_of`)."""
    series_values = dict(
        space_id=space_id, org_id=booking.org_id, booked_by_id=actor.staff_id,
        rrule=plan.rule, tz=plan.tz, dtstart_local=plan.dtstart_local.isoformat(),
        duration_min=plan.duration_min, created_at=now,
    )
    series_id = series_queries.insert_series(conn, series_values)
    rows = [
        dict(space_id=space_id, org_id=booking.org_id, booked_by_id=actor.staff_id,
             series_id=series_id, start_at=o.start, end_at=o.end, status=booking.status,
             attendees=booking.attendees, purpose=booking.purpose,
             confidential=booking.confidential, created_at=now, updated_at=now)
        for o in plan.free
    ]
    series_queries.insert_bookings(conn, rows)
    ids = [i for i, _ in series_queries.series_booking_ids(conn, series_id)]
    space, org = booking.space_code, booking.org_code
    audits: list[dict[str, Any]] = [dict(
        at=now, actor=actor.login, action="create", entity="series", entity_id=series_id,
        after={**series_values, "space": space, "org": org, "booked": len(ids),
               "clashes": len(plan.clashes),
               "skipped": [s.day.isoformat() for s in plan.skipped]},
    )]
    audits += [dict(at=now, actor=actor.login, action="create", entity="booking",
                    entity_id=i, after=audit_values(r, space, org),
                    reason=f"series #{series_id}")
               for i, r in zip(ids, rows, strict=True)]
    series_queries.add_audits(conn, audits)
    views = [view_of(replace(booking, id=i, start_at=s, end_at=e, series_id=series_id), actor)
             for i, (s, e) in zip(ids, intervals(plan.free), strict=True)]
    return SeriesResult(series=series_id, booked=views, clashes=plan.clashes,
                        skipped=plan.skipped, description=plan.description)


# --------------------------------------------------------------------------- reading
def series_info(ctx: Context, series_id: int) -> SeriesInfo:
    """A series with all its occurrences (any status), for the board and the cancel dialog."""
    with ctx.reading() as conn:
        actor = ctx.load_actor(conn)
        row = series_queries.series_row(conn, series_id)
        if row is None:
            raise NotFound(f"There is no series #{series_id}.")
        views = [ctx.view(r, actor) for r in series_queries.series_bookings(conn, [series_id])]
        org = queries.org_row(conn, id=row.org_id)
        space = setup_queries.space_code(conn, row.space_id)
        start = dt.datetime.fromisoformat(row.dtstart_local)
        return SeriesInfo(
            id=row.id, space=space, org=org.code if org else "", tz=row.tz, rule=row.rrule,
            dtstart_local=start, duration_min=row.duration_min,
            description=describe(row.rrule, start, row.duration_min), occurrences=views,
        )



__all__ = [
    "Clash", "Repeat", "SCOPES", "SeriesConflict", "SeriesInfo", "SeriesPlan", "SeriesResult",
    "Skipped", "book_series", "cancel_series", "check_rules", "intervals", "move_occurrence",
    "not_started", "parse_repeat", "plan_series", "representatives", "retime_following",
    "series_info", "split_clashes", "split_series",
]
