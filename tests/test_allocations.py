"""Allocations: hours per week and spaces at once, pooled across an organisation's staff."""

from __future__ import annotations

import datetime as dt
import json

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from booking import allocations, audit
from booking.allocations import breaches, weeks_touched
from booking.errors import InvalidInput, NotPermitted, RuleViolation
from db.engine import write_tx
from tests.conftest import LONDON, as_user

NINE_OF_TEN = ("NCS has used 9 of its 10 interview-room hours for the week of 7 Dec; "
               "this booking needs 2.")


def _ten_hours(app) -> None:  # type: ignore[no-untyped-def]
    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=10)


def _nine_hours(app):  # type: ignore[no-untyped-def]
    """9 of NCS's 10 interview-room hours in the week of Mon 7 Dec, by two advisers."""
    ncs, ncs2 = as_user(app, "ncs"), as_user(app, "ncs2")
    return [
        ncs.book("IR4", "2026-12-07 09:00", "12:00"),
        ncs2.book("IR4", "2026-12-08 09:00", "12:00"),
        ncs.book("IR2", "2026-12-09 09:00", "12:00"),
    ]


def test_hours_per_week_refused_with_the_numbers(any_app):
    _ten_hours(any_app)
    _nine_hours(any_app)
    ncs = as_user(any_app, "ncs")
    with pytest.raises(RuleViolation) as err:
        ncs.book("IR4", "2026-12-10 09:00", "11:00")
    assert str(err.value).startswith(NINE_OF_TEN)
    assert "Front-desk staff or an administrator can override" in str(err.value)
    # the last hour fits exactly; then nothing more that week
    ncs.book("IR4", "2026-12-10 09:00", "10:00")
    with pytest.raises(RuleViolation, match="used 10 of its 10 .* needs 0.25"):
        ncs.book("IR4", "2026-12-11 09:00", "09:15")
    # other weeks, other kinds and other organisations are not affected
    ncs.book("IR4", "2026-12-14 09:00", "12:00")
    ncs.book("D01", "2026-12-10 09:00", "17:00")
    as_user(any_app, "prob").book("IR4", "2026-12-11 09:00", "12:00")


def test_cancelled_and_no_show_bookings_give_hours_back(any_app, clock):
    _ten_hours(any_app)
    mon, tue, _ = _nine_hours(any_app)
    ncs, desk = as_user(any_app, "ncs"), as_user(any_app, "desk")
    with pytest.raises(RuleViolation, match="used 9 of its 10"):
        ncs.book("IR4", "2026-12-10 09:00", "11:00")
    ncs.cancel(tue.id)
    ncs.book("IR4", "2026-12-10 09:00", "11:00")  # 8 of 10 now
    with pytest.raises(RuleViolation, match="used 8 of its 10 .* needs 3"):
        ncs.book("IR4", "2026-12-11 09:00", "12:00")
    clock.set(pendulum.datetime(2026, 12, 7, 9, 30, tz=LONDON).in_timezone("UTC"))
    desk.noshow(mon.id)  # nobody came: the 3 hours come back
    ncs.book("IR4", "2026-12-11 09:00", "12:00")
    usage = allocations.usage(desk, site="NGT", week="2026-12-09")
    assert [(u.org, u.kind, u.hours_used, u.hours_per_week) for u in usage] == [
        ("NCS", "interview", 8.0, 10.0)]


def test_checked_in_bookings_still_count(app, clock):
    _ten_hours(app)
    mon, _, _ = _nine_hours(app)
    clock.set(pendulum.datetime(2026, 12, 7, 9, 0, tz=LONDON).in_timezone("UTC"))
    as_user(app, "desk").checkin(mon.id)
    with pytest.raises(RuleViolation, match="used 9 of its 10"):
        as_user(app, "ncs").book("IR4", "2026-12-10 09:00", "11:00")


