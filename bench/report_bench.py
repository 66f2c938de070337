"""Time every usage report over a year of one site or of a region.

    .venv/bin/python bench/report_bench.py --sites 1                    # 60 spaces, ~60k bookings
    .venv/bin/python bench/report_bench.py --sites 50                   # ~3M bookings
    .venv/bin/python bench/report_bench.py --sites 50 --db postgresql+psycopg://postgres@127.0.0.1:5432/bench

Builds the store with bulk inserts (executemany on SQLite, COPY on PostgreSQL; reused when it
already holds the same shape), brings the usage summaries up to date (timed: on a new store
that is building them from scratch), then runs each report for the whole year over every site,
``--runs`` times, and prints the median wall time (and the process's CPU time: on PostgreSQL
most of the work is the server's). The baseline is one raw SQL pass over the same bookings
on the same connection, a plain ``GROUP BY`` space, organisation and status with a count and
summed duration, run just before each run of each report (the ratio is of the two medians, so
a change in the machine's load between reports moves both); the same pass without the
grouping is printed once beside it. The ratio says what the reports cost against merely
grouping the rows. Before timing, the planner's statistics are renewed (``ANALYZE`` of the
summaries on PostgreSQL, as autovacuum would; it is off on these machines). ``--direct``
also times each report read straight from the bookings (``Reports(use_summaries=False)``,
the code before the summaries), in the same run.
Last, ``--changes`` bookings across the sites change status (as a day of check-ins and
no-shows would) and the refresh that the next report runs first is timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pendulum  # noqa: E402
from sqlalchemy import bindparam, func, insert, select, text  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

import db.tables  # noqa: E402,F401  (the tables, on SQLModel's metadata)
from booking import usage  # noqa: E402
from booking.reports import REPORT_KINDS, Reports  # noqa: E402
from booking.rules import opening_window  # noqa: E402
from booking.service import Cospace  # noqa: E402
from db import usage_queries as uq  # noqa: E402
from db.engine import read_tx, write_tx  # noqa: E402

BOOKING, ORGANISATION, SPACE, STAFF = (SQLModel.metadata.tables[n] for n in
                                       ("booking", "organisation", "space", "staff"))

YEAR_START = dt.date(2025, 12, 1)
YEAR_END = dt.date(2026, 11, 30)
NOW = pendulum.datetime(2026, 12, 1, 8, 0, tz="UTC")
KIND_MIX = (("interview", 20), ("desk", 36), ("workshop", 4))
ORGS = ("JCP", "NCS", "CNCL", "CAB", "PROB")


def utc_midnight(day: dt.date, tz: str) -> dt.datetime:
    m = pendulum.datetime(day.year, day.month, day.day, tz=tz).in_timezone("UTC")
    return dt.datetime(m.year, m.month, m.day, m.hour, m.minute, tzinfo=dt.UTC)


def fmt(t: dt.datetime, pg: bool) -> str:
    if pg:
        return t.isoformat()
    return t.strftime("%Y-%m-%d %H:%M:%S.000000")


def build(url: str, sites: int, seed: int = 7) -> Cospace:
    app, was_new = Cospace.init(url, "bench", clock=lambda: NOW)
    with read_tx(app.engine) as conn:
        have = conn.execute(select(func.count()).select_from(BOOKING)).scalar() or 0
        n_sites = conn.execute(text("SELECT COUNT(*) FROM site")).scalar() or 0
    if have and n_sites == sites:
        print(f"reusing the store: {sites} sites, {have:,} bookings")
        return app
    if have or n_sites:
        sys.exit("the store holds other data: give a fresh --db")
    rng = random.Random(seed)
    t0 = time.perf_counter()
    with write_tx(app.engine) as conn:
        for code in ORGS:
            conn.execute(insert(ORGANISATION).values(
                code=code, name=code, is_host=code == "JCP", active=True))
        jcp = conn.execute(text("SELECT id FROM organisation WHERE code='JCP'")).scalar()
        conn.execute(STAFF.update().where(STAFF.c.login == "bench")
                     .values(org_id=jcp, role="admin"))
    org_ids = dict(zip(ORGS, range(1, len(ORGS) + 1), strict=True))
    pg = app.engine.dialect.name == "postgresql"
    total = 0
    for s in range(sites):
        site = app.add_site(f"S{s:03d}", f"Site {s}", hours="mon-thu 08:30-17:00, fri 08:30-16:30")
        with write_tx(app.engine) as conn:
            n = 0
            for kind, count in KIND_MIX:
                conn.execute(insert(SPACE), [
                    dict(code=f"S{s:03d}-{kind[:1].upper()}{i:02d}", site_id=site.id,
                         name=f"{kind} {i}", kind=kind, capacity=1 if kind == "desk" else 4,
                         features="", private=False, active=True) for i in range(count)])
                n += count
            spaces = conn.execute(select(SPACE.c.id, SPACE.c.kind).where(
                SPACE.c.site_id == site.id)).all()
        rows = []
        unmet = []
        day = YEAR_START
        while day <= YEAR_END:
            window = opening_window(site, day)
            if window is not None:
                o, c = window
                # Opening hours never cross a clock change, so one offset serves the day.
                midnight = utc_midnight(day, site.tz)
                for sp in spaces:
                    t = o + rng.choice((0, 15, 30))
                    for _ in range(rng.choice((3, 4, 4, 5, 5))):
                        length = 60 * rng.choice((1, 1, 1, 2)) if sp.kind != "desk" else \
                            rng.choice((60, 90, 120, 180))
                        if t + length > c:
                            break
                        start = midnight + dt.timedelta(minutes=t)
                        end = start + dt.timedelta(minutes=length)
                        r = rng.random()
                        status = ("cancelled" if r < 0.03 else "no_show" if r < 0.14 else
                                  "released" if r < 0.18 and sp.kind == "desk" else
                                  "checked_in")
                        rows.append((sp.id, org_ids[rng.choice(ORGS)], fmt(start, pg),
                                     fmt(end, pg), status))
                        t += length + rng.choice((0, 0, 15, 30))
                for _ in range(rng.choice((1, 2, 3))):
                    h = rng.randrange(o // 60 + 1, c // 60 - 1)
                    start = midnight + dt.timedelta(hours=h)
                    unmet.append((site.id, rng.choice(("interview", "workshop", "desk")),
                                  fmt(start, pg), fmt(start + dt.timedelta(hours=1), pg),
                                  org_ids[rng.choice(ORGS)]))
            day += dt.timedelta(days=1)
        _bulk(app, rows, unmet, pg)
        total += len(rows)
        print(f"  site {s + 1}/{sites}: {total:,} bookings, {time.perf_counter() - t0:.0f} s",
              flush=True)
    if pg:
        with app.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    else:
        with app.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    print(f"built {total:,} bookings in {time.perf_counter() - t0:.0f} s")
    return app


def _bulk(app: Cospace, rows: list, unmet: list, pg: bool) -> None:
    created = fmt(NOW, pg)
    raw = app.engine.raw_connection()
    try:
        cur = raw.cursor()
        if pg:
            buf = io.StringIO()
            for sp, org, s, e, st in rows:
                buf.write(f"{sp}\t{org}\t{s}\t{e}\t{st}\t1\t\tf\t{created}\t{created}\n")
            with cur.copy("COPY booking (space_id, org_id, start_at, end_at, status, attendees,"
                          " purpose, confidential, created_at, updated_at) FROM STDIN") as cp:
                cp.write(buf.getvalue())
            buf = io.StringIO()
            for site, kind, s, e, org in unmet:
                buf.write(f"{created}\t{site}\t{kind}\t{s}\t{e}\t1\t\t{org}\n")
            with cur.copy("COPY unmet_demand (recorded_at, site_id, kind, start_at, end_at, "
                          "attendees, features, org_id) FROM STDIN") as cp:
                cp.write(buf.getvalue())
        else:
            cur.execute("BEGIN")
            cur.executemany(
                "INSERT INTO booking (space_id, org_id, start_at, end_at, status, attendees, "
                "purpose, confidential, created_at, updated_at) VALUES (?,?,?,?,?,1,'',0,?,?)",
                [(*r, created, created) for r in rows])
            cur.executemany(
                "INSERT INTO unmet_demand (recorded_at, site_id, kind, start_at, end_at, "
                "attendees, features, org_id) VALUES (?,?,?,?,?,1,'',?)",
                [(created, *u) for u in unmet])
        raw.commit()
    finally:
        raw.close()


def baseline(app: Cospace, group: bool = False) -> float:
    """One raw SQL pass over the year's bookings on the same connection: a count and summed
    duration (``group``: per space, organisation and status, a plain GROUP BY)."""
    lo = pendulum.datetime(YEAR_START.year, YEAR_START.month, YEAR_START.day, tz="UTC")
    hi = pendulum.datetime(YEAR_END.year, YEAR_END.month, YEAR_END.day, tz="UTC").add(days=1)
    pg = app.engine.dialect.name == "postgresql"
    dur = ("EXTRACT(EPOCH FROM end_at - start_at)" if pg
           else "(julianday(end_at) - julianday(start_at))")
    plus = "" if pg else "+"  # a straight read of the table, as the reports do
    keys = "space_id, org_id, status, " if group else ""
    sql = text(f"SELECT {keys}COUNT(*), SUM({dur}) FROM booking WHERE status <> 'cancelled' "
               f"AND {plus}start_at < :hi AND {plus}end_at > :lo"
               + (f" GROUP BY {keys.rstrip(', ')}" if group else ""))
    t = time.perf_counter()
    with read_tx(app.engine) as conn:
        conn.execute(sql, {"lo": fmt(lo, pg), "hi": fmt(hi, pg)}).all()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=1)
    ap.add_argument("--db", default=None, help="default: a SQLite file in /tmp")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=None, help="comma-separated report kinds")
    ap.add_argument("--direct", action="store_true",
                    help="also time each report read straight from the bookings")
    ap.add_argument("--changes", type=int, default=500,
                    help="bookings changed before the timed incremental refresh")
    args = ap.parse_args()
    url = args.db or f"sqlite:////tmp/cospace_report_bench_{args.sites}.db"
    app = build(url, args.sites)
    t = time.perf_counter()
    days = usage.refresh(app.engine)
    print(f"usage summaries brought up to date: {days:,} site days in "
          f"{time.perf_counter() - t:.1f} s")
    # The planner's statistics of the summaries, as autovacuum would renew them (it is off
    # on these machines); a refresh of many days renews them itself.
    uq.analyze(app.engine)
    reports = Reports(app)
    direct = Reports(app, use_summaries=False)
    cases = [(k, None) for k in REPORT_KINDS] + [
        ("utilisation", "weekday,hour"), ("utilisation", "space"), ("share", "org,kind"),
        ("attendance", "org,kind,month"), ("utilisation", "org,hour"),
        ("utilisation", "space,hour")]
    if args.only:
        cases = [c for c in cases if c[0] in args.only.split(",")]
    scan = statistics.median(baseline(app) for _ in range(args.runs))
    base = statistics.median(baseline(app, group=True) for _ in range(args.runs))
    backend = app.engine.dialect.name
    print(f"\n{backend}, {args.sites} site(s), {YEAR_START} to {YEAR_END}; "
          f"baseline raw GROUP BY {base:.3f} s (raw count/sum scan {scan:.3f} s); "
          f"load average {_load()}")
    head = (f"{'report':<14} {'by':<18} {'median s':>9} {'cpu s':>6} {'GROUP BY s':>10} "
            f"{'x GROUP BY':>10} {'rows':>6}")
    if args.direct:
        head += f" {'direct s':>9} {'direct/summ':>11}"
    print(head)

    def timed(r: Reports, kind: str, by: str | None, against: bool = False
              ) -> tuple[float, float, float, int]:
        """Median wall and CPU seconds of the report (and, with ``against``, of the raw
        GROUP BY run just before each run of it), and its rows."""
        times, cpus, bases = [], [], []
        rows = 0
        for _ in range(args.runs):
            if against:
                bases.append(baseline(app, group=True))
            t, c = time.perf_counter(), time.process_time()
            rep = r.run(kind, sites=None, start=YEAR_START, end=YEAR_END, by=by,
                        rates={"interview": 12.5, "desk": 4} if kind == "share" else None)
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            rows = len(rep.rows)
        return (statistics.median(times), statistics.median(cpus),
                statistics.median(bases) if bases else 0.0, rows)

    worst = (0.0, "")
    slowest = (0.0, "")
    for kind, by in cases:
        med, cpu, against, rows = timed(reports, kind, by, against=True)
        ratio = med / against
        name = f"{kind} {by or '(default)'}"
        worst, slowest = max(worst, (ratio, name)), max(slowest, (med, name))
        line = (f"{kind:<14} {by or '(default)':<18} {med:>9.3f} {cpu:>6.2f} {against:>10.3f} "
                f"{ratio:>10.2f} {rows:>6}")
        if args.direct:
            dmed, _, _, drows = timed(direct, kind, by)
            assert drows == rows, (kind, by, drows, rows)
            line += f" {dmed:>9.3f} {dmed / med:>10.1f}x"
        print(line, flush=True)
    print(f"highest ratio to the raw GROUP BY {worst[0]:.2f} ({worst[1]}); slowest report "
          f"{slowest[0]:.3f} s ({slowest[1]}); load average {_load()}")
    if args.changes:
        changed = change_statuses(app, args.changes)
        t = time.perf_counter()
        days = usage.refresh(app.engine)
        took = time.perf_counter() - t
        t = time.perf_counter()
        reports.run("utilisation", sites=None, start=YEAR_START, end=YEAR_END)
        print(f"\nafter {changed} bookings changed status: refresh {took:.3f} s "
              f"({days} site days), then utilisation {time.perf_counter() - t:.3f} s")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def change_statuses(app: Cospace, n: int, seed: int = 11) -> int:
    """Flip the status of ``n`` random bookings of the last fortnight (no-show <-> checked
    in), as a fortnight of the front desk's marking would; the triggers mark their days."""
    lo = fmt(utc_midnight(YEAR_END - dt.timedelta(days=13), "Europe/London"),
             app.engine.dialect.name == "postgresql")
    with read_tx(app.engine) as conn:
        ids = [r[0] for r in conn.execute(text(
            "SELECT id FROM booking WHERE start_at >= :lo AND status IN "
            "('checked_in', 'no_show')"), {"lo": lo})]
    pick = random.Random(seed).sample(ids, min(n, len(ids)))
    with write_tx(app.engine) as conn:
        conn.execute(text(
            "UPDATE booking SET status = CASE status WHEN 'no_show' THEN 'checked_in' "
            "ELSE 'no_show' END WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)), {"ids": pick})
    return len(pick)


if __name__ == "__main__":
    main()
