"""Closures: bookings on a newly closed day are listed, never dropped; bank holidays of each
UK nation close the site."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from booking import closures
from booking.errors import InvalidInput, NotPermitted, RuleViolation
from cli.main import main
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import as_user


def test_closure_over_existing_bookings_lists_them_and_keeps_them(any_app):
    desk = as_user(any_app, "desk")
    thu = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS")
    thu2 = desk.book("D01", "2026-11-26 13:00", "17:00", org="PROB")
    fri = desk.book("IR2", "2026-11-27 09:00", "10:00", org="JCP")
    gone = desk.book("IR4", "2026-11-26 11:00", "12:00", org="NCS")
    desk.cancel(gone.id)
    mon = desk.book("IR1", "2026-11-30 09:00", "10:00", org="NCS")

    result = closures.add_closure(as_user(any_app, "estates"), "NGT", dt.date(2026, 11, 26),
                                  dt.date(2026, 11, 27), reason="Fire alarm upgrade")
    assert result.added == [dt.date(2026, 11, 26), dt.date(2026, 11, 27)]
    assert [v.id for v in result.affected] == [thu.id, thu2.id, fri.id]
    # nothing is dropped: the bookings are still confirmed for the person to move or cancel
    assert {any_app.get(b.id).status for b in (thu, thu2, fri, mon)} == {"confirmed"}
    # the estates person sees the times, not another organisation's details
    assert result.affected[0].purpose is None and result.affected[0].org == "NCS"

    with pytest.raises(RuleViolation, match="closed on Thursday 26 November 2026: Fire alarm"):
        desk.book("IR4", "2026-11-26 14:00", "15:00", org="JCP")
    assert any_app.site("NGT").closures[dt.date(2026, 11, 27)] == "Fire alarm upgrade"
    with read_tx(any_app.engine) as conn:
        audits = conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.entity == "closure")).all()
    assert len(audits) == 2 and audits[0].actor == "estates"

    again = closures.add_closure(any_app, "NGT", dt.date(2026, 11, 27), dt.date(2026, 11, 30),
                                 reason="Refit")
    assert again.already == [dt.date(2026, 11, 27)]
    assert again.added == [dt.date(2026, 11, 28), dt.date(2026, 11, 29), dt.date(2026, 11, 30)]
    assert [v.id for v in again.affected] == [mon.id]


def test_cli_closure_add_prints_and_returns_affected(app, sqlite_url, capsys):
    b = as_user(app, "desk").book("IR1", "2026-12-02 09:00", "10:00", org="NCS",
                                  purpose="Careers chat")
    base = ["--db", sqlite_url, "--as", "desk"]
    assert main(base[:2] + ["--as", "admin", "closure", "add", "NGT", "2026-12-02",
                            "--reason", "Training day", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == ["2026-12-02"]
    assert [x["id"] for x in out["affected_bookings"]] == [b.id]
    assert main(base[:2] + ["--as", "admin", "closure", "add", "NGT", "2026-12-03",
                            "--reason", "Training day"]) == 0
    assert "Closed NGT on 2026-12-03: Training day." in capsys.readouterr().out
    assert main(base + ["closure", "list", "NGT", "--to", "2026-12-31"]) == 0
    text = capsys.readouterr().out
    assert "Wed 02 Dec 2026  closure       Training day" in text
    assert "Fri 25 Dec 2026  bank holiday  Christmas Day" in text
    # advisers cannot close a site; a reason is required; a bad date is input error
    assert main(["--db", sqlite_url, "--as", "ncs", "closure", "add", "NGT", "2026-12-04",
                 "--reason", "x"]) == 1
    assert main(["--db", sqlite_url, "--as", "admin", "closure", "add", "NGT", "2026-13-04",
                 "--reason", "x"]) == 2
    # a closure added by mistake can be removed; the day is bookable again
    assert main(["--db", sqlite_url, "--as", "admin", "closure", "remove", "NGT",
                 "2026-12-03"]) == 0
    assert "Reopened NGT on 2026-12-03." in capsys.readouterr().out
    assert as_user(app, "desk").book("IR1", "2026-12-03 09:00", "10:00", org="JCP")
    assert main(["--db", sqlite_url, "--as", "admin", "closure", "remove", "NGT",
                 "2026-12-03"]) == 2
    assert dt.date(2026, 12, 2) in app.site("NGT").closures
    capsys.readouterr()


def test_closure_input_checks(app):
    with pytest.raises(InvalidInput, match="Say why"):
        closures.add_closure(app, "NGT", dt.date(2026, 12, 4), reason=" ")
    with pytest.raises(InvalidInput, match="before"):
        closures.add_closure(app, "NGT", dt.date(2026, 12, 4), dt.date(2026, 12, 1),
                             reason="x")
    with pytest.raises(NotPermitted):
        closures.add_closure(as_user(app, "ncs"), "NGT", dt.date(2026, 12, 4), reason="x")


def test_st_andrews_day_closes_a_scottish_site_not_an_english_one(app):
    app.add_site("DUN", "Dundee East Jobcentre", hours="mon-fri 09:00-17:00",
                 holiday_region="SCT")
    app.add_space("DUN-IR1", site="DUN", kind="interview", capacity=2)
    desk = as_user(app, "desk")
    with pytest.raises(RuleViolation,
                       match="closed on Monday 30 November 2026: bank holiday "
                             r"\(Saint Andrew's Day\)"):
        desk.book("DUN-IR1", "2026-11-30 10:00", "11:00", org="JCP")
    # The same day is an ordinary Monday in England.
    assert desk.book("IR1", "2026-11-30 10:00", "11:00", org="JCP").status == "confirmed"
    # and the Tuesday after is open in Dundee
    assert desk.book("DUN-IR1", "2026-12-01 10:00", "11:00", org="JCP").site == "DUN"
    listed = closures.closed_days(app, "DUN", dt.date(2026, 11, 23), dt.date(2026, 12, 31))
    assert listed[0] == closures.ClosedDay(dt.date(2026, 11, 30), "Saint Andrew's Day",
                                           "bank holiday")
    eng = closures.closed_days(app, "NGT", dt.date(2026, 11, 23), dt.date(2026, 12, 31))
    assert dt.date(2026, 11, 30) not in {d.day for d in eng}


def test_northern_ireland_and_scotland_holidays(app):
    app.add_site("BFN", "Belfast North", hours="mon-fri 09:00-16:30", holiday_region="NIR")
    app.add_site("GLA", "Glasgow", hours="mon-fri 09:00-16:30", holiday_region="SCT")
    bfn = {d.day: d.reason for d in closures.closed_days(
        app, "BFN", dt.date(2027, 1, 1), dt.date(2027, 12, 31))}
    gla = {d.day: d.reason for d in closures.closed_days(
        app, "GLA", dt.date(2027, 1, 1), dt.date(2027, 12, 31))}
    eng = {d.day for d in closures.closed_days(
        app, "NGT", dt.date(2027, 1, 1), dt.date(2027, 12, 31))}
    assert bfn[dt.date(2027, 3, 17)] == "Saint Patrick's Day"
    assert dt.date(2027, 7, 12) in bfn  # Battle of the Boyne
    assert dt.date(2027, 3, 17) not in gla and dt.date(2027, 3, 17) not in eng
    assert dt.date(2027, 1, 4) in gla  # 2 January holiday, observed on the Monday
    assert dt.date(2027, 8, 2) in gla and dt.date(2027, 8, 2) not in eng  # summer holiday
    assert dt.date(2027, 8, 30) in eng and dt.date(2027, 8, 30) not in gla
    app.add_space("BFN-IR1", site="BFN", kind="interview", capacity=2)
    with pytest.raises(RuleViolation, match="Saint Patrick's Day"):
        as_user(app, "desk").book("BFN-IR1", "2027-03-17 10:00", "11:00", org="JCP")
