"""Time one booking through ``Cospace.book`` (rules + clash check + insert + audit, one write
transaction) on a big store, next to raw ``sqlite3`` doing the same lookups, check and inserts,
interleaved in the same run.

    python bench/generate.py --db /tmp/bench.db --bookings 1000000
    python bench/book_bench.py --db /tmp/bench.db --n 400 --rounds 3 [--synchronous NORMAL]
    python bench/book_bench.py --db /tmp/bench.db --pg postgresql+psycopg://.../bench_db

On PostgreSQL (``--pg``) the baseline is a minimal raw psycopg booking (clash check, insert,
audit, one transaction); an empty database is first filled with a copy of the SQLite store.

Each booking takes 12:30-12:55 (the gap the generator leaves free) on a different space and day,
so every attempt succeeds and the clash check scans its neighbours in the index.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import START_DAY, working_days  # noqa: E402
from db.engine import SYNCHRONOUS_ENV  # noqa: E402

NOW = pendulum.datetime(START_DAY.year, START_DAY.month, START_DAY.day, 7, 0, tz="UTC")
TS = "%Y-%m-%d %H:%M:%S.%f"
LONDON = ZoneInfo("Europe/London")


def bench_clock() -> dt.datetime:
    return NOW


def free_pairs(path: Path, count: int, seed: int) -> list[tuple[str, dt.date]]:
    """``count`` (space code, day) pairs whose 12:30-12:55 is still free, at random; a store
    with fewer free pairs than asked for is refused with the numbers (never a loop)."""
    con = sqlite3.connect(path)
    spaces = [r[0] for r in con.execute("SELECT code FROM space ORDER BY id")]
    last = con.execute("SELECT max(start_at) FROM booking").fetchone()[0]
    last_day = dt.date.fromisoformat(last[:10]) if last else START_DAY + dt.timedelta(days=90)
    days = [d for d in working_days(START_DAY, 400) if d < last_day]
    taken = {(code, day) for code, day in con.execute(
        "SELECT s.code, substr(b.start_at, 1, 10) FROM booking b JOIN space s "
        "ON s.id = b.space_id WHERE b.purpose = 'bench'")}
    con.close()
    free = [(code, day) for code in spaces for day in days
            if (code, day.isoformat()) not in taken]
    if len(free) < count:
        raise SystemExit(f"{path} has {len(free)} free 12:30-12:55 slots left and this run "
                         f"needs {count}: lower --n or --rounds, or generate a fresh store.")
    return random.Random(seed).sample(free, count)


class Raw:
    """The same unit of work written by hand against sqlite3: the floor to compare with."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.con = sqlite3.connect(path, isolation_level=None, timeout=30)
        for pragma in ("busy_timeout = 30000", "foreign_keys = ON", "journal_mode = WAL",
                       f"synchronous = {synchronous}"):
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
            return int(bid or 0)
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


