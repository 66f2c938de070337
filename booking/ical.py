"""An organisation's bookings as iCalendar, so advisers see their slots in Outlook.

A series is one VEVENT in the site's zone (DTSTART with TZID, a VTIMEZONE, the RRULE) with an
EXDATE for each date of the rule that is not held: cancelled, or skipped (closed or clashing
when booked). A date changed on its own (moved, extended, another room) is an exception of the
rule: a VEVENT with the series' UID and a RECURRENCE-ID naming the date the rule planned.
Every single booking is a plain VEVENT.
Only the organisation's own active bookings are exported; purposes only where the acting
person may see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import icalendar

from booking import permissions
from booking.context import Context
from booking.errors import InvalidInput
from booking.limits import MAX_YEAR, MIN_YEAR, visible
from booking.models import ACTIVE_STATUSES, Actor, BookingView
from booking.recurrence import expand, rule_parts
from booking.timeutil import day_bounds, in_zone, local, to_local, utc
from db import queries
from db import series as series_queries
from db.engine import Row

PRODID = "-//cospace//room and desk booking//EN"
DEFAULT_TZ = "Europe/London"


def _summary(view: BookingView) -> str:
    text = f"{view.org}: {view.space_name}" if view.space_name else view.org
    if view.space_name != view.space:
        text += f" ({view.space})"
    if view.purpose:
        text += f" — {view.purpose}"
    return text


def _describe(event: icalendar.Event, view: BookingView, now: dt.datetime) -> None:
    # Text is data: no control character reaches a calendar (or the terminal it is shown on).
    event.add("summary", visible(_summary(view)))
    event.add("location", visible(f"{view.space_name} ({view.space}), {view.site}"))
    event.add("dtstamp", now)
    event.add("status", "CONFIRMED")
    event.add("class", "PRIVATE" if view.confidential else "PUBLIC")
    event.add("categories", [view.org])


def _local(value: dt.datetime, tz: str) -> dt.datetime:
    """An aware datetime in ``tz`` (a zoneinfo zone, so icalendar writes its TZID)."""
    return in_zone(value, ZoneInfo(tz))


def _naive_local(naive: dt.datetime, tz: str) -> dt.datetime:
    return naive.replace(tzinfo=ZoneInfo(tz), fold=0)


def single_event(view: BookingView, now: dt.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"booking-{view.id}@cospace")
    event.add("dtstart", _local(view.start, view.tz))
    event.add("dtend", _local(view.end, view.tz))
    _describe(event, view, now)
    return event


def _rrule(rule: str, tz: str) -> icalendar.vRecur:
    """The stored rule with its floating local UNTIL turned into UTC, as RFC 5545 asks when
    DTSTART has a TZID."""
    parts = rule_parts(rule)
    if "UNTIL" in parts:
        u = dt.datetime.strptime(parts["UNTIL"], "%Y%m%dT%H%M%S")
        try:
            until = utc(local(u.year, u.month, u.day, u.hour, u.minute, tz)).replace(
                second=u.second)
        except InvalidInput:  # a skipped wall time: an hour later is the same instant range
            until = utc(_naive_local(u, tz))
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%SZ")
    return icalendar.vRecur.from_ical(";".join(f"{k}={v}" for k, v in parts.items()))


def series_events(srow: Row, views: Sequence[BookingView],
                  now: dt.datetime) -> list[icalendar.Event]:
    """One VEVENT for the series' rule (with EXDATEs), one exception (same UID, RECURRENCE-ID
    the date the rule planned) per date changed on its own, and a plain VEVENT for any other
    date off the rule."""
    tz = srow.tz
    dtstart = dt.datetime.fromisoformat(srow.dtstart_local)
    occurrences = expand(srow.rrule, dtstart, srow.duration_min, tz)
    active = [v for v in views if v.status in ACTIVE_STATUSES]
    planned = {(o.start, o.end): o for o in occurrences if o.exists}
    planned_starts = {o.start: o for o in occurrences if o.exists}
    covered = {(v.start, v.end) for v in active
               if v.moved_from is None and (v.start, v.end) in planned}
    exceptions = [v for v in active if v.moved_from is not None
                  and v.moved_from in planned_starts
                  and (planned_starts[v.moved_from].start,
                       planned_starts[v.moved_from].end) not in covered]
    excepted = {v.moved_from for v in exceptions}
    others = [v for v in active if (v.start, v.end) not in covered and v not in exceptions]
    events = [single_event(v, now) for v in others]
    if not covered and not exceptions:
        return events
    uid = f"series-{srow.id}@cospace"
    first = next(v for v in active if (v.start, v.end) in covered or v in exceptions)
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("dtstart", _naive_local(dtstart, tz))
    event.add("dtend", _naive_local(dtstart + dt.timedelta(minutes=srow.duration_min), tz))
    event.add("rrule", _rrule(srow.rrule, tz))
    exdates = [_naive_local(o.local_start, tz) for o in occurrences
               if not o.exists or ((o.start, o.end) not in covered and o.start not in excepted)]
    if exdates:
        event.add("exdate", exdates)
    _describe(event, first, now)
    out = [event]
    for v in exceptions:
        ex = icalendar.Event()
        ex.add("uid", uid)
        ex.add("recurrence-id", _local(v.moved_from, tz))  # type: ignore[arg-type]
        ex.add("dtstart", _local(v.start, v.tz))
        ex.add("dtend", _local(v.end, v.tz))
        _describe(ex, v, now)
        out.append(ex)
    return out + events


def build_calendar(singles: Sequence[BookingView],
                   series: Sequence[tuple[Row, Sequence[BookingView]]],
                   now: dt.datetime, name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", visible(name))
    for srow, views in series:
        for event in series_events(srow, views, now):
            cal.add_component(event)
    for view in singles:
        cal.add_component(single_event(view, now))
    days = [v.start.date() for v in singles] + [
        dt.date.fromisoformat(srow.dtstart_local[:10]) for srow, _ in series]
    if days:  # VTIMEZONE transitions for the years the events need, not 1970-2038
        # within the years people can enter: a row written by SQL at year 9999 (shown in
        # UTC) must neither overflow nor ask for ten thousand years of transitions
        first = min(max(min(days).year - 1, MIN_YEAR), MAX_YEAR)
        last = max(min(max(days).year + 3, MAX_YEAR + 1), first + 1)
        cal.add_missing_timezones(first_date=dt.date(first, 1, 1),
                                  last_date=dt.date(last, 1, 1))
    return cal


def export_ical(ctx: Context, org: str, start: dt.date | None = None,
                end: dt.date | None = None) -> bytes:
    """``org``'s active bookings from ``start`` to ``end`` (local dates, inclusive; without
    dates, from today on) as an iCalendar file. A series with any date in the window is
    exported whole, as its rule."""
    now = ctx.now()
    with ctx.reading() as conn:
        actor: Actor = ctx.load_actor(conn)
        permissions.require_known(actor)
        org_ = ctx.lookup_org(conn, org)
        if start is None and end is None:
            start = to_local(now, DEFAULT_TZ).date()
        lo = day_bounds(start, DEFAULT_TZ)[0] if start else None
        hi = day_bounds(end, DEFAULT_TZ)[1] if end else None
        rows = queries.booking_rows(conn, start=lo, end=hi, org_id=org_.id,
                              statuses=list(ACTIVE_STATUSES))
        singles = [ctx.view(r, actor) for r in rows if r.series_id is None]
        ids = sorted({r.series_id for r in rows if r.series_id is not None})
        by_series: dict[int, list[BookingView]] = {i: [] for i in ids}
        for r in series_queries.series_bookings(conn, ids):
            if r.org_id == org_.id:
                by_series[r.series_id].append(ctx.view(r, actor))
        series = [(s, by_series[s.id]) for s in series_queries.series_rows(conn, ids)]
    cal = build_calendar(singles, series, now, f"{org_.name} ({org_.code}) — cospace")
    return cal.to_ical()


__all__ = ["build_calendar", "export_ical", "series_events", "single_event"]
