"""Every range read of the bookings is a short range of a start-time index, never a scan.

Each read runs for real, through its own function; the statements it sends are caught at the
driver (SQLite: the expanded SQL from ``set_trace_callback``, then ``EXPLAIN QUERY PLAN``;
PostgreSQL: ``auto_explain`` reports the plan of each statement as it runs, with
``enable_seqscan`` off, as a tiny test table would otherwise be read whole). Each read of
``booking`` must use one of its start-time indexes with ``start_at`` bounded below: the
lower bound ``start_at > lo - longest booking`` (db/overlap.py) that keeps a day's read the
same cost on the store's last day as on its first.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from booking.models import MAX_BOOKING_MINUTES, MAX_MINUTES
from booking.service import Cospace
from db import allocations as qa
from db import display_queries as dq
from db import queries as q
from db import series as sq
from db import whatif_queries as wq
from db.engine import read_tx
from db.overlap import LONGEST_BOOKING_MINUTES
from tests.conftest import NOW

DAY = dt.date(2026, 11, 26)
LO = dt.datetime(2026, 11, 26, 0, 0, tzinfo=dt.UTC)
HI = LO + dt.timedelta(days=1)
START_INDEXES = ("ix_booking_space_start", "ix_booking_start", "ix_booking_org_start")
#: PostgreSQL may also answer by the exclusion constraint's GiST index (space, time range),
#: or read one booking by its key (the private details, through ``booking_detail``).
PG_ALSO = ("ex_booking_no_overlap", "booking_pkey")


def _book_some(app: Cospace) -> None:
    for day in ("2026-11-25", "2026-11-26", "2026-11-27"):
        app.book("IR1", f"{day} 09:00", "10:00")
        app.book("D01", f"{day} 08:30", "16:00")


@contextmanager
def _sqlite_plans(conn: Any) -> Iterator[list[tuple[str, list[str]]]]:
    """The (statement, plan lines) of every SELECT reading ``booking`` run in the block."""
    raw = conn.connection.dbapi_connection
    sent: list[str] = []
    raw.set_trace_callback(sent.append)
    out: list[tuple[str, list[str]]] = []
    try:
        yield out
    finally:
        raw.set_trace_callback(None)
    for sql in sent:
        low = sql.lower()
        if not re.search(r"\bbooking\b", low) or not low.lstrip().startswith(("select", "with")):
            continue
        plan = [r[3] for r in raw.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
        out.append((sql, plan))


@contextmanager
def _pg_plans(conn: Any) -> Iterator[list[tuple[str, list[str]]]]:
    raw = conn.connection.dbapi_connection
    notices: list[str] = []

    def handler(diag: Any) -> None:
        notices.append(diag.message_primary or "")

    for sql in ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0",
                "SET client_min_messages = log", "SET enable_seqscan = off"):
        conn.exec_driver_sql(sql)
    raw.add_notice_handler(handler)
    out: list[tuple[str, list[str]]] = []
    try:
        yield out
    finally:
        conn.exec_driver_sql("SELECT 1")  # the last statement's plan arrives with this
        raw.remove_notice_handler(handler)
        conn.exec_driver_sql("SET client_min_messages = notice")
    for note in notices:
        lines = note.split("\n")
        if not note.startswith("duration:") or len(lines) < 3:
            continue
        first = next(i for i, ln in enumerate(lines) if "(cost=" in ln)  # the plan's top node
        sql = "\n".join(lines[1:first]).removeprefix("Query Text: ")
        if re.search(r"\bbooking\b", sql.lower()):
            out.append((sql, lines[first:]))


def _plans(conn: Any):  # type: ignore[no-untyped-def]
    return _pg_plans(conn) if conn.dialect.name == "postgresql" else _sqlite_plans(conn)


def assert_index_range(dialect: str, plans: list[tuple[str, list[str]]],
                       bounded_above: bool = True) -> None:
    assert plans, "the read sent no statement on booking"
    for sql, plan in plans:
        text = "\n".join(plan)
        if dialect == "sqlite":
            reads = [ln for ln in plan if re.search(r"\b(SCAN|SEARCH) (booking|b)\b", ln)]
            assert reads, (sql, plan)
            for ln in reads:
                assert not ln.startswith("SCAN"), (sql, plan)
                m = re.search(r"USING (?:COVERING )?INDEX (\w+) \((.*)\)", ln)
                assert m and m.group(1) in START_INDEXES, (sql, plan)
                assert "start_at>?" in m.group(2), (sql, plan)
                if bounded_above:
                    assert "start_at<?" in m.group(2), (sql, plan)
        else:  # a tiny table: the planner's pick among usable indexes is not the point
            assert not re.search(r"Seq Scan on booking", text), (sql, text)
            scans = re.findall(r"Index (?:Only )?Scan using (\w+) on booking", text)
            assert scans and all(s in (*START_INDEXES, *PG_ALSO) for s in scans), (sql, text)
            assert "start_at > " in sql or re.search(r"start_at > (\$|%|:|occ\.lo)", sql), sql


def _jcp(app: Cospace) -> int:
    return next(o.id for o in app.orgs() if o.code == "JCP")


def _ids(app: Cospace) -> dict[str, int]:
    return {s.code: s.id for s in app.spaces("NGT")}


READS: dict[str, Callable[[Any, Cospace], Any]] = {
    "booking_rows site day": lambda conn, app: q.booking_rows(
        conn, start=LO, end=HI, site_id=app.site("NGT").id),
    "booking_rows all sites": lambda conn, app: q.booking_rows(conn, start=LO, end=HI),
    "booking_rows org": lambda conn, app: q.booking_rows(
        conn, start=LO, end=HI, org_id=_jcp(app)),
    "booking_rows space": lambda conn, app: q.booking_rows(
        conn, start=LO, end=HI, space_id=_ids(app)["IR1"]),
    "busy_intervals": lambda conn, app: q.busy_intervals(
        conn, list(_ids(app).values()), LO, HI),
    "clashes": lambda conn, app: q.clashes(
        conn, _ids(app)["IR1"], LO, HI, max_minutes=MAX_BOOKING_MINUTES),
    "display": lambda conn, app: dq.display_rows(
        conn, "NGT", lo=LO, hi=HI, first_day=DAY, last_day=DAY,
        max_minutes=MAX_BOOKING_MINUTES),
    "what-if": lambda conn, app: wq.kind_bookings(
        conn, app.site("NGT").id, "interview", LO, HI, MAX_BOOKING_MINUTES),
    "allocation intervals": lambda conn, app: qa.org_kind_intervals(
        conn, org_id=_jcp(app), site_id=app.site("NGT").id, kind="interview",
        start=LO, end=HI),
    "allocation hours": lambda conn, app: qa.org_kind_hours(
        conn, org_id=_jcp(app), site_id=app.site("NGT").id, kind="interview",
        start=LO, end=HI),
    "series clash": lambda conn, app: sq.active_overlapping(
        conn, _ids(app)["IR1"], [(LO, HI), (HI, HI + dt.timedelta(days=1))],
        max_minutes=MAX_BOOKING_MINUTES),
}


def test_every_range_read_uses_an_index_range(any_app: Cospace) -> None:
    _book_some(any_app)
    wrong: dict[str, str] = {}
    for name, read in sorted(READS.items()):
        with read_tx(any_app.engine) as conn:
            with _plans(conn) as plans:
                read(conn, any_app)
        try:
            assert_index_range(conn.dialect.name, plans)
        except AssertionError as exc:
            wrong[name] = str(exc)[:2000]
    assert not wrong, "\n\n".join(f"{k}: {v}" for k, v in wrong.items())


def test_list_without_an_end_reads_from_its_start_not_all_history(any_app: Cospace) -> None:
    """``list`` with no ``--to``: every booking from the day on, never the whole index."""
    _book_some(any_app)
    with read_tx(any_app.engine) as conn:
        with _plans(conn) as plans:
            rows = q.booking_rows(conn, start=LO, site_id=any_app.site("NGT").id)
    assert_index_range(conn.dialect.name, plans, bounded_above=False)
    assert [r.start_at.date() for r in rows] == [DAY, DAY, DAY + dt.timedelta(days=1),
                                                DAY + dt.timedelta(days=1)]


def test_the_bound_is_the_longest_booking_the_rules_allow() -> None:
    assert LONGEST_BOOKING_MINUTES == MAX_BOOKING_MINUTES >= max(MAX_MINUTES.values())


def test_a_booking_as_long_as_allowed_is_still_found(any_app: Cospace, clock: Any) -> None:
    """A desk held for the longest time a booking may last, starting the day before the
    window, overlaps the window's first minute: the bounded reads still return it."""
    start = LO - dt.timedelta(minutes=MAX_BOOKING_MINUTES) + dt.timedelta(minutes=5)
    end = start + dt.timedelta(minutes=MAX_BOOKING_MINUTES)
    assert start < LO < end and NOW < start
    with read_tx(any_app.engine) as conn:
        desk = _ids(any_app)["D01"]
    from db.engine import write_tx

    with write_tx(any_app.engine) as conn:  # as stored; the rules of the day do not matter
        q.insert_booking(conn, dict(
            space_id=desk, org_id=_jcp(any_app), booked_by_id=None, start_at=start,
            end_at=end, status="confirmed", attendees=1, purpose="", confidential=False,
            created_at=NOW, updated_at=NOW, series_id=None, moved_from=None))
    with read_tx(any_app.engine) as conn:
        got = {
            "booking_rows": [r.id for r in q.booking_rows(conn, start=LO, end=HI)],
            "busy": q.busy_intervals(conn, [desk], LO, HI)[desk],
            "clashes": q.clashes(conn, desk, LO, HI, max_minutes=MAX_BOOKING_MINUTES),
            "display": dq.display_rows(conn, "NGT", lo=LO, hi=HI, first_day=DAY,
                                       last_day=DAY,
                                       max_minutes=MAX_BOOKING_MINUTES).bookings,  # type: ignore[union-attr]
            "series": sq.active_overlapping(conn, desk, [(LO, HI)],
                                            max_minutes=MAX_BOOKING_MINUTES),
        }
    assert all(len(v) == 1 for v in got.values()), got
    assert got["busy"] == [(start, end)]


