"""Usage summaries: what the usage reports read instead of every booking.

For each site and local day the store keeps (``db.tables``):

- ``usage_day``: booked minutes and bookings started, per kind, organisation and status;
- ``usage_hour``: the same per local hour of the day (a booking's minutes shared among the
  hours it covers), per kind and status;
- ``usage_space``: the same per space and status;
- ``usage_piece``: the same per space, organisation, status and hour at once (for the
  groupings the three above do not hold: organisation with hour, space with organisation or
  hour);
- ``usage_level``: for each kind, the minutes of the day during which at least *n* of its
  spaces were booked, for every *n* up to the day's peak.

Cancelled and declined bookings are left out; every other status (confirmed, checked in, no-show,
released) is kept apart, so booked, used and wasted hours and attendance all come from the
same rows. A booking is cut at local hour boundaries and local midnights, in the site's own
time zone, so a clock-change day has its 23 or 25 hours and 09:00 is hour 9 all year.
A booking is counted (``bookings``) in the hour and on the day it starts.

Why: a year of a region is millions of bookings, and working out the local day and hour of
each, then grouping, is what made the reports slow; the summaries hold one row per site, day
and key, built once. They are kept right by marks: a trigger on ``booking`` (and on a space's
site or kind, a site's time zone) appends a ``usage_mark`` in the same transaction as the
change, and :func:`refresh`, run before every report, recomputes just the marked days. The
summaries hold nothing that the bookings do not: marking a site rebuilds it from scratch.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from booking.models import MAX_BOOKING_MINUTES
from db import usage_queries as uq
from db.engine import read_tx, write_tx
from db.tx import Engine, Tx

_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_UTC_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: Past this many marked days at one site, rebuilding the whole site is cheaper.
WHOLE_SITE_DAYS = 120
#: After recomputing this many site days in one refresh (a site's year, a store's first
#: build, an upgrade's whole-store mark) the planner's statistics of the summaries are renewed.
ANALYZE_DAYS = 366
#: The summaries cover bookings in these instants only. Nobody can book outside them (dates
#: people type run from 1970 to 2999, bookings at most the store's horizon ahead), but a row
#: written by SQL or an older version could lie anywhere: it is left out of the summaries (and
#: so of the reports) rather than taking every report and ``cospace init`` down.
COVERED_LO = dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
COVERED_HI = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)


@lru_cache(maxsize=4096)
def day_labels(day: dt.date) -> tuple[int, str, str]:
    """(weekday 0 = Monday, ISO week ``2026-W48``, month ``2026-11``) of a local day."""
    y, w, _ = day.isocalendar()
    return day.weekday(), f"{y}-W{w:02d}", f"{day.year:04d}-{day.month:02d}"


def _epoch(t: dt.datetime) -> int:
    return int((t - _UTC_EPOCH).total_seconds())


_COVERED = (int((COVERED_LO - _UTC_EPOCH).total_seconds()),
            int((COVERED_HI - _UTC_EPOCH).total_seconds()))


def _covered_rows(rows: Sequence[tuple]) -> list[tuple]:
    """The bookings the summaries hold: inside :data:`COVERED_LO`..:data:`COVERED_HI`."""
    lo, hi = _COVERED
    return [r for r in rows if r[4] is not None and r[5] is not None
            and lo <= r[4] < r[5] <= hi]


def _covered_span(lo: dt.datetime, hi: dt.datetime) -> tuple[dt.datetime, dt.datetime] | None:
    lo, hi = max(lo, COVERED_LO), min(hi, COVERED_HI)
    return (lo, hi) if lo < hi else None


class LocalClock:
    """UTC epoch seconds to the local wall clock of one zone, by table lookup.

    Between two changes of the zone's UTC offset, local time is UTC plus a constant; the
    changes in ``[lo, hi]`` are found once with :mod:`zoneinfo` (stepping by six hours and
    bisecting to the second), so each conversion is a bisect and an addition.
    """

    STEP = 6 * 3600

    def __init__(self, tz: str, lo: int, hi: int) -> None:
        self.zone = ZoneInfo(tz)
        self.starts: list[int] = [lo]
        self.offsets: list[int] = [self._off(lo)]
        t = lo
        while t < hi:
            nxt = min(t + self.STEP, hi)
            if self._off(nxt) != self.offsets[-1]:
                a, b = t, nxt  # the change is in (a, b]
                while b - a > 1:
                    mid = (a + b) // 2
                    if self._off(mid) == self.offsets[-1]:
                        a = mid
                    else:
                        b = mid
                self.starts.append(b)
                self.offsets.append(self._off(b))
                t = b
                continue
            t = nxt

    def _off(self, t: int) -> int:
        delta = dt.datetime.fromtimestamp(t, self.zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    def segment(self, t: int) -> tuple[int, int]:
        """(offset in seconds at ``t``, the instant the offset next changes)."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            i = 0
        nxt = self.starts[i + 1] if i + 1 < len(self.starts) else 1 << 62
        return self.offsets[i], nxt

    def midnight(self, day: dt.date) -> int:
        """The UTC instant local ``day`` begins (a midnight the clocks skip: the first
        instant of the day)."""
        naive = dt.datetime(day.year, day.month, day.day)
        return int(naive.replace(tzinfo=self.zone).timestamp())


