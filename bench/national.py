"""A national store on PostgreSQL: millions of bookings at hundreds of sites, built fast, and
the everyday operations timed on it next to a store a tenth its size.

    # 10,000,000 bookings at 600 sites (about 2.8 years), and 1,000,000 at 60 sites over the
    # same days: the smaller one is the same country cut to its first 60 sites.
    PG=postgresql+psycopg://postgres@127.0.0.1:5432
    nice python bench/national.py load --db $PG/bench_national --bookings 10000000 --sites 600
    nice python bench/national.py load --db $PG/bench_national_1m --bookings 1000000 --sites 60
    # time booking, a day's board, free and a region-year report on both, interleaved
    python bench/national.py measure --db $PG/bench_national_1m --db $PG/bench_national

``load`` makes the database if it is missing (it must hold no bookings), runs the migrations
(what ``cospace init`` does), adds organisations, staff, sites, opening hours and spaces, then
writes the bookings inside the server with ``INSERT ... SELECT`` over ``unnest(days) x space x
slot`` (random lengths, organisations and statuses drawn by ``random()`` in the database), a
few weeks at a time, with the booking and audit indexes, the exclusion constraint and the
triggers set aside and rebuilt once at the end. Then one audit record per booking, the same
way, ``VACUUM ANALYZE``, and one whole-store usage mark (what ``cospace init`` leaves on a new
store), so the summaries are built by the first report of each site, as on a real store. The
booking triggers are off while loading, so it leaves no per-booking marks behind.

Every site has 4-12 spaces (interview rooms, desks, a workshop room) open 08:30-17:00 on
working days (English bank holidays skipped); each space has 3-4 bookings a working day in
the slots of ``bench/generate.py``, leaving 12:30-13:00 free for the booking benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: The first working day of the generated bookings.
START_DAY = dt.date(2026, 1, 5)
#: Booking slots of a working day, local minutes (as bench/generate.py): 12:30-13:00 is free.
SEGMENTS = ((510, 630), (630, 750), (780, 900), (900, 1020))
PARTNERS = ("NCS", "CNCL", "CAB", "PROB", "COLL", "CHAR")
#: Share of slots booked: 3.5 bookings per space per working day on average.
KEEP = 0.875
#: Working days per batch of the load (one INSERT ... SELECT, one commit each).
BATCH_DAYS = 10
#: The sites of the region the report covers.
REGION = 50


def site_spaces(s: int) -> int:
    """Spaces at site ``s`` (1-based): 4-12, the same at every store size."""
    return 4 + (5 * s) % 9


def space_kind(k: int) -> str:
    return ("interview", "interview", "interview", "desk", "desk", "desk", "desk",
            "workshop")[k % 8]


def working_days(start: dt.date, count: int) -> list[dt.date]:
    import holidays

    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, start.year + 12))
    out: list[dt.date] = []
    day = start
    while len(out) < count:
        if day.weekday() < 5 and day not in bank:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def _admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return base + "/postgres", name


def ensure_database(url: str) -> None:
    import psycopg

    admin, name = _admin_url(url)
    with psycopg.connect(admin.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as con:
        if con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return
        con.execute(f'CREATE DATABASE "{name}"')


def _raw(url: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)


def load(url: str, bookings: int, sites: int, seed: float) -> dict:
    import pendulum

    from booking.service import Cospace

    t0 = time.perf_counter()
    ensure_database(url)
    app, _ = Cospace.init(url, "admin", lambda: pendulum.datetime(2026, 1, 5, tz="UTC"))
    app.engine.dispose()
    con = _raw(url)
    if con.execute("SELECT count(*) FROM booking").fetchone()[0]:
        raise SystemExit("the store already holds bookings: give a new database")
    con.execute("SELECT setseed(%s)", (seed,))
    con.execute("SET maintenance_work_mem = '512MB'")
    con.execute("SET synchronous_commit = off")
    with con.transaction():
        con.execute("INSERT INTO organisation (code, name, is_host, advance_weeks, active) "
                    "VALUES ('JCP', 'Jobcentre Plus', true, NULL, true) ON CONFLICT DO NOTHING")
        for code in PARTNERS:
            con.execute("INSERT INTO organisation (code, name, is_host, advance_weeks, active) "
                        "VALUES (%s, %s, false, NULL, true)", (code, f"Partner {code}"))
        orgs = [r[0] for r in con.execute("SELECT id FROM organisation ORDER BY id")]
        con.execute("UPDATE staff SET org_id = %s WHERE login = 'admin'", (orgs[0],))
        con.execute("INSERT INTO staff (login, name, org_id, role, active) "
                    "VALUES ('desk', 'Front Desk', %s, 'front-desk', true)", (orgs[0],))
        for o in orgs:
            con.execute("INSERT INTO staff (login, name, org_id, role, active) "
                        "VALUES (%s, %s, %s, 'adviser', true)", (f"adviser{o}", f"Adviser {o}", o))
        con.execute("CREATE TABLE bench_org_staff AS SELECT row_number() OVER (ORDER BY o.id) - 1 "
                    "AS n, o.id AS org_id, s.id AS staff_id FROM organisation o JOIN staff s "
                    "ON s.login = 'adviser' || o.id")
        n_spaces = 0
        for s in range(1, sites + 1):
            site_id = con.execute(
                "INSERT INTO site (code, name, tz, holiday_region, release_after_minutes, "
                "active) VALUES (%s, %s, 'Europe/London', 'ENG', 30, true) RETURNING id",
                (f"S{s:03d}", f"Jobcentre {s}")).fetchone()[0]
            for d in range(5):
                con.execute("INSERT INTO opening_hours (site_id, weekday, opens_min, closes_min)"
                            " VALUES (%s, %s, 510, 1020)", (site_id, d))
            for k in range(site_spaces(s)):
                kind = space_kind(k)
                cap = {"interview": 3, "desk": 1, "workshop": 12}[kind]
                con.execute(
                    "INSERT INTO space (code, site_id, name, kind, capacity, features, private, "
                    "active) VALUES (%s, %s, %s, %s, %s, 'wifi', %s, true)",
                    (f"S{s:03d}-{k + 1:02d}", site_id, f"Space {k + 1}", kind, cap,
                     kind == "interview" and k % 2 == 0))
                n_spaces += 1
    days = working_days(START_DAY, int(bookings / (n_spaces * 3.5 * KEEP / 0.875)) + 2)
    # Set aside what would be maintained row by row: indexes, the exclusion constraint,
    # foreign keys and the usage triggers; rebuilt once below.
    saved: list[str] = []
    for table in ("booking", "audit"):
        for name, ddl in con.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'x'", (table,)).fetchall():
            con.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            saved.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')
        for name, ddl in con.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND "
                "NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
                (table,)).fetchall():
            con.execute(f'DROP INDEX "{name}"')
            saved.append(ddl)
        con.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
    slots = ", ".join(f"({lo}, {hi})" for lo, hi in SEGMENTS)
    insert = f"""
INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, status, attendees,
                     purpose, confidential, created_at, updated_at)
SELECT sid, os.org_id, os.staff_id,
       (day + make_interval(mins => st)) AT TIME ZONE 'Europe/London',
       (day + make_interval(mins => st + len)) AT TIME ZONE 'Europe/London',
       CASE WHEN r5 < 0.70 THEN 'checked_in' WHEN r5 < 0.85 THEN 'confirmed'
            WHEN r5 < 0.91 THEN 'no_show' WHEN r5 < 0.98 THEN 'cancelled' ELSE 'released' END,
       1, '', false, %(now)s, %(now)s
FROM (SELECT sid, day, len, lo + 5 * floor(r3 * ((hi - lo - len) / 5 + 1))::int AS st,
             r4, r5
      FROM (SELECT sid, day, lo, hi, r3, r4, r5,
                   30 + 5 * floor(r2 * ((hi - lo - 30) / 5 + 1))::int AS len
            FROM (SELECT sp.id AS sid, d.day, seg.lo, seg.hi, random() AS r1, random() AS r2,
                         random() AS r3, random() AS r4, random() AS r5
                  FROM unnest(%(days)s::date[]) AS d(day)
                  CROSS JOIN space sp CROSS JOIN (VALUES {slots}) AS seg(lo, hi)) a
            WHERE r1 < {KEEP}) b) c