def test_the_lower_bound_is_exact_in_utc_whatever_the_zone() -> None:
    from zoneinfo import ZoneInfo

    import pendulum

    from db.overlap import lower_bound

    day = dt.timedelta(minutes=MAX_BOOKING_MINUTES)
    # Sunday 25 October 2026, London: the clocks go back, a 25-hour day.
    london = dt.datetime(2026, 10, 26, 0, 0, tzinfo=ZoneInfo("Europe/London"))
    assert lower_bound(london) == london.astimezone(dt.UTC) - day
    assert london - lower_bound(london) == day  # real time, not wall-clock time
    moment = pendulum.datetime(2026, 9, 23, 23, 0, tz="UTC").astimezone(dt.UTC)
    assert lower_bound(moment).tzinfo is not None
    assert lower_bound(moment) == dt.datetime(2026, 9, 22, 23, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError):
        lower_bound(dt.datetime(2026, 9, 23))


def test_the_allocation_check_reads_the_covering_index_alone(app: Cospace) -> None:
    """The week's hours and the bookings near a new one come from ``ix_booking_org_start``
    (org, start, end, status, space: migration 0011) without visiting the table: what
    keeps a booking under an allocation close to one without (bench/README.md, item 4). On a
    store without statistics, as the app leaves it (with ``ANALYZE`` SQLite may start from
    the site's spaces instead: still an index range, checked above)."""
    _book_some(app)
    for name in ("allocation hours", "allocation intervals"):
        with read_tx(app.engine) as conn:
            with _plans(conn) as plans:
                READS[name](conn, app)
        assert_index_range("sqlite", plans)
        reads = [ln for _, plan in plans for ln in plan if re.search(r"\bbooking\b", ln)]
        assert reads and all("USING COVERING INDEX ix_booking_org_start" in ln
                             for ln in reads), (name, plans)
