"""Bookings per second with 1, 4 and 8 concurrent writer processes, on SQLite and PostgreSQL:
throughput, p50/p99 latency of one booking, and the double-booking count (must be 0).

    python bench/concurrency_bench.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Each writer is its own process ('spawn') with its own ``Cospace.open``; all start together and
each tries ``--per-writer`` random slots (15 min - 2 h on the 5-minute grid) on 20 spaces over
5 days, so writers contend for the same spaces and many attempts end in the clash refusal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz="Europe/London").in_timezone("UTC")
DAYS = ("2026-11-24", "2026-11-25", "2026-11-26", "2026-11-30", "2026-12-01")
SPACES = tuple(f"R{i:02d}" for i in range(1, 21))
OVERLAPS = """
    SELECT count(*) FROM booking a JOIN booking b
      ON a.space_id = b.space_id AND a.id < b.id
     AND a.start_at < b.end_at AND b.start_at < a.end_at
     WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')
"""


def clock() -> dt.datetime:
    return NOW


def make_store(url: str) -> None:
    from booking.service import Cospace

    app, _ = Cospace.init(url, "admin", clock)
    app.add_org("JCP", "Jobcentre Plus", host=True)
    app.add_site("NGT", "Northgate Jobcentre", hours="mon-fri 08:30-17:00")
    for code in SPACES:
        app.add_space(code, site="NGT", kind="interview", capacity=4)
    app.add_staff("admin", name="Admin", org="JCP", role="admin")
    for i in range(8):
        app.add_staff(f"desk{i}", name=f"Desk {i}", org="JCP", role="front-desk")
    app.engine.dispose()


def slots(seed: int, n: int) -> list[tuple[str, str, str]]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        length = rnd.randrange(15, 125, 5)
        start = rnd.randrange(8 * 60 + 30, 17 * 60 - length + 1, 5)
        s, e = start, start + length
        out.append((rnd.choice(SPACES), f"{rnd.choice(DAYS)} {s // 60:02d}:{s % 60:02d}",
                    f"{e // 60:02d}:{e % 60:02d}"))
    return out


def writer(url: str, login: str, jobs: list, barrier, results) -> None:
    from booking.errors import Conflict
    from booking.service import Cospace

    app = Cospace.open(url, login, clock)
    app.actor  # noqa: B018 - warm up before the start line
    lat: list[float] = []
    counts = {"ok": 0, "conflict": 0, "error": 0}
    errors: list[str] = []
    barrier.wait(120)
    t_start = time.perf_counter()
    for space, start, end in jobs:
        t0 = time.perf_counter()
        try:
            app.book(space, start, end)
            counts["ok"] += 1
        except Conflict:
            counts["conflict"] += 1
        except Exception as exc:  # noqa: BLE001 - counted and shown
            counts["error"] += 1
            errors.append(f"{type(exc).__name__}: {exc}")
        lat.append(time.perf_counter() - t0)
    results.put((t_start, time.perf_counter(), lat, counts, errors[:3]))
    app.engine.dispose()


def run_one(url: str, writers: int, per_writer: int, seed: int) -> dict:
    from sqlalchemy import create_engine, text

    make_store(url)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(writers)
    results = ctx.Queue()
    procs = [ctx.Process(target=writer, args=(url, f"desk{i}", slots(seed + i, per_writer),
                                               barrier, results)) for i in range(writers)]
    for p in procs:
        p.start()
    got = [results.get(timeout=900) for _ in procs]
    for p in procs:
        p.join()
    start = min(g[0] for g in got)
    end = max(g[1] for g in got)
    lat = sorted(x for g in got for x in g[2])
    counts = {k: sum(g[3][k] for g in got) for k in ("ok", "conflict", "error")}
    engine = create_engine(url)
    with engine.connect() as conn:
        double = conn.execute(text(OVERLAPS)).scalar()
        rows = conn.execute(text("SELECT count(*) FROM booking")).scalar()
    engine.dispose()
    attempts = len(lat)
    return {
        "writers": writers, "attempts": attempts, **counts, "rows": rows,
        "double_booked": double, "seconds": end - start,
        "attempts_per_s": attempts / (end - start), "booked_per_s": counts["ok"] / (end - start),
        "p50_ms": statistics.median(lat) * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "errors": [e for g in got for e in g[4]][:3],
    }


def pg_database(server: str) -> tuple[str, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cospace_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", help="PostgreSQL server URL (a database on it is created and "
                                 "dropped per run); without it only SQLite runs")
    ap.add_argument("--writers", default="1,4,8")
    ap.add_argument("--per-writer", type=int, default=150)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(f"{'backend':<10} {'writers':>7} {'attempts':>8} {'booked':>6} {'clash':>5} "
          f"{'error':>5} {'double':>6} {'att/s':>7} {'book/s':>7} {'p50 ms':>7} {'p99 ms':>7}")
    for backend in ("sqlite", "postgresql") if args.pg else ("sqlite",):
        for n in (int(w) for w in args.writers.split(",")):
            with tempfile.TemporaryDirectory() as tmp:
                drop = None
                if backend == "sqlite":
                    url = f"sqlite:///{Path(tmp) / 'bench.db'}"
                else:
                    url, drop = pg_database(args.pg)
                try:
                    r = run_one(url, n, args.per_writer, args.seed)
                finally:
                    if drop:
                        drop()  # type: ignore[operator]
            print(f"{backend:<10} {r['writers']:>7} {r['attempts']:>8} {r['ok']:>6} "
                  f"{r['conflict']:>5} {r['error']:>5} {r['double_booked']:>6} "
                  f"{r['attempts_per_s']:>7.0f} {r['booked_per_s']:>7.0f} {r['p50_ms']:>7.2f} "
                  f"{r['p99_ms']:>7.1f}", flush=True)
            if r["errors"]:
                print("   errors:", r["errors"])


if __name__ == "__main__":
    main()
