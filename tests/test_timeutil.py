"""Local wall time in, UTC stored: parsing, clock changes, opening hours."""

import datetime as dt

import pytest

from booking.errors import InvalidInput
from booking.timeutil import (
    day_bounds,
    format_hours,
    iso_local,
    parse_date,
    parse_end,
    parse_hours,
    parse_local,
)

TZ = "Europe/London"


def test_parse_local_winter_and_summer_offsets():
    assert parse_local("2026-10-29 09:00", TZ).isoformat() == "2026-10-29T09:00:00+00:00"
    assert parse_local("2026-10-22T09:00", TZ).isoformat() == "2026-10-22T09:00:00+01:00"


@pytest.mark.parametrize("text", ["2026-10-29", "29/10/2026 09:00", "2026-10-29 9", "",
                                  "2026-13-01 09:00", "2026-10-29 25:00"])
def test_parse_local_refuses_malformed(text):
    with pytest.raises(InvalidInput):
        parse_local(text, TZ)


def test_spring_forward_gap_is_refused():
    with pytest.raises(InvalidInput, match="does not exist"):
        parse_local("2026-03-29 01:30", TZ)


def test_fall_back_ambiguous_time_means_first_occurrence():
    value = parse_local("2026-10-25 01:30", TZ)
    assert value.utcoffset() == dt.timedelta(hours=1)  # still BST, the first 01:30


def test_end_as_time_is_same_local_day():
    start = parse_local("2026-10-29 09:00", TZ)
    assert parse_end("10:30", start, TZ).isoformat() == "2026-10-29T10:30:00+00:00"
    assert parse_end("2026-10-30 10:30", start, TZ).day == 30


def test_day_bounds_on_clock_change_days_are_23_and_25_hours():
    lo, hi = day_bounds(dt.date(2026, 3, 29), TZ)
    assert (hi - lo) == dt.timedelta(hours=23)
    lo, hi = day_bounds(dt.date(2026, 10, 25), TZ)
    assert (hi - lo) == dt.timedelta(hours=25)


def test_parse_hours_groups_and_round_trip():
    hours = parse_hours("mon-thu 08:30-17:00, fri 08:30-16:30")
    assert hours == {0: (510, 1020), 1: (510, 1020), 2: (510, 1020), 3: (510, 1020),
                     4: (510, 990)}
    assert format_hours(hours) == "mon-thu 08:30-17:00, fri 08:30-16:30"


@pytest.mark.parametrize("text", ["", "mon-fri", "funday 09:00-10:00", "mon 17:00-09:00",
                                  "fri-mon 09:00-17:00"])
def test_parse_hours_refuses_nonsense(text):
    with pytest.raises(InvalidInput):
        parse_hours(text)


def test_parse_date():
    assert parse_date("2026-11-23") == dt.date(2026, 11, 23)
    assert parse_date("tomorrow", dt.date(2026, 11, 23)) == dt.date(2026, 11, 24)
    with pytest.raises(InvalidInput):
        parse_date("2026-02-30")


def test_iso_local_carries_offset():
    value = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    assert iso_local(value, TZ) == "2026-07-01T09:00:00+01:00"
