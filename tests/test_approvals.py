"""Approvals: a partner's booking of an approval space is provisional, holds the slot, and is
approved, declined, or declined automatically at the site's lead time (a pinned clock)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, text

from booking import approvals, waitlist
from booking.errors import Conflict, NotPermitted, RuleViolation
from booking.service import Cospace
from cli.main import main
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import as_user
from tests.report_store import at

WED = "2026-11-25"


@pytest.fixture
def store(any_app):  # type: ignore[no-untyped-def]
    approvals.set_requires_approval(any_app, "WS1", True)
    return any_app


def _audit(app: Cospace, action: str) -> list:
    with read_tx(app.engine) as conn:
        return conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.action == action).order_by(Audit.__table__.c.id)).all()


def test_a_partners_booking_is_provisional_the_hosts_and_admins_direct(store):
    partner = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00", attendees=5)
    host = as_user(store, "desk").book("WS1", f"{WED} 10:00", "11:00", org="NCS")
    admin = as_user(store, "admin").book("WS1", f"{WED} 11:00", "12:00", org="PROB")
    other = as_user(store, "ncs").book("IR4", f"{WED} 09:00", "10:00")
    assert [b.status for b in (partner, host, admin, other)] == [
        "provisional", "confirmed", "confirmed", "confirmed"]
    (created,) = [r for r in _audit(store, "create") if r.entity == "booking"
                  and r.entity_id == partner.id]
    assert json.loads(created.after)["status"] == "provisional"


def test_a_provisional_booking_holds_the_slot(store):
    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    with pytest.raises(Conflict, match=f"#{b.id}"):
        as_user(store, "desk").book("WS1", f"{WED} 09:30", "10:30", org="PROB")
    free = as_user(store, "desk").find_free("NGT", "workshop", f"{WED} 09:00", "10:00")
    assert free.spaces == []


def test_only_the_front_desk_estates_and_admins_decide(store):
    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    for login in ("ncs", "prob"):
        with pytest.raises(NotPermitted, match="front desk, estates or an administrator"):
            approvals.approve(as_user(store, login), b.id)
        with pytest.raises(NotPermitted):
            approvals.decline(as_user(store, login), b.id, "no")
    assert as_user(store, "estates").get(b.id).status == "provisional"
    assert approvals.approve(as_user(store, "estates"), b.id).status == "confirmed"
    with pytest.raises(RuleViolation, match="only a provisional booking"):
        approvals.approve(as_user(store, "desk"), b.id)
    (rec,) = _audit(store, "approve")
    assert (rec.entity, rec.entity_id, rec.actor) == ("booking", b.id, "estates")


def test_decline_needs_a_reason_frees_the_slot_and_fills_the_waitlist(store, clock):
    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "12:00")
    req = waitlist.wait(as_user(store, "prob"), "NGT", "workshop", f"{WED} 10:00", "11:00")
    with pytest.raises(RuleViolation, match="reason"):
        approvals.decline(as_user(store, "desk"), b.id, "  ")
    assert approvals.decline(as_user(store, "desk"), b.id, "room needed for a job fair"
                             ).status == "declined"
    (rec,) = _audit(store, "decline")
    assert (rec.entity, rec.entity_id, rec.reason) == ("booking", b.id,
                                                       "room needed for a job fair")
    (row,) = waitlist.requests(as_user(store, "prob"))
    assert row.id == req.id and row.status == "booked"
    # PROB is a partner: its booking of the approval room waits for a decision too.
    assert as_user(store, "prob").get(row.booking).status == "provisional"


def test_the_booker_may_cancel_a_provisional_booking(store):
    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    assert as_user(store, "ncs").cancel(b.id).status == "cancelled"


def test_undecided_bookings_are_declined_at_the_lead_time(store, clock):
    soon = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    later = as_user(store, "ncs").book("WS1", "2026-11-26 09:00", "10:00")
    clock.set(at("2026-11-24T08:59"))
    as_user(store, "desk").sweep_releases(force=True)
    assert as_user(store, "desk").get(soon.id).status == "provisional"
    clock.set(at("2026-11-24T09:00"))  # 24 h before its start
    as_user(store, "desk").sweep_releases(force=True)
    assert as_user(store, "desk").get(soon.id).status == "declined"
    assert as_user(store, "desk").get(later.id).status == "provisional"
    (rec,) = _audit(store, "decline")
    assert (rec.actor, rec.entity_id, rec.reason) == ("system", soon.id,
                                                      "not decided 24 h before its start")
    approvals.set_lead_hours(as_user(store, "estates"), "NGT", 48)
    as_user(store, "desk").sweep_releases(force=True)
    assert as_user(store, "desk").get(later.id).status == "declined"


def test_lead_time_is_set_by_estates_and_admins_only(store):
    with pytest.raises(NotPermitted):
        approvals.set_lead_hours(as_user(store, "desk"), "NGT", 12)
    assert approvals.set_lead_hours(as_user(store, "admin"), "NGT", 12) == 12


def test_queue_lists_provisional_bookings(store):
    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    as_user(store, "desk").book("WS1", f"{WED} 10:00", "11:00", org="PROB")
    assert [v.id for v in approvals.queue(as_user(store, "estates"))] == [b.id]


def _cli(capsys, login: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--as", login, *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_space_add_approval_list_approve_decline(any_app, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_DB", any_app.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00Z")
    code, _, _ = _cli(capsys, "admin", "space", "add", "WS9", "--site", "NGT", "--kind",
                      "workshop", "--capacity", "30", "--approval")
    assert code == 0
    code, out, _ = _cli(capsys, "ncs", "book", "WS9", f"{WED} 09:00", "10:00", "--json")
    b = json.loads(out)
    assert b["status"] == "provisional"
    code, out, _ = _cli(capsys, "ncs", "list", "--json")
    assert [x["status"] for x in json.loads(out) if x["id"] == b["id"]] == ["provisional"]
    code, out, err = _cli(capsys, "ncs", "approve", str(b["id"]))
    assert code == 1 and "cannot approve" in err
    code, out, err = _cli(capsys, "desk", "decline", str(b["id"]))
    assert code == 2  # --reason is required
    code, out, _ = _cli(capsys, "desk", "approvals", "--json")
    assert [x["id"] for x in json.loads(out)] == [b["id"]]
    code, out, _ = _cli(capsys, "estates", "approve", str(b["id"]), "--json")
    assert code == 0 and json.loads(out)["status"] == "confirmed"
    code, out, _ = _cli(capsys, "ncs", "book", "WS9", f"{WED} 11:00", "12:00", "--json")
    second = json.loads(out)["id"]
    code, out, _ = _cli(capsys, "desk", "decline", str(second), "--reason", "closed for paint")
    assert code == 0 and "declined" in out
    code, _, _ = _cli(capsys, "admin", "space", "set", "WS9", "--approval", "no")
    assert code == 0
    code, out, _ = _cli(capsys, "ncs", "book", "WS9", f"{WED} 13:00", "14:00", "--json")
    assert json.loads(out)["status"] == "confirmed"


# ----------------------------------------------------------------- PostgreSQL, real logins
@pytest.mark.postgres
def test_pg_the_store_itself_keeps_approvals_to_the_deciders(pg_url, clock):
    from sqlalchemy import create_engine
    from sqlalchemy.exc import DBAPIError

    from tests.test_store_privacy import Deployment

    d = Deployment(pg_url, clock)
    d.owner.add_space("WS1", site="NGT", kind="workshop", capacity=12,
                      requires_approval=True)
    b = d.app("ncs").book("WS1", f"{WED} 09:00", "10:00")
    assert b.status == "provisional"
    eng = create_engine(d.url_of("ncs"))
    try:
        with pytest.raises(DBAPIError, match="approve"):  # self-approval by SQL
            with eng.begin() as conn:
                conn.execute(text("UPDATE booking SET status = 'confirmed' WHERE id = :i"),
                             {"i": b.id})
        with pytest.raises(DBAPIError, match="needs approval"):
            with eng.begin() as conn:
                conn.execute(text(
                    "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, "
                    "status, attendees, purpose, confidential, created_at, updated_at) "
                    "SELECT s.id, st.org_id, st.id, '2026-11-25 13:00Z', '2026-11-25 14:00Z',"
                    " 'confirmed', 1, '', false, now(), now() FROM space s, staff st "
                    "WHERE s.code = 'WS1' AND st.login = session_user"))
        with pytest.raises(DBAPIError):  # provisional clashes in the exclusion constraint
            with eng.begin() as conn:
                conn.execute(text(
                    "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, "
                    "status, attendees, purpose, confidential, created_at, updated_at) "
                    "SELECT s.id, st.org_id, st.id, '2026-11-25 09:30Z', '2026-11-25 10:30Z',"
                    " 'provisional', 1, '', false, now(), now() FROM space s, staff st "
                    "WHERE s.code = 'WS1' AND st.login = session_user"))
    finally:
        eng.dispose()
    with pytest.raises(NotPermitted):
        approvals.approve(d.app("ncs"), b.id)
    assert approvals.approve(d.app("estates"), b.id).status == "confirmed"
    b2 = d.app("ncs").book("WS1", f"{WED} 11:00", "12:00")
    req = waitlist.wait(d.app("prob"), "NGT", "workshop", f"{WED} 11:00", "12:00")
    assert approvals.decline(d.app("estates"), b2.id, "job fair").status == "declined"
    (row,) = waitlist.requests(d.app("prob"))
    assert row.id == req.id and row.status == "booked"
    assert d.app("prob").get(row.booking).status == "provisional"


@pytest.mark.parametrize("summaries", [True, False], ids=["summaries", "bookings"])
def test_a_declined_booking_is_not_booked_time_in_the_reports(store, summaries):
    import datetime as dt

    from booking.reports import Reports

    kept = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    gone = as_user(store, "ncs").book("WS1", f"{WED} 11:00", "13:00")
    approvals.approve(as_user(store, "desk"), kept.id)
    approvals.decline(as_user(store, "desk"), gone.id, "double-booked elsewhere")
    day = dt.date(2026, 11, 25)
    rep = Reports(as_user(store, "estates"), use_summaries=summaries).run(
        "utilisation", sites=["NGT"], start=day, end=day, by="kind")
    (ws,) = [r for r in rep.rows if r["kind"] == "workshop"]
    assert ws["booked_hours"] == 1.0


def test_a_partner_cannot_undo_around_an_approval(store):
    from booking import status

    b = as_user(store, "ncs").book("WS1", f"{WED} 09:00", "10:00")
    as_user(store, "ncs").cancel(b.id)
    with pytest.raises(RuleViolation, match="needs approval"):
        status.undo(as_user(store, "ncs"), b.id)
    assert as_user(store, "ncs").get(b.id).status == "cancelled"
    assert status.undo(as_user(store, "desk"), b.id).status == "confirmed"


def test_a_partners_series_of_an_approval_space_is_provisional(store):
    from booking.recurrence import Repeat
    from booking.series import book_series

    result = book_series(as_user(store, "ncs"), "WS1", f"{WED} 09:00", "10:00",
                         Repeat(freq="weekly", count=2))
    assert [b.status for b in result.booked] == ["provisional", "provisional"]
    assert [v.status for v in as_user(store, "ncs").list_bookings(space="WS1")] == [
        "provisional", "provisional"]
