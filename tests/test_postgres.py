"""PostgreSQL as the shared store: the exclusion constraint, its clash reaching people as the
same plain refusal, and every CLI command on both backends."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from booking.errors import Conflict
from booking.service import Cospace
from cli.main import main as cli
from db.tables import Booking, Organisation, Space
from tests.conftest import NOW, as_user

B = Booking.__table__


def _ids(app: Cospace, space: str, org: str) -> tuple[int, int]:
    with app.engine.connect() as conn:
        sid = conn.execute(select(Space.__table__.c.id).where(
            Space.__table__.c.code == space)).scalar_one()
        oid = conn.execute(select(Organisation.__table__.c.id).where(
            Organisation.__table__.c.code == org)).scalar_one()
    return sid, oid


def _row(space_id: int, org_id: int, start: dt.datetime, minutes: int,
         status: str = "confirmed") -> dict:
    return dict(space_id=space_id, org_id=org_id, start_at=start,
                end_at=start + dt.timedelta(minutes=minutes), status=status, attendees=1,
                purpose="", confidential=False, created_at=NOW, updated_at=NOW)


AT_9 = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)


@pytest.mark.postgres
def test_constraint_rejects_overlapping_insert_by_raw_sql(pg_url, clock):
    app, _ = Cospace.init(pg_url, "admin", clock)
    from tests.conftest import seed

    seed(app)
    sid, oid = _ids(app, "IR1", "NCS")
    with app.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO booking (space_id, org_id, start_at, end_at, status, attendees, "
            "purpose, confidential, created_at, updated_at) VALUES "
            "(:s, :o, '2026-11-26 09:00+00', '2026-11-26 10:00+00', 'confirmed', 1, '', false, "
            "now(), now())"), {"s": sid, "o": oid})
    with pytest.raises(IntegrityError) as err, app.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO booking (space_id, org_id, start_at, end_at, status, attendees, "
            "purpose, confidential, created_at, updated_at) VALUES "
            "(:s, :o, '2026-11-26 09:59+00', '2026-11-26 10:30+00', 'checked_in', 1, '', "
            "false, now(), now())"), {"s": sid, "o": oid})
    assert err.value.orig.sqlstate == "23P01"
    assert "ex_booking_no_overlap" in str(err.value)
    # Half-open: back to back is allowed; cancelled and no-show rows do not hold the space;
    # another space is another matter.
    other, _ = _ids(app, "IR2", "NCS")
    with app.engine.begin() as conn:
        conn.execute(insert(B), [
            _row(sid, oid, AT_9 + dt.timedelta(hours=1), 60),
            _row(sid, oid, AT_9, 60, status="cancelled"),
            _row(sid, oid, AT_9, 60, status="no_show"),
            _row(other, oid, AT_9, 60),
        ])
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar() == 5


def _wait_for_lock_wait(app: Cospace, timeout: float = 20.0) -> None:
    """Until some other session of this database is waiting on a row lock."""
    deadline = time.monotonic() + timeout
    with app.engine.connect() as conn:
        while time.monotonic() < deadline:
            n = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            conn.rollback()
            if n:
                return
            time.sleep(0.02)
    raise AssertionError("the second writer never waited on the first")


def _race(app: Cospace, space: str, start: dt.datetime, minutes: int, action) -> tuple:
    """A holder inserts an overlapping booking and keeps its transaction open while
    ``action`` runs (its own clash check cannot see the uncommitted row, so it passes); the
    holder then commits and the constraint decides. Returns (holder id, action's outcome)."""
    sid, oid = _ids(app, space, "PROB")
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcome["error"] = exc

    with app.engine.connect() as conn:
        tx = conn.begin()
        holder = conn.execute(insert(B).values(**_row(sid, oid, start, minutes))
                              ).inserted_primary_key[0]
        worker = threading.Thread(target=run)
        worker.start()
        try:
            _wait_for_lock_wait(app)
        finally:
            tx.commit()
            worker.join(30)
    return holder, outcome


@pytest.mark.postgres
def test_constraint_clash_on_book_is_the_plain_refusal(pg_url, clock):
    from tests.conftest import seed

    app, _ = Cospace.init(pg_url, "admin", clock)
    seed(app)
    desk = as_user(app, "desk")
    holder, outcome = _race(app, "IR1", AT_9, 60,
                            lambda: desk.book("IR1", "2026-11-26 09:30", "10:30"))
    err = outcome.get("error")
    assert isinstance(err, Conflict), outcome
    assert f"(booking #{holder})" in err.message and "PROB" in err.message
    assert "09:00–10:00" in err.message  # the holder's local time (GMT in November)
    with app.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM booking")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM audit WHERE entity='booking'")
                            ).scalar() == 0


@pytest.mark.postgres
def test_constraint_clash_on_late_checkin_is_the_plain_refusal(pg_url, clock):
    from tests.conftest import seed

    app, _ = Cospace.init(pg_url, "admin", clock)
    seed(app)
    desk = as_user(app, "desk")
    first = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    clock.set(NOW + dt.timedelta(hours=1, minutes=10))  # 09:10
    desk.noshow(first.id)
    holder, outcome = _race(app, "IR1", dt.datetime(2026, 11, 23, 9, 15, tzinfo=dt.UTC), 30,
                            lambda: desk.checkin(first.id))
    err = outcome.get("error")
    assert isinstance(err, Conflict), outcome
    assert f"(booking #{holder})" in err.message and "PROB" in err.message
    assert desk.get(first.id).status == "no_show"