JOIN bench_org_staff os ON os.n = floor(r4 * {len(orgs)})::int
ORDER BY day, sid, st
LIMIT %(left)s"""
    now = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    total = 0
    for i in range(0, len(days), BATCH_DAYS):
        left = bookings - total
        if left <= 0:
            break
        cur = con.execute(insert, {"days": days[i:i + BATCH_DAYS], "now": now, "left": left})
        total += cur.rowcount
        print(f"  {days[min(i + BATCH_DAYS, len(days)) - 1]}: {total:,} bookings, "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    last_day = con.execute("SELECT max(start_at) FROM booking").fetchone()[0].date()
    print(f"bookings written: {total:,} ({time.perf_counter() - t0:.0f} s); audit records",
          flush=True)
    top = con.execute("SELECT max(id) FROM booking").fetchone()[0]
    step = 1_000_000
    for a in range(0, top + 1, step):
        con.execute(
            "INSERT INTO audit (at, actor, action, entity, entity_id, after, reason) "
            "SELECT created_at, 'desk', 'create', 'booking', id, json_build_object("
            "'end_at', end_at, 'org_id', org_id, 'space_id', space_id, 'start_at', start_at"
            ")::text, '' FROM booking WHERE id >= %s AND id < %s", (a, a + step))
    print(f"audit written ({time.perf_counter() - t0:.0f} s); indexes", flush=True)
    for ddl in saved:
        t = time.perf_counter()
        con.execute(ddl)
        print(f"  {ddl[:90]}... {time.perf_counter() - t:.0f} s", flush=True)
    for table in ("booking", "audit"):
        con.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    con.execute("DROP TABLE bench_org_staff")
    # Summaries are built by the first report of each site (one whole-store mark, as a new
    # store has); no per-booking mark was written while the triggers were off.
    con.execute("DELETE FROM usage_mark")
    con.execute("INSERT INTO usage_mark (site_id, start_at, end_at) VALUES (NULL, NULL, NULL)")
    con.execute("VACUUM ANALYZE")
    size = con.execute("SELECT pg_size_pretty(pg_database_size(current_database()))"
                       ).fetchone()[0]
    con.close()
    return {"bookings": total, "sites": sites, "spaces": n_spaces, "first_day": str(days[0]),
            "last_day": str(last_day), "size": size,
            "seconds": round(time.perf_counter() - t0, 1)}


# --------------------------------------------------------------------------- measuring
class Store:
    """One store under measurement: an app acting as the front desk at a fixed clock."""

    def __init__(self, url: str) -> None:
        import pendulum

        from booking.service import Cospace

        con = _raw(url)
        self.count = con.execute("SELECT count(*) FROM booking").fetchone()[0]
        last = con.execute("SELECT max(start_at) FROM booking").fetchone()[0]
        self.spaces = [r[0] for r in con.execute(
            "SELECT code FROM space WHERE kind <> 'workshop' ORDER BY id")]
        self.sites = [r[0] for r in con.execute("SELECT code FROM site ORDER BY id")]
        con.close()
        #: The clock: four weeks before the last booked day, so the bookings timed fall
        #: on days with a full history behind them and inside the horizon.
        self.last_day = last.date()
        self.today = self.last_day - dt.timedelta(days=28)
        now = pendulum.datetime(self.today.year, self.today.month, self.today.day, 7, 0,
                                tz="UTC")
        self.url = url
        self.app = Cospace.open(url, "admin", lambda: now)

    def future_days(self) -> list[dt.date]:
        """The working days after the clock's day with bookings (their 12:30 is free)."""
        return [d for d in working_days(START_DAY, 1500) if self.today < d < self.last_day]


