"""A day's read on a big store: the first day of its history against the last, next to a
raw bounded ``sqlite3`` query of the same rows, interleaved in the same run.

    python bench/generate.py --db /tmp/bench.db --bookings 1000000
    python bench/day_read_bench.py --db /tmp/bench.db [--repeat 30]

Timed: ``db.queries.booking_rows`` (what the board, Desk, ``list``, export and iCal read) for
one site's day and for every site's day; ``busy_intervals`` (behind ``free``) for one site's
spaces; and ``list`` with no end (from the last day on). The raw query reads the same rows
with ``start_at`` bounded on both sides by hand. Times are medians of CPU time (wall time
beside them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import START_DAY  # noqa: E402
from booking.timeutil import day_bounds  # noqa: E402
from db import queries as q  # noqa: E402
from db.engine import make_engine, read_tx  # noqa: E402

TS = "%Y-%m-%d %H:%M:%S.%f"
TZ = "Europe/London"


def raw_rows(con: sqlite3.Connection, lo: dt.datetime, hi: dt.datetime,
             site_id: int | None) -> list[Any]:
    """The same rows as booking_rows, by hand, bounded below by one day."""
    args: list[Any] = [hi.strftime(TS), (lo - dt.timedelta(days=1)).strftime(TS),
                       lo.strftime(TS)]
    where = ""
    if site_id is not None:
        where, args = " AND sp.site_id = ?", [*args, site_id]
    return con.execute(
        "SELECT b.*, sp.code, sp.name, sp.kind, si.code, si.tz, o.code, st.login "
        "FROM booking b JOIN space sp ON sp.id = b.space_id JOIN site si ON si.id = "
        "sp.site_id JOIN organisation o ON o.id = b.org_id LEFT JOIN staff st ON st.id = "
        "b.booked_by_id WHERE b.start_at < ? AND b.start_at > ? AND b.end_at > ?" + where
        + " ORDER BY b.start_at, sp.code, b.id", args).fetchall()


def raw_busy(con: sqlite3.Connection, lo: dt.datetime, hi: dt.datetime,
             spaces: list[int]) -> list[Any]:
    marks = ", ".join("?" * len(spaces))
    return con.execute(
        f"SELECT space_id, start_at, end_at FROM booking WHERE space_id IN ({marks}) "
        "AND start_at < ? AND start_at > ? AND end_at > ? "
        "AND status IN ('confirmed', 'checked_in', 'provisional') ORDER BY space_id, start_at",
        [*spaces, hi.strftime(TS), (lo - dt.timedelta(days=1)).strftime(TS),
         lo.strftime(TS)]).fetchall()


def median_ms(fn: Any, repeat: int) -> tuple[float, int, float]:
    """The median CPU time of ``fn`` (process time: on a shared, loaded machine the wall
    clock mostly measures the other processes), its row count, and its median wall time."""
    times, walls, n = [], [], 0
    for _ in range(repeat):
        w0, t0 = time.perf_counter(), time.process_time()
        n = len(fn())
        times.append((time.process_time() - t0) * 1000)
        walls.append((time.perf_counter() - w0) * 1000)
    return statistics.median(times), n, statistics.median(walls)


def _cases(conn: Any, con: sqlite3.Connection, lo: dt.datetime, hi: dt.datetime,
           site_id: int, spaces: list[int]) -> dict[str, tuple[Any, Any]]:
    """Each case: (the app's read, the raw bounded read), for the UTC day ``[lo, hi)``."""
    lo_z, hi_z = lo.replace(tzinfo=dt.UTC), hi.replace(tzinfo=dt.UTC)
    return {
        "one site's day": (
            lambda: q.booking_rows(conn, start=lo_z, end=hi_z, site_id=site_id),
            lambda: raw_rows(con, lo, hi, site_id)),
        "all sites' day": (
            lambda: q.booking_rows(conn, start=lo_z, end=hi_z),
            lambda: raw_rows(con, lo, hi, None)),
        "free (busy_intervals, one site)": (
            lambda: [i for v in q.busy_intervals(conn, spaces, lo_z, hi_z).values() for i in v],
            lambda: raw_busy(con, lo, hi, spaces)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    engine = make_engine(f"sqlite:///{args.db}", create=False)
    con = sqlite3.connect(args.db)
    total = con.execute("SELECT count(*) FROM booking").fetchone()[0]
    site_id = con.execute("SELECT site_id FROM space GROUP BY site_id ORDER BY count(*) DESC "
                          "LIMIT 1").fetchone()[0]
    # The store's last whole working day at that site (its very last day may be partial).
    last = dt.date.fromisoformat(con.execute(
        "SELECT substr(b.start_at, 1, 10) AS d FROM booking b JOIN space s ON s.id = "
        "b.space_id WHERE s.site_id = ? AND b.start_at > (SELECT date(max(start_at), "
        "'-10 days') FROM booking) GROUP BY d ORDER BY d DESC LIMIT 1 OFFSET 1",
        (site_id,)).fetchone()[0])
    spaces = [r[0] for r in con.execute("SELECT id FROM space WHERE site_id = ?", (site_id,))]
    print(f"store: {args.db}; bookings: {total}; first day {START_DAY}, last day {last}; "
          f"site {site_id} ({len(spaces)} spaces)")
    results: dict[str, dict[dt.date, tuple[float, float, int, float, float]]] = {}
    for _round in range(2):  # interleaved: first day, last day, then again
        for day in (START_DAY, last):
            lo, hi = (b.astimezone(dt.UTC).replace(tzinfo=None) for b in day_bounds(day, TZ))
            with read_tx(engine) as conn:
                cases = _cases(conn, con, lo, hi, site_id, spaces)
                for name, (app_fn, raw_fn) in cases.items():
                    reps = max(3, args.repeat // (10 if "all" in name else 1))
                    a, n, aw = median_ms(app_fn, reps)
                    b, _, bw = median_ms(raw_fn, reps)
                    results.setdefault(name, {})[day] = (a, b, n, aw, bw)
    for name, by_day in results.items():
        (a1, b1, n1, aw1, bw1), (a2, b2, n2, aw2, bw2) = by_day[START_DAY], by_day[last]
        print(f"{name}: first day {a1:.2f} ms ({n1} rows; raw bounded {b1:.2f} ms, "
              f"{a1 / b1:.2f}x), last day {a2:.2f} ms ({n2} rows; raw bounded {b2:.2f} ms, "
              f"{a2 / b2:.2f}x); last/first {a2 / a1:.2f}x; wall: {aw1:.2f} vs {bw1:.2f} ms "
              f"({aw1 / bw1:.2f}x), {aw2:.2f} vs {bw2:.2f} ms ({aw2 / bw2:.2f}x)")
    lo_last = day_bounds(last, TZ)[0].astimezone(dt.UTC)
    with read_tx(engine) as conn:
        a, n, _ = median_ms(lambda: q.booking_rows(conn, start=lo_last, site_id=site_id),
                            args.repeat)
    print(f"list with no end, one site, from the last day: {a:.2f} ms ({n} rows)")


if __name__ == "__main__":
    main()
