"""Changing a booked series: cancel one date, this and the following ones, or all; move one
date; give this and the following dates a new time; split a series where its dates change.

Dates that have started are never changed. Cancelling goes through the rules of every cancel
(:func:`booking.status.change_rows`); moving and retiming through :mod:`booking.change`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from booking import permissions, status
from booking.context import Context
from booking.errors import InvalidInput, NotFound, RuleViolation
from booking.models import Actor, BookingView
from booking.recurrence import local_starts, rule_parts, with_end
from booking.series_plan import SCOPES, SeriesResult
from booking.timeutil import parse_time_of_day, to_local
from db import queries
from db import series as series_queries
from db import status as status_queries
from db.engine import Row, Tx


def _load(ctx: Context, conn: Tx, booking_id: int, action: str) -> tuple[Actor, Row]:
    actor = ctx.load_actor(conn)
    row = queries.booking_row(conn, booking_id)
    if row is None:
        raise NotFound(f"There is no booking #{booking_id}.")
    permissions.require_booking_action(actor, action, row.org_id, row.org_code)
    return actor, row


def cancel_series(ctx: Context, booking_id: int, scope: str = "one") -> list[BookingView]:
    """Cancel one occurrence (``one``), it and the later ones (``following``), or every
    occurrence still to come (``all``). Occurrences that have started are never changed."""
    if scope not in SCOPES:
        raise InvalidInput(f"'{scope}' is not a choice (one, following, all).")
    if scope == "one":
        return [status.cancel(ctx, booking_id)]
    now = ctx.now()
    with ctx.writing() as conn:
        actor, row = _load(ctx, conn, booking_id, "cancel")
        if row.series_id is None:
            raise InvalidInput(f"Booking #{booking_id} is not part of a series.")
        rows = series_queries.series_bookings(conn, [row.series_id])
        targets = [r for r in rows if r.status == "confirmed" and r.start_at > now
                   and (scope == "all" or r.start_at >= row.start_at)]
        if not targets:
            raise RuleViolation(
                f"Series #{row.series_id} has no confirmed dates still to come"
                + (f" from booking #{booking_id} on" if scope == "following" else "")
                + "; nothing was cancelled."
            )
        # Locked and re-read: a date checked in or cancelled meanwhile is left as it is;
        # the others are cancelled by the rules of any cancel (booking.status), all or none.
        locked = [r for r in status_queries.locked_rows(conn, [r.id for r in targets])
                  if r.status == "confirmed"]
        status.change_rows(conn, actor, locked, "cancel", now,
                           reason=f"series #{row.series_id}, {scope}")
        ids = [r.id for r in locked]
        wanted = set(ids)
        return [ctx.view(r, actor) for r in series_queries.series_bookings(conn, [row.series_id])
                if r.id in wanted]


def not_started(row: Any, now: dt.datetime) -> None:
    if row.status != "confirmed":
        raise RuleViolation(f"Booking #{row.id} is {row.status.replace('_', '-')}; only a "
                            "confirmed booking can be changed.")
    if row.start_at <= now:
        raise RuleViolation(f"Booking #{row.id} has already started; past dates are never "
                            "changed.")


def move_occurrence(ctx: Context, booking_id: int, start: str | dt.datetime,
                    end: str | dt.datetime, *, space: str | None = None) -> BookingView:
    """Move one booking (typically one date of a series) to another time, or space; it stays
    in its series, marked as moved. Rules and clashes are checked as for a new booking
    (:func:`booking.change.change_booking`)."""
    from booking.change import Changes, change_booking

    now = ctx.now()
    with ctx.reading() as conn:
        _, row = _load(ctx, conn, booking_id, "move")
        not_started(row, now)
    return change_booking(ctx, booking_id, Changes(start=start, end=end, space=space))


def retime_following(ctx: Context, booking_id: int, start: str, end: str) -> SeriesResult:
    """Give this date of a series and every later one a new wall-clock time (``HH:MM`` to
    ``HH:MM``), keeping their dates; all or nothing (:func:`booking.change.change_following`).
    The series is split: the earlier dates keep the old rule (now ending the day before), the
    changed ones form a new series with the new time."""
    from booking.change import change_following

    start_min, end_min = parse_time_of_day(start), parse_time_of_day(end)
    if end_min <= start_min:
        raise RuleViolation(f"The end ({end}) must be after the start ({start}).")
    return change_following(ctx, booking_id, times=(start_min, end_min))


def split_series(conn: Tx, srow: Any, targets: Sequence[Any], start_min: int, minutes: int,
           actor: Actor, now: dt.datetime) -> int:
    """End ``srow``'s rule the day before the first changed date and start a new series with
    the new time for the rest; returns the series the changed dates now belong to."""
    tz = srow.tz
    pivot = to_local(targets[0].start_at, tz).date()
    old_start = dt.datetime.fromisoformat(srow.dtstart_local)
    later = [s for s in local_starts(srow.rrule, old_start) if s.date() >= pivot]
    if not later:  # only moved dates remain: keep them in their series
        return int(srow.id)
    first = later[0].replace(hour=start_min // 60, minute=start_min % 60)
    parts = rule_parts(srow.rrule)
    new_rule = with_end(srow.rrule, count=len(later)) if "COUNT" in parts else srow.rrule
    values = dict(space_id=srow.space_id, org_id=srow.org_id, booked_by_id=actor.staff_id,
                  rrule=new_rule, tz=tz, dtstart_local=first.isoformat(), duration_min=minutes,
                  created_at=now)
    new_id = series_queries.insert_series(conn, values)
    old_rule = with_end(srow.rrule, until=dt.datetime.combine(
        pivot - dt.timedelta(days=1), dt.time(23, 59, 59)))
    series_queries.update_series(conn, srow.id, {"rrule": old_rule})
    series_queries.add_audits(conn, [
        dict(at=now, actor=actor.login, action="update", entity="series", entity_id=srow.id,
             before={"rrule": srow.rrule}, after={"rrule": old_rule},
             reason=f"split: later dates moved to series #{new_id}"),
        dict(at=now, actor=actor.login, action="create", entity="series", entity_id=new_id,
             after=values, reason=f"split from series #{srow.id}"),
    ])
    return new_id


__all__ = ["cancel_series", "move_occurrence", "not_started", "retime_following",
           "split_series"]