class RawPG:
    """The minimal raw psycopg booking: the clash check, the insert and its audit record in
    one transaction (psycopg's ordinary BEGIN ... COMMIT), with the ids already known."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.con = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        row: Any = self.con.execute("SELECT s.id, s.org_id FROM staff s "
                                    "WHERE s.login = 'desk'").fetchone()
        self.staff_id, self.org_id = row
        self.spaces: dict[str, int] = dict(
            self.con.execute("SELECT code, id FROM space").fetchall())
        self.con.commit()

    def book(self, space: str, day: dt.date) -> int:
        start = dt.datetime(day.year, day.month, day.day, 12, 30, tzinfo=LONDON)
        end = start + dt.timedelta(minutes=25)
        now = NOW
        sid = self.spaces[space]
        with self.con.transaction():
            clash = self.con.execute(
                "SELECT b.id, b.start_at, b.end_at, o.code FROM booking b JOIN organisation o "
                "ON o.id = b.org_id WHERE b.space_id = %s AND b.start_at < %s "
                "AND b.start_at > %s AND b.end_at > %s "
                "AND b.status IN ('confirmed', 'checked_in') ORDER BY b.start_at LIMIT 5",
                (sid, end, start - dt.timedelta(days=1), start)).fetchall()
            assert not clash, clash
            new: Any = self.con.execute(
                "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, "
                "status, attendees, purpose, confidential, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, 'confirmed', 1, 'bench', false, %s, %s) "
                "RETURNING id", (sid, self.org_id, self.staff_id, start, end, now, now)
            ).fetchone()
            bid = new[0]
            self.con.execute(
                "INSERT INTO audit (at, actor, action, entity, entity_id, after, reason) "
                "VALUES (%s, 'desk', 'create', 'booking', %s, %s, '')",
                (now, bid, f'{{"space": "{space}", "start_at": "{start.isoformat()}"}}'))
        return int(bid)


#: The tables a booking reads, in foreign-key order, copied to PostgreSQL for --pg.
COPIED = ("organisation", "site", "opening_hours", "closure", "space", "space_restriction",
          "staff", "booking")


def copy_to_pg(path: Path, url: str) -> None:
    """Make ``url`` (an empty PostgreSQL database) a copy of the SQLite store's set-up and
    bookings: the schema from the migrations (``cospace init``), the rows with COPY."""
    import psycopg

    from booking.service import Cospace

    Cospace.init(url, "admin", bench_clock)
    src = sqlite3.connect(path)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as dst:
        dst.execute("SET TIME ZONE 'UTC'")
        dst.execute("TRUNCATE " + ", ".join(reversed(COPIED)) + " CASCADE")
        for table in COPIED:
            cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            pg_cols = {r[0] for r in dst.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                (table,))}
            cols = [c for c in cols if c in pg_cols]
            with dst.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in src.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                    cp.write_row(row)
        for table in COPIED:  # the sequences follow the copied ids
            if "id" in {r[1] for r in src.execute(f"PRAGMA table_info({table})")}:
                dst.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
        dst.execute("ANALYZE")
    src.close()


def timed(app_book: Any, raw_book: Any, pairs: list[tuple[str, dt.date]], n: int,
          rounds: int, counters: tuple[list[int], list[int]] | None, label: str) -> None:
    """Interleave ``app_book`` and ``raw_book``, ``rounds`` x ``n`` timed pairs each."""
    warm = 20
    medians = []
    for r in range(rounds):
        app_t: list[float] = []
        raw_t: list[float] = []
        app_c: list[float] = []
        raw_c: list[float] = []
        q0, r0 = (counters[0][0], counters[1][0]) if counters else (0, 0)
        for i in range(n + warm):
            space_a, day_a = pairs.pop()
            space_b, day_b = pairs.pop()
            c0, t0 = time.process_time(), time.perf_counter()
            view = app_book(space_a, day_a)
            c1, t1 = time.process_time(), time.perf_counter()
            raw_book(space_b, day_b)
            c2, t2 = time.process_time(), time.perf_counter()
            assert view.status == "confirmed"
            if i >= warm:
                app_t.append((t1 - t0) * 1000)
                raw_t.append((t2 - t1) * 1000)
                app_c.append((c1 - c0) * 1000)
                raw_c.append((c2 - c1) * 1000)
        a, b = statistics.median(app_t), statistics.median(raw_t)
        ca, cb = statistics.median(app_c), statistics.median(raw_c)
        medians.append((a, b, ca, cb))
        p90a = statistics.quantiles(app_t, n=10)[-1]
        p90b = statistics.quantiles(raw_t, n=10)[-1]
        counts = ""
        if counters:
            per = (counters[0][0] - q0) / (n + warm)
            raw_per = (counters[1][0] - r0) / (n + warm)
            counts = f"SQL statements per booking {per:.1f} vs {raw_per:.1f}; "
        print(f"round {r + 1}: Cospace.book median {a:.3f} ms (p90 {p90a:.3f}), "
              f"{label} median {b:.3f} ms (p90 {p90b:.3f}), ratio {a / b:.2f}x, "
              f"{counts}CPU time median {ca:.3f} vs {cb:.3f} ms, ratio {ca / cb:.2f}x")
    a = statistics.median(m[0] for m in medians)
    b = statistics.median(m[1] for m in medians)
    ca = statistics.median(m[2] for m in medians)
    cb = statistics.median(m[3] for m in medians)
    print(f"median of {rounds} rounds x {n}: Cospace.book {a:.3f} ms, {label} {b:.3f} ms, "
          f"ratio {a / b:.2f}x; CPU time {ca:.3f} vs {cb:.3f} ms, ratio {ca / cb:.2f}x")


def run(path: Path, n: int, rounds: int, seed: int, synchronous: str) -> None:
    os.environ[SYNCHRONOUS_ENV] = synchronous  # the app at the raw side's setting
    from booking.service import Cospace

    app = Cospace.open(f"sqlite:///{path}", "desk", bench_clock)
    raw = Raw(path, synchronous)
    pairs = free_pairs(path, rounds * (n + 20) * 2, seed)
    total = sqlite3.connect(path).execute("SELECT count(*) FROM booking").fetchone()[0]
    print(f"store: {path} ({path.stat().st_size / 1e6:.0f} MB); bookings: {total}; "
          f"synchronous={synchronous} on both sides")
    timed(lambda sp, d: app.book(sp, f"{d} 12:30", "12:55", purpose="bench"), raw.book,
          pairs, n, rounds, count_queries(app, raw), "raw sqlite3")


def run_pg(path: Path, url: str, n: int, rounds: int, seed: int, datetimes: bool) -> None:
    from sqlalchemy import create_engine, text

    from booking.service import Cospace

    with create_engine(url).connect() as c:
        has = c.execute(text("SELECT to_regclass('booking') IS NOT NULL")).scalar()
        count = c.execute(text("SELECT count(*) FROM booking")).scalar() if has else 0
    if not count:
        t0 = time.perf_counter()
        copy_to_pg(path, url)
        print(f"copied {path} to PostgreSQL in {time.perf_counter() - t0:.0f} s")
    app = Cospace.open(url, "desk", bench_clock)
    raw = RawPG(url)
    with create_engine(url).connect() as c:  # the slots earlier runs took on PG
        total = c.execute(text("SELECT count(*) FROM booking")).scalar()
        taken = {(r[0], r[1]) for r in c.execute(text(
            "SELECT s.code, (b.start_at AT TIME ZONE 'Europe/London')::date FROM booking b "
            "JOIN space s ON s.id = b.space_id WHERE b.purpose = 'bench'"))}
    need = rounds * (n + 20) * 2
    pairs = [p for p in free_pairs(path, need + len(taken), seed) if p not in taken][:need]
    if len(pairs) < need:
        raise SystemExit(f"{url} has too few free slots left for this run: lower --n.")
    print(f"PostgreSQL store: {total} bookings" + (
        "; Cospace.book given datetimes (the general path)" if datetimes else ""))

    def typed(sp: str, d: dt.date) -> Any:
        return app.book(sp, f"{d} 12:30", "12:55", purpose="bench")

    def general(sp: str, d: dt.date) -> Any:
        start = dt.datetime(d.year, d.month, d.day, 12, 30, tzinfo=LONDON)
        return app.book(sp, start, start + dt.timedelta(minutes=25), purpose="bench")

    timed(general if datetimes else typed, raw.book, pairs, n, rounds, None, "raw psycopg")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path, help="the SQLite store (bench/generate.py)")
    ap.add_argument("--n", type=int, default=400, help="timed bookings per round and side")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL",
                    help="SQLite's synchronous setting, on both sides")
    ap.add_argument("--pg", default=None, help="a PostgreSQL URL (an empty database is "
                    "filled with a copy of --db first): time there instead")
    ap.add_argument("--datetimes", action="store_true", help="with --pg: book with "
                    "datetimes, the general path (the typed path is two round trips)")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else time.time_ns()
    if args.pg:
        run_pg(args.db, args.pg, args.n, args.rounds, seed, args.datetimes)
    else:
        run(args.db, args.n, args.rounds, seed, args.synchronous)


if __name__ == "__main__":
    main()
