"""The waitlist: a request booked in the transaction that frees its space, on SQLite and
PostgreSQL; the earliest request first; one that no longer passes a rule skipped."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from booking import allocations, closures, waitlist
from booking.change import change_booking
from booking.errors import NotFound, NotPermitted, RuleViolation
from booking.service import Cospace
from cli.main import main
from db.engine import read_tx
from db.tables import Audit, WaitRequest
from tests.conftest import as_user
from tests.report_store import at

WED = "2026-11-25"


def _requests(app: Cospace) -> dict[int, object]:
    with read_tx(app.engine) as conn:
        return {r.id: r for r in conn.execute(select(WaitRequest.__table__)).all()}


def _audits(app: Cospace, action: str) -> list:
    with read_tx(app.engine) as conn:
        return conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.action == action).order_by(Audit.__table__.c.id)).all()


def test_a_cancel_books_the_earliest_waiting_request_in_its_transaction(any_app, clock):
    desk = as_user(any_app, "desk")
    held = desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    other = desk.book("D02", f"{WED} 09:00", "12:00", org="PROB")
    first = waitlist.wait(as_user(any_app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00",
                          needs="pc")
    clock.set(clock.value.add(minutes=5))
    second = waitlist.wait(as_user(any_app, "ncs2"), "NGT", "desk", f"{WED} 10:00", "11:00")
    assert first.status == second.status == "waiting"
    desk.cancel(other.id)  # D02 has no pc: only the second request fits it
    reqs = _requests(any_app)
    assert reqs[second.id].status == "booked" and reqs[first.id].status == "waiting"
    desk.cancel(held.id)
    reqs = _requests(any_app)
    assert reqs[first.id].status == "booked"
    made = as_user(any_app, "ncs2").get(reqs[first.id].booking_id)
    assert (made.space, made.org, made.booked_by, made.status) == ("D01", "NCS", "ncs",
                                                                   "confirmed")
    assert reqs[first.id].met_at is not None
    records = _audits(any_app, "waitlist_book")
    assert [(r.entity, r.entity_id, r.actor) for r in records] == [
        ("booking", reqs[second.id].booking_id, "system"),
        ("booking", reqs[first.id].booking_id, "system")]
    assert json.loads(records[1].after)["request"] == first.id


def test_two_waiting_requests_for_one_freed_desk_exactly_one_booked_in_order(any_app, clock):
    desk = as_user(any_app, "desk")
    held = desk.book("D02", f"{WED} 09:00", "12:00", org="PROB")
    desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    ids = []
    for login in ("ncs2", "ncs", "prob"):
        ids.append(waitlist.wait(as_user(any_app, login), "NGT", "desk", f"{WED} 09:30",
                                 "11:30").id)
        clock.set(clock.value.add(minutes=1))
    desk.cancel(held.id)
    reqs = _requests(any_app)
    assert [reqs[i].status for i in ids] == ["booked", "waiting", "waiting"]
    assert as_user(any_app, "desk").get(reqs[ids[0]].booking_id).booked_by == "ncs2"


def test_a_request_that_no_longer_passes_a_rule_is_skipped_and_the_next_booked(any_app, clock):
    desk = as_user(any_app, "desk")
    held = desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    desk.book("D02", f"{WED} 09:00", "12:00", org="NCS")  # NCS holds a desk then
    allocations.set_allocation(as_user(any_app, "admin"), "NCS", site="NGT", kind="desk",
                               max_at_once=1)
    skipped = waitlist.wait(as_user(any_app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00")
    clock.set(clock.value.add(minutes=1))
    nxt = waitlist.wait(as_user(any_app, "prob"), "NGT", "desk", f"{WED} 10:00", "11:00")
    desk.cancel(held.id)
    reqs = _requests(any_app)
    assert (reqs[skipped.id].status, reqs[nxt.id].status) == ("waiting", "booked")
    assert as_user(any_app, "admin").get(reqs[nxt.id].booking_id).org == "PROB"


def test_release_noshow_move_and_reopened_day_fill_the_waitlist(app, clock):
    desk = as_user(app, "desk")
    clock.set(at("2026-11-24T08:00"))
    released = desk.book("D01", "2026-11-24 09:00", "17:00", org="PROB")
    desk.book("D02", "2026-11-24 09:00", "17:00", org="PROB")
    r1 = waitlist.wait(as_user(app, "ncs"), "NGT", "desk", "2026-11-24 10:00", "11:00")
    clock.set(at("2026-11-24T09:31"))
    as_user(app, "desk").sweep_releases(force=True)  # nobody checked in: released
    assert _requests(app)[r1.id].status == "booked"

    room = desk.book("IR4", "2026-11-24 10:00", "11:00", org="PROB")
    for code in ("IR1", "IR2"):  # every other interview room NCS may use is taken
        desk.book(code, "2026-11-24 10:00", "11:00", org="PROB")
    r2 = waitlist.wait(as_user(app, "ncs"), "NGT", "interview", "2026-11-24 10:30", "11:00")
    assert _requests(app)[r2.id].status == "waiting"
    change_booking(desk, room.id, start="2026-11-24 14:00")  # moved away
    assert _requests(app)[r2.id].status == "booked"
    assert released.id != room.id

    ws = desk.book("WS1", f"{WED} 09:00", "12:00", org="PROB")
    r3 = waitlist.wait(as_user(app, "ncs"), "NGT", "workshop", f"{WED} 09:00", "10:00")
    admin = as_user(app, "admin")
    closures.add_closure(admin, "NGT", at("2026-11-25T12:00").date(), reason="boiler")
    desk.cancel(ws.id)  # the day is closed: nothing can be booked then
    assert _requests(app)[r3.id].status == "waiting"
    closures.remove_closure(admin, "NGT", at("2026-11-25T12:00").date())
    assert _requests(app)[r3.id].status == "booked"


def test_requests_expire_when_their_start_passes(any_app, clock):
    desk = as_user(any_app, "desk")
    desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    desk.book("D02", f"{WED} 09:00", "12:00", org="PROB")
    r = waitlist.wait(as_user(any_app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00")
    clock.set(at(f"{WED}T10:00"))
    assert [x.status for x in waitlist.requests(as_user(any_app, "ncs"))] == ["expired"]
    as_user(any_app, "ncs").sweep_releases(force=True)
    assert _requests(any_app)[r.id].status == "expired"
    with pytest.raises(RuleViolation, match="expired"):
        waitlist.cancel(as_user(any_app, "ncs"), r.id)


def _desks_taken(app: Cospace) -> None:
    for code in ("D01", "D02"):
        as_user(app, "desk").book(code, f"{WED} 09:00", "12:00", org="PROB")


def test_nothing_to_wait_for_when_a_fitting_space_is_free(any_app):
    with pytest.raises(RuleViolation, match="D01 is free then"):
        waitlist.wait(as_user(any_app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00",
                      needs="pc")
    assert waitlist.requests(as_user(any_app, "ncs")) == []


def test_who_may_wait_and_see_requests(any_app):
    _desks_taken(any_app)
    ncs = as_user(any_app, "ncs")
    with pytest.raises(NotPermitted, match="own organisation"):
        waitlist.wait(ncs, "NGT", "desk", f"{WED} 10:00", "11:00", org="PROB")
    with pytest.raises(NotPermitted, match="Estates"):
        waitlist.wait(as_user(any_app, "estates"), "NGT", "desk", f"{WED} 10:00", "11:00",
                      org="NCS")
    with pytest.raises(RuleViolation):  # closed on Sunday
        waitlist.wait(ncs, "NGT", "desk", "2026-11-29 10:00", "11:00")
    mine = waitlist.wait(ncs, "NGT", "desk", f"{WED} 10:00", "11:00")
    theirs = waitlist.wait(as_user(any_app, "desk"), "NGT", "desk", f"{WED} 10:00", "11:00",
                           org="PROB")
    assert [r.id for r in waitlist.requests(as_user(any_app, "ncs2"))] == [mine.id]
    assert [r.id for r in waitlist.requests(as_user(any_app, "prob"))] == [theirs.id]
    assert {r.id for r in waitlist.requests(as_user(any_app, "estates"))} == {mine.id,
                                                                               theirs.id}
    with pytest.raises(NotFound):
        waitlist.cancel(ncs, theirs.id)
    assert waitlist.cancel(as_user(any_app, "ncs2"), mine.id).status == "cancelled"


def _cli(capsys, login: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--as", login, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_wait_waitlist_and_cancel(any_app, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_DB", any_app.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00Z")
    code, out, err = _cli(capsys, "ncs", "wait", "NGT", "desk", f"{WED} 10:00", "11:00")
    assert code == 1 and "is free then" in err
    as_user(any_app, "desk").book("D02", f"{WED} 09:00", "12:00", org="PROB")
    code, out, _ = _cli(capsys, "desk", "book", "D01", f"{WED} 09:00", "12:00", "--org",
                        "PROB", "--json")
    booking = json.loads(out)["id"]
    code, out, _ = _cli(capsys, "ncs", "wait", "NGT", "desk", f"{WED} 10:00", "11:00",
                        "--needs", "pc", "--json")
    assert code == 0
    got = json.loads(out)
    assert {k: got[k] for k in ("site", "kind", "start", "end", "status")} == {
        "site": "NGT", "kind": "desk", "start": f"{WED}T10:00:00+00:00",
        "end": f"{WED}T11:00:00+00:00", "status": "waiting"}
    code, out, err = _cli(capsys, "ncs", "wait", "NGT", "desk", f"{WED} 10:00", "11:00",
                          "--org", "PROB")
    assert code == 1 and "own organisation" in err
    code, out, _ = _cli(capsys, "desk", "wait", "NGT", "desk", f"{WED} 10:00", "11:00",
                        "--org", "PROB", "--json")
    assert code == 0
    code, out, _ = _cli(capsys, "ncs", "waitlist", "--json")
    assert [r["id"] for r in json.loads(out)] == [got["id"]]
    code, out, _ = _cli(capsys, "desk", "cancel", str(booking))
    assert code == 0
    code, out, _ = _cli(capsys, "ncs", "waitlist", "--site", "NGT", "--json")
    (row,) = json.loads(out)
    assert row["status"] == "booked" and isinstance(row["booking"], int)
    code, out, _ = _cli(capsys, "desk", "waitlist")
    assert "PROB" in out and "booked" in out
    code, out, err = _cli(capsys, "ncs", "waitlist", "cancel", str(got["id"]))
    assert code == 1 and "booked" in err


def test_summary_counts_waiting_met_and_how_long(app, clock):
    desk = as_user(app, "desk")
    held = desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    desk.book("D02", f"{WED} 09:00", "12:00", org="PROB")
    waitlist.wait(as_user(app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00")
    waitlist.wait(as_user(app, "ncs2"), "NGT", "desk", f"{WED} 10:00", "11:00")
    clock.set(clock.value.add(hours=3))
    desk.cancel(held.id)
    s = waitlist.summary(as_user(app, "estates"), site="NGT",
                         first=at(WED + "T12:00").date(), last=at(WED + "T12:00").date())
    assert (s.waiting, s.booked, s.expired, s.cancelled) == (1, 1, 0, 0)
    assert s.mean_wait_hours == 3.0
    with pytest.raises(NotPermitted):
        waitlist.summary(as_user(app, "ncs"), site="NGT", first=at(WED + "T12:00").date(),
                         last=at(WED + "T12:00").date())


# ----------------------------------------------------------------- PostgreSQL, real logins
@pytest.mark.postgres
def test_pg_a_partner_cancel_books_another_organisations_request(pg_url, clock):
    """RLS: the adviser who cancels may not read PROB's request, yet the fill books it."""
    from tests.test_store_privacy import Deployment

    d = Deployment(pg_url, clock)
    mine = d.app("ncs").book("D01", f"{WED} 09:00", "12:00")
    req = waitlist.wait(d.app("prob"), "NGT", "desk", f"{WED} 10:00", "11:00")
    assert waitlist.requests(d.app("ncs")) == []
    d.app("ncs").cancel(mine.id)
    (row,) = waitlist.requests(d.app("prob"))
    assert row.id == req.id and row.status == "booked"
    made = d.app("prob").get(row.booking)
    assert (made.space, made.org, made.status) == ("D01", "PROB", "confirmed")


