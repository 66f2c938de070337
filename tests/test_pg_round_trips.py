"""A booking on PostgreSQL costs at most two round trips to the server.

Counted on the wire: libpq's own trace of the protocol messages of the pooled connection
(``PQtrace``), from one return to the pool to the next, so the pool's ping, ``BEGIN``,
``COMMIT`` and the reset on return all count. A round trip is a run of messages to the
server answered by messages from it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from psycopg import pq
from sqlalchemy import event

from booking import allocations, audit
from booking.errors import Conflict, RuleViolation
from booking.service import Cospace
from db import engine as engine_mod
from tests.conftest import as_user, seed


def round_trips(trace: str) -> int:
    """F (to the server) runs each followed by B (from it)."""
    count, last = 0, ""
    for line in trace.splitlines():
        side = line[:1]
        if side not in ("F", "B") or line[1:2] != "\t":
            continue
        if side == "B" and last == "F":
            count += 1
        last = side
    return count


class Wire:
    """The protocol trace of each use of a pooled connection, between check-ins."""

    def __init__(self, app: Cospace, tmp: Path) -> None:
        self.tmp, self.files, self.uses = tmp, [], []

        @event.listens_for(app.engine, "checkin")
        def _checkin(dbapi_conn: Any, _rec: Any) -> None:
            if dbapi_conn is None:
                return
            dbapi_conn.pgconn.untrace()  # flushes the previous use's trace
            if self.files:
                self.files[-1].close()
                self.uses.append(Path(self.files[-1].name).read_text())
            f = open(self.tmp / f"trace{len(self.files)}.txt", "w")  # noqa: SIM115
            self.files.append(f)
            dbapi_conn.pgconn.trace(f.fileno())
            dbapi_conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)

    def last(self) -> int:
        assert self.uses, "no traced use of a pooled connection"
        return round_trips(self.uses[-1])


@pytest.fixture
def pg_app(pg_url: str, clock: Any, tmp_path: Path) -> tuple[Cospace, Wire]:
    admin, _ = Cospace.init(pg_url, "admin", clock)
    seed(admin)
    admin.engine.dispose()
    wire = Wire(admin, tmp_path)
    as_user(admin, "desk").book("IR4", "2026-11-30 09:00", "09:30")  # the pool holds one
    return admin, wire


def test_a_booking_is_two_round_trips(pg_app: tuple[Cospace, Wire]) -> None:
    app, wire = pg_app
    desk = as_user(app, "desk")
    view = desk.book("IR1", "2026-11-26 09:00", "10:00", purpose="interview")
    assert wire.last() <= 2
    assert desk.get(view.id).purpose == "interview"  # committed, as stored
    ncs = as_user(app, "ncs")
    ncs.book("IR2", "2026-11-26 09:00", "10:00", org="NCS")
    assert wire.last() <= 2
    assert [a.action for a in audit.history(app, view.id)] == ["create"]


def test_the_general_path_costs_more(pg_app: tuple[Cospace, Wire]) -> None:
    """The same booking with datetimes (the general path): the count is a real count."""
    app, wire = pg_app
    start = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    as_user(app, "desk").book("IR1", start, start + dt.timedelta(hours=1))
    assert wire.last() > 2


def test_a_clash_is_refused_in_two_round_trips_and_writes_nothing(
        pg_app: tuple[Cospace, Wire]) -> None:
    app, wire = pg_app
    desk = as_user(app, "desk")
    first = desk.book("IR1", "2026-11-26 09:00", "10:00")
    before = len(app.list_bookings(site="NGT", start=dt.date(2026, 11, 26)))
    with pytest.raises(Conflict, match=rf"booking #{first.id}"):
        desk.book("IR1", "2026-11-26 09:30", "10:30")
    assert wire.last() <= 2
    assert len(app.list_bookings(site="NGT", start=dt.date(2026, 11, 26))) == before
    desk.book("IR1", "2026-11-26 10:00", "11:00")  # the connection is usable again
    assert wire.last() <= 2


def test_an_idle_connection_is_pinged_first(pg_app: tuple[Cospace, Wire],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    app, wire = pg_app
    monkeypatch.setattr(engine_mod, "PG_PING_AFTER_IDLE_SECONDS", 0.0)
    as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00")
    assert wire.last() > 2  # the ping (and its rollback) came first


def test_an_allocation_is_still_enforced(pg_app: tuple[Cospace, Wire]) -> None:
    app, _ = pg_app
    allocations.set_allocation(app, "NCS", site="NGT", kind="interview", hours_per_week=1)
    ncs = as_user(app, "ncs")
    ncs.book("IR1", "2026-11-26 09:00", "10:00")
    with pytest.raises(RuleViolation, match="has used 1 of its 1"):
        ncs.book("IR2", "2026-11-26 11:00", "12:00")
    desk = as_user(app, "desk")
    over = desk.book("IR2", "2026-11-26 11:00", "12:00", org="NCS", override="agreed")
    actions = [a.action for a in audit.history(app, over.id)]
    assert sorted(actions) == ["create", "override"]


def _held(app: Cospace) -> set[str]:
    """The booking statements the pooled connection's session holds prepared."""
    with app.engine.connect() as c:
        return set(c.exec_driver_sql(
            "SELECT name FROM pg_prepared_statements WHERE name LIKE 'cospace_booking_%%'"
        ).scalars())


def test_the_statements_are_prepared_and_dropping_them_loses_nothing(
        pg_app: tuple[Cospace, Wire]) -> None:
    """From the second booking on a connection the server runs the two statements prepared;
    when they are dropped behind its back (psycopg sends DEALLOCATE ALL when it rolls back
    holding statements of its own), the next booking is made all the same and the one
    after prepares them again."""
    app, wire = pg_app
    desk = as_user(app, "desk")
    desk.book("IR1", "2026-11-26 09:00", "10:00")
    assert _held(app) == {"cospace_booking_context", "cospace_booking_insert"}
    with app.engine.connect() as c:
        c.exec_driver_sql("DEALLOCATE ALL")
    assert _held(app) == set()
    again = desk.book("IR2", "2026-11-26 09:00", "10:00", purpose="after the drop")
    assert desk.get(again.id).purpose == "after the drop"
    desk.book("IR4", "2026-11-26 09:00", "10:00")  # knowing they are gone: made again
    assert wire.last() <= 2
    assert _held(app) == {"cospace_booking_context", "cospace_booking_insert"}
    with pytest.raises(Conflict):  # a refusal keeps them: the next booking is two trips
        desk.book("IR4", "2026-11-26 09:30", "10:30")
    desk.book("IR4", "2026-11-26 10:00", "11:00")
    assert wire.last() <= 2
    assert _held(app) == {"cospace_booking_context", "cospace_booking_insert"}
