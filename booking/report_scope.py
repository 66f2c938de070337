"""What a report covers and how its sums are grouped: the scope (sites, spaces, period),
the grouping keys, the opening minutes, the occupancy sweep and the summary table to read.
The arithmetic under :mod:`booking.reports`."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from booking.models import SiteInfo
from booking.report_kinds import WEEKDAY_SHORT
from booking.rules import opening_window
from booking.usage import day_labels
from db import report_queries as rq


@dataclass
class _Scope:
    sites: list[SiteInfo]
    windows: list[rq.Window]
    spaces: list[Any]
    orgs: dict[int, str]
    start: dt.date
    end: dt.date
    now: dt.datetime
    kind: str | None
    #: Open minutes per site and grouping of days, worked out once per report.
    _opened: dict[tuple, dict[tuple, float]] = field(default_factory=dict, repr=False)

    def open_per_label(self, site: SiteInfo, keys: _Keys, by_hour: bool
                       ) -> dict[tuple, float]:
        """The site's open minutes over the period, added up per (weekday, week, month,
        hour): each None unless ``keys`` groups by it (``by_hour`` for the hour)."""
        cache = (site.id, keys.label_fields, by_hour)
        got = self._opened.get(cache)
        if got is None:
            got = self._opened[cache] = defaultdict(float)
            label = keys.day_label
            if not by_hour:
                for day, _, minutes in open_minutes(site, self.start, self.end, False):
                    got[(*label(day), None)] += minutes
                return got
            # By hour: the days of each group with the same opening hours, counted, then
            # each hour's share of those hours once.
            days: dict[tuple, int] = defaultdict(int)
            for day in _days(self.start, self.end):
                window = opening_window(site, day)
                if window is not None:
                    days[(label(day), window)] += 1
            for (on, window), n in days.items():
                for hour, minutes in _hour_shares(*window):
                    got[(*on, hour)] += minutes * n
        return got

    @property
    def site_by_id(self) -> dict[int, SiteInfo]:
        return {s.id: s for s in self.sites}

    def active_spaces(self) -> list[Any]:
        return [s for s in self.spaces if s.active and (self.kind is None or s.kind == self.kind)]


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def open_minutes(site: SiteInfo, start: dt.date, end: dt.date,
                 by_hour: bool) -> list[tuple[dt.date, int | None, float]]:
    """(day, local hour or None, minutes open) for each open day of the period.

    Whole days are elapsed time between opening and closing (a clock change inside opening
    hours shortens or lengthens the day); by hour, each hour's share of the opening window.
    """
    out: list[tuple[dt.date, int | None, float]] = []
    zone = ZoneInfo(site.tz)
    changes = _clock_change_days(site.tz, start, end)
    for day in _days(start, end):
        window = opening_window(site, day)
        if window is None:
            continue
        o, c = window
        if not by_hour and day not in changes and c <= 1440:
            out.append((day, None, float(c - o)))
        elif by_hour:
            out += [(day, h, piece) for h, piece in _hour_shares(o, c)]
        else:
            out.append((day, None, _elapsed(day, o, c, zone)))
    return out


@lru_cache(maxsize=256)
def _hour_shares(opens: int, closes: int) -> tuple[tuple[int, float], ...]:
    """(local hour, minutes open in it) for opening hours ``opens``..``closes``."""
    out = []
    for h in range(opens // 60, (closes + 59) // 60):
        piece = min(closes, h * 60 + 60) - max(opens, h * 60)
        if piece > 0:
            out.append((h, float(piece)))
    return tuple(out)


@lru_cache(maxsize=64)
def _clock_change_days(tz: str, start: dt.date, end: dt.date) -> frozenset[dt.date]:
    """The days of ``start``..``end`` whose wall clock may not run at one UTC offset: the
    offset at a midnight differs from the next midnight's, and the day after too (a
    change at midnight itself then counts on both sides). Every other day's opening hours
    are their wall-clock length."""
    zone = ZoneInfo(tz)

    def offset(day: dt.date) -> dt.timedelta | None:
        return dt.datetime(day.year, day.month, day.day, tzinfo=zone).utcoffset()

    out: set[dt.date] = set()
    day = start - dt.timedelta(days=1)
    prev = offset(day)
    while day <= end:
        nxt = day + dt.timedelta(days=1)
        now = offset(nxt)
        if now != prev:
            out.update((day, nxt))
        day, prev = nxt, now
    return frozenset(out)


def _elapsed(day: dt.date, opens: int, closes: int, zone: ZoneInfo) -> float:
    """Minutes really elapsed between two wall times of ``day`` (23 or 25 h days count)."""
    def instant(minutes: int) -> dt.datetime:
        d = day + dt.timedelta(days=minutes // 1440)
        m = minutes % 1440
        return dt.datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=zone).astimezone(
            dt.UTC)
    return (instant(closes) - instant(opens)).total_seconds() / 60


def sweep(events: list[tuple[int, int]], cap: int, bounds: Sequence[int] = (),
          days: Sequence[dt.date] = ()) -> list[tuple[dt.date | None, int, float]]:
    """Peak and saturated minutes of one site's spaces of one kind.

    ``events`` are (time, +1) at each booking's start and (time, -1) at its end, in epoch
    seconds; sorted with ends before starts at the same moment (half-open: 09:00-10:00 and
    10:00-11:00 never overlap), the running count is the number of spaces booked until the
    next event. The peak is capped at ``cap`` (a space booked again after a release would
    count twice); saturated time is when the count reaches ``cap``. With ``bounds`` (the UTC
    starts of ``days`` and the end of the last) the figures are per local day, a stretch cut
    at each midnight. Returns (day or None, peak, saturated minutes).
    """
    events.sort()
    per_day: dict[dt.date | None, list[float]] = {}
    n = 0
    prev: int | None = None
    for t, step in events:
        if prev is not None and t > prev and n > 0:
            a = prev
            while a < t:  # the stretch [a, t) with n spaces booked
                day: dt.date | None = None
                b = t
                if bounds:
                    i = bisect_right(bounds, a) - 1
                    day = days[i]
                    b = min(t, bounds[i + 1])
                acc = per_day.setdefault(day, [0, 0.0])
                acc[0] = max(acc[0], min(n, cap))
                if n >= cap:
                    acc[1] += (b - a) / 60.0
                a = b
        n += step
        prev = t
    return [(day, int(v[0]), v[1]) for day, v in per_day.items()]


def _week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


class _Keys:
    """Turns ids, days and hours into the report's grouping values."""

    def __init__(self, by: Sequence[str], scope: _Scope) -> None:
        self.by = tuple(by)
        self.sites = {s.id: s.code for s in scope.sites}
        self.spaces = {s.id: s.code for s in scope.spaces}
        self.orgs = scope.orgs
        self.need_day = any(f in self.by for f in ("weekday", "week", "month"))
        self.need_hour = "hour" in self.by
        #: Which of (weekday, week, month) the grouping holds.
        self.label_fields = tuple(f in self.by for f in ("weekday", "week", "month"))

    def day_label(self, day: dt.date) -> tuple[Any, Any, Any]:
        """(weekday, week, month) of a day, each None unless grouped by."""
        return tuple(v if want else None  # type: ignore[return-value]
                     for v, want in zip(day_labels(day), self.label_fields, strict=True))

    def key(self, *, site_id: int, kind: str, space_id: int | None = None,
            org_id: int | None = None, day: dt.date | None = None, hour: int | None = None,
            weekday: int | None = None, week: str | None = None, month: str | None = None,
            without_org: bool = False) -> tuple:
        out: list[Any] = []
        for f in self.by:
            if f == "site":
                out.append(self.sites.get(site_id, str(site_id)))
            elif f == "space":
                out.append(self.spaces.get(space_id or 0, str(space_id)))
            elif f == "kind":
                out.append(kind)
            elif f == "org":
                out.append(None if without_org else self.orgs.get(org_id or 0, ""))
            elif f == "weekday":
                out.append(day_labels(day)[0] if day else weekday)
            elif f == "hour":
                out.append(hour)
            elif f == "week":
                out.append(day_labels(day)[1] if day else week)
            elif f == "month":
                out.append(day_labels(day)[2] if day else month)
        return tuple(out)

    def row_key(self, columns: Sequence[str]) -> Callable[[Sequence[Any]], tuple]:
        """The grouping key of a summed row whose first values are ``columns`` (``site_id``,
        ``space_id``, ``kind``, ``org_id``, ``weekday``, ``week``, ``month``, ``hour``):
        what :meth:`key` gives for the same values, worked out once for all the rows."""
        codes: dict[str, Callable[[Any], Any]] = {
            "site": lambda v: self.sites.get(v, str(v)),
            "space": lambda v: self.spaces.get(v or 0, str(v)),
            "org": lambda v: self.orgs.get(v or 0, ""),
        }
        column = {"site": "site_id", "space": "space_id", "org": "org_id"}
        at = [(columns.index(column.get(f, f)), codes.get(f)) for f in self.by]
        if all(code is None for _, code in at):
            return itemgetter(*[i for i, _ in at]) if len(at) > 1 else \
                lambda r: (r[at[0][0]],)
        return lambda r: tuple([r[i] if code is None else code(r[i]) for i, code in at])

    def strip_org(self, key: tuple) -> tuple:
        if "org" not in self.by:
            return key
        i = self.by.index("org")
        return key[:i] + (None,) + key[i + 1:]

    def fields(self, key: tuple) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, v in zip(self.by, key, strict=True):
            if f == "weekday" and v is not None:
                v = WEEKDAY_SHORT[v]
            if f == "org" and v == "":
                v = None
            out[f] = v
        return out


