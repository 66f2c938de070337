"""Recurring bookings: book a series, and change it (cancel one, this and following, or all;
move one; change the time of the following ones).

A series is a row in ``series`` (the RFC 5545 rule, its zone, the first local start and the
length) plus one real ``booking`` row per occurrence, linked by ``series_id``. Booking a series
checks every occurrence's rules and clashes in one pass: one query reads the space's active
bookings over the whole span, and occurrences are also checked against each other. Everything
is written in one write transaction, so a refused series leaves no rows.

These are the functions the CLI and the terminal app call; each takes the :class:`Cospace`
application (its store, acting login and clock).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, select

from booking import allocations, approvals, horizon, limits, permissions, rules, status
from booking.errors import Conflict, InvalidInput, NotFound, RaceConflict, RuleViolation
from booking.models import MAX_BOOKING_MINUTES, Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.recurrence import (
    Occurrence,
    Repeat,
    build_rule,
    describe,
    expand,
    local_starts,
    rule_parts,
    with_end,
)
from booking.timeutil import (
    human_span,
    in_zone,
    parse_date,
    parse_time_of_day,
    parse_weekdays,
    to_local,
)
from db import queries as q
from db import series as sq
from db import status as sst
from db.engine import read_tx, write_tx

if TYPE_CHECKING:
    from booking.service import Cospace

SCOPES = ("one", "following", "all")


@dataclass(frozen=True)
class Clash:
    """An occurrence that cannot be booked because something already holds the space."""

    start: dt.datetime  # the occurrence, UTC
    end: dt.datetime
    tz: str
    org: str  # the organisation holding the space
    booking: int | None  # the holding booking; None when it is another date of this series
    held_start: dt.datetime
    held_end: dt.datetime

    def _at(self, value: dt.datetime) -> dt.datetime:
        return in_zone(value, ZoneInfo(self.tz))

    @property
    def day(self) -> dt.date:
        return self._at(self.start).date()

    def describe(self) -> str:
        """``Thu 10 Dec 2026 09:00–10:00: held 09:30–10:30 by NCS (booking #12)``."""
        holder = (f"booking #{self.booking}" if self.booking is not None
                  else "another date of this series")
        s, e = self._at(self.start), self._at(self.end)
        hs, he = self._at(self.held_start), self._at(self.held_end)
        return (f"{s:%a} {s.day} {s:%b %Y %H:%M}–{e:%H:%M}: held {hs:%H:%M}–{he:%H:%M} by "
                f"{self.org} ({holder})")

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "start": self._at(self.start).isoformat(),
            "end": self._at(self.end).isoformat(),
            "org": self.org,
            "booking": self.booking,
            "held_start": self._at(self.held_start).isoformat(),
            "held_end": self._at(self.held_end).isoformat(),
        }


@dataclass(frozen=True)
class Skipped:
    """A date of the rule that is not booked because the site is closed (or the wall time does
    not exist that day)."""

    day: dt.date
    reason: str

    def describe(self) -> str:
        return f"{self.day.strftime('%a')} {self.day.day} {self.day.strftime('%b %Y')}: " \
               f"{self.reason}"


@dataclass(frozen=True)
class SeriesPlan:
    """What booking a series would do, before anything is written (the TUI's preview)."""

    space: str
    tz: str
    rule: str
    dtstart_local: dt.datetime
    duration_min: int
    description: str
    free: list[Occurrence]
    clashes: list[Clash]
    skipped: list[Skipped]

    @property
    def clash_days(self) -> list[dt.date]:
        return sorted({c.day for c in self.clashes})


@dataclass(frozen=True)
class SeriesResult:
    """A booked (or changed) series: its id, the occurrences booked, the dates that clashed
    and were left out, and the closed dates skipped."""

    series: int | None
    booked: list[BookingView]
    clashes: list[Clash] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "series": self.series,
            "booked": [v.to_json() for v in self.booked],
            "clashes": [c.to_json() for c in self.clashes],
            "skipped": [s.day.isoformat() for s in self.skipped],
        }