def test_late_checkin_cannot_double_book(any_app, clock):
    """A no-show frees the space; checking the no-show in after someone else took the space is
    a clash, on both backends (the application's own check)."""
    desk = as_user(any_app, "desk")
    first = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    clock.set(NOW + dt.timedelta(hours=1, minutes=10))  # 09:10
    desk.noshow(first.id)
    second = desk.book("IR1", "2026-11-23 09:10", "10:00")
    with pytest.raises(Conflict, match=f"booking #{second.id}"):
        desk.checkin(first.id)
    assert desk.get(first.id).status == "no_show"
    desk.cancel(second.id)
    assert desk.checkin(first.id).status == "checked_in"


# ------------------------------------------------------------------------ the CLI, both backends
def _run(capsys, *args: str, login: str = "admin") -> tuple[int, str, str]:
    code = cli(["--db", URL[0], "--as", login, *args])
    out, err = capsys.readouterr()
    return code, out, err


URL: list[str] = [""]


def test_every_cli_command(any_url, capsys, monkeypatch):
    """Each command of the CLI contract, its output and exit codes, on each backend."""
    URL[0] = any_url
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00+00:00")
    assert _run(capsys, "init")[0] == 0
    assert "up to date; nothing changed" in _run(capsys, "init")[1]  # again: keeps the store
    assert _run(capsys, "org", "add", "JCP", "--name", "Jobcentre Plus", "--host")[0] == 0
    assert _run(capsys, "org", "add", "NCS", "--name", "Careers")[0] == 0
    assert _run(capsys, "site", "add", "NGT", "--name", "Northgate",
                "--hours", "mon-thu 08:30-17:00, fri 08:30-16:30")[0] == 0
    assert _run(capsys, "space", "add", "IR1", "--site", "NGT", "--kind", "interview",
                "--capacity", "3", "--features", "wifi,phone", "--private")[0] == 0
    assert _run(capsys, "space", "add", "D01", "--site", "NGT", "--kind", "desk",
                "--capacity", "1")[0] == 0
    assert _run(capsys, "staff", "add", "desk", "--name", "Amy", "--org", "JCP",
                "--role", "front-desk")[0] == 0
    assert _run(capsys, "staff", "add", "ncs", "--name", "Priya", "--org", "NCS",
                "--role", "adviser")[0] == 0

    code, out, err = _run(capsys, "book", "IR1", "2026-11-26 09:00", "10:00", "--json",
                          login="ncs")
    assert code == 0, err
    first = json.loads(out)
    assert first["start"] == "2026-11-26T09:00:00+00:00" and first["org"] == "NCS"
    assert first["status"] == "confirmed" and first["site"] == "NGT"

    code, out, err = _run(capsys, "book", "IR1", "2026-11-26T09:30", "10:30", login="desk")
    assert code == 1 and f"#{first['id']}" in err and "NCS" in err and "Traceback" not in err
    assert _run(capsys, "book", "NOPE", "2026-11-26 09:00", "10:00")[0] == 2
    assert _run(capsys, "book", "IR1", "2026-11-26 9am", "10:00")[0] == 2

    code, out, _ = _run(capsys, "free", "NGT", "interview", "2026-11-26 10:00", "11:00",
                        "--json")
    assert code == 0 and [s["space"] for s in json.loads(out)] == ["IR1"]
    code, out, err = _run(capsys, "free", "NGT", "interview", "2026-11-26 09:00", "10:00",
                          "--json")
    assert code == 0 and json.loads(out) == [] and "10:00" in err

    code, out, _ = _run(capsys, "book", "IR1", "2026-11-23 09:00", "10:00", "--json",
                        login="desk")
    today = json.loads(out)
    code, out, _ = _run(capsys, "book", "D01", "2026-11-23 08:30", "12:00", "--json",
                        login="desk")
    desk_booking = json.loads(out)
    assert _run(capsys, "checkin", str(today["id"]), login="desk")[0] == 0
    assert _run(capsys, "checkin", str(first["id"]), login="ncs")[0] == 1  # not today
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:45:00+00:00")
    assert _run(capsys, "noshow", str(desk_booking["id"]), login="desk")[0] == 0
    assert _run(capsys, "cancel", str(first["id"]), login="ncs")[0] == 0
    assert _run(capsys, "cancel", str(first["id"]), login="ncs")[0] == 1  # already cancelled
    assert _run(capsys, "cancel", "99999", login="ncs")[0] == 2

    code, out, _ = _run(capsys, "list", "--json")
    listed = {b["id"]: b["status"] for b in json.loads(out)}
    assert listed == {first["id"]: "cancelled", today["id"]: "checked_in",
                      desk_booking["id"]: "no_show"}
    code, out, _ = _run(capsys, "list", "--site", "NGT", "--space", "IR1",
                        "--from", "2026-11-26", "--to", "2026-11-26")
    assert code == 0 and f"#{first['id']}" in out and "cancelled" in out
    assert _run(capsys, "list", "--org", "NCS", "--json")[0] == 0


@pytest.mark.slow
def test_demo_loads(any_url, capsys, monkeypatch):
    URL[0] = any_url
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00+00:00")
    code, out, err = _run(capsys, "init", "--demo")
    assert code == 0, err
    code, out, _ = _run(capsys, "list", "--json", "--from", "2026-11-23", "--to", "2026-11-27")
    assert code == 0 and len(json.loads(out)) > 10


def test_booked_view_is_what_the_store_holds(any_app):
    """``book`` builds its answer without reading the row back: it must equal a fresh read."""
    for login, space, org, conf in (("desk", "IR1", "NCS", True), ("ncs", "D01", None, False),
                                    ("admin", "IR5", "PROB", False)):
        app = as_user(any_app, login)
        made = app.book(space, "2026-11-26 09:00", "10:30", org=org, attendees=1,
                        purpose="check", confidential=conf)
        assert made == app.get(made.id)
