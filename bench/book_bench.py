"""Time one booking through ``Cospace.book`` (rules + clash check + insert + audit, one write
transaction) on a big store, next to raw ``sqlite3`` doing the same lookups, check and inserts,
interleaved in the same run.

    python bench/generate.py --db /tmp/bench.db --bookings 1000000
    python bench/book_bench.py --db /tmp/bench.db --n 400 --rounds 3

Each booking takes 12:30-12:55 (the gap the generator leaves free) on a different space and day,
so every attempt succeeds and the clash check scans its neighbours in the index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import START_DAY, working_days  # noqa: E402

NOW = pendulum.datetime(START_DAY.year, START_DAY.month, START_DAY.day, 7, 0, tz="UTC")
TS = "%Y-%m-%d %H:%M:%S.%f"
LONDON = ZoneInfo("Europe/London")


def bench_clock() -> dt.datetime:
    return NOW


def free_pairs(path: Path, count: int, seed: int) -> list[tuple[str, dt.date]]:
    """``count`` (space code, day) pairs whose 12:30-12:55 is still free."""
    con = sqlite3.connect(path)
    spaces = [r[0] for r in con.execute("SELECT code FROM space ORDER BY id")]
    last = con.execute("SELECT max(start_at) FROM booking").fetchone()[0]
    last_day = dt.date.fromisoformat(last[:10])
    days = [d for d in working_days(START_DAY, 400) if d < last_day]
    taken = {(code, day) for code, day in con.execute(
        "SELECT s.code, substr(b.start_at, 1, 10) FROM booking b JOIN space s "
        "ON s.id = b.space_id WHERE b.purpose = 'bench'")}
    con.close()
    rnd = random.Random(seed)
    out: set[tuple[str, dt.date]] = set()
    while len(out) < count:
        pair = (rnd.choice(spaces), rnd.choice(days))
        if (pair[0], pair[1].isoformat()) not in taken:
            out.add(pair)
    return list(out)


class Raw:
    """The same unit of work written by hand against sqlite3: the floor to compare with."""

    def __init__(self, path: Path) -> None:
        self.con = sqlite3.connect(path, isolation_level=None, timeout=30)
        for pragma in ("busy_timeout = 30000", "foreign_keys = ON", "journal_mode = WAL",
                       "synchronous = NORMAL"):
            self.con.execute(f"PRAGMA {pragma}")

    def book(self, space: str, day: dt.date) -> int:
        c = self.con
        start = dt.datetime(day.year, day.month, day.day, 12, 30, tzinfo=LONDON)
        end = start + dt.timedelta(minutes=25)
        s_txt = start.astimezone(dt.UTC).strftime(TS)
        e_txt = end.astimezone(dt.UTC).strftime(TS)
        lo_txt = (start - dt.timedelta(days=1)).astimezone(dt.UTC).strftime(TS)
        now = NOW.strftime(TS)
        c.execute("BEGIN IMMEDIATE")
        try:
            staff = c.execute("SELECT s.id, s.org_id, s.role, o.code FROM staff s LEFT JOIN "
                              "organisation o ON o.id = s.org_id WHERE s.login = ?",
                              ("desk",)).fetchone()
            sp = c.execute("SELECT sp.id, sp.site_id, sp.kind, sp.capacity, sp.active, "
                           "site.tz FROM space sp JOIN site ON site.id = sp.site_id "
                           "WHERE sp.code = ?", (space,)).fetchone()
            hours = c.execute("SELECT weekday, opens_min, closes_min FROM opening_hours "
                              "WHERE site_id = ? AND weekday = ?",
                              (sp[1], day.weekday())).fetchall()
            closed = c.execute("SELECT reason FROM closure WHERE site_id = ? AND day = ?",
                               (sp[1], day.isoformat())).fetchall()
            restricted = c.execute("SELECT org_id FROM space_restriction WHERE space_id = ?",
                                   (sp[0],)).fetchall()
            assert hours and not closed and not restricted and sp[4]
            clash = c.execute(
                "SELECT b.id, b.start_at, b.end_at, o.code FROM booking b JOIN organisation o "
                "ON o.id = b.org_id WHERE b.space_id = ? AND b.start_at < ? AND b.start_at > ? "
                "AND b.end_at > ? AND b.status IN ('confirmed', 'checked_in') "
                "ORDER BY b.start_at LIMIT 5", (sp[0], e_txt, lo_txt, s_txt)).fetchall()
            assert not clash, clash
            cur = c.execute(
                "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, status, "
                "attendees, purpose, confidential, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, 'confirmed', 1, 'bench', 0, ?, ?)",
                (sp[0], staff[1], staff[0], s_txt, e_txt, now, now))
            bid = cur.lastrowid
            c.execute("INSERT INTO audit (at, actor, action, entity, entity_id, after, reason) "
                      "VALUES (?, 'desk', 'create', 'booking', ?, ?, '')",
                      (now, bid, f'{{"space": "{space}", "start_at": "{s_txt}"}}'))
            c.execute("COMMIT")
            return int(bid)
        except BaseException:
            c.execute("ROLLBACK")
            raise


def count_queries(app, raw: Raw) -> tuple[list[int], list[int]]:  # type: ignore[no-untyped-def]
    """Statements SQLite itself runs (BEGIN and COMMIT included) on each side, whichever way
    they are issued (SQLAlchemy or its DBAPI cursor)."""
    from sqlalchemy import event

    app_count, raw_count = [0], [0]

    def _app(_sql: str) -> None:
        app_count[0] += 1

    def _raw(_sql: str) -> None:
        raw_count[0] += 1

    @event.listens_for(app.engine, "checkout")
    def _trace(dbapi_conn, *_a):  # type: ignore[no-untyped-def]
        dbapi_conn.set_trace_callback(_app)

    raw.con.set_trace_callback(_raw)
    return app_count, raw_count


def run(path: Path, n: int, rounds: int, seed: int) -> None:
    from booking.service import Cospace

    app = Cospace.open(f"sqlite:///{path}", "desk", bench_clock)
    raw = Raw(path)
    queries, raw_queries = count_queries(app, raw)
    warm = 20
    pairs = free_pairs(path, rounds * (n + warm) * 2, seed)
    total = sqlite3.connect(path).execute("SELECT count(*) FROM booking").fetchone()[0]
    print(f"store: {path} ({path.stat().st_size / 1e6:.0f} MB); bookings: {total}")
    medians = []
    for r in range(rounds):
        app_t: list[float] = []
        raw_t: list[float] = []
        app_c: list[float] = []
        raw_c: list[float] = []
        q0, r0 = queries[0], raw_queries[0]
        for i in range(n + warm):
            space_a, day_a = pairs.pop()
            space_b, day_b = pairs.pop()
            c0, t0 = time.process_time(), time.perf_counter()
            view = app.book(space_a, f"{day_a} 12:30", "12:55", purpose="bench")
            c1, t1 = time.process_time(), time.perf_counter()
            raw.book(space_b, day_b)
            c2, t2 = time.process_time(), time.perf_counter()
            assert view.status == "confirmed"
            if i >= warm:
                app_t.append((t1 - t0) * 1000)
                raw_t.append((t2 - t1) * 1000)
                app_c.append((c1 - c0) * 1000)
                raw_c.append((c2 - c1) * 1000)
        per_booking = (queries[0] - q0) / (n + warm)
        raw_per_booking = (raw_queries[0] - r0) / (n + warm)
        a, b = statistics.median(app_t), statistics.median(raw_t)
        ca, cb = statistics.median(app_c), statistics.median(raw_c)
        medians.append((a, b, ca, cb))
        p90a = statistics.quantiles(app_t, n=10)[-1]
        p90b = statistics.quantiles(raw_t, n=10)[-1]
        print(f"round {r + 1}: Cospace.book median {a:.3f} ms (p90 {p90a:.3f}), "
              f"raw sqlite3 median {b:.3f} ms (p90 {p90b:.3f}), ratio {a / b:.2f}x, "
              f"SQL statements per booking {per_booking:.1f} vs {raw_per_booking:.1f}; "
              f"CPU time median {ca:.3f} vs {cb:.3f} ms, ratio {ca / cb:.2f}x")
    a = statistics.median(m[0] for m in medians)
    b = statistics.median(m[1] for m in medians)
    ca = statistics.median(m[2] for m in medians)
    cb = statistics.median(m[3] for m in medians)
    print(f"median of {rounds} rounds x {n}: Cospace.book {a:.3f} ms, raw {b:.3f} ms, "
          f"ratio {a / b:.2f}x (target: < 2 ms and <= 3x); CPU time {ca:.3f} vs {cb:.3f} ms, "
          f"ratio {ca / cb:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path)
    ap.add_argument("--n", type=int, default=400, help="timed bookings per round and side")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    run(args.db, args.n, args.rounds, args.seed if args.seed is not None else time.time_ns())


if __name__ == "__main__":
    main()