def _timed(fn, *args, **kwargs) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def measure(urls: list[str], n: int, seed: int, reports: int) -> None:
    from booking.reports import Reports

    t0 = time.perf_counter()
    stores = [Store(u) for u in urls]
    print(f"stores opened in {time.perf_counter() - t0:.1f} s", flush=True)
    rnd = random.Random(seed)
    # The same spaces and days on every store (the first sites are the same country).
    common = sorted(set.intersection(*(set(s.spaces) for s in stores)))
    days = sorted(set.intersection(*(set(s.future_days()) for s in stores)))
    sites = sorted(set.intersection(*(set(s.sites) for s in stores)))
    pairs = rnd.sample([(sp, d) for sp in common for d in days], n * 2)
    times: dict[str, list[list[float]]] = {k: [[] for _ in stores] for k in
                                           ("book", "board", "free")}
    for i in range(n):
        for j, st in enumerate(stores):
            space, day = pairs[i * 2 + j % 2] if len(stores) == 2 else pairs[i]
            # Distinct slots per store keep each booking a first on its store.
            times["book"][j].append(_timed(
                st.app.book, space, f"{day} 12:30", f"{day} 12:55"))
            site = space.split("-")[0]
            times["board"][j].append(_timed(st.app.day_bookings, site, day))
            times["free"][j].append(_timed(
                st.app.find_free, rnd.choice(sites), "desk", f"{day} 12:30", f"{day} 12:55",
                record_unmet=False))
    for key, per in times.items():  # printed now: the region's reports take a while
        meds = [statistics.median(x) * 1000 for x in per]
        print(f"{key:<8}" + "".join(f"{m:>12.2f} ms" for m in meds)
              + f"   ratio {meds[-1] / meds[0]:.2f}", flush=True)
    region = sites[:REGION]
    end = stores[0].today - dt.timedelta(days=1)
    start = end - dt.timedelta(days=364)
    rep: dict[str, list[list[float]]] = {}
    for kind, by in (("utilisation", None), ("utilisation", "org,hour"), ("shortfall", None)):
        key = f"report {kind} {by or '(default)'}"
        rep[key] = [[] for _ in stores]
        for st in stores:  # the first report of a site builds its summaries
            Reports(st.app).run(kind, sites=region, start=start, end=end, by=by)
        for _ in range(reports):
            for j, st in enumerate(stores):
                rep[key][j].append(_timed(Reports(st.app).run, kind, sites=region,
                                          start=start, end=end, by=by))
                print(f"{key} on store {j + 1}: {rep[key][j][-1]:.2f} s", flush=True)
    names = [f"{s.count:,} bookings" for s in stores]
    print(f"\nclock {stores[0].today}; bookings and boards on {len(days)} days to "
          f"{stores[0].last_day}; region = {len(region)} sites, {start} to {end}")
    print(f"{'operation':<36}" + "".join(f"{nm:>22}" for nm in names) + f"{'ratio':>8}")
    for key, per in (*times.items(), *rep.items()):
        meds = [statistics.median(x) * 1000 for x in per]
        ratio = meds[-1] / meds[0]
        print(f"{key:<36}" + "".join(f"{m:>19.2f} ms" for m in meds) + f"{ratio:>8.2f}")
    for st in stores:
        st.app.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    ld = sub.add_parser("load", help="build a store")
    ld.add_argument("--db", required=True, help="postgresql+psycopg://.../bench_national")
    ld.add_argument("--bookings", type=int, default=10_000_000)
    ld.add_argument("--sites", type=int, default=600)
    ld.add_argument("--seed", type=float, default=0.17)
    me = sub.add_parser("measure", help="time everyday operations on stores side by side")
    me.add_argument("--db", action="append", required=True,
                    help="a store (give the smaller first; the ratio is last / first)")
    me.add_argument("--n", type=int, default=100, help="bookings, boards and frees per store")
    me.add_argument("--reports", type=int, default=3, help="runs of each region-year report")
    me.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    if args.cmd == "load":
        print(json.dumps(load(args.db, args.bookings, args.sites, args.seed)))
    else:
        measure(args.db, args.n, args.seed, args.reports)


if __name__ == "__main__":
    main()
