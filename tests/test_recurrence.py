"""Expansion of repeat rules in the site's local time (pure functions, no store)."""

from __future__ import annotations

import datetime as dt

import pytest

from booking.errors import InvalidInput, RuleViolation
from booking.recurrence import (
    MAX_OCCURRENCES,
    Repeat,
    build_rule,
    describe,
    expand,
    with_end,
)

LONDON = "Europe/London"
UTC = dt.UTC


def weekly(first: dt.date, **kw) -> str:
    return build_rule(Repeat("weekly", **kw), first)


def test_weekly_keeps_wall_time_across_the_october_2026_change() -> None:
    rule = weekly(dt.date(2026, 10, 15), count=4)
    occ = expand(rule, dt.datetime(2026, 10, 15, 9, 0), 60, LONDON)
    assert [o.local_start.time() for o in occ] == [dt.time(9, 0)] * 4
    # 09:00 BST is 08:00 UTC; after Sunday 25 October 09:00 GMT is 09:00 UTC.
    assert [o.start for o in occ] == [
        dt.datetime(2026, 10, 15, 8, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 22, 8, 0, tzinfo=UTC),
        dt.datetime(2026, 10, 29, 9, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 5, 9, 0, tzinfo=UTC),
    ]
    assert all(o.end - o.start == dt.timedelta(hours=1) for o in occ)


def test_weekly_keeps_wall_time_across_the_march_2026_change() -> None:
    rule = weekly(dt.date(2026, 3, 19), until=dt.date(2026, 4, 2))
    occ = expand(rule, dt.datetime(2026, 3, 19, 9, 0), 60, LONDON)
    assert [o.start for o in occ] == [
        dt.datetime(2026, 3, 19, 9, 0, tzinfo=UTC),
        dt.datetime(2026, 3, 26, 9, 0, tzinfo=UTC),
        dt.datetime(2026, 4, 2, 8, 0, tzinfo=UTC),  # 09:00 BST after Sunday 29 March
    ]


def test_a_wall_time_the_clocks_skip_is_kept_but_has_no_instant() -> None:
    occ = expand("FREQ=WEEKLY;COUNT=2", dt.datetime(2026, 3, 22, 1, 30), 30, LONDON)
    assert occ[0].exists and not occ[1].exists
    assert occ[1].day == dt.date(2026, 3, 29)


def test_a_wall_time_that_happens_twice_means_the_first() -> None:
    occ = expand("FREQ=WEEKLY;COUNT=2", dt.datetime(2026, 10, 18, 1, 15), 30, LONDON)
    # 01:15 on 25 October happens at 00:15 UTC (BST) and again at 01:15 UTC (GMT).
    assert occ[1].start == dt.datetime(2026, 10, 25, 0, 15, tzinfo=UTC)


def test_every_two_weeks_on_two_days_until_a_date() -> None:
    rule = weekly(dt.date(2026, 12, 3), every=2, weekdays=(3, 4), until=dt.date(2027, 1, 1))
    assert rule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH,FR;WKST=MO;UNTIL=20270101T235959"
    occ = expand(rule, dt.datetime(2026, 12, 3, 14, 0), 120, LONDON)
    assert [o.day for o in occ] == [dt.date(2026, 12, 3), dt.date(2026, 12, 4),
                                    dt.date(2026, 12, 17), dt.date(2026, 12, 18),
                                    dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
    assert describe(rule, dt.datetime(2026, 12, 3, 14), 120) == (
        "every 2 weeks on Thursday and Friday, 14:00–16:00, until 1 Jan 2027")


def test_monthly_on_the_first_tuesday() -> None:
    first = dt.date(2026, 12, 1)  # the first Tuesday of December
    rule = build_rule(Repeat("monthly", count=4), first)
    assert rule == "FREQ=MONTHLY;BYDAY=1TU;WKST=MO;COUNT=4"
    occ = expand(rule, dt.datetime(2026, 12, 1, 10, 0), 60, LONDON)
    assert [o.day for o in occ] == [dt.date(2026, 12, 1), dt.date(2027, 1, 5),
                                    dt.date(2027, 2, 2), dt.date(2027, 3, 2)]
    # April is in BST: the wall time stays 10:00.
    rule = build_rule(Repeat("monthly", count=5), first)
    assert expand(rule, dt.datetime(2026, 12, 1, 10), 60, LONDON)[-1].start == dt.datetime(
        2027, 4, 6, 9, 0, tzinfo=UTC)
    assert describe(rule, dt.datetime(2026, 12, 1, 10), 60) == (
        "the first Tuesday of every month, 10:00–11:00, 5 times")


def test_monthly_on_a_fifth_weekday_means_the_last() -> None:
    rule = build_rule(Repeat("monthly", count=3), dt.date(2026, 12, 29))  # 5th Tuesday
    assert "BYDAY=-1TU" in rule
    occ = expand(rule, dt.datetime(2026, 12, 29, 9), 60, LONDON)
    assert [o.day for o in occ] == [dt.date(2026, 12, 29), dt.date(2027, 1, 26),
                                    dt.date(2027, 2, 23)]


def test_limits_two_years_and_104_dates() -> None:
    first = dt.date(2026, 12, 3)
    with pytest.raises(RuleViolation, match="104"):
        weekly(first, count=MAX_OCCURRENCES + 1)
    with pytest.raises(RuleViolation, match="2 years"):
        weekly(first, until=dt.date(2028, 12, 4))
    assert len(expand(weekly(first, count=104), dt.datetime(2026, 12, 3, 9), 60, LONDON)) == 104
    busy = weekly(dt.date(2026, 11, 30), weekdays=(0, 1, 2, 3, 4), until=dt.date(2027, 11, 30))
    with pytest.raises(RuleViolation, match="at most 104"):
        expand(busy, dt.datetime(2026, 11, 30, 9), 60, LONDON)
    monthly = build_rule(Repeat("monthly", every=6, count=10), dt.date(2026, 12, 1))
    with pytest.raises(RuleViolation, match="2 years"):
        expand(monthly, dt.datetime(2026, 12, 1, 9), 60, LONDON)


def test_bad_requests_say_what_is_wrong() -> None:
    with pytest.raises(InvalidInput, match="not one of the days"):
        weekly(dt.date(2026, 12, 2), weekdays=(3, 4), count=3)  # a Wednesday
    with pytest.raises(InvalidInput, match="until date or a count"):
        build_rule(Repeat("weekly"), dt.date(2026, 12, 3))
    with pytest.raises(InvalidInput, match="before the first"):
        weekly(dt.date(2026, 12, 3), until=dt.date(2026, 12, 1))
    with pytest.raises(InvalidInput, match="not the second"):
        build_rule(Repeat("monthly", nth=2, count=2), dt.date(2026, 12, 1))


def test_with_end_changes_only_the_end() -> None:
    rule = "FREQ=WEEKLY;BYDAY=TH;WKST=MO;COUNT=10"
    assert with_end(rule, until=dt.datetime(2027, 1, 6, 23, 59, 59)) == (
        "FREQ=WEEKLY;BYDAY=TH;WKST=MO;UNTIL=20270106T235959")
    assert with_end(rule, count=3).endswith("COUNT=3")
