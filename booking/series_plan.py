"""What a series is and how its dates are checked: the plan of a series (free dates,
clashes, skipped dates) and the checks that make it, without the store.

Every date of a series has the same wall-clock times, space, organisation and attendees, so
the rules are checked on a few representative dates (:func:`representatives`) and clashes in
one pass over the space's bookings in start order (:func:`split_clashes`).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from booking import limits, rules
from booking.errors import Conflict, RuleViolation
from booking.models import MAX_BOOKING_MINUTES, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.recurrence import Occurrence
from booking.timeutil import human_span, in_zone
from db.engine import Row

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


def intervals(occurrences: Sequence[Occurrence]) -> list[tuple[dt.datetime, dt.datetime]]:
    """The UTC ``[start, end)`` of each occurrence (each one that exists has both)."""
    out = []
    for o in occurrences:
        assert o.start is not None and o.end is not None
        out.append((o.start, o.end))
    return out


def _start(occ: Occurrence) -> dt.datetime:
    assert occ.start is not None
    return occ.start



def check_rules(occ: Occurrence, *, space: SpaceInfo, site: SiteInfo, org: OrgInfo,
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


def split_clashes(occurrences: Sequence[Occurrence], held: Sequence[Row], tz: str, org_code: str,
          exclude: frozenset[int] = frozenset()) -> tuple[list[Occurrence], list[Clash]]:
    """Split ``occurrences`` into free ones and clashes against ``held`` (active bookings in
    start order) and against each other (the earlier date wins), in one pass."""
    starts = [r.start_at for r in held]
    bound = dt.timedelta(minutes=MAX_BOOKING_MINUTES)
    free: list[Occurrence] = []
    clashes: list[Clash] = []
    for occ in sorted(occurrences, key=_start):
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


__all__ = ["SCOPES", "Clash", "SeriesConflict", "SeriesInfo", "SeriesPlan", "SeriesResult",
           "Skipped", "check_rules", "intervals", "representatives", "split_clashes"]
