"""Import, export and bulk cancel on realistic sizes (issue 8).

Run: ``.venv/bin/python bench/bench_io.py [--runs 5]``. Builds fresh SQLite stores in a
temporary directory and prints medians:

- importing a region's spaces file (40 sites x 25 spaces = 1,000 rows) in one transaction,
  against adding the same spaces one by one with ``Cospace.add_space`` (the baseline);
- re-importing the same file (every row unchanged) and a dry run;
- exporting one busy site's quarter (about 60 days x 25 spaces x 3.5 bookings) as CSV and
  as xlsx;
- cancelling 200 bookings together (one transaction) against one ``cancel`` each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pendulum
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from booking import bulk, export, imports  # noqa: E402
from booking.service import Cospace  # noqa: E402
from booking.timeutil import utc  # noqa: E402
from db.engine import write_tx  # noqa: E402
from db.tables import Booking  # noqa: E402

NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz="Europe/London").in_timezone("UTC")
SITES, PER_SITE = 40, 25
FIRST, LAST = dt.date(2026, 11, 24), dt.date(2027, 2, 21)


def clock() -> dt.datetime:
    return NOW


def fresh(tmp: Path, name: str) -> Cospace:
    app, _ = Cospace.init(f"sqlite:///{tmp / name}.db", "admin", clock)
    app.add_org("JCP", "Jobcentre Plus", host=True)
    app.add_org("NCS", "National Careers Service")
    app.add_staff("admin", name="Admin", org="JCP", role="admin")
    for s in range(SITES):
        app.add_site(f"S{s:02d}", f"Site {s}", hours="mon-fri 08:00-18:00")
    return app


def spaces_csv() -> str:
    lines = ["code,site,name,kind,capacity,features,private,active,restricted_to"]
    for s in range(SITES):
        for n in range(PER_SITE):
            kind = ("interview", "desk", "workshop")[n % 3]
            cap = {"interview": 3, "desk": 1, "workshop": 12}[kind]
            lines.append(f"S{s:02d}-{n:02d},S{s:02d},Space {n},{kind},{cap},\"wifi,pc\","
                         f"{'yes' if kind == 'interview' else 'no'},yes,")
    return "\n".join(lines) + "\n"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def fill_bookings(app: Cospace, site: str, days: int) -> list[int]:
    """3-4 bookings per space per working day, inserted directly (set-up, not measured)."""
    spaces = app.spaces(site)
    rows = []
    day = dt.date(2026, 11, 24)
    for _ in range(days):
        if day.weekday() < 5:
            for i, sp in enumerate(spaces):
                for k, (a, b) in enumerate(((9, 10), (11, 12), (13, 15), (15, 17))):
                    if (i + k) % 7 == 0:
                        continue
                    start = utc(pendulum.datetime(day.year, day.month, day.day, a,
                                                  tz="Europe/London"))
                    end = utc(pendulum.datetime(day.year, day.month, day.day, b,
                                                tz="Europe/London"))
                    rows.append(dict(space_id=sp.id, org_id=1 + (i + k) % 2, booked_by_id=1,
                                     start_at=start, end_at=end, status="confirmed",
                                     attendees=1, purpose="Work search review",
                                     confidential=False, created_at=NOW, updated_at=NOW))
        day += dt.timedelta(days=1)
    with write_tx(app.engine) as conn:
        conn.execute(insert(Booking.__table__), rows)
    return [v.id for v in app.list_bookings(site=site, start=dt.date(2026, 11, 24),
                                            end=day)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    text = spaces_csv()
    res: dict[str, list[float]] = {k: [] for k in (
        "import", "one_by_one", "reimport", "dry_run", "csv", "xlsx", "bulk", "each")}
    n_export = 0
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for r in range(runs):
            a = fresh(tmp, f"imp{r}")
            res["import"].append(timed(lambda a=a: imports.import_text(a, "spaces", text)))
            res["reimport"].append(timed(lambda a=a: imports.import_text(a, "spaces", text)))
            res["dry_run"].append(timed(lambda a=a: imports.import_text(
                a, "spaces", text, dry_run=True)))
            b = fresh(tmp, f"one{r}")
            recs, _ = imports.read_csv("spaces", text)

            def one_by_one(b=b, recs=recs) -> None:  # type: ignore[no-untyped-def]
                for rec in recs:
                    v = rec.values
                    b.add_space(v["code"], site=v["site"], kind=v["kind"],
                                capacity=v["capacity"], features=v["features"],
                                private=v["private"], name=v["name"])
            res["one_by_one"].append(timed(one_by_one))

            ids = fill_bookings(a, "S00", 90)
            n_export = len(ids)
            res["csv"].append(timed(lambda a=a: export.write_csv(
                export.booking_rows(a, "S00", FIRST, LAST), io.StringIO())))
            res["xlsx"].append(timed(lambda a=a: export.write_xlsx(
                export.booking_rows(a, "S00", FIRST, LAST), io.BytesIO())))
            res["bulk"].append(timed(lambda a=a, ids=ids: bulk.cancel_many(a, ids[:200])))
            res["each"].append(timed(lambda a=a, ids=ids: [a.cancel(i) for i in ids[200:400]]))
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"runs={runs}; medians")
    print(f"import 1,000 spaces (one tx)        {med['import'] * 1000:8.0f} ms")
    print(f"add_space x 1,000 (baseline)        {med['one_by_one'] * 1000:8.0f} ms   "
          f"ratio {med['one_by_one'] / med['import']:.1f}x")
    print(f"re-import, all unchanged            {med['reimport'] * 1000:8.0f} ms")
    print(f"dry run                             {med['dry_run'] * 1000:8.0f} ms")
    print(f"export {n_export} bookings csv           {med['csv'] * 1000:8.0f} ms")
    print(f"export {n_export} bookings xlsx          {med['xlsx'] * 1000:8.0f} ms")
    print(f"cancel 200 together (one tx)        {med['bulk'] * 1000:8.0f} ms")
    print(f"cancel 200 one by one (baseline)    {med['each'] * 1000:8.0f} ms   "
          f"ratio {med['each'] / med['bulk']:.1f}x")


if __name__ == "__main__":
    main()