def test_override_by_front_desk_is_recorded_and_advisers_cannot(any_app):
    _ten_hours(any_app)
    _nine_hours(any_app)
    with pytest.raises(NotPermitted, match="Advisers cannot override an allocation"):
        as_user(any_app, "ncs").book("IR4", "2026-12-10 09:00", "11:00", override="urgent")
    desk = as_user(any_app, "desk")
    with pytest.raises(InvalidInput, match="needs a reason"):
        desk.book("IR4", "2026-12-10 09:00", "11:00", org="NCS", override="  ")
    with pytest.raises(RuleViolation, match="give a reason with --override"):
        desk.book("IR4", "2026-12-10 09:00", "11:00", org="NCS")
    view = desk.book("IR4", "2026-12-10 09:00", "11:00", org="NCS",
                     override="Court-ordered appointment")
    hist = audit.history(as_user(any_app, "admin"), view.id)
    assert [(e.action, e.actor, e.reason) for e in hist] == [
        ("create", "desk", "Court-ordered appointment"),
        ("override", "desk", "Court-ordered appointment"),
    ]
    breach = hist[1].before["breaches"][0]
    assert breach["message"] == NINE_OF_TEN
    assert (breach["allowed"], breach["used"], breach["needed"]) == (10, 9, 2)
    # an override that was not needed records no override
    other = desk.book("IR4", "2026-12-14 09:00", "10:00", org="NCS", override="just in case")
    assert [e.action for e in audit.history(desk, other.id)] == ["create"]
    usage = allocations.usage(as_user(any_app, "estates"), site="NGT", week="2026-12-07")
    assert usage[0].hours_used == 11


def test_max_at_once(any_app):
    allocations.set_allocation(as_user(any_app, "estates"), "NCS", site="NGT", kind="desk",
                               max_at_once=1)
    ncs, ncs2 = as_user(any_app, "ncs"), as_user(any_app, "ncs2")
    ncs.book("D01", "2026-12-07 09:00", "12:00")
    with pytest.raises(RuleViolation) as err:
        ncs2.book("D02", "2026-12-07 11:00", "13:00")
    assert str(err.value).startswith(
        "NCS may hold 1 hot desk at once and already holds 1 at 11:00 on Mon 7 Dec; "
        "this booking needs 1 more.")
    ncs2.book("D02", "2026-12-07 12:00", "13:00")  # half-open: back to back is fine
    as_user(any_app, "prob").book("D02", "2026-12-07 09:00", "11:00")
    usage = allocations.usage(as_user(any_app, "admin"), site="NGT", week="2026-12-07")
    assert [(u.kind, u.peak_at_once, u.max_at_once, u.hours_used) for u in usage] == [
        ("desk", 1, 1, 4.0)]


def test_booking_spanning_two_weeks_counts_its_part_in_each():
    def at(day: int, hour: int) -> dt.datetime:
        return pendulum.datetime(2026, 12, day, hour, tz=LONDON).in_timezone("UTC")

    new = [(at(13, 22), at(14, 4))]  # Sunday 22:00 to Monday 04:00
    assert weeks_touched(new, LONDON) == [dt.date(2026, 12, 7), dt.date(2026, 12, 14)]
    # week of 7 Dec: 8 used + 2 needed fits 10; week of 14 Dec: 7 used + 4 needed does not
    existing = [(at(13, 10), at(13, 18)), (at(15, 9), at(15, 16))]
    found = breaches(org_code="NCS", kind="desk", tz=LONDON, hours_per_week=10,
                     max_at_once=None, existing=existing, new=new)
    assert [b.message for b in found] == [
        "NCS has used 7 of its 10 hot-desk hours for the week of 14 Dec; "
        "this booking needs 4."]
    # a booking ending at Monday 00:00 has no time in the next week
    assert weeks_touched([(at(13, 20), at(14, 0))], LONDON) == [dt.date(2026, 12, 7)]


