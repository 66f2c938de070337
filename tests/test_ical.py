"""Calendar export: parsed back with icalendar + recurring-ical-events, the expanded
occurrences equal the booked ones."""

from __future__ import annotations

import datetime as dt

import icalendar
import pendulum
import pytest
import recurring_ical_events

from booking import series as S
from booking.ical import export_ical
from booking.recurrence import Repeat
from booking.service import Cospace
from cli.main import main
from tests.conftest import LONDON, NOW, as_user

FROM, TO = dt.date(2026, 11, 1), dt.date(2028, 12, 31)


def expanded(data: bytes) -> set[tuple[dt.datetime, dt.datetime]]:
    cal = icalendar.Calendar.from_ical(data)
    events = recurring_ical_events.of(cal).between(FROM, TO)
    return {(e["DTSTART"].dt.astimezone(dt.UTC), e["DTEND"].dt.astimezone(dt.UTC))
            for e in events}


def booked(app: Cospace, org: str) -> set[tuple[dt.datetime, dt.datetime]]:
    return {(v.start, v.end) for v in app.list_bookings(org=org, start=FROM, end=TO)
            if v.active}


@pytest.fixture
def store(app: Cospace, clock) -> Cospace:  # type: ignore[no-untyped-def]
    """CAB (a partner allowed 60 weeks ahead): a weekly series across the March 2027 clock
    change with a clash skipped, a cancelled date and a moved date; a monthly series; a single
    booking. PROB: one booking."""
    app.add_org("CAB", "Citizens Advice", advance_weeks=60)
    app.add_staff("cab", name="Cal Advice", org="CAB", role="adviser")
    app.book("IR1", "2027-01-14 09:00", "10:00", org="PROB")
    weekly = S.book_series(app, "IR1", "2027-01-07 09:00", "10:00",
                           Repeat("weekly", until=dt.date(2027, 4, 8)), org="CAB",
                           purpose="careers drop-in", skip_clashes=True)
    assert len(weekly.clashes) == 1
    S.cancel_series(app, weekly.booked[2].id, "one")
    S.move_occurrence(app, weekly.booked[3].id, "2027-02-05 11:00", "12:00")
    S.book_series(app, "IR2", "2026-12-01 14:00", "15:30", Repeat("monthly", count=6),
                  org="CAB")
    app.book("D01", "2026-12-02 09:00", "17:00", org="CAB", purpose="desk day")
    return app


def test_round_trip_equals_the_booked_occurrences(store: Cospace) -> None:
    data = export_ical(store, "CAB", FROM, TO)
    assert expanded(data) == booked(store, "CAB")
    assert len(booked(store, "CAB")) == 14 + 6 + 1 - 2  # one clash skipped, one cancelled
    text = data.decode()
    assert "BEGIN:VTIMEZONE" in text and "TZID:Europe/London" in text
    assert "DTSTART;TZID=Europe/London:20270107T090000" in text
    assert "RRULE:FREQ=WEEKLY;UNTIL=20270408T225959Z;BYDAY=TH;WKST=MO" in text
    cal = icalendar.Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT") if "RECURRENCE-ID" not in e}
    weekly = events["series-1@cospace"]
    exdates = sorted(d.dt for ex in [weekly["EXDATE"]] for d in
                     (ex.dts if hasattr(ex, "dts") else [x for e in ex for x in e.dts]))
    # The clash skipped on 14 Jan and the date cancelled (28 Jan); the date moved (4 Feb) is
    # an exception of the rule, not excluded from it.
    assert [d.date() for d in exdates] == [dt.date(2027, 1, 14), dt.date(2027, 1, 28)]
    moved = [e for e in cal.walk("VEVENT") if "RECURRENCE-ID" in e]
    assert len(moved) == 1 and str(moved[0]["UID"]) == "series-1@cospace"
    assert moved[0]["RECURRENCE-ID"].dt.strftime("%Y-%m-%d %H:%M") == "2027-02-04 09:00"
    assert moved[0]["DTSTART"].dt.strftime("%Y-%m-%d %H:%M") == "2027-02-05 11:00"
    assert "RECURRENCE-ID;TZID=Europe/London:20270204T090000" in text
    # The purpose is CAB's business: its adviser sees it, the host's administrator does not.
    assert "careers drop-in" not in str(weekly["SUMMARY"])
    assert "careers drop-in" in export_ical(as_user(store, "cab"), "CAB", FROM, TO).decode()
    # The single booking is a plain event.
    assert sum(1 for uid in events if uid.startswith("booking-")) == 1


def test_wall_time_in_the_calendar_across_the_clock_change(store: Cospace) -> None:
    cal = icalendar.Calendar.from_ical(export_ical(store, "CAB", FROM, TO))
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(
        dt.date(2027, 3, 1), dt.date(2027, 4, 30)) if "IR1" in str(e["SUMMARY"])]
    assert [s.strftime("%H:%M") for s in starts] == ["09:00"] * len(starts)
    assert {s.utcoffset() for s in starts} == {dt.timedelta(0), dt.timedelta(hours=1)}


def test_only_the_organisations_own_bookings(store: Cospace) -> None:
    data = export_ical(store, "PROB", FROM, TO)
    assert expanded(data) == booked(store, "PROB")
    assert len(expanded(data)) == 1
    assert "CAB" not in data.decode()


def test_confidential_purpose_only_for_those_who_may_see_it(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    S.book_series(ncs, "IR1", "2026-12-03 09:00", "10:00", Repeat("weekly", count=3),
                  purpose="housing crisis", confidential=True)
    assert "housing crisis" in export_ical(ncs, "NCS").decode()
    other = export_ical(as_user(app, "ncs2"), "NCS").decode()
    assert "housing crisis" not in other and "CLASS:PRIVATE" in other
    assert len(expanded(other.encode())) == 3


def test_window_and_cancelled_series(store: Cospace) -> None:
    # A window holding no NCS booking exports an empty calendar.
    data = export_ical(store, "CAB", dt.date(2028, 1, 1), dt.date(2028, 1, 31))
    assert "BEGIN:VEVENT" not in data.decode()
    monthly = [v for v in store.list_bookings(org="CAB", space="IR2")][0]
    S.cancel_series(store, monthly.id, "all")
    assert not any(s.date().month == 12 and s.hour == 14
                   for s, _ in expanded(export_ical(store, "CAB", FROM, TO)))


def test_cli_export(app: Cospace, sqlite_url: str, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    S.book_series(app, "IR1", "2026-12-03 09:00", "10:00", Repeat("weekly", count=4),
                  org="NCS")
    capsys.readouterr()
    code = main(["--db", sqlite_url, "--as", "ncs", "export", "ical", "--org", "NCS",
                 "--from", "2026-12-01", "--to", "2026-12-31"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("BEGIN:VCALENDAR")
    assert len(expanded(out.encode())) == 4
    assert main(["--db", sqlite_url, "--as", "ncs", "export", "ical", "--org", "NOPE"]) == 2
    assert main(["--db", sqlite_url, "--as", "ncs", "export", "ical", "--org", "NCS",
                 "--from", "2027-01-02", "--to", "2027-01-01"]) == 2
    assert pendulum.instance(NOW).in_timezone(LONDON).hour == 8
