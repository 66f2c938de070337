"""The display's domain: each space's state at a pinned time, local time across the clock
changes, what it may show, the public-columns-only read (also as a PostgreSQL role granted
nothing else), and the cheap change poll."""

from __future__ import annotations

import datetime as dt
import uuid

import pendulum
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from booking.display import BUSY, CLOSED, FREE, OUT, SOON_STATE, DisplaySource
from booking.errors import InvalidInput, NotFound, StoreUnavailable
from booking.service import Cospace
from db import display_queries as dq
from tests.conftest import LONDON, Clock, as_user, seed
from tests.display_store import AT_1035, SECRETS, busy_morning, source


def states(state) -> dict[str, tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return {s.code: (s.state, s.label, s.next_label) for s in state.spaces}


def test_each_state_at_a_pinned_time(app: Cospace, clock: Clock) -> None:
    busy_morning(app)
    clock.set(AT_1035)
    state = source(app, clock).load()
    got = states(state)
    assert got["IR1"] == (BUSY, "In use until 11:30", "")
    assert got["IR2"] == (FREE, "Free until 14:00", "Next 14:00")
    assert got["WS1"] == (SOON_STATE, "Booked from 10:45", "Next 10:45")
    assert got["IR5"] == (BUSY, "In use until 12:00", "")
    assert got["D01"] == (BUSY, "In use until 17:00", "")
    assert got["D02"] == (FREE, "Free until 17:00", "")  # not checked in: released
    assert got["IR4"] == (FREE, "Free until 17:00", "")
    assert (state.time_text, state.date_text) == ("10:35", "Monday 23 November")
    assert state.status_text == "Open until 17:00"
    # interview rooms first, then desks, then the workshop (the kinds' order)
    assert [s.code for s in state.spaces] == ["IR1", "IR2", "IR4", "IR5", "D01", "D02", "WS1"]


def test_back_to_back_bookings_are_one_busy_run(app: Cospace, clock: Clock) -> None:
    desk = as_user(app, "desk")
    desk.book("IR4", "2026-11-23 10:00", "11:00")
    desk.book("IR4", "2026-11-23 11:00", "11:30")
    desk.book("IR4", "2026-11-23 15:00", "16:00")
    clock.set(AT_1035)
    got = states(source(app, clock).load())
    assert got["IR4"] == (BUSY, "In use until 11:30", "Next 15:00")


def test_closed_day_before_opening_and_after_closing(app: Cospace, clock: Clock) -> None:
    from booking.closures import add_closure

    add_closure(app, "NGT", dt.date(2026, 11, 24), reason="Staff training day")
    as_user(app, "desk").book("IR1", "2026-11-23 08:30", "09:00")
    clock.set(pendulum.datetime(2026, 11, 24, 10, 0, tz=LONDON))
    state = source(app, clock).load()
    assert {s.state for s in state.spaces} == {CLOSED}
    assert state.spaces[0].label == "Closed today"
    assert state.spaces[0].next_label == "Opens tomorrow 08:30"
    assert state.status_text == "Closed today · opens tomorrow 08:30"
    assert "Staff training day" not in repr(state)  # the closure's reason is not read

    clock.set(pendulum.datetime(2026, 11, 23, 7, 45, tz=LONDON))
    state = source(app, clock).load()
    assert states(state)["IR1"] == (CLOSED, "Closed now", "Next 08:30")
    assert state.status_text == "Opens 08:30, closes 17:00"

    clock.set(pendulum.datetime(2026, 11, 27, 17, 0, tz=LONDON))  # Friday: shuts 16:30
    state = source(app, clock).load()
    assert states(state)["IR1"] == (CLOSED, "Closed now", "Opens Mon 08:30")
    assert state.status_text == "Closed now · opens Mon 08:30"
    clock.set(pendulum.datetime(2026, 11, 28, 12, 0, tz=LONDON))  # Saturday
    assert source(app, clock).load().spaces[0].label == "Closed today"


def test_local_time_across_the_clock_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A booking at 10:00 wall time reads 10:00 in summer (UTC+1) and winter (UTC+0), and
    on the Sunday the clocks go back (a site open that day)."""
    clock = Clock(pendulum.datetime(2026, 10, 20, 8, 0, tz=LONDON).in_timezone("UTC"))
    cs, _ = Cospace.init(f"sqlite:///{tmp_path / 'c.db'}", "admin", clock)
    cs.add_org("JCP", "Jobcentre Plus", host=True)
    cs.add_site("NGT", "Northgate", hours="mon-sun 08:00-18:00", holiday_region="")
    cs.add_space("IR1", site="NGT", kind="interview", capacity=2)
    cs.add_staff("admin", name="Ada", org="JCP", role="admin")
    for day in ("2026-10-24", "2026-10-25", "2026-10-26"):  # Sat BST, Sun change, Mon GMT
        cs.book("IR1", f"{day} 10:00", "11:00")
    for day in (24, 25, 26):
        clock.set(pendulum.datetime(2026, 10, day, 10, 20, tz=LONDON))
        state = DisplaySource(cs.engine, "NGT", clock=clock).load()
        assert state.time_text == "10:20"
        assert states(state)["IR1"] == (BUSY, "In use until 11:00", "")
        assert state.spaces[0].slots[0].start == 600


def test_only_the_chosen_spaces_and_kind(app: Cospace, clock: Clock) -> None:
    busy_morning(app)
    clock.set(AT_1035)
    door = source(app, clock, spaces=["IR5"])
    assert door.door
    assert [s.code for s in door.load().spaces] == ["IR5"]
    assert [s.code for s in source(app, clock, kind="desk").load().spaces] == ["D01", "D02"]
    assert [s.code for s in source(app, clock, spaces=["WS1", "IR1"]).load().spaces] == [
        "WS1", "IR1"]
    with pytest.raises(NotFound, match="no space 'NOPE'"):
        source(app, clock, spaces=["NOPE"]).load()
    with pytest.raises(NotFound, match="no site 'XXX'"):
        DisplaySource(app.engine, "XXX", clock=clock).load()
    with pytest.raises(InvalidInput):
        source(app, clock, kind="sofa")


def test_an_out_of_use_space_shows_on_its_door_only(app: Cospace, clock: Clock) -> None:
    from booking.admin import update_space

    update_space(app, "IR4", active="no")
    clock.set(AT_1035)
    assert "IR4" not in states(source(app, clock).load())
    assert states(source(app, clock, spaces=["IR4"]).load())["IR4"][:2] == (OUT, "Out of use")


def test_organisation_only_when_allowed_and_never_confidential(app: Cospace,
                                                               clock: Clock) -> None:
    busy_morning(app)
    clock.set(AT_1035)
    hidden = source(app, clock).load()
    assert all(s.org is None for s in hidden.spaces)
    assert all(slot.org is None for s in hidden.spaces for slot in s.slots)
    shown = source(app, clock, show_org=True).load()
    orgs = {s.code: s.org for s in shown.spaces}
    assert orgs["IR1"] == "NCS" and orgs["D01"] == "NCS"
    assert orgs["IR5"] is None  # confidential: never its organisation
    assert [slot.label for slot in next(s for s in shown.spaces if s.code == "IR2").slots] == [
        "14:00–15:00 JCP"]
    for state in (hidden, shown):
        text = repr(state)
        for secret in SECRETS:
            assert secret not in text


def test_user_text_loses_control_characters(app: Cospace, clock: Clock) -> None:
    """A name with terminal control cannot be typed in any more (it is refused at input), but
    a row written by an older version or by SQL still reaches the display harmless."""
    from sqlalchemy import text

    with app.engine.begin() as conn:
        conn.execute(text("UPDATE space SET name = :n WHERE code = 'IR4'"),
                     {"n": "Booth\x1b[31m 4\x07"})
    clock.set(AT_1035)
    name = next(s.name for s in source(app, clock).load().spaces if s.code == "IR4")
    assert name == "Booth[31m 4"


def test_the_read_names_only_public_columns(app: Cospace, clock: Clock) -> None:
    """The statements the display sends name no booking column but the public ones."""
    from sqlalchemy import event

    busy_morning(app)
    clock.set(AT_1035)
    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        src = source(app, clock)
        src.load()
        src.changed()
    finally:
        event.remove(app.engine, "before_cursor_execute", record)
    booking_sql = [s for s in seen if "FROM booking" in s]
    assert len(booking_sql) == 1
    for column in ("purpose", "attendees", "booked_by_id", "series_id", "created_at",
                   "updated_at"):
        assert all(column not in s for s in seen), column
    for column in dq.PUBLIC_BOOKING_COLUMNS:
        assert f"booking.{column}" in booking_sql[0]
    assert all("audit" not in s and "staff" not in s for s in seen)


def test_changed_says_when_another_connection_commits(app: Cospace, clock: Clock) -> None:
    src = source(app, clock)
    assert src.changed() is True  # the first time
    assert src.changed() is False
    assert src.changed() is False
    as_user(app, "desk").book("IR1", "2026-11-23 12:00", "13:00")
    assert src.changed() is True
    assert src.changed() is False
    src.close()
    assert src.changed() is True  # a new connection: read again to be sure


def test_an_unreadable_store_is_store_unavailable(app: Cospace, clock: Clock) -> None:
    src = source(app, clock)
    src.load()
    with app.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE booking RENAME TO booking_away")
    try:
        with pytest.raises(StoreUnavailable,
                           match="Cannot read the store|store could not carry out"):
            src.load()
    finally:
        with app.engine.begin() as conn:
            conn.exec_driver_sql("ALTER TABLE booking_away RENAME TO booking")
    assert src.load().spaces


def test_open_checks_the_site_once(sqlite_url: str, clock: Clock) -> None:
    cs, _ = Cospace.init(sqlite_url, "admin", clock)
    seed(cs)
    assert DisplaySource.open(sqlite_url, "NGT").site == "NGT"
    with pytest.raises(NotFound):
        DisplaySource.open(sqlite_url, "ZZZ")


# ------------------------------------------------------------------ PostgreSQL
@pytest.mark.postgres
def test_postgres_display_role_reads_only_public_columns(pg_url: str, clock: Clock) -> None:
    """A login in the deployment's display group role (migration 0003: SELECT on exactly
    the public columns) runs the display; the same login cannot read a purpose."""
    cs, _ = Cospace.init(pg_url, "admin", clock)
    seed(cs)
    busy_morning(cs)
    role = f"cospace_display_t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
            db = make_url(pg_url).database
            conn.execute(text(f'GRANT "{db}_display" TO "{role}"'))
        url = make_url(pg_url).set(username=role, password=None).render_as_string(
            hide_password=False)
        clock.set(AT_1035)
        src = DisplaySource(dq.display_engine(url), "NGT", clock=clock, show_org=True)
        state = src.load()
        assert states(state)["IR1"] == (BUSY, "In use until 11:30", "")
        assert states(state)["WS1"][0] == SOON_STATE
        assert {s.code: s.org for s in state.spaces}["IR5"] is None
        assert src.changed() is True and src.changed() is False
        as_user(cs, "desk").book("IR4", "2026-11-23 12:00", "13:00")
        assert src.changed() is True
        assert states(src.load())["IR4"] == (FREE, "Free until 12:00", "Next 12:00")
        with pytest.raises(Exception, match="permission denied"):
            with src.engine.connect() as conn:
                conn.execute(text("SELECT purpose FROM booking"))
        src.close()
        src.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_unreachable_then_back(pg_url: str, clock: Clock) -> None:
    """The server refuses connections (ALLOW_CONNECTIONS false, live sessions ended): the
    poll and the read say so; once it accepts them again the display reads as before."""
    cs, _ = Cospace.init(pg_url, "admin", clock)
    seed(cs)
    clock.set(AT_1035)
    src = DisplaySource(dq.display_engine(pg_url), "NGT", clock=clock)
    assert src.load().spaces and src.changed() is True
    name = make_url(pg_url).database
    admin = create_engine(make_url(pg_url).set(database="postgres"),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
        with pytest.raises(StoreUnavailable):
            src.changed()
        with pytest.raises(StoreUnavailable):
            src.load()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert src.changed() is True
    assert src.load().spaces
    src.close()
    src.engine.dispose()
    cs.engine.dispose()
