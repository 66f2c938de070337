"""Time ``cospace report whatif`` over a 60-space site-year (target: under 2 s).

    .venv/bin/python bench/whatif_bench.py [--db sqlite:////tmp/cospace_whatif_bench.db] [--runs 5]

The store is bench/report_bench.py's one site (20 interview rooms, 36 desks, 4 workshop rooms,
3-5 bookings per space per open day for 1 Dec 2025 - 30 Nov 2026, 1-3 unmet requests a day),
built once and reused. Five desks are then given a PC and a fifth of the desk requests ask
for one, so the desk replays take the path for spaces that differ (interview rooms stay
identical, the fast exact path). Each case is the whole year of one kind; medians of
``--runs``. The baseline is reading the same bookings and requests (the what-if's own two
queries) on the same store, so the ratio is what placing them costs above reading them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from bench.report_bench import YEAR_END, YEAR_START, build  # noqa: E402
from booking.estates import what_if  # noqa: E402
from booking.models import MAX_BOOKING_MINUTES  # noqa: E402
from booking.timeutil import day_bounds, utc  # noqa: E402
from db import whatif_queries as wq  # noqa: E402
from db.engine import read_tx, write_tx  # noqa: E402


def make_desks_differ(app) -> None:  # type: ignore[no-untyped-def]
    with write_tx(app.engine) as conn:
        conn.execute(text("UPDATE space SET features = 'pc' WHERE code IN "
                          "('S000-D00', 'S000-D01', 'S000-D02', 'S000-D03', 'S000-D04')"))
        conn.execute(text("UPDATE unmet_demand SET features = CASE WHEN id % 5 = 0 THEN 'pc' "
                          "ELSE '' END WHERE kind = 'desk'"))


def read_only(app, kind: str) -> float:  # type: ignore[no-untyped-def]
    site = app.site("S000")
    lo, hi = utc(day_bounds(YEAR_START, site.tz)[0]), utc(day_bounds(YEAR_END, site.tz)[1])
    t = time.perf_counter()
    with read_tx(app.engine) as conn:
        wq.kind_bookings(conn, site.id, kind, lo, hi, MAX_BOOKING_MINUTES)
        wq.kind_requests(conn, site.id, kind, lo, hi)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite:////tmp/cospace_whatif_bench.db")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    app = build(args.db, 1)
    make_desks_differ(app)
    cases = [("desk", {"add": 1}), ("desk", {"remove": 1}), ("desk", {"remove": 6}),
             ("desk", {"add": 2, "like": "S000-D00"}), ("interview", {"add": 1}),
             ("interview", {"remove": 2}), ("workshop", {"remove": 1})]
    print(f"{app.engine.dialect.name}, 1 site (60 spaces), {YEAR_START} to {YEAR_END}")
    print(f"{'kind':<10} {'change':<22} {'median s':>9} {'read s':>7} {'x read':>7} "
          f"{'met':>5} {'of':>5} {'not fitted':>10}")
    for kind, change in cases:
        times, res = [], None
        for _ in range(args.runs):
            t = time.perf_counter()
            res = what_if(app, site="S000", kind=kind, start=YEAR_START, end=YEAR_END,
                          **change)  # type: ignore[arg-type]
            times.append(time.perf_counter() - t)
        base = statistics.median(read_only(app, kind) for _ in range(args.runs))
        med = statistics.median(times)
        assert res is not None
        label = " ".join(f"{k}={v}" for k, v in change.items())
        print(f"{kind:<10} {label:<22} {med:9.3f} {base:7.3f} {med / base:7.1f} "
              f"{res.unmet_requests_met:5d} {res.unmet_requests:5d} "
              f"{res.bookings_not_fitted:10d}", flush=True)
    print(f"(made {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
