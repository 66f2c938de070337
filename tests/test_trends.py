"""Reports over time: the trend report week by week (the autumn clock-change week included),
comparisons with the period before, shortfall by week, and the share report's --charge."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from booking.errors import InvalidInput
from booking.reports import Reports, parse_rates
from cli.main import main
from db import queries as q
from db.engine import write_tx
from tests import report_store
from tests.conftest import as_user
from tests.report_store import END, START, at


def rows_by(report, *fields):  # type: ignore[no-untyped-def]
    return {tuple(r[f] for f in fields): r for r in report.rows}


@pytest.fixture(params=["summaries", "bookings"])
def store(any_app, clock, request):  # type: ignore[no-untyped-def]
    """tests/report_store.py, plus a 24-hour site H24 with one desk booked across the
    autumn clock change: Sun 25 Oct 2026 00:30-03:00 London time is 3.5 hours."""
    report_store.build(any_app, clock)
    any_app.add_site("H24", "All Hours", hours="mon-sun 00:00-24:00")
    any_app.add_space("H24-D1", site="H24", kind="desk", capacity=1)
    with write_tx(any_app.engine) as conn:
        q.insert_booking(conn, dict(
            space_id=any_app.space("H24-D1").id, org_id=q.org_row(conn, code="NCS").id,
            booked_by_id=None, start_at=at("2026-10-25T00:30"), end_at=at("2026-10-25T03:00"),
            status="checked_in", attendees=1, purpose="", confidential=False,
            created_at=at("2026-10-01T09:00"), updated_at=at("2026-10-01T09:00")))
    return Reports(as_user(any_app, "estates"), use_summaries=request.param == "summaries")


def test_trend_by_week_against_hand_worked_weeks(store):
    rep = store.run("trend", sites=["NGT"], start=START, end=END)
    assert rep.by == ("week", "kind")
    got = rows_by(rep, "week", "kind")
    # Week 43 (Mon 19 - Sun 25 Oct, the clocks go back on the Sunday): 7 days, 42 open hours
    # per room; b1 1 + b2 1.5 + b7 1 (clipped) + b8-b11 4 = 7.5 h; every room at once for
    # 1 h; one NCS request (1 h) turned away; 7 bookings started, no no-shows.
    w43 = got[("2026-W43", "interview")]
    assert w43 == {"week": "2026-W43", "kind": "interview", "days": 7,
                   "available_hours": 168.0, "booked_hours": 7.5, "used_hours": 7.5,
                   "utilisation": round(7.5 / 168, 4), "used_utilisation": round(7.5 / 168, 4),
                   "saturated_hours": 1.0, "unmet_requests": 1, "unmet_hours": 1.0,
                   "bookings": 7, "no_shows": 0, "no_show_rate": 0.0}
    # Week 44 (Mon 26 - Fri 30 Oct in the period, Wed 28 closed): 33.5 h per room; only b3,
    # 2 h, a no-show.
    w44 = got[("2026-W44", "interview")]
    assert (w44["days"], w44["available_hours"], w44["booked_hours"], w44["used_hours"]) == (
        5, 134.0, 2.0, 0.0)
    assert (w44["bookings"], w44["no_shows"], w44["no_show_rate"]) == (1, 1, 1.0)
    assert got[("2026-W43", "workshop")]["saturated_hours"] == 4.0  # b6
    assert got[("2026-W44", "workshop")]["unmet_hours"] == 1.5  # the 20-person request
    assert got[("2026-W44", "desk")]["used_hours"] == 0.0  # b5 released
    assert got[("2026-W44", "desk")]["booked_hours"] == 8.5


def test_trend_clock_change_week_at_a_site_open_all_hours(store):
    got = rows_by(store.run("trend", sites=["H24"], start=START, end=END), "week", "kind")
    # Week 43 has the 25-hour Sunday: 6 x 24 + 25 = 169 h; week 44's five days 5 x 24.
    w43, w44 = got[("2026-W43", "desk")], got[("2026-W44", "desk")]
    assert (w43["available_hours"], w44["available_hours"]) == (169.0, 120.0)
    assert w43["booked_hours"] == 3.5 and w43["saturated_hours"] == 3.5
    assert w43["utilisation"] == round(3.5 / 169, 4)
    months = rows_by(store.run("trend", sites=["H24"], start=START, end=END, by="month"),
                     "month", "kind")
    assert months[("2026-10", "desk")]["days"] == 12
    assert months[("2026-10", "desk")]["available_hours"] == 12 * 24 + 1


def test_compare_with_the_period_before(store):
    rep = store.run("utilisation", sites=["NGT"], start=START, end=END, by="kind",
                    compare=True)
    assert rep.previous == (dt.date(2026, 10, 7), dt.date(2026, 10, 18))
    i = rows_by(rep, "kind")[("interview",)]
    # 7-18 Oct: Wed 7 - Fri 16 Oct open, 3 x 8.5 + 8 ... = 67 h per room; only b7's first
    # hour (Sun 18 Oct 23:00-24:00) was booked.
    assert i["previous_available_hours"] == 4 * 67.0
    assert i["previous_booked_hours"] == 1.0 and i["booked_hours"] == 9.5
    assert i["change_booked_hours"] == 8.5
    assert i["previous_utilisation"] == round(1 / 268, 4)
    assert i["change_utilisation"] == round(round(9.5 / 302, 4) - round(1 / 268, 4), 4)
    demand = rows_by(store.run("demand", sites=["NGT"], start=START, end=END, compare=True),
                     "site", "kind")
    assert demand[("NGT", "workshop")]["previous_requests"] == 0
    assert demand[("NGT", "workshop")]["change_hours"] == 1.5
    with pytest.raises(InvalidInput, match="trend report"):
        store.run("utilisation", sites=["NGT"], start=START, end=END, by="week", compare=True)


def test_shortfall_by_week_is_ranked_within_each_week(store):
    rep = store.run("shortfall", sites=["NGT"], start=START, end=END, by="week")
    got = [(r["week"], r["rank"], r["kind"], r["shortfall_hours"]) for r in rep.rows]
    assert got[:2] == [("2026-W43", 1, "workshop", 4.0), ("2026-W43", 2, "interview", 2.0)]
    assert ("2026-W44", 1, "workshop", 1.5) in got


def test_share_charges_booked_or_used_hours(store):
    rates = parse_rates("interview=12.50,desk=4")
    booked = rows_by(store.run("share", sites=["NGT"], start=START, end=END, rates=rates),
                     "org")
    explicit = rows_by(store.run("share", sites=["NGT"], start=START, end=END, rates=rates,
                                 charge="booked"), "org")
    used = rows_by(store.run("share", sites=["NGT"], start=START, end=END, rates=rates,
                             charge="used"), "org")
    # Booked (the default, as before): JCP 3.5 interview h x 12.50 + 8.5 desk h x 4 = 77.75.
    assert booked[("JCP",)]["charge"] == explicit[("JCP",)]["charge"] == 77.75
    # Used: the released desk (b5, 8.5 h) is not charged: 43.75. NCS's no-show (b3, 2 h)
    # neither: 3 x 12.50 = 37.50 instead of 62.50.
    assert used[("JCP",)]["charge"] == 43.75
    assert used[("NCS",)]["charge"] == 37.5 and booked[("NCS",)]["charge"] == 62.5
    with pytest.raises(InvalidInput, match="--charge goes with --rate"):
        store.run("share", sites=["NGT"], start=START, end=END, charge="used")


def test_cli_trend_compare_and_charge(app, clock, sqlite_url, monkeypatch, capsys):
    report_store.build(app, clock)
    monkeypatch.setenv("COSPACE_NOW", at("2026-11-23T08:00").isoformat())
    base = ["--db", sqlite_url, "--as", "estates", "report"]
    period = ["--from", "2026-10-19", "--to", "2026-10-30"]
    assert main([*base, "trend", "--site", "NGT", *period, "--kind", "interview",
                 "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["week"], r["booked_hours"]) for r in rows] == [("2026-W43", 7.5),
                                                             ("2026-W44", 2.0)]
    assert main([*base, "utilisation", "--site", "NGT", *period, "--by", "kind",
                 "--compare"]) == 0
    out = capsys.readouterr().out
    assert "(previous: 07 Oct to 18 Oct 2026)" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("interview"))
    assert "1.0 -> 9.5" in line
    assert main([*base, "share", "--site", "NGT", *period, "--rate", "interview=12.50,desk=4",
                 "--charge", "used", "--format", "json"]) == 0
    jcp = next(r for r in json.loads(capsys.readouterr().out) if r["org"] == "JCP")
    assert jcp["charge"] == 43.75
    assert main([*base, "share", *period, "--charge", "used"]) == 2
    assert "--charge goes with --rate" in capsys.readouterr().err