def _sort_key(key: tuple) -> tuple:
    return tuple((0, v) if v is not None and not isinstance(v, str) else (1, v or "")
                 for v in key)


def _h(minutes: float) -> float:
    return round(minutes / 60.0, 2)


def _frac(a: float, b: float) -> float:
    return round(a / b, 4) if b > 0 else 0.0


_STATUS_NAMES = {"checked_in": ("checked_in", "checked_in_min"),
                 "no_show": ("no_shows", "no_show_min"),
                 "released": ("released", "released_min"),
                 "confirmed": ("unmarked", "unmarked_min")}


def _add(acc: dict[str, float], status: str, kind: str, count: int, minutes: float,
         rates: dict[str, float] | None) -> None:
    count_name, min_name = _STATUS_NAMES.get(status, ("other", "other_min"))
    acc["booked_min"] += minutes
    acc[min_name] += minutes
    if count:
        acc["bookings"] += count
        acc[count_name] += count
    if rates:
        amount = minutes / 60.0 * rates.get(kind, 0.0)
        acc["charge"] += amount
        if status not in ("no_show", "released"):
            acc["used_charge"] += amount


def summary_table(by: Sequence[str]) -> str:
    """The smallest usage summary (:mod:`booking.usage`) that holds grouping ``by``.

    Groupings by space, or by hour with the organisation, need no day of the week: their
    whole months come from a month rollup of ``usage_piece`` (``usage_space_month``,
    ``usage_org_month``), a few rows per space or organisation a month rather than one per
    day."""
    fields = set(by)
    by_day = bool(fields & {"weekday", "week"})
    if "space" in fields:
        if "org" in fields:
            return "usage_piece"
        if "hour" in fields or not by_day:
            return "usage_piece" if by_day else "usage_space_month"
        return "usage_space"
    if "hour" in fields:
        if "org" in fields:
            return "usage_piece" if by_day else "usage_org_month"
        return "usage_hour"
    return "usage_day"


