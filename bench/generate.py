"""Build a realistic cospace SQLite store fast: sites of 10-60 spaces, 3-4 bookings per space
per working day (bank holidays skipped), each with its audit record, until N bookings.

    python bench/generate.py --db /tmp/bench.db --bookings 1000000

The schema comes from the migrations (what ``cospace init`` runs); the rows go in with plain
``sqlite3`` executemany, in the exact text formats the store uses (UTC, microseconds).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sqlite3
import sys
import time
from pathlib import Path

import holidays
import pendulum

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: The first working day of the generated bookings (also the benchmark's "now").
START_DAY = dt.date(2026, 1, 5)
#: Booking slots of a working day, local minutes: 08:30-10:30, 10:30-12:30, 13:00-15:00,
#: 15:00-17:00. 12:30-13:00 is left free everywhere, for the booking benchmark to use.
SEGMENTS = ((510, 630), (630, 750), (780, 900), (900, 1020))
FREE_GAP = (750, 780)
TS = "%Y-%m-%d %H:%M:%S.%f"
PARTNERS = ("NCS", "CNCL", "CAB", "PROB", "COLL", "CHAR")


def ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).replace(tzinfo=None).strftime(TS)


def working_days(start: dt.date, count: int) -> list[dt.date]:
    bank = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, start.year + 12))
    out: list[dt.date] = []
    day = start
    while len(out) < count:
        if day.weekday() < 5 and day not in bank:
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def create_schema(url: str) -> None:
    from booking.service import Cospace

    app, _ = Cospace.init(url, "admin", lambda: pendulum.datetime(2026, 1, 5, tz="UTC"))
    app.engine.dispose()


def generate(path: Path, bookings: int, sites: int, seed: int) -> dict:
    rnd = random.Random(seed)
    if path.exists():
        raise SystemExit(f"{path} exists; give a new file")
    t0 = time.perf_counter()
    create_schema(f"sqlite:///{path}")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -400000")
    con.execute("BEGIN")
    # Indexes are rebuilt once at the end (from the schema's own definitions): far faster than
    # maintaining them row by row.
    indexes = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
                          "tbl_name IN ('booking', 'audit') AND sql IS NOT NULL").fetchall()
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    # The usage triggers would write one usage mark per booking (a million marks for the first
    # report to read): set aside while loading; one whole-store mark below stands for them all.
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                           "tbl_name = 'booking'").fetchall()
    for name, _sql in triggers:
        con.execute(f'DROP TRIGGER "{name}"')
    now = ts(dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    con.execute("INSERT INTO organisation (id, code, name, is_host, advance_weeks, active) "
                "VALUES (1, 'JCP', 'Jobcentre Plus', 1, NULL, 1)")
    con.executemany(
        "INSERT INTO organisation (id, code, name, is_host, advance_weeks, active) "
        "VALUES (?, ?, ?, 0, NULL, 1)",
        [(i + 2, code, f"Partner {code}") for i, code in enumerate(PARTNERS)])
    org_ids = list(range(1, len(PARTNERS) + 2))
    con.execute("UPDATE staff SET org_id = 1 WHERE login = 'admin'")
    staff = [("desk", "Front Desk", 1, "front-desk")] + [
        (f"adviser{o}", f"Adviser {o}", o, "adviser") for o in org_ids]
    con.executemany("INSERT INTO staff (login, name, org_id, role, active) VALUES (?,?,?,?,1)",
                    staff)
    staff_by_org = {o: con.execute("SELECT id FROM staff WHERE org_id = ? ORDER BY id DESC",
                                   (o,)).fetchone()[0] for o in org_ids}
    spaces: list[tuple[int, int, str]] = []  # (id, site id, kind)
    space_id = 0
    for s in range(1, sites + 1):
        con.execute("INSERT INTO site (id, code, name, tz, holiday_region, "
                    "release_after_minutes, active) VALUES (?, ?, ?, 'Europe/London', 'ENG', "
                    "30, 1)", (s, f"S{s:03d}", f"Jobcentre {s}"))
        con.executemany("INSERT INTO opening_hours (site_id, weekday, opens_min, closes_min) "
                        "VALUES (?, ?, 510, 1020)", [(s, d) for d in range(5)])
        for k in range(rnd.randint(10, 60)):
            space_id += 1
            kind = rnd.choices(("interview", "desk", "workshop"), (5, 8, 1))[0]
            cap = {"interview": rnd.randint(2, 4), "desk": 1, "workshop": rnd.randint(8, 30)}
            con.execute(
                "INSERT INTO space (id, code, site_id, name, kind, capacity, features, private, "
                "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (space_id, f"S{s:03d}-{k + 1:02d}", s, f"Space {k + 1}", kind, cap[kind],
                 rnd.choice(("wifi", "wifi,pc", "wifi,phone", "wifi,step-free,hearing-loop")),
                 int(kind == "interview" and rnd.random() < 0.6)))
            spaces.append((space_id, s, kind))
    per_day = sum(3.5 for _ in spaces)
    days = working_days(START_DAY, int(bookings / per_day) + 2)
    tz = pendulum.timezone("Europe/London")
    booking_rows: list[tuple] = []
    audit_rows: list[tuple] = []
    bid = 0
    status_choices = ("checked_in", "confirmed", "no_show", "cancelled", "released")
    for day in days:
        midnight = pendulum.datetime(day.year, day.month, day.day, tz=tz).in_timezone("UTC")
        base = dt.datetime(midnight.year, midnight.month, midnight.day, midnight.hour)
        # The UTC text of every 5-minute mark of the local day (working days have no clock
        # change), computed once per day rather than once per booking.
        at = [(base + dt.timedelta(minutes=m)).strftime(TS) for m in range(0, 1445, 5)]
        for sid, _site, _kind in spaces:
            segs = list(SEGMENTS)
            if rnd.random() < 0.5:
                segs.pop(rnd.randrange(4))
            for lo, hi in segs:
                length = rnd.randrange(30, hi - lo + 5, 5)
                start_min = rnd.randrange(lo, hi - length + 5, 5)
                org = rnd.choice(org_ids)
                bid += 1
                status = rnd.choices(status_choices, (70, 15, 6, 7, 2))[0]
                s_txt, e_txt = at[start_min // 5], at[(start_min + length) // 5]
                booking_rows.append((bid, sid, org, staff_by_org[org], s_txt, e_txt, status,
                                     1, "", 0, now, now))
                audit_rows.append((now, "desk", "create", "booking", bid,
                                   f'{{"end_at": "{e_txt}", "org_id": {org}, '
                                   f'"space_id": {sid}, "start_at": "{s_txt}"}}'))
                if bid >= bookings:
                    break
            if bid >= bookings:
                break
        if len(booking_rows) >= 100_000 or bid >= bookings:
            _flush(con, booking_rows, audit_rows)
        if bid >= bookings:
            break
    _flush(con, booking_rows, audit_rows)
    for _name, sql in indexes:
        con.execute(sql)
    for _name, sql in triggers:
        con.execute(sql)
    # What a new store's migration leaves: the first report (or ``cospace init``) builds the
    # usage summaries of the bookings already there.
    con.execute("DELETE FROM usage_mark")
    con.execute("INSERT INTO usage_mark (site_id, start_at, end_at) VALUES (NULL, NULL, NULL)")
    con.execute("COMMIT")
    con.execute("ANALYZE")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    last_day = day
    return {"bookings": bid, "sites": sites, "spaces": len(spaces), "first_day": str(days[0]),
            "last_day": str(last_day), "seconds": round(time.perf_counter() - t0, 1)}


def _flush(con: sqlite3.Connection, bookings: list, audits: list) -> None:
    con.executemany(
        "INSERT INTO booking (id, space_id, org_id, booked_by_id, start_at, end_at, status, "
        "attendees, purpose, confidential, created_at, updated_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", bookings)
    con.executemany(
        "INSERT INTO audit (at, actor, action, entity, entity_id, after, reason) "
        "VALUES (?,?,?,?,?,?,'')", audits)
    bookings.clear()
    audits.clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, type=Path, help="new SQLite file to create")
    ap.add_argument("--bookings", type=int, default=1_000_000)
    ap.add_argument("--sites", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    print(json.dumps(generate(args.db, args.bookings, args.sites, args.seed)))


if __name__ == "__main__":
    main()
