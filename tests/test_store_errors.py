"""A database error on any write path is told once, in plain words (``db.engine.write_tx``
translates it): a lock held too long by another terminal is "the store is busy", a record
another terminal added at the same moment is "already exists". Never exit 3.

Real PostgreSQL: another connection holds a real table lock, or inserts the same key in a
transaction still open while the use case runs.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from booking import admin, allocations, bulk, closures, imports
from booking import series as S
from booking.errors import CospaceError, InvalidInput, StoreUnavailable
from booking.recurrence import Repeat
from booking.service import Cospace
from db.engine import make_engine
from tests.conftest import Clock, seed

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def pg_app(pg_url: str, clock: Clock) -> Iterator[Cospace]:
    cs, _ = Cospace.init(pg_url, "admin", clock)
    yield seed(cs)
    cs.engine.dispose()


def impatient(app: Cospace, pg_url: str) -> Cospace:
    """The same store and person, on connections that give up waiting for a lock after
    0.3 s (PostgreSQL's ``lock_timeout``), so a held lock shows at once."""
    url = make_url(pg_url).update_query_dict({"options": "-c lock_timeout=300"})
    engine = make_engine(url.render_as_string(hide_password=False), create=False)
    return Cospace(engine, app.login, app.clock)


@pytest.fixture
def other(pg_url: str) -> Iterator[Any]:
    """Another terminal's connection, in a transaction the test ends."""
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        conn.begin()
        yield conn
        conn.rollback()
    engine.dispose()


def assert_plain_refusal(err: CospaceError, cls: type[CospaceError], words: str) -> None:
    assert isinstance(err, cls), (type(err), err.message)
    assert words in err.message, err.message
    assert err.exit_code in (1, 2)  # a refusal, never 3 ("something went wrong")
    for leak in ("SELECT", "INSERT", "UPDATE", "psycopg", "sqlalchemy"):
        assert leak not in err.message, err.message


def weekly(app: Cospace) -> S.SeriesResult:
    return S.book_series(app, "IR1", "2026-12-03 09:00", "10:00",
                         Repeat(freq="weekly", count=3), org="NCS")


def _nothing(setup: Cospace) -> None:
    return None


def _a_series_date(setup: Cospace) -> int:
    return weekly(setup).booked[1].id


def _a_booking(setup: Cospace) -> int:
    return setup.book("IR1", "2026-12-01 09:00", "10:00", org="NCS").id


#: Each write path: the table another terminal locks, what is set up before it does, and the
#: use case run while it holds the lock.
LOCKED: dict[str, tuple[str, Callable[[Cospace], Any], Callable[[Cospace, Any], object]]] = {
    "book": ("booking", _nothing, lambda app, _: app.book("IR1", "2026-12-01 09:00", "10:00",
                                                          org="NCS")),
    "series move": ("booking", _a_series_date,
                    lambda app, bid: S.retime_following(app, bid, "11:00", "12:00")),
    "bulk cancel": ("booking", _a_booking, lambda app, bid: bulk.cancel_many(app, [bid])),
    "closure": ("closure", _nothing, lambda app, _: closures.add_closure(
        app, "NGT", DAY, reason="Staff training")),
    "allocation": ("allocation", _nothing, lambda app, _: allocations.set_allocation(
        app, "NCS", site="NGT", kind="desk", max_at_once=5)),
    "import": ("organisation", _nothing, lambda app, _: imports.import_text(
        app, "orgs", "code,name\nNEWORG,New Org\n")),
    "add": ("organisation", _nothing, lambda app, _: app.add_org("NEWORG", "New Org")),
    "admin form": ("space", _nothing,
                   lambda app, _: admin.update_space(app, "IR1", capacity="7")),
}


@pytest.mark.parametrize("path", list(LOCKED))
def test_a_held_lock_is_the_store_being_busy(pg_app: Cospace, pg_url: str, other: Any,
                                             path: str) -> None:
    table, prepare, run = LOCKED[path]
    made = prepare(pg_app)
    app = impatient(pg_app, pg_url)
    try:
        other.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        with pytest.raises(CospaceError) as err:
            run(app, made)
        assert_plain_refusal(err.value, StoreUnavailable, "busy")
    finally:
        other.rollback()
        app.engine.dispose()


def _race(other: Any, run: Callable[[], object]) -> BaseException | None:
    """Run ``run`` while ``other`` holds an uncommitted row with the same key; commit it
    half a second in, so ``run``'s insert meets a unique violation."""
    caught: list[BaseException] = []

    def work() -> None:
        try:
            run()
        except BaseException as exc:  # noqa: BLE001 (handed to the test thread)
            caught.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.5)
    other.commit()
    worker.join(30)
    return caught[0] if caught else None


RACED: dict[str, tuple[str, Callable[[Cospace], object], str]] = {
    "add": ("INSERT INTO organisation (code, name, is_host, active) "
            "VALUES ('RACE', 'Race', false, true)",
            lambda app: app.add_org("RACE", "Race"), "organisation"),
    "import": ("INSERT INTO organisation (code, name, is_host, active) "
               "VALUES ('RACE', 'Race', false, true)",
               lambda app: imports.import_text(app, "orgs", "code,name\nRACE,Race\n"),
               "organisation"),
    "closure": ("INSERT INTO closure (site_id, day, reason) "
                "SELECT id, DATE '2026-12-01', 'x' FROM site WHERE code = 'NGT'",
                lambda app: closures.add_closure(app, "NGT", DAY, reason="Training"),
                "closure"),
}


@pytest.mark.parametrize("path", list(RACED))
def test_a_record_added_at_the_same_moment_already_exists(pg_app: Cospace, other: Any,
                                                          path: str) -> None:
    statement, run, entity = RACED[path]
    other.execute(text(statement))
    err = _race(other, lambda: run(pg_app))
    assert isinstance(err, CospaceError), repr(err)
    assert_plain_refusal(err, InvalidInput, f"That {entity} already exists")


def test_the_cli_says_busy_and_exits_2_not_3(pg_app: Cospace, pg_url: str, other: Any,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from cli.main import main

    url = make_url(pg_url).update_query_dict({"options": "-c lock_timeout=300"})
    other.execute(text("LOCK TABLE closure IN EXCLUSIVE MODE"))
    code = main(["--db", url.render_as_string(hide_password=False), "--as", "admin",
                 "closure", "add", "NGT",
                 "2026-12-01", "--reason", "Training"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "busy" in err and "something went wrong" not in err