def test_weeks_run_monday_to_sunday_in_the_sites_time():
    # 09:00 on Monday 7 Dec in Auckland is still Sunday 6 Dec in UTC
    start = pendulum.datetime(2026, 12, 7, 9, tz="Pacific/Auckland").in_timezone("UTC")
    assert start.weekday() == 6
    assert weeks_touched([(start, start + dt.timedelta(hours=1))], "Pacific/Auckland") == [
        dt.date(2026, 12, 7)]
    assert weeks_touched([(start, start + dt.timedelta(hours=1))], LONDON) == [
        dt.date(2026, 11, 30)]


def test_check_takes_many_occurrences_at_once_for_a_series(app):
    """The series helper's entry point: every occurrence checked in one transaction."""
    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=5)
    as_user(app, "ncs").book("IR4", "2026-12-08 09:00", "12:00")
    site = app.site("NGT")
    org = next(o for o in app.orgs() if o.code == "NCS")
    weekly = [
        (pendulum.datetime(2026, 12, d, 14, tz=LONDON).in_timezone("UTC"),
         pendulum.datetime(2026, 12, d, 16, tz=LONDON).in_timezone("UTC"))
        for d in (7, 10, 14, 21)
    ]
    with write_tx(app.engine) as conn:
        found = allocations.check(conn, org=org, site=site, kind="interview", intervals=weekly)
    assert [(b.week, b.used, b.needed) for b in found] == [(dt.date(2026, 12, 7), 3, 4)]
    assert found[0].message.endswith("these bookings need 4.")


def test_allocation_commands_and_audit(app, capsys, sqlite_url, monkeypatch):
    from cli.main import main

    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00Z")
    db = ["--db", sqlite_url]
    assert main([*db, "--as", "estates", "allocation", "set", "NCS", "--site", "NGT", "--kind",
                 "interview", "--hours-per-week", "10"]) == 0
    assert "10 h a week" in capsys.readouterr().out
    assert main([*db, "--as", "estates", "allocation", "set", "NCS", "--site", "NGT", "--kind",
                 "desk", "--hours-per-week", "20", "--max-at-once", "2"]) == 0
    assert main([*db, "--as", "admin", "allocation", "set", "NCS", "--site", "NGT", "--kind",
                 "interview", "--hours-per-week", "12"]) == 0
    assert main([*db, "--as", "ncs", "allocation", "set", "NCS", "--site", "NGT", "--kind",
                 "interview", "--hours-per-week", "99"]) == 1
    assert "Advisers cannot set allocations." in capsys.readouterr().err
    assert main([*db, "--as", "ncs", "allocation", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"org": "NCS", "site": "NGT", "kind": "desk", "hours_per_week": 20.0,
         "max_at_once": 2},
        {"org": "NCS", "site": "NGT", "kind": "interview", "hours_per_week": 12.0,
         "max_at_once": None},
    ]
    as_user(app, "ncs").book("IR4", "2026-11-24 09:00", "10:30")
    assert main([*db, "--as", "estates", "allocation", "usage", "--site", "NGT", "--week",
                 "2026-11-26", "--json"]) == 0
    usage = json.loads(capsys.readouterr().out)
    assert [(u["kind"], u["week"], u["hours_used"], u["peak_at_once"]) for u in usage] == [
        ("desk", "2026-11-23", 0, 0), ("interview", "2026-11-23", 1.5, 1)]
    assert main([*db, "--as", "estates", "allocation", "usage", "--site", "NGT", "--week",
                 "2026-11-26"]) == 0
    assert "1.5 of 12 h" in capsys.readouterr().out
    assert main([*db, "--as", "estates", "allocation", "set", "NCS", "--site", "NGT", "--kind",
                 "desk"]) == 0
    assert "Removed" in capsys.readouterr().out
    assert main([*db, "--as", "estates", "allocation", "set", "NOPE", "--site", "NGT",
                 "--kind", "desk", "--max-at-once", "1"]) == 2
    records = [e for e in audit.trail(as_user(app, "estates")) if e.entity == "allocation"]
    assert [(e.actor, e.action, e.before and e.before.get("hours_per_week"),
             e.after and e.after.get("hours_per_week")) for e in records] == [
        ("estates", "create", None, 10.0),
        ("estates", "create", None, 20.0),
        ("admin", "update", 10.0, 12.0),
        ("estates", "delete", 20.0, None),
    ]


