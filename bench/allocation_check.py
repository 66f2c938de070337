"""What the allocation check adds to one booking.

Builds a SQLite store with one site of 40 spaces and a year of bookings (4 per space per
working day, ~41k rows, half of them one organisation's), then times, in the same run:
the allocation check alone (one week's hours and peak for that organisation), the clash check
alone (the baseline), and a whole ``book()`` with and without an allocation in force.

    .venv/bin/python bench/allocation_check.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import pendulum
from sqlalchemy import insert

from booking import allocations
from booking.models import MAX_BOOKING_MINUTES
from booking.service import Cospace
from booking.timeutil import utc
from db import queries as q
from db.engine import write_tx
from db.queries import table_of
from db.tables import Booking

TZ = "Europe/London"
NOW = pendulum.datetime(2026, 1, 5, 7, 0, tz=TZ).in_timezone("UTC")


def build(path: Path) -> Cospace:
    app, _ = Cospace.init(f"sqlite:///{path}", "admin", lambda: NOW)
    app.add_org("JCP", "Jobcentre Plus", host=True)
    app.add_org("NCS", "Careers", advance_weeks=60)
    app.add_site("BIG", "Big Jobcentre", hours="mon-fri 08:00-18:00")
    for i in range(40):
        app.add_space(f"IR{i:02d}", site="BIG", kind="interview", capacity=4)
    app.add_staff("admin", name="Admin", org="JCP", role="admin")
    spaces = app.spaces("BIG")
    orgs = {o.code: o.id for o in app.orgs()}
    rows = []
    day = dt.date(2026, 1, 5)
    while day < dt.date(2027, 1, 4):
        if day.weekday() < 5:
            for n, sp in enumerate(spaces):
                for slot in range(4):
                    start = pendulum.datetime(day.year, day.month, day.day, 8 + 2 * slot,
                                              tz=TZ)
                    rows.append(dict(
                        space_id=sp.id, org_id=orgs["NCS" if (n + slot) % 2 else "JCP"],
                        booked_by_id=None, start_at=utc(start),
                        end_at=utc(start.add(hours=1)), status="confirmed", attendees=1,
                        purpose="", confidential=False, created_at=NOW, updated_at=NOW))
        day += dt.timedelta(days=1)
    with write_tx(app.engine) as conn:
        conn.execute(insert(table_of(Booking)), rows)
    print(f"store: {len(rows)} bookings on {len(spaces)} spaces")
    return app


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        app = build(Path(d) / "bench.db")
        allocations.set_allocation(app, "NCS", site="BIG", kind="interview",
                                   hours_per_week=10_000, max_at_once=1_000)
        site = app.site("BIG")
        org = next(o for o in app.orgs() if o.code == "NCS")
        space = app.space("IR00")
        s = utc(pendulum.datetime(2026, 6, 10, 9, 0, tz=TZ))
        e = s + dt.timedelta(hours=1)
        alloc_t, clash_t = [], []
        for _ in range(args.repeat):
            with write_tx(app.engine) as conn:
                t0 = time.perf_counter()
                allocations.check(conn, org=org, site=site, kind="interview",
                                  intervals=[(s, e)])
                t1 = time.perf_counter()
                q.clashes(conn, space.id, s, e, max_minutes=MAX_BOOKING_MINUTES)
                t2 = time.perf_counter()
            alloc_t.append(t1 - t0)
            clash_t.append(t2 - t1)
        print(f"allocation check alone: median {median_ms(alloc_t):.3f} ms; "
              f"clash check alone: {median_ms(clash_t):.3f} ms; "
              f"ratio {median_ms(alloc_t) / median_ms(clash_t):.1f}x")

        # Interleaved: a booking for NCS (its allocation is checked), then one for JCP (none
        # in force: the path still looks, as someone has one), same spaces and days, each
        # timed on the wall clock and in CPU time (the process's own, whatever the load).
        times: dict[str, dict[str, list[float]]] = {
            k: {"wall": [], "CPU": []} for k in ("with", "without")}
        day, n = dt.date(2026, 6, 1), 0
        while n < args.repeat:
            if day.weekday() >= 5:
                day += dt.timedelta(days=1)
                continue
            sp = f"IR{n % 40:02d}"
            for key, org_code, hour in (("with", "NCS", 9), ("without", "JCP", 11)):
                w0, c0 = time.perf_counter(), time.process_time()
                app.book(sp, f"{day} {hour}:00", f"{hour}:30", org=org_code)
                times[key]["CPU"].append(time.process_time() - c0)
                times[key]["wall"].append(time.perf_counter() - w0)
            n += 1
            if n % 40 == 0:
                day += dt.timedelta(days=1)
        for clock_name in ("wall", "CPU"):
            a = median_ms(times["with"][clock_name])
            b = median_ms(times["without"][clock_name])
            print(f"book() ({clock_name} time): with an allocation in force median "
                  f"{a:.2f} ms, without {b:.2f} ms, ratio {a / b:.2f}x")

if __name__ == "__main__":
    main()
