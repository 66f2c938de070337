"""Benchmark: booking a 52-week series on a store of about 1,000,000 bookings.

    .venv/bin/python bench/series_bench.py [--db /tmp/cospace-series-bench.db]
                                           [--bookings 1000000] [--runs 7]

Builds the store once (a region: 40 sites of 21 spaces, 3-4 bookings per space per working
day from September 2026 to December 2027, written with raw sqlite3 for speed; sites, spaces
and staff go through the normal use cases) and reuses it on later runs. Then times, each run
on a space not used before so every run does the same work:

* ``free``: a weekly 52-date series at 08:30–09:00 (a slot the generator never fills): the
  one-pass clash read finds nothing, 52 bookings + 53 audit rows are written.
* ``skip``: a weekly 52-date series at 09:00–10:00 with ``skip_clashes``: many dates clash.
* ``refused``: the same request again, all-or-nothing: every date now clashes, so it is
  refused with 52 clashes listed and nothing written.
* ``raw``: the baseline, raw ``sqlite3`` doing the same range read and 52-row insert
  (rolled back), so the ratio says what the domain costs on this machine today.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pendulum  # noqa: E402

from booking import series as S  # noqa: E402
from booking.recurrence import Repeat  # noqa: E402
from booking.service import Cospace  # noqa: E402

LONDON = ZoneInfo("Europe/London")
NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz="Europe/London").in_timezone("UTC")
SITES, SPACES_PER_SITE = 40, 21
FIRST, LAST = dt.date(2026, 9, 1), dt.date(2027, 12, 31)
SLOTS = [(9, 0, 10, 0), (10, 30, 11, 30), (11, 30, 12, 30), (13, 0, 14, 0), (14, 30, 15, 30),
         (15, 30, 16, 30)]
FMT = "%Y-%m-%d %H:%M:%S.%f"


def clock() -> dt.datetime:
    return NOW


def _utc(day: dt.date, h: int, m: int) -> str:
    local = dt.datetime(day.year, day.month, day.day, h, m, tzinfo=LONDON)
    return local.astimezone(dt.UTC).replace(tzinfo=None).strftime(FMT)


def build(path: Path, target: int) -> None:
    """A region-sized store with about ``target`` bookings."""
    if path.exists():
        path.unlink()
    url = f"sqlite:///{path}"
    app, _ = Cospace.init(url, "admin", clock)
    app.add_org("JCP", "Jobcentre Plus", host=True)
    for code in ("NCS", "PROB", "CAB", "CNCL"):
        app.add_org(code, code, advance_weeks=60)
    app.add_staff("admin", name="Admin", org="JCP", role="admin")
    for s in range(SITES):
        site = f"S{s:02d}"
        app.add_site(site, f"Site {s}")
        for n in range(SPACES_PER_SITE):
            kind = "interview" if n < 12 else ("desk" if n < 19 else "workshop")
            app.add_space(f"{site}-{n:02d}", site=site, kind=kind,
                          capacity=1 if kind == "desk" else 4)
    days = [FIRST + dt.timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    days = [d for d in days if d.weekday() < 5]
    per_day = target / (SITES * SPACES_PER_SITE * len(days))
    rng = random.Random(7)
    con = sqlite3.connect(path)
    space_ids = [r[0] for r in con.execute("SELECT id FROM space ORDER BY id")]
    orgs = [r[0] for r in con.execute("SELECT id FROM organisation ORDER BY id")]
    now = NOW.strftime(FMT)
    rows: list[tuple] = []
    total = 0
    for sp in space_ids:
        for d in days:
            k = int(per_day) + (1 if rng.random() < per_day - int(per_day) else 0)
            for h1, m1, h2, m2 in rng.sample(SLOTS, k):
                rows.append((sp, rng.choice(orgs), _utc(d, h1, m1), _utc(d, h2, m2), now))
        if len(rows) > 100_000:
            total += _flush(con, rows)
    total += _flush(con, rows)
    con.execute("ANALYZE")
    con.commit()
    con.close()
    print(f"built {path}: {total:,} bookings on {len(space_ids)} spaces", file=sys.stderr)


def _flush(con: sqlite3.Connection, rows: list[tuple]) -> int:
    con.executemany(
        "INSERT INTO booking (space_id, org_id, start_at, end_at, status, attendees, purpose, "
        "confidential, created_at, updated_at) VALUES (?, ?, ?, ?, 'confirmed', 1, '', 0, ?, ?)",
        [(*r, r[4]) for r in rows])
    n = len(rows)
    rows.clear()
    return n


def raw_baseline(path: Path, space_id: int) -> float:
    """The same work in raw sqlite3: one range read over the span, 52 inserts, rolled back."""
    con = sqlite3.connect(path, isolation_level=None)
    starts = [dt.date(2026, 11, 26) + dt.timedelta(weeks=i) for i in range(52)]
    occ = [(_utc(d, 8, 30), _utc(d, 9, 0)) for d in starts]
    t0 = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    lo = (dt.datetime.strptime(occ[0][0], FMT) - dt.timedelta(days=1)).strftime(FMT)
    con.execute(
        "SELECT id, start_at, end_at FROM booking WHERE space_id = ? AND start_at < ? AND "
        "start_at > ? AND end_at > ? AND status IN ('confirmed','checked_in') ORDER BY start_at",
        (space_id, occ[-1][1], lo, occ[0][0])).fetchall()
    con.executemany(
        "INSERT INTO booking (space_id, org_id, start_at, end_at, status, attendees, purpose, "
        "confidential, created_at, updated_at) VALUES (?, 1, ?, ?, 'confirmed', 1, '', 0, ?, ?)",
        [(space_id, s, e, s, s) for s, e in occ])
    took = time.perf_counter() - t0
    con.execute("ROLLBACK")
    con.close()
    return took


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/cospace-series-bench.db")
    ap.add_argument("--bookings", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    path = Path(args.db)
    if args.rebuild or not path.exists():
        t0 = time.perf_counter()
        build(path, args.bookings)
        print(f"build took {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    app = Cospace.open(f"sqlite:///{path}", "admin", clock)
    con = sqlite3.connect(path)
    n_bookings = con.execute("SELECT count(*) FROM booking").fetchone()[0]
    # Spaces not yet used by an earlier run of this script (no series bookings yet).
    fresh = [r for r in con.execute(
        "SELECT id, code FROM space WHERE kind = 'interview' AND id NOT IN "
        "(SELECT DISTINCT space_id FROM booking WHERE series_id IS NOT NULL) ORDER BY id")]
    con.close()
    if len(fresh) < 2 * args.runs + 1:
        print("not enough unused spaces left: run with --rebuild", file=sys.stderr)
        return 1
    year = Repeat("weekly", count=52)
    times: dict[str, list[float]] = {"free": [], "skip": [], "refused": [], "raw": []}
    booked = clashed = 0
    # One warm-up run so imports and caches do not count.
    S.book_series(app, fresh[0][1], "2026-11-26 08:30", "09:00", year, org="NCS")
    for i in range(args.runs):
        _, free_code = fresh[1 + 2 * i]
        skip_id, skip_code = fresh[2 + 2 * i]
        t0 = time.perf_counter()
        r = S.book_series(app, free_code, "2026-11-26 08:30", "09:00", year, org="NCS")
        times["free"].append(time.perf_counter() - t0)
        booked = len(r.booked)
        t0 = time.perf_counter()
        try:
            r = S.book_series(app, skip_code, "2026-11-26 09:00", "10:00", year, org="NCS",
                              skip_clashes=True)
            clashed = len({c.day for c in r.clashes})
        except S.SeriesConflict:  # every date clashed
            clashed = 52
        times["skip"].append(time.perf_counter() - t0)
        # The same request all-or-nothing now clashes on every date: refused, nothing written.
        t0 = time.perf_counter()
        try:
            S.book_series(app, skip_code, "2026-11-26 09:00", "10:00", year, org="NCS")
            raise AssertionError("the all-or-nothing series should have been refused")
        except S.SeriesConflict:
            pass
        times["refused"].append(time.perf_counter() - t0)
        times["raw"].append(raw_baseline(path, skip_id))
    med = {k: statistics.median(v) * 1000 for k, v in times.items()}
    print(f"store: {n_bookings:,} bookings; {args.runs} runs; series of 52 weekly dates")
    print(f"free (52 booked):            median {med['free']:7.1f} ms  "
          f"(min {min(times['free']) * 1000:.1f})  booked {booked}")
    print(f"skip-clashes:                median {med['skip']:7.1f} ms  "
          f"(min {min(times['skip']) * 1000:.1f})  {clashed} clashing dates skipped")
    print(f"all-or-nothing refused:      median {med['refused']:7.1f} ms")
    print(f"raw sqlite3 read + 52 rows:  median {med['raw']:7.2f} ms  "
          f"(free series = {med['free'] / med['raw']:.0f}x raw)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