@dataclass
class DaySummary:
    """The summary rows of one site over a run of local days, before they are written."""

    day: dict[tuple, list[float]] = field(default_factory=dict)
    hour: dict[tuple, list[float]] = field(default_factory=dict)
    space: dict[tuple, list[float]] = field(default_factory=dict)
    piece: dict[tuple, list[float]] = field(default_factory=dict)
    space_kind: dict[int, str] = field(default_factory=dict)
    #: (day number, kind) -> {spaces booked at once: seconds}
    exact: dict[tuple[int, str], dict[int, int]] = field(default_factory=dict)

    def rows(self, site_id: int, day_value: Callable[[dt.date], object] = lambda d: d
             ) -> dict[str, list[tuple]]:
        """Rows per summary table, in the tables' column order; ``day_value`` turns each
        day into what the store takes (:func:`db.usage_queries.day_value`)."""
        days: dict[int, tuple] = {}

        def day(dn: int) -> tuple:
            got = days.get(dn)
            if got is None:
                d = day_of(dn)
                got = days[dn] = (day_value(d), *day_labels(d))
            return got

        kinds = self.space_kind
        out: dict[str, list[tuple]] = {name: [] for name in uq.TABLES}
        rows = out["usage_day"]
        for (dn, kind, org, status), (minutes, count) in self.day.items():
            d, *labels = day(dn)
            rows.append((site_id, d, kind, org, status, *labels, minutes, int(count)))
        rows = out["usage_hour"]
        for (dn, kind, status, hour), (minutes, count) in self.hour.items():
            d, *labels = day(dn)
            rows.append((site_id, d, kind, status, hour, *labels, minutes, int(count)))
        rows = out["usage_space"]
        for (dn, space_id, status), (minutes, count) in self.space.items():
            d, *labels = day(dn)
            rows.append((site_id, d, space_id, status, kinds[space_id], *labels, minutes,
                         int(count)))
        rows = out["usage_piece"]
        for (dn, space_id, org, status, hour), (minutes, count) in self.piece.items():
            d, *labels = day(dn)
            rows.append((site_id, d, space_id, org, status, hour, kinds[space_id], *labels,
                         minutes, int(count)))
        rows = out["usage_level"]
        for (dn, kind), exact in self.exact.items():
            d, *labels = day(dn)
            at_least = 0
            for n in range(max(exact), 0, -1):
                at_least += exact.get(n, 0)
                rows.append((site_id, d, kind, n, *labels, at_least / 60.0))
        return out


