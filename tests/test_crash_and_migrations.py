"""Faults and upgrades: a writer killed with SIGKILL midway through a batch leaves the store
consistent with the batch wholly absent; a store made by the first released schema upgrades to
the current one with every booking intact."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import time

import pytest
from sqlalchemy import text

from booking.service import Cospace
from db.engine import make_engine, sqlite_path
from db.migrate import current_revision, head_revision, upgrade
from tests import workers
from tests.conftest import as_user, seed


def _kill_midway(url: str, tmp_path) -> int:
    """Start a writer inserting 400 bookings in one transaction; SIGKILL it halfway."""
    flag = tmp_path / "halfway"
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=workers.crash_writer, args=(url, str(flag), 400))
    proc.start()
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.is_alive(), "the writer died before it was killed"
        assert time.monotonic() < deadline, "the writer never got halfway"
        time.sleep(0.05)
    written = int(flag.read_text())
    assert written == 200
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    return written


@pytest.mark.slow
def test_sigkill_midway_through_a_batch_leaves_it_wholly_absent(any_url, clock, tmp_path):
    app, _ = Cospace.init(any_url, "admin", clock)
    seed(app)
    before = as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00")
    path = sqlite_path(any_url)
    app.engine.dispose()
    wal = path.with_name(path.name + "-wal") if path is not None else None
    wal_before = wal.stat().st_size if wal is not None and wal.exists() else 0

    _kill_midway(any_url, tmp_path)
    if path is not None:
        # The killed writer had spilled uncommitted pages into the WAL: the kill really came
        # in the middle of writing, not before it.
        assert wal is not None and wal.exists() and wal.stat().st_size > wal_before
        raw = sqlite3.connect(path)
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        raw.close()

    reopened = Cospace.open(any_url, "desk", clock)
    with reopened.engine.connect() as conn:
        assert conn.execute(text(
            "SELECT count(*) FROM booking WHERE purpose LIKE 'batch %'")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit WHERE actor = 'batch'")
                            ).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar() == 1
    # The store works on: the lock the dead writer held is gone.
    assert reopened.get(before.id).status == "confirmed"
    after = reopened.book("WS1", "2027-01-04 09:00", "10:00")
    assert after.id > before.id


# ------------------------------------------------------------------------------ migrations
#: Rows written with plain SQL in the shape of revision 0001, the first released schema.
FIXTURE_0001 = [
    "INSERT INTO organisation (id, code, name, is_host, advance_weeks, active) VALUES "
    "(1, 'JCP', 'Jobcentre Plus', TRUE, NULL, TRUE), (2, 'NCS', 'Careers', FALSE, 6, TRUE)",
    "INSERT INTO site (id, code, name, tz, holiday_region, release_after_minutes, active) "
    "VALUES (1, 'NGT', 'Northgate', 'Europe/London', 'ENG', 30, TRUE)",
    "INSERT INTO opening_hours (site_id, weekday, opens_min, closes_min) VALUES "
    "(1, 0, 510, 1020), (1, 1, 510, 1020), (1, 2, 510, 1020), (1, 3, 510, 1020), "
    "(1, 4, 510, 990)",
    "INSERT INTO closure (id, site_id, day, reason) VALUES (1, 1, '2026-12-29', 'stocktake')",
    "INSERT INTO space (id, code, site_id, name, kind, capacity, features, private, active) "
    "VALUES (1, 'IR1', 1, 'Interview Room 1', 'interview', 3, 'phone,wifi', TRUE, TRUE), "
    "(2, 'D01', 1, 'D01', 'desk', 1, 'pc', FALSE, TRUE)",
    "INSERT INTO space_restriction (space_id, org_id) VALUES (1, 1)",
    "INSERT INTO staff (id, login, name, org_id, role, active) VALUES "
    "(1, 'admin', 'Ada', 1, 'admin', TRUE), (2, 'ncs', 'Priya', 2, 'adviser', TRUE)",
    "INSERT INTO series (id, space_id, org_id, booked_by_id, rrule, tz, dtstart_local, "
    "duration_min, created_at) VALUES (1, 2, 2, 2, 'FREQ=WEEKLY;COUNT=2', 'Europe/London', "
    "'2026-11-24T09:00:00', 60, '2026-11-20 10:00:00')",
]
BOOKINGS_0001 = [
    # id, space, org, by, series, start (UTC), end (UTC), status, attendees, purpose, conf
    (1, 1, 1, 1, None, "2026-10-29 09:00:00", "2026-10-29 10:00:00", "confirmed", 2,
     "first ever", True),
    (2, 2, 2, 2, 1, "2026-11-24 09:00:00", "2026-11-24 10:00:00", "confirmed", 1, "weekly",
     False),
    (3, 2, 2, 2, 1, "2026-12-01 09:00:00", "2026-12-01 10:00:00", "cancelled", 1, "weekly",
     False),
    (4, 1, 2, None, None, "2026-11-23 14:05:00", "2026-11-23 15:35:00", "no_show", 1, "",
     False),
    (5, 1, 1, 1, None, "2026-11-23 14:05:00", "2026-11-23 14:35:00", "checked_in", 3,
     "café ☕ «quotes» 'single'", False),
    (6, 2, 1, 1, None, "2026-03-29 08:30:00", "2026-03-29 16:00:00", "released", 1,
     "the day the clocks change", False),
]


def _ts(value: str, dialect: str) -> str:
    """A UTC time as revision 0001 stores it: naive text with microseconds on SQLite (what
    SQLAlchemy writes), a timestamptz literal on PostgreSQL."""
    return value + (".000000" if dialect == "sqlite" else "+00")


def _fill_0001(conn) -> None:  # type: ignore[no-untyped-def]
    d = conn.dialect.name
    for stmt in FIXTURE_0001:
        conn.exec_driver_sql(stmt.replace("'2026-11-20 10:00:00'",
                                          f"'{_ts('2026-11-20 10:00:00', d)}'"))
    for b in BOOKINGS_0001:
        b = (*b[:5], _ts(b[5], d), _ts(b[6], d), *b[7:])
        conn.execute(text(
            "INSERT INTO booking (id, space_id, org_id, booked_by_id, series_id, start_at, "
            "end_at, status, attendees, purpose, confidential, created_at, updated_at) VALUES "
            "(:id, :sp, :org, :by, :ser, :s, :e, :st, :att, :pur, :conf, "
            ":s, :e)"), dict(zip(("id", "sp", "org", "by", "ser", "s", "e", "st", "att", "pur",
                                  "conf"), b, strict=True)))
    conn.execute(text(
        "INSERT INTO audit (id, at, actor, action, entity, entity_id, before, after, reason) "
        "VALUES (1, :at, 'admin', 'create', 'booking', 1, NULL, '{}', '')"),
        {"at": _ts("2026-10-20 10:00:00", d)})
    if conn.dialect.name == "postgresql":
        for table in ("organisation", "site", "space", "staff", "series", "booking", "audit",
                      "closure"):
            conn.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))")


def _snapshot(conn) -> dict:  # type: ignore[no-untyped-def]
    q = ("SELECT id, space_id, org_id, booked_by_id, series_id, start_at, end_at, status, "
         "attendees, purpose, confidential FROM booking ORDER BY id")
    rows = []
    for r in conn.execute(text(q)):
        r = list(r)
        for i in (5, 6):  # SQLite gives text, PostgreSQL an aware datetime: compare in UTC
            v = r[i]
            if isinstance(v, str):
                assert v.endswith(".000000"), v  # the store's own text format, kept
                v = dt.datetime.fromisoformat(v).replace(tzinfo=dt.UTC)
            r[i] = v.astimezone(dt.UTC)
        r[10] = bool(r[10])
        rows.append(tuple(r))
    others = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
              for t in ("organisation", "site", "opening_hours", "closure", "space",
                        "space_restriction", "staff", "series", "audit")}
    return {"bookings": rows, "counts": others}


def test_first_released_schema_upgrades_without_loss(any_url, clock):
    engine = make_engine(any_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    with engine.begin() as conn:
        _fill_0001(conn)
    with engine.connect() as conn:
        before = _snapshot(conn)
    assert len(before["bookings"]) == len(BOOKINGS_0001)
    engine.dispose()

    from booking.errors import NotPermitted

    with pytest.raises(NotPermitted):  # only an administrator upgrades a store with staff
        Cospace.init(any_url, "someone-else", clock)
    assert current_revision(make_engine(any_url)) == "0001"
    app, was_new = Cospace.init(any_url, "admin", clock)  # `cospace init` upgrades
    assert not was_new
    assert current_revision(app.engine) == head_revision()
    with app.engine.connect() as conn:
        assert _snapshot(conn) == before
    # The upgraded store is a working store: its bookings read back through the domain, and
    # they still hold their spaces.
    admin = as_user(app, "admin")
    first = admin.get(1)
    assert (first.space, first.org, first.purpose, first.attendees) == (
        "IR1", "JCP", "first ever", 2)
    assert first.start == dt.datetime(2026, 10, 29, 9, 0, tzinfo=dt.UTC)
    assert admin.get(5).purpose == "café ☕ «quotes» 'single'"
    from booking.errors import Conflict

    with pytest.raises(Conflict, match="booking #2"):
        admin.book("D01", "2026-11-24 09:30", "10:30")
    new = admin.book("D01", "2026-11-24 10:00", "11:00")
    assert new.id == 7


def test_upgrade_builds_the_usage_summaries_of_the_bookings_already_there(any_url, clock):
    """Revision 0002 adds the report summaries: ``cospace init`` fills them from the bookings
    a 0001 store already holds, and the reports read them at once."""
    import booking.reports as reports

    engine = make_engine(any_url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        _fill_0001(conn)
    engine.dispose()
    app, _ = Cospace.init(any_url, "admin", clock)
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM usage_mark")).scalar() == 0
        # bookings 1, 2, 4, 5, 6 are not cancelled: five starts, on five local days
        assert conn.execute(text("SELECT sum(bookings) FROM usage_day")).scalar() == 5
    admin = as_user(app, "admin")
    period = dict(sites=["NGT"], start=dt.date(2026, 3, 1), end=dt.date(2026, 12, 31))
    for kind, by in (("utilisation", "space,month"), ("attendance", "org"),
                     ("occupancy", "month"), ("utilisation", "weekday,hour")):
        got = reports.Reports(admin).run(kind, by=by, **period)
        assert got.rows == reports.Reports(admin, use_summaries=False).run(
            kind, by=by, **period).rows
    util = reports.Reports(admin).run("utilisation", by="space", **period)
    # IR1: 1 h (29 Oct) + 1.5 h + 0.5 h (23 Nov); D01: 1 h (24 Nov) + 7.5 h (29 Mar, BST)
    assert {r["space"]: r["booked_hours"] for r in util.rows} == {"IR1": 3.0, "D01": 8.5}