@dataclass(frozen=True)
class SeriesInfo:
    """A series as stored, with its occurrences as the actor may see them."""

    id: int
    space: str
    org: str
    tz: str
    rule: str
    dtstart_local: dt.datetime
    duration_min: int
    description: str
    occurrences: list[BookingView]


class SeriesConflict(Conflict):
    """Some dates of a series clash and the person asked for all or nothing: nothing is booked.
    ``plan`` lists every clash and skipped date."""

    def __init__(self, message: str, plan: SeriesPlan) -> None:
        super().__init__(message, holders=list(plan.clashes))
        self.plan = plan

    def to_json(self) -> dict[str, Any]:
        return SeriesResult(series=None, booked=[], clashes=self.plan.clashes,
                            skipped=self.plan.skipped).to_json()


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
def _context(app: Cospace, conn: Connection, space_code: str,
             org: str | None) -> tuple[Actor, SpaceInfo, SiteInfo, OrgInfo]:
    actor = app._load_actor(conn)
    permissions.require_known(actor)
    space = app._space(conn, space_code)
    site = app._site(conn, id=space.site_id)
    org_ = app._org(conn, org)
    return actor, space, site, org_


def _first(app: Cospace, start: str | dt.datetime, end: str | dt.datetime,
           tz: str) -> tuple[dt.datetime, int]:
    """The first occurrence's naive local start and its wall-clock length in minutes."""
    s, e = app._times(start, end, tz)
    ls, le = to_local(s, tz).naive(), to_local(e, tz).naive()
    minutes = int((le - ls).total_seconds() // 60)
    if minutes <= 0:
        raise RuleViolation(f"The end ({le:%H:%M}) must be after the start ({ls:%H:%M}).")
    return dt.datetime(ls.year, ls.month, ls.day, ls.hour, ls.minute), minutes


def _check_rules(occ: Occurrence, *, space: SpaceInfo, site: SiteInfo, org: OrgInfo,
                 attendees: int, confidential: bool, now: dt.datetime,
                 horizon_weeks: int = limits.DEFAULT_HORIZON_WEEKS) -> None:
    assert occ.start is not None and occ.end is not None
    try:
        rules.check_booking(space=space, site=site, org=org, start=occ.start, end=occ.end,
                            attendees=attendees, confidential=confidential, now=now,
                            horizon_weeks=horizon_weeks)
    except RuleViolation as exc:
        when = human_span(occ.start, occ.end, site.tz)
        raise RuleViolation(f"{exc.message} (the series date {when}; nothing was booked)"
                            ) from exc


def representatives(occurrences: Sequence[Occurrence]) -> list[Occurrence]:
    """The occurrences whose rule checks stand for all of them, in date order.

    Every date of a series has the same wall-clock times, length, space, organisation and
    attendees, so the rules can differ only by weekday (opening hours; closed days are skipped
    before this), by being in the past (the earliest date) and by being too far ahead (the
    latest date). Checking the first date of each weekday and the last date gives the same
    verdict as checking every date, without converting 104 dates through pendulum."""
    chosen: dict[int, Occurrence] = {}
    for occ in occurrences:
        chosen.setdefault(occ.day.weekday(), occ)
    out = sorted(chosen.values(), key=lambda o: o.local_start)
    if occurrences and occurrences[-1] not in out:
        out.append(occurrences[-1])
    return out


def sweep(occurrences: Sequence[Occurrence], held: Sequence[Row], tz: str, org_code: str,
          exclude: frozenset[int] = frozenset()) -> tuple[list[Occurrence], list[Clash]]:
    """Split ``occurrences`` into free ones and clashes against ``held`` (active bookings in
    start order) and against each other (the earlier date wins), in one pass."""
    starts = [r.start_at for r in held]
    bound = dt.timedelta(minutes=MAX_BOOKING_MINUTES)
    free: list[Occurrence] = []
    clashes: list[Clash] = []
    for occ in sorted(occurrences, key=lambda o: o.start):  # type: ignore[arg-type,return-value]
        assert occ.start is not None and occ.end is not None
        found: list[Clash] = []
        i = bisect.bisect_left(starts, occ.end) - 1
        while i >= 0 and starts[i] > occ.start - bound:
            r = held[i]
            if r.end_at > occ.start and r.id not in exclude:
                found.append(Clash(occ.start, occ.end, tz, r.org_code, r.id, r.start_at,
                                   r.end_at))
            i -= 1
        for other in reversed(free):
            assert other.start is not None and other.end is not None
            if other.end <= occ.start - bound:
                break
            if other.start < occ.end and other.end > occ.start:
                found.append(Clash(occ.start, occ.end, tz, org_code, None, other.start,
                                   other.end))
        if found:
            clashes.extend(sorted(found, key=lambda c: c.held_start))
        else:
            free.append(occ)
    return free, clashes


def _plan(conn: Connection, *, space: SpaceInfo, site: SiteInfo, org: OrgInfo, rule: str,
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
        _check_rules(occ, space=space, site=site, org=org, attendees=attendees,
                     confidential=confidential, now=now, horizon_weeks=horizon.weeks(conn))
    clashes: list[Clash] = []
    free = bookable
    if bookable:
        held = sq.active_overlapping(conn, space.id, [(o.start, o.end) for o in bookable],
                                     max_minutes=MAX_BOOKING_MINUTES)  # type: ignore[misc]
        free, clashes = sweep(bookable, held, site.tz, org.code)
    return SeriesPlan(
        space=space.code, tz=site.tz, rule=rule, dtstart_local=dtstart_local,
        duration_min=duration_min, description=describe(rule, dtstart_local, duration_min),
        free=free, clashes=clashes, skipped=skipped,
    )


def plan_series(app: Cospace, space_code: str, start: str | dt.datetime,
                end: str | dt.datetime, repeat: Repeat, *, org: str | None = None,
                attendees: int = 1, confidential: bool = False) -> SeriesPlan:
    """What :func:`book_series` would book, clash with and skip, without writing anything."""
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    now = app.now()
    with read_tx(app.engine) as conn:
        actor, space, site, org_ = _context(app, conn, space_code, org)
        permissions.require_booking_action(actor, "book", org_.id, org_.code)
        dtstart, minutes = _first(app, start, end, site.tz)
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
    app: Cospace,
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
    now = app.now()
    try:
        with write_tx(app.engine) as conn:
            actor, space, site, org_ = _context(app, conn, space_code, org)
            permissions.require_booking_action(actor, "book", org_.id, org_.code)
            dtstart, minutes = _first(app, start, end, site.tz)
            rule = build_rule(repeat, dtstart.date())
            plan = _plan(conn, space=space, site=site, org=org_, rule=rule,
                         dtstart_local=dtstart, duration_min=minutes, attendees=attendees,
                         confidential=confidential, now=now)
            if plan.clashes and not skip_clashes:
                raise _refusal(plan, space.label)
            if not plan.free:
                if plan.clashes:
                    raise _refusal(plan, space.label)
                raise RuleViolation(f"{site.name} is closed on every date of the series "
                                    f"({plan.description}); nothing was booked.")
            # The organisation's allocation covers every date at once.
            allocations.enforce(conn, actor=actor, org=org_, site=site, kind=space.kind,
                                intervals=[(o.start, o.end) for o in plan.free])
            series_values = dict(
                space_id=space.id, org_id=org_.id, booked_by_id=actor.staff_id, rrule=rule,
                tz=site.tz, dtstart_local=dtstart.isoformat(), duration_min=minutes,
                created_at=now,
            )
            series_id = sq.insert_series(conn, series_values)
            first = approvals.initial_status(conn, actor, space.id)  # provisional: approval
            rows = [
                dict(space_id=space.id, org_id=org_.id, booked_by_id=actor.staff_id,
                     series_id=series_id, start_at=o.start, end_at=o.end, status=first,
                     attendees=attendees, purpose=purpose or "", confidential=confidential,
                     created_at=now, updated_at=now)
                for o in plan.free
            ]
            sq.insert_bookings(conn, rows)
            ids = [i for i, _ in sq.series_booking_ids(conn, series_id)]
            audits: list[dict[str, Any]] = [dict(
                at=now, actor=actor.login, action="create", entity="series",
                entity_id=series_id,
                after={**series_values, "space": space.code, "org": org_.code,
                       "booked": len(ids), "clashes": len(plan.clashes),
                       "skipped": [s.day.isoformat() for s in plan.skipped]},
            )]
            audits += [dict(at=now, actor=actor.login, action="create", entity="booking",
                            entity_id=i, after=_audit_values(r, space.code, org_.code),
                            reason=f"series #{series_id}")
                       for i, r in zip(ids, rows, strict=True)]
            sq.add_audits(conn, audits)
            seen = permissions.booking_visibility(
                actor, org_id=org_.id, confidential=confidential, booked_by_id=actor.staff_id)
            views = [
                BookingView(
                    id=i, space=space.code, space_name=space.name or space.code,
                    site=space.site_code, kind=space.kind, org=org_.code, start=o.start,
                    end=o.end, tz=site.tz, status=first,
                    attendees=attendees if seen.people else None,
                    purpose=(purpose or "") if seen.purpose else None,
                    confidential=confidential, series=series_id,
                    booked_by=actor.login if seen.people else None,
                    details_visible=seen.people,
                )
                for i, o in zip(ids, plan.free, strict=True)
            ]
            return SeriesResult(series=series_id, booked=views, clashes=plan.clashes,
                                skipped=plan.skipped, description=plan.description)
    except RaceConflict as exc:
        raise _constraint(exc.__cause__ or exc, space_code) from exc


def _constraint(exc: BaseException, space_code: str) -> BaseException:
    """PostgreSQL's exclusion constraint caught a booking made at the same moment."""
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == "23P01":
        return Conflict(f"{space_code} was booked by someone else at the same moment; look "
                        "again and try once more.")
    return exc


def _audit_values(values: dict[str, Any], space_code: str, org_code: str) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}
    out["space"] = space_code
    out["org"] = org_code
    return out


# --------------------------------------------------------------------------- reading
def series_info(app: Cospace, series_id: int) -> SeriesInfo:
    """A series with all its occurrences (any status), for the board and the cancel dialog."""
    with read_tx(app.engine) as conn:
        actor = app._load_actor(conn)
        row = sq.series_row(conn, series_id)
        if row is None:
            raise NotFound(f"There is no series #{series_id}.")
        views = [app._view(r, actor) for r in sq.series_bookings(conn, [series_id])]
        org = q.org_row(conn, id=row.org_id)
        space = conn.execute(select(q.SP.c.code).where(q.SP.c.id == row.space_id)).scalar_one()
        start = dt.datetime.fromisoformat(row.dtstart_local)
        return SeriesInfo(
            id=row.id, space=space, org=org.code if org else "", tz=row.tz, rule=row.rrule,
            dtstart_local=start, duration_min=row.duration_min,
            description=describe(row.rrule, start, row.duration_min), occurrences=views,
        )


# --------------------------------------------------------------------------- changing
def _load(app: Cospace, conn: Connection, booking_id: int, action: str) -> tuple[Actor, Row]:
    actor = app._load_actor(conn)
    row = q.booking_row(conn, booking_id)
    if row is None:
        raise NotFound(f"There is no booking #{booking_id}.")
    permissions.require_booking_action(actor, action, row.org_id, row.org_code)
    return actor, row


def cancel_series(app: Cospace, booking_id: int, scope: str = "one") -> list[BookingView]:
    """Cancel one occurrence (``one``), it and the later ones (``following``), or every
    occurrence still to come (``all``). Occurrences that have started are never changed."""
    if scope not in SCOPES:
        raise InvalidInput(f"'{scope}' is not a choice (one, following, all).")
    if scope == "one":
        return [app.cancel(booking_id)]
    now = app.now()
    with write_tx(app.engine) as conn:
        actor, row = _load(app, conn, booking_id, "cancel")
        if row.series_id is None:
            raise InvalidInput(f"Booking #{booking_id} is not part of a series.")
        rows = sq.series_bookings(conn, [row.series_id])
        targets = [r for r in rows if r.status == "confirmed" and r.start_at > now
                   and (scope == "all" or r.start_at >= row.start_at)]
        if not targets:
            raise RuleViolation(
                f"Series #{row.series_id} has no confirmed dates still to come"
                + (f" from booking #{booking_id} on" if scope == "following" else "")
                + "; nothing was cancelled."
            )
        # Locked and re-read: a date checked in or cancelled meanwhile is left as it is.
        locked = [r for r in sst.locked_rows(conn, [r.id for r in targets])
                  if r.status == "confirmed"]
        status.apply(conn, actor=actor.login, action="cancel", rows=locked, at=now,
                     reason=f"series #{row.series_id}, {scope}")
        ids = [r.id for r in locked]
        wanted = set(ids)
        return [app._view(r, actor) for r in sq.series_bookings(conn, [row.series_id])
                if r.id in wanted]


def _not_started(row: Row, now: dt.datetime) -> None:
    if row.status != "confirmed":
        raise RuleViolation(f"Booking #{row.id} is {row.status.replace('_', '-')}; only a "
                            "confirmed booking can be changed.")
    if row.start_at <= now:
        raise RuleViolation(f"Booking #{row.id} has already started; past dates are never "
                            "changed.")


def move_occurrence(app: Cospace, booking_id: int, start: str | dt.datetime,
                    end: str | dt.datetime, *, space: str | None = None) -> BookingView:
    """Move one booking (typically one date of a series) to another time, or space; it stays
    in its series, marked as moved. Rules and clashes are checked as for a new booking
    (:func:`booking.change.change_booking`)."""
    from booking.change import Changes, change_booking

    now = app.now()
    with read_tx(app.engine) as conn:
        _, row = _load(app, conn, booking_id, "move")
        _not_started(row, now)
    return change_booking(app, booking_id, Changes(start=start, end=end, space=space))


def retime_following(app: Cospace, booking_id: int, start: str, end: str) -> SeriesResult:
    """Give this date of a series and every later one a new wall-clock time (``HH:MM`` to
    ``HH:MM``), keeping their dates; all or nothing (:func:`booking.change.change_following`).
    The series is split: the earlier dates keep the old rule (now ending the day before), the
    changed ones form a new series with the new time."""
    from booking.change import change_following

    start_min, end_min = parse_time_of_day(start), parse_time_of_day(end)
    if end_min <= start_min:
        raise RuleViolation(f"The end ({end}) must be after the start ({start}).")
    return change_following(app, booking_id, times=(start_min, end_min))


def _split(conn: Connection, srow: Row, targets: Sequence[Row], start_min: int, minutes: int,
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
    new_id = sq.insert_series(conn, values)
    old_rule = with_end(srow.rrule, until=dt.datetime.combine(
        pivot - dt.timedelta(days=1), dt.time(23, 59, 59)))
    sq.update_series(conn, srow.id, {"rrule": old_rule})
    sq.add_audits(conn, [
        dict(at=now, actor=actor.login, action="update", entity="series", entity_id=srow.id,
             before={"rrule": srow.rrule}, after={"rrule": old_rule},
             reason=f"split: later dates moved to series #{new_id}"),
        dict(at=now, actor=actor.login, action="create", entity="series", entity_id=new_id,
             after=values, reason=f"split from series #{srow.id}"),
    ])
    return new_id


__all__ = [
    "Clash", "Repeat", "SCOPES", "SeriesConflict", "SeriesInfo", "SeriesPlan", "SeriesResult",
    "Skipped", "book_series", "cancel_series", "move_occurrence", "parse_repeat",
    "plan_series", "retime_following", "series_info", "sweep",
]
