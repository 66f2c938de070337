"""Racing terminals can never both change one booking (issue 13): real processes ('spawn') and
threads on a real SQLite file and a real PostgreSQL server. Exactly one of the racing status
changes (or changes) wins; the others get a plain refusal saying what happened; the audit
trail holds exactly one record for the winner."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter

import pytest
from sqlalchemy import text

from booking.change import change_booking
from booking.errors import CospaceError
from booking.service import Cospace
from tests import workers
from tests.conftest import seed

pytestmark = pytest.mark.slow

STATUS_AUDITS = text("SELECT action, actor FROM audit WHERE entity = 'booking' "
                     "AND entity_id = :i AND action IN ('checkin', 'cancel', 'noshow', "
                     "'undo', 'change') ORDER BY id")


def _store(url: str) -> Cospace:
    app, _ = Cospace.init(url, "admin", workers.fixed_clock)
    seed(app)
    return app


def _race_processes(url: str, jobs: list[tuple[str, str, int, dict]]) -> list[tuple]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    results = ctx.Queue()
    procs = [ctx.Process(target=workers.race, args=(url, login, action, bid, args, barrier,
                                                    results))
             for login, action, bid, args in jobs]
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return out


def _terminal(url: str, login: str, booking_id: int, fields: dict | None,
              barrier: threading.Barrier, out: list) -> None:
    """One terminal in a thread, with its own engine: change (or cancel) at the barrier."""
    cs = Cospace.open(url, login, workers.fixed_clock)
    cs.actor  # noqa: B018
    barrier.wait(30)
    try:
        if fields is None:
            cs.cancel(booking_id)
        else:
            change_booking(cs, booking_id, **fields)
        out.append(("ok", login))
    except CospaceError as exc:
        out.append(("refused", exc.message))
    finally:
        cs.engine.dispose()


def _audits(app: Cospace, booking_id: int) -> list[tuple[str, str]]:
    with app.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(STATUS_AUDITS, {"i": booking_id})]


def test_three_check_ins_and_three_cancels_exactly_one_wins(any_url: str) -> None:
    """The issue's reproduction: on PostgreSQL several of these used to succeed."""
    app = _store(any_url)
    b = app.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    jobs = [("desk", "checkin", b.id, {}), ("admin", "checkin", b.id, {}),
            ("desk", "checkin", b.id, {}), ("desk", "cancel", b.id, {}),
            ("admin", "cancel", b.id, {}), ("ncs", "cancel", b.id, {})]
    out = _race_processes(any_url, jobs)
    assert not [o for o in out if o[1] == "error"], out
    winners = [o for o in out if o[1] == "ok"]
    assert len(winners) == 1, out
    final = app.get(b.id).status
    assert final == {"checkin": "checked_in", "cancel": "cancelled"}[winners[0][0]]
    for _action, kind, message in out:
        if kind == "refused":
            assert "already" in message and "by " in message, message
    audits = _audits(app, b.id)
    assert len(audits) == 1 and audits[0][0] == winners[0][0], audits


def test_racing_undo_and_no_show_one_record_each_winner(any_url: str) -> None:
    app = _store(any_url)
    b = app.book("IR2", "2026-11-23 08:30", "09:30", org="NCS")
    app.checkin(b.id)
    jobs = [("desk", "undo", b.id, {}), ("admin", "undo", b.id, {}), ("desk", "undo", b.id, {})]
    out = _race_processes(any_url, jobs)
    assert Counter(o[1] for o in out) == {"ok": 1, "refused": 2}, out
    assert all("no check-in, no-show, release or cancellation to undo" in o[2]
               for o in out if o[1] == "refused")
    assert [a for a, _ in _audits(app, b.id)] == ["checkin", "undo"]
    assert app.get(b.id).status == "confirmed"