def _brute_peak(intervals, within):  # type: ignore[no-untyped-def]
    best, when = 0, None
    for t in sorted({s for s, _ in intervals} | {s for s, _ in within}):
        if any(ws <= t < we for ws, we in within):
            n = sum(1 for s, e in intervals if s <= t < e)
            if n > best:
                best, when = n, t
    return best, when


_BASE = dt.datetime(2026, 12, 7, 8, tzinfo=dt.UTC)
_span = st.tuples(st.integers(0, 40), st.integers(1, 10)).map(
    lambda p: (_BASE + dt.timedelta(minutes=15 * p[0]),
               _BASE + dt.timedelta(minutes=15 * (p[0] + p[1]))))


@given(existing=st.lists(_span, max_size=12), new=st.lists(_span, min_size=1, max_size=4))
def test_peak_sweep_matches_counting_at_every_start(existing, new):
    everything = existing + new
    assert allocations.peak(everything, new) == _brute_peak(everything, new)


def test_store_counts_a_booking_over_the_week_boundary_in_both_weeks(any_app):
    """A desk held from Sunday 20:00 to Monday 02:00 (written directly: the opening-hours
    rules do not allow it at NGT) counts 4 h in the week of 7 Dec and 2 h in the next."""
    from sqlalchemy import insert

    from db.tables import Booking

    def at(day: int, hour: int) -> dt.datetime:
        return pendulum.datetime(2026, 12, day, hour, tz=LONDON).in_timezone("UTC")

    allocations.set_allocation(as_user(any_app, "estates"), "NCS", site="NGT", kind="desk",
                               hours_per_week=6)
    site = any_app.site("NGT")
    org = next(o for o in any_app.orgs() if o.code == "NCS")
    with write_tx(any_app.engine) as conn:
        conn.execute(insert(Booking.__table__).values(
            space_id=any_app.space("D01").id, org_id=org.id, start_at=at(13, 20),
            end_at=at(14, 2), status="confirmed", attendees=1, purpose="",
            confidential=False, created_at=at(1, 9), updated_at=at(1, 9)))
        found = allocations.check(conn, org=org, site=site, kind="desk",
                                  intervals=[(at(10, 9), at(10, 12)), (at(15, 9), at(15, 14))])
    assert [(b.week, b.used, b.needed) for b in found] == [
        (dt.date(2026, 12, 7), 4, 3), (dt.date(2026, 12, 14), 2, 5)]
    used = {u.week: u.hours_used
            for w in ("2026-12-07", "2026-12-14")
            for u in allocations.usage(any_app, site="NGT", week=w)}
    assert used == {dt.date(2026, 12, 7): 4, dt.date(2026, 12, 14): 2}


def test_concurrent_bookings_cannot_overrun_an_allocation(any_app):
    """Eight terminals book NCS desks in the same week at once with 3 hours left: exactly
    three succeed (SQLite: BEGIN IMMEDIATE; PostgreSQL: the allocation row is locked)."""
    import threading

    from booking.errors import CospaceError
    from booking.service import Cospace

    allocations.set_allocation(as_user(any_app, "estates"), "NCS", site="NGT", kind="desk",
                               hours_per_week=3)
    for i in range(8):
        any_app.add_space(f"DX{i}", site="NGT", kind="desk", capacity=1)
    url = any_app.engine.url.render_as_string(hide_password=False)
    barrier = threading.Barrier(8)
    results: list[str] = []

    def book(i: int) -> None:
        app = Cospace.open(url, "desk", any_app.clock)
        barrier.wait()
        try:
            app.book(f"DX{i}", "2026-12-08 09:00", "10:00", org="NCS")
            results.append("ok")
        except CospaceError as exc:
            results.append(str(exc))
        finally:
            app.engine.dispose()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 3, results
    assert all(r == "ok" or "hot-desk hours for the week of 7 Dec" in r for r in results)
