"""Every report measure against figures worked out by hand (tests/report_store.py), on SQLite
and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.errors import InvalidInput, NotPermitted
from booking.reports import Reports, open_minutes, parse_by, parse_rates
from tests import report_store
from tests.conftest import as_user
from tests.report_store import END, START

# Open hours per space: week 43 (19–23 Oct) 4 x 8.5 + 8 = 42; week 44 (26–30 Oct) without
# Wed 28 (closed) = 8.5 + 8.5 + 8.5 + 8 = 33.5.
OPEN_W43, OPEN_W44 = 42.0, 33.5
OPEN = OPEN_W43 + OPEN_W44


def r4(x: float) -> float:
    return round(x, 4)


@pytest.fixture(params=["summaries", "bookings"])
def store(any_app, clock, request):  # type: ignore[no-untyped-def]
    """The hand-worked store, read through the usage summaries and straight from the
    bookings: both must give the figures worked out by hand."""
    report_store.build(any_app, clock)
    return Reports(as_user(any_app, "estates"), use_summaries=request.param == "summaries")


def rows_by(report, *fields):  # type: ignore[no-untyped-def]
    return {tuple(r[f] for f in fields): r for r in report.rows}


def test_utilisation_by_kind(store):
    rep = store.run("utilisation", sites=["NGT"], start=START, end=END, by="kind")
    got = rows_by(rep, "kind")
    # interview: b1 1 + b2 1.5 + b3 2 (no-show) + b7 1 (clipped) + b8..b11 4 = 9.5; used 7.5
    i = got[("interview",)]
    assert i["available_hours"] == 4 * OPEN
    assert i["booked_hours"] == 9.5 and i["used_hours"] == 7.5 and i["wasted_hours"] == 2.0
    assert i["utilisation"] == r4(9.5 / (4 * OPEN))
    assert i["used_utilisation"] == r4(7.5 / (4 * OPEN))
    # desk: b5 8.5 (released) + b12 3
    d = got[("desk",)]
    assert (d["available_hours"], d["booked_hours"], d["used_hours"]) == (2 * OPEN, 11.5, 3.0)
    w = got[("workshop",)]
    assert (w["available_hours"], w["booked_hours"], w["used_hours"]) == (OPEN, 4.0, 4.0)
    assert w["utilisation"] == r4(4 / OPEN)


def test_utilisation_local_weekday_hour_and_week_across_the_clock_change(store):
    rep = store.run("utilisation", sites=["NGT"], start=START, end=END,
                    by="weekday,hour", space_kind="interview")
    got = rows_by(rep, "weekday", "hour")
    # Mondays at 9: b1 60 min + b2 30 min (19 Oct, BST) + b3 60 min (26 Oct, GMT)
    assert got[("Mon", 9)]["booked_hours"] == 2.5
    assert got[("Mon", 9)]["available_hours"] == 2 * 4 * 1.0  # two Mondays, 4 rooms
    assert got[("Mon", 8)]["available_hours"] == 2 * 4 * 0.5  # opens 08:30
    assert got[("Mon", 10)]["booked_hours"] == 2.0  # b2 + b3
    assert got[("Mon", 10)]["used_hours"] == 1.0  # b3 was a no-show
    assert got[("Mon", 0)]["booked_hours"] == 1.0  # b7's hour inside the period
    assert got[("Tue", 10)]["booked_hours"] == 4.0  # every room at once
    assert ("Wed", 9) in got and got[("Wed", 9)]["available_hours"] == 4 * 1.0  # 28th closed
    weeks = rows_by(store.run("utilisation", sites=["NGT"], start=START, end=END,
                              by="week,kind"), "week", "kind")
    assert weeks[("2026-W43", "interview")]["booked_hours"] == 7.5
    assert weeks[("2026-W44", "interview")]["booked_hours"] == 2.0
    assert weeks[("2026-W43", "interview")]["available_hours"] == 4 * OPEN_W43
    assert weeks[("2026-W44", "interview")]["available_hours"] == 4 * OPEN_W44


def test_utilisation_by_space_and_org(store):
    spaces = rows_by(store.run("utilisation", sites=["NGT"], start=START, end=END,
                               by="space"), "space")
    assert spaces[("IR1",)]["booked_hours"] == 4.0  # b1 + b3 + b8
    assert spaces[("IR1",)]["available_hours"] == OPEN
    assert spaces[("WS1",)]["booked_hours"] == 4.0
    assert spaces[("D02",)]["used_hours"] == 3.0
    orgs = rows_by(store.run("utilisation", sites=["NGT"], start=START, end=END,
                             by="org,kind"), "org", "kind")
    assert orgs[("NCS", "interview")]["booked_hours"] == 5.0  # b1 b3 b8 b10
    assert orgs[("NCS", "interview")]["available_hours"] == 4 * OPEN
    assert ("PROB", "workshop") not in orgs


def test_bank_holiday_is_not_available():
    from booking.models import SiteInfo

    site = SiteInfo(id=1, code="X", name="X", tz="Europe/London", holiday_region="ENG",
                    hours={d: (510, 1020) for d in range(5)})
    days = {d for d, _, _ in open_minutes(site, dt.date(2026, 12, 21), dt.date(2026, 12, 28),
                                          False)}
    # Fri 25 Dec (Christmas) and Mon 28 Dec (Boxing Day, substitute) are bank holidays.
    assert days == {dt.date(2026, 12, d) for d in (21, 22, 23, 24)}


def test_occupancy_peak_and_saturation(store):
    got = rows_by(store.run("occupancy", sites=["NGT"], start=START, end=END), "kind")
    assert got[("interview",)]["peak_occupancy"] == 4
    assert got[("interview",)]["saturated_hours"] == 1.0
    assert got[("interview",)]["open_hours"] == OPEN
    assert got[("interview",)]["saturated_share"] == r4(1 / OPEN)
    assert got[("workshop",)]["peak_occupancy"] == 1
    assert got[("workshop",)]["saturated_hours"] == 4.0
    assert got[("desk",)]["peak_occupancy"] == 1
    assert got[("desk",)]["saturated_hours"] == 0.0
    by_day = rows_by(store.run("occupancy", sites=["NGT"], start=START, end=END,
                               by="weekday"), "kind", "weekday")
    assert by_day[("interview", "Tue")]["peak_occupancy"] == 4
    assert by_day[("interview", "Mon")]["peak_occupancy"] == 2  # b1 and b2 overlap
    with pytest.raises(InvalidInput, match="cannot be grouped by hour"):
        store.run("occupancy", sites=["NGT"], start=START, end=END, by="hour")


def test_unmet_demand(store):
    got = rows_by(store.run("demand", sites=["NGT"], start=START, end=END,
                            by="kind,org,weekday,hour"), "kind", "org", "weekday", "hour")
    assert got == {
        ("interview", "NCS", "Tue", 10): {"kind": "interview", "org": "NCS", "weekday": "Tue",
                                          "hour": 10, "requests": 1, "hours": 1.0},
        ("workshop", "JCP", "Mon", 9): {"kind": "workshop", "org": "JCP", "weekday": "Mon",
                                        "hour": 9, "requests": 1, "hours": 1.5},
    }


def test_attendance(store):
    got = rows_by(store.run("attendance", sites=["NGT"], start=START, end=END), "org", "kind")
    ncs = got[("NCS", "interview")]  # b1 checked in, b3 no-show, b8 and b10 unmarked
    assert (ncs["bookings"], ncs["checked_in"], ncs["no_shows"], ncs["unmarked"]) == (4, 1, 1, 2)
    assert ncs["no_show_rate"] == 0.25
    assert got[("JCP", "desk")]["released"] == 1 and got[("JCP", "desk")]["released_rate"] == 1
    assert got[("JCP", "interview")]["bookings"] == 3  # b2 b7 b9; b4 cancelled is PROB's
    assert ("PROB", "interview") in got and got[("PROB", "interview")]["bookings"] == 1
    assert sum(r["bookings"] for r in got.values()) == 11  # 12 made, 1 cancelled


def test_attendance_counts_only_started_bookings(any_app, clock):
    report_store.build(any_app, clock)
    clock.set(report_store.at("2026-10-22T12:00"))  # before b6 (13:00) and anything later
    rep = Reports(as_user(any_app, "estates")).run("attendance", sites=["NGT"], start=START,
                                                  end=END, by="kind")
    got = rows_by(rep, "kind")
    assert "workshop" not in got
    assert got[("interview",)]["bookings"] == 7  # b1 b2 b7 b8..b11


def test_share_and_recharge(store):
    rep = store.run("share", sites=["NGT"], start=START, end=END,
                    rates=parse_rates("interview=12.50,desk=4"))
    got = rows_by(rep, "org")
    # booked: NCS 1+2+1+1+4 = 9 (used 7); JCP 1.5+1+1+8.5 = 12 (used 3.5); PROB 1+3 = 4
    assert [got[(o,)]["booked_hours"] for o in ("JCP", "NCS", "PROB")] == [12.0, 9.0, 4.0]
    assert [got[(o,)]["used_hours"] for o in ("JCP", "NCS", "PROB")] == [3.5, 7.0, 4.0]
    assert got[("NCS",)]["share"] == 0.36 and got[("JCP",)]["share"] == 0.48
    assert got[("PROB",)]["used_share"] == r4(4 / 14.5)
    # charge: NCS 5 interview h x 12.50; JCP 3.5 x 12.50 + 8.5 desk h x 4; PROB 12.50 + 3 x 4
    assert got[("NCS",)]["charge"] == 62.5
    assert got[("JCP",)]["charge"] == 77.75
    assert got[("PROB",)]["charge"] == 24.5
    assert "charge" in rep.columns


def test_shortfall_ranking(store):
    rep = store.run("shortfall", sites=["NGT"], start=START, end=END)
    assert [(r["kind"], r["shortfall_hours"]) for r in rep.rows] == [
        ("workshop", 5.5), ("interview", 2.0), ("desk", 0.0)]
    top = rep.rows[0]
    assert (top["rank"], top["saturated_hours"], top["unmet_hours"], top["unmet_requests"]) == (
        1, 4.0, 1.5, 1)


def test_reports_never_show_purposes(store):
    for kind in ("utilisation", "attendance", "share", "shortfall", "demand", "occupancy"):
        rep = store.run(kind, sites=["NGT"], start=START, end=END)
        assert "secret" not in repr(rep.rows) and "purpose" not in rep.columns


def test_reports_are_for_estates_admin_and_front_desk(app, clock):
    for login in ("estates", "admin", "desk"):
        Reports(as_user(app, login)).run("utilisation", sites=["NGT"], start=START, end=END)
    with pytest.raises(NotPermitted, match="cannot read usage reports"):
        Reports(as_user(app, "ncs")).run("utilisation", sites=None, start=START, end=END)


def test_parsing_refusals():
    with pytest.raises(InvalidInput, match="not something to group by"):
        parse_by("colour", "utilisation")
    with pytest.raises(InvalidInput, match="not a rate"):
        parse_rates("sofa=3")
    with pytest.raises(InvalidInput, match="not an amount"):
        parse_rates("desk=cheap")
    assert parse_by(None, "share") == ("org",)


def test_clock_change_days_have_their_real_length():
    from booking.models import SiteInfo

    site = SiteInfo(id=1, code="X", name="X", tz="Europe/London", holiday_region="",
                    hours={d: (0, 1440) for d in range(7)})
    got = {d: m for d, _, m in open_minutes(site, dt.date(2026, 3, 28), dt.date(2026, 3, 30),
                                            False)}
    assert got == {dt.date(2026, 3, 28): 1440.0, dt.date(2026, 3, 29): 1380.0,
                   dt.date(2026, 3, 30): 1440.0}
    autumn = open_minutes(site, dt.date(2026, 10, 25), dt.date(2026, 10, 25), False)
    assert autumn == [(dt.date(2026, 10, 25), None, 1500.0)]


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "America/Santiago",
                                "America/Havana", "Australia/Lord_Howe", "Africa/Casablanca",
                                "Pacific/Chatham", "UTC"])
def test_each_day_open_for_the_time_that_really_elapses(tz):
    """A day's opening hours are their wall-clock length except near a change of the
    zone's offset; the short cut agrees with the elapsed time worked out day by day, in
    zones that change at midnight, by half an hour, or not at all."""
    from zoneinfo import ZoneInfo

    from booking.models import SiteInfo
    from booking.report_scope import _elapsed

    site = SiteInfo(id=1, code="X", name="X", tz=tz, holiday_region="",
                    hours={d: (510, 1020) if d == 2 else (0, 1440) for d in range(7)})
    first, last = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
    got = open_minutes(site, first, last, False)
    assert len(got) == (last - first).days + 1
    zone = ZoneInfo(tz)
    exact = [(d, None, _elapsed(d, *site.hours[d.weekday()], zone)) for d, _, _ in got]
    assert got == exact
    if tz != "UTC":
        assert {m for _, _, m in got} - {1440.0, 510.0}  # some day of the two years differs