def test_racing_changes_of_one_booking_never_both_apply(any_url: str) -> None:
    """Threads (terminals in one process, each with its own engine): two moves to different
    rooms, an extension and a cancel of one booking at once; exactly one wins."""
    app = _store(any_url)
    for round_ in range(3):
        day = ("2026-11-24", "2026-11-25", "2026-11-26")[round_]
        b = app.book("IR1", f"{day} 09:00", "10:00", org="NCS")
        jobs = [("desk", {"space": "IR2"}), ("admin", {"space": "IR4"}),
                ("ncs", {"end": "11:00"}), ("desk", None)]
        barrier = threading.Barrier(len(jobs))
        out: list[tuple[str, str]] = []
        threads = [threading.Thread(target=_terminal,
                                    args=(any_url, login, b.id, fields, barrier, out))
                   for login, fields in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert len(out) == 4
        kinds = Counter(k for k, _ in out)
        audits = _audits(app, b.id)
        # A change and a cancel exclude each other; two changes may both apply only one
        # after the other (each re-reads the booking): never lost, always audited.
        assert kinds["ok"] == len(audits) and kinds["ok"] >= 1, (out, audits)
        assert sum(1 for a, _ in audits if a == "cancel") <= 1
        if any(a == "cancel" for a, _ in audits):
            assert audits[-1][0] == "cancel", "nothing changes a cancelled booking"
        with app.engine.connect() as conn:
            row = conn.execute(text("SELECT status, space_id, end_at FROM booking WHERE id = :i"),
                               {"i": b.id}).one()
        assert row.status in ("confirmed", "cancelled")


def test_moving_different_bookings_into_one_free_slot_one_wins(any_url: str) -> None:
    """Four terminals move four different bookings into the same free slot at once: the clash
    check cannot see the others' uncommitted moves on PostgreSQL, so there the exclusion
    constraint decides (23P01); every loser hears the plain clash refusal naming the
    holder."""
    app = _store(any_url)
    movers = [app.book(space, "2026-11-24 13:00", "14:00", org=org)
              for space, org in (("IR1", "NCS"), ("IR4", "NCS"), ("IR5", "JCP"),
                                 ("WS1", "NCS"))]
    barrier = threading.Barrier(len(movers))
    out: list[tuple[str, str]] = []
    threads = [threading.Thread(target=_terminal, args=(
        any_url, "desk", b.id, {"space": "IR2", "start": "2026-11-24 09:00", "end": "10:00"},
        barrier, out)) for b in movers[:3]]
    threads.append(threading.Thread(target=_terminal, args=(
        any_url, "admin", movers[3].id, {"start": "2026-11-24 09:30", "end": "10:30"},
        barrier, out)))  # WS1 stays free of the race: a control that must succeed
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    moved_to_ir2 = [v for v in (app.get(b.id) for b in movers[:3]) if v.space == "IR2"]
    assert len(moved_to_ir2) == 1, out
    assert Counter(k for k, _ in out) == {"ok": 2, "refused": 2}, out
    for kind, message in out:
        if kind == "refused":
            assert "Interview Room 2 (IR2)" in message and (
                f"(booking #{moved_to_ir2[0].id})" in message
                or "at the same moment" in message), message
    with app.engine.connect() as conn:
        assert conn.execute(text("""
            SELECT count(*) FROM booking a JOIN booking b ON a.space_id = b.space_id
             AND a.id < b.id AND a.start_at < b.end_at AND b.start_at < a.end_at
             WHERE a.status IN ('confirmed', 'checked_in')
               AND b.status IN ('confirmed', 'checked_in')""")).scalar() == 0


def test_on_postgresql_the_exclusion_constraint_has_the_last_word(pg_url: str) -> None:
    """A move another terminal has written but not yet committed is invisible to the clash
    check; the exclusion constraint makes the second move wait and then refuses it (23P01),
    and the refusal names the booking that won."""
    import datetime as dt
    import time

    from sqlalchemy import create_engine

    from booking.errors import Conflict
    from tests.conftest import as_user

    app = _store(pg_url)
    a = app.book("IR1", "2026-11-24 13:00", "14:00", org="NCS")
    b = app.book("IR4", "2026-11-24 13:00", "14:00", org="NCS")
    ir2 = app.space("IR2").id
    nine = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)  # 09:00 in London in November
    other = create_engine(pg_url)
    result: list[object] = []

    def second() -> None:
        try:
            result.append(change_booking(as_user(app, "desk"), b.id, space="IR2",
                                         start="2026-11-24 09:00", end="10:00"))
        except CospaceError as exc:
            result.append(exc)

    with other.connect() as conn:
        tx = conn.begin()
        conn.execute(text("UPDATE booking SET space_id = :s, start_at = :lo, end_at = :hi "
                          "WHERE id = :i"), {"s": ir2, "lo": nine,
                                              "hi": nine + dt.timedelta(hours=1), "i": a.id})
        t = threading.Thread(target=second)
        t.start()
        time.sleep(1.5)  # the second move has passed its clash check and waits
        assert not result, "the second move must wait for the first terminal's transaction"
        tx.commit()
        t.join(60)
    other.dispose()
    assert len(result) == 1 and isinstance(result[0], Conflict), result
    assert f"(booking #{a.id})" in result[0].message and "IR2" in result[0].message
    assert app.get(b.id).space == "IR4", "the refused move changed nothing"