def hour_pieces(start: int, end: int, clock: LocalClock) -> list[tuple[int, int, float]]:
    """``[start, end)`` (UTC epoch seconds) cut at every local hour boundary, as (local day
    number since 1970-01-01, local hour, minutes), in time order.

    Elapsed time, not wall time: on the autumn clock change 00:30-03:00 is 30 minutes of hour
    0, 60 of the first hour 1, 60 of the second and 60 of hour 2 (3.5 hours in all); in
    spring 00:30-03:00 is 30 minutes of hour 0 and 60 of hour 2.
    """
    out = []
    off, change = clock.segment(start)
    t = start
    while t < end:
        if t >= change:
            off, change = clock.segment(t)
        wall = t + off
        dn = wall // 86400
        sec = wall - dn * 86400
        nxt = t + 3600 - sec % 3600
        if nxt > end:
            nxt = end
        if nxt > change:
            nxt = change
        out.append((dn, sec // 3600, (nxt - t) / 60.0))
        t = nxt
    return out


def day_of(day_number: int) -> dt.date:
    """The date of a local day number from :func:`hour_pieces`."""
    return dt.date.fromordinal(day_number + _EPOCH_ORDINAL)


def summarise(bookings: Iterable[tuple[int, str, int, str, int, int]], clock: LocalClock,
              first: dt.date, last: dt.date) -> DaySummary:
    """The summary of ``bookings`` (``space_id, kind, org_id, status, start, end`` in UTC
    epoch seconds, none cancelled) over the local days ``first``..``last``.

    Each booking is clipped to those days and cut at every local hour boundary; the booking
    counts where its start falls, if it falls inside the days. Occupancy sweeps the starts
    and ends of each kind in time order (an end before a start at the same instant: half-open
    intervals never overlap), cutting at local midnights.
    """
    lo, hi = clock.midnight(first), clock.midnight(last + dt.timedelta(days=1))
    out = DaySummary()
    day, hour, space, piece = out.day, out.hour, out.space, out.piece
    space_kind = out.space_kind
    events: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for space_id, kind, org_id, status, start, end in bookings:
        s = start if start > lo else lo
        e = end if end < hi else hi
        if s >= e:
            continue
        space_kind[space_id] = kind
        ev = events[kind]
        ev.append((s, 1))
        ev.append((e, -1))
        count = 1 if start >= lo else 0
        for dn, h, minutes in hour_pieces(s, e, clock):
            for table, key in ((day, (dn, kind, org_id, status)),
                               (hour, (dn, kind, status, h)),
                               (space, (dn, space_id, status)),
                               (piece, (dn, space_id, org_id, status, h))):
                cell = table.get(key)
                if cell is None:
                    table[key] = [minutes, count]
                else:
                    cell[0] += minutes
                    cell[1] += count
            count = 0
    # Occupancy, cut at each local midnight of the run of days.
    mids = []
    d = first
    while d <= last + dt.timedelta(days=1):
        mids.append(clock.midnight(d))
        d += dt.timedelta(days=1)
    first_dn = first.toordinal() - _EPOCH_ORDINAL
    for kind, ev in events.items():
        ev.sort()
        n = 0
        prev = lo
        for t, step in ev:
            if t > prev and n > 0:
                a = prev
                while a < t:
                    i = bisect_right(mids, a) - 1
                    b = t if t < mids[i + 1] else mids[i + 1]
                    exact = out.exact.setdefault((first_dn + i, kind), {})
                    exact[n] = exact.get(n, 0) + (b - a)
                    a = b
            n += step
            prev = t
    return out


def _runs(days: Sequence[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as runs of consecutive days, (first, last)."""
    runs: list[tuple[dt.date, dt.date]] = []
    for d in days:
        if runs and (d - runs[-1][1]).days == 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def _local_day(clock: LocalClock, t: int) -> dt.date:
    off, _ = clock.segment(t)
    return dt.date.fromordinal((t + off) // 86400 + _EPOCH_ORDINAL)


def _local_days(clock: LocalClock, start: dt.datetime, end: dt.datetime) -> list[dt.date]:
    """The local days ``[start, end)`` touches."""
    a, b = _epoch(start), _epoch(end)
    d, last = _local_day(clock, a), _local_day(clock, max(a, b - 1))
    out = []
    while d <= last:
        out.append(d)
        d += dt.timedelta(days=1)
    return out


def _write(conn: Tx, site_id: int, summary: DaySummary) -> None:
    for name, rows in summary.rows(site_id, uq.day_value(conn)).items():
        uq.write_rows(conn, name, rows)


def rebuild_site(conn: Tx, site_id: int, tz: str) -> int:
    """Replace every summary row of a site from its bookings; returns the days covered."""
    uq.clear_days(conn, site_id)
    rows = _covered_rows(uq.site_bookings(conn, uq.site_space_ids(conn, site_id)))
    if not rows:
        uq.rebuild_months(conn, site_id)
        return 0
    lo, hi = min(r[4] for r in rows), max(r[5] for r in rows)
    clock = LocalClock(tz, lo - 2 * 86400, hi + 2 * 86400)
    first, last = _local_day(clock, lo), _local_day(clock, hi - 1)
    _write(conn, site_id, summarise(rows, clock, first, last))
    uq.rebuild_months(conn, site_id)
    return (last - first).days + 1


def rebuild_days(conn: Tx, site_id: int, clock: LocalClock,
                 days: Sequence[dt.date]) -> int:
    """Replace a site's summary rows for ``days`` (sorted; ``clock`` covers them) from the
    bookings on them, one read per run of consecutive days, then the month rollups of the
    months they fall in."""
    spaces = uq.site_space_ids(conn, site_id)
    for first, last in _runs(days):
        lo = dt.datetime.fromtimestamp(clock.midnight(first), dt.UTC)
        hi = dt.datetime.fromtimestamp(clock.midnight(last + dt.timedelta(days=1)), dt.UTC)
        uq.clear_days(conn, site_id, first, last)
        rows = _covered_rows(uq.site_bookings(conn, spaces, lo=lo, hi=hi,
                                              max_minutes=MAX_BOOKING_MINUTES))
        _write(conn, site_id, summarise(rows, clock, first, last))
    uq.rebuild_months(conn, site_id, [f"{d:%Y-%m}" for d in days])
    return len(days)


def refresh_site(engine: Engine, site_id: int) -> int:
    """Claim a site's marks and recompute what they name, in one write transaction."""
    with write_tx(engine) as conn:
        uq.lock_site(conn, site_id)
        marks = uq.claim_marks(conn, site_id)
        tz = uq.site_zone(conn, site_id)
        if not marks or tz is None:
            return 0
        whole = any(lo is None or hi is None for lo, hi in marks)
        if whole:  # a mark for the whole site
            return rebuild_site(conn, site_id, tz)
        spans = [c for lo, hi in marks if lo is not None and hi is not None
                 and (c := _covered_span(lo, hi)) is not None]
        if not spans:  # only bookings the summaries do not cover changed
            return 0
        clock = LocalClock(tz, min(_epoch(lo) for lo, _ in spans) - 3 * 86400,
                           max(_epoch(hi) for _, hi in spans) + 3 * 86400)
        days: set[dt.date] = set()
        for lo, hi in spans:
            days.update(_local_days(clock, lo, hi))
        if len(days) > WHOLE_SITE_DAYS:
            return rebuild_site(conn, site_id, tz)
        return rebuild_days(conn, site_id, clock, sorted(days))


def refresh(engine: Engine, site_ids: Iterable[int] | None = None) -> int:
    """Bring the usage summaries of ``site_ids`` (None: every site) up to date with every
    change marked so far; returns the number of site days recomputed. Cheap when nothing
    changed (one indexed read).

    Each site is its own write transaction, so bookings at other terminals wait for one
    site's recomputation at most, never for a whole region's.
    """
    with read_tx(engine) as conn:
        if not uq.has_marks(conn):
            return 0
        sites = uq.marked_sites(conn)
    if None in sites:
        with write_tx(engine) as conn:
            uq.expand_store_mark(conn)
        with read_tx(engine) as conn:
            sites = uq.marked_sites(conn)
    wanted = None if site_ids is None else set(site_ids)
    done = 0
    for site_id in sorted(s for s in sites if s is not None and (wanted is None or s in wanted)):
        done += refresh_site(engine, site_id)
    if done >= ANALYZE_DAYS:
        uq.analyze(engine)
    return done