@pytest.mark.postgres
def test_pg_two_cancels_at_once_book_exactly_one_request_in_order(pg_url, clock):
    """Two transactions each freeing half of the slot: the fills take turns (the requests
    are locked), so the earliest request is booked exactly once."""
    from tests.test_store_privacy import Deployment

    d = Deployment(pg_url, clock)
    a = d.app("desk").book("D01", f"{WED} 09:00", "10:30", org="NCS")
    b = d.app("desk").book("D01", f"{WED} 10:30", "12:00", org="NCS")
    first = waitlist.wait(d.app("prob"), "NGT", "desk", f"{WED} 09:00", "12:00")
    clock.set(clock.value.add(minutes=1))
    second = waitlist.wait(d.app("ncs2"), "NGT", "desk", f"{WED} 09:00", "12:00")
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def cancel(booking_id: int) -> None:
        try:
            app = d.app("desk")
            barrier.wait()
            app.cancel(booking_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=cancel, args=(i,)) for i in (a.id, b.id)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    reqs = {r.id: r for r in waitlist.requests(d.app("desk"))}
    assert (reqs[first.id].status, reqs[second.id].status) in (
        ("booked", "waiting"), ("waiting", "waiting"))
    if reqs[first.id].status == "waiting":  # both fills ran before either commit: refill
        pytest.fail("a freed slot was left unfilled while a request waited")
    assert len([v for v in d.app("desk").list_bookings(space="D01") if v.active]) == 1


def test_the_demand_report_shows_the_waitlist_beside_unmet_demand(app, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_DB", app.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00Z")
    desk = as_user(app, "desk")
    desk.book("D01", f"{WED} 09:00", "12:00", org="PROB")
    desk.book("D02", f"{WED} 09:00", "12:00", org="PROB")
    waitlist.wait(as_user(app, "ncs"), "NGT", "desk", f"{WED} 10:00", "11:00")
    code, out, _ = _cli(capsys, "estates", "report", "demand", "--site", "NGT", "--from",
                        "2026-11-23", "--to", "2026-11-27")
    assert code == 0
    assert ("Waitlist at NGT: 1 waiting, 0 met later, 0 expired, 0 cancelled."
            in out.splitlines())
    code, out, _ = _cli(capsys, "estates", "report", "demand", "--site", "NGT", "--from",
                        "2026-11-23", "--to", "2026-11-27", "--format", "json")
    assert "Waitlist" not in out  # the JSON is unchanged
