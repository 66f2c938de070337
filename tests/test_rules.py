"""The booking rules as pure functions over plain values."""

import datetime as dt

import pendulum
import pytest

from booking import rules
from booking.errors import RuleViolation
from booking.models import OrgInfo, SiteInfo, SpaceInfo

TZ = "Europe/London"
SITE = SiteInfo(id=1, code="NGT", name="Northgate", tz=TZ, holiday_region="ENG",
                hours={0: (510, 1020), 1: (510, 1020), 2: (510, 1020), 3: (510, 1020),
                       4: (510, 990)},
                closures={dt.date(2026, 12, 2): "Fire drill and deep clean"})
ROOM = SpaceInfo(id=1, code="IR1", name="Interview Room 1", site_id=1, site_code="NGT",
                 kind="interview", capacity=3, features=frozenset({"wifi"}), private=True)
DESK = SpaceInfo(id=2, code="D01", name="D01", site_id=1, site_code="NGT", kind="desk",
                 capacity=1, features=frozenset(), private=False)
WORKSHOP = SpaceInfo(id=3, code="WS1", name="Workshop", site_id=1, site_code="NGT",
                     kind="workshop", capacity=12, features=frozenset(), private=False)
HOST = OrgInfo(id=1, code="JCP", name="Jobcentre", is_host=True)
NCS = OrgInfo(id=2, code="NCS", name="Careers", is_host=False)
NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz=TZ).in_timezone("UTC")


def t(text):
    return pendulum.parse(text, tz=TZ).in_timezone("UTC")


def check(space=ROOM, start="2026-11-26T09:00", end="2026-11-26T10:00", attendees=1,
          confidential=False, org=HOST, now=NOW):
    rules.check_booking(space=space, site=SITE, org=org, start=t(start), end=t(end),
                        attendees=attendees, confidential=confidential, now=now)


def test_a_good_booking_passes():
    check()


def test_end_must_be_after_start():
    with pytest.raises(RuleViolation, match="must be after the start"):
        check(start="2026-11-26T10:00", end="2026-11-26T10:00")


def test_five_minute_grid():
    with pytest.raises(RuleViolation, match="steps of 5 minutes.*09:02"):
        check(start="2026-11-26T09:02")


@pytest.mark.parametrize("start,end", [("2026-11-26T08:00", "2026-11-26T09:00"),
                                       ("2026-11-26T16:30", "2026-11-26T17:05"),
                                       ("2026-11-27T16:00", "2026-11-27T17:00")])
def test_outside_opening_hours(start, end):
    with pytest.raises(RuleViolation, match="outside the opening hours"):
        check(start=start, end=end)


def test_opening_hours_edges_are_allowed():
    check(start="2026-11-26T08:30", end="2026-11-26T09:00")
    check(start="2026-11-26T16:00", end="2026-11-26T17:00")


def test_closed_days():
    with pytest.raises(RuleViolation, match="Christmas Day"):
        check(start="2026-12-25T09:00", end="2026-12-25T10:00")
    with pytest.raises(RuleViolation, match="Fire drill"):
        check(start="2026-12-02T09:00", end="2026-12-02T10:00")
    with pytest.raises(RuleViolation, match="does not open on Saturdays"):
        check(start="2026-11-28T09:00", end="2026-11-28T10:00")


def test_not_in_the_past_but_current_slot_is_fine():
    with pytest.raises(RuleViolation, match="in the past"):
        check(start="2026-11-23T09:55", end="2026-11-23T10:30",
              now=t("2026-11-23T10:00"))
    check(start="2026-11-23T10:00", end="2026-11-23T10:30", now=t("2026-11-23T10:03"))


def test_maximum_length_by_kind():
    with pytest.raises(RuleViolation, match="at most 3 h; this booking is 3 h 30 min"):
        check(start="2026-11-26T09:00", end="2026-11-26T12:30")
    with pytest.raises(RuleViolation, match="at most 8 h"):
        check(space=WORKSHOP, start="2026-11-26T08:30", end="2026-11-26T16:35")
    check(space=DESK, start="2026-11-26T08:30", end="2026-11-26T17:00")  # a whole day


def test_capacity():
    with pytest.raises(RuleViolation, match="holds 3 people; this booking is for 4"):
        check(attendees=4)
    with pytest.raises(RuleViolation, match="at least 1"):
        check(attendees=0)


def test_confidential_only_in_private_room():
    check(confidential=True)
    with pytest.raises(RuleViolation, match="not a private room"):
        check(space=DESK, confidential=True)


def test_advance_window_for_partners_not_host():
    with pytest.raises(RuleViolation, match="NCS can book at most 8 weeks ahead"):
        check(org=NCS, start="2027-01-28T09:00", end="2027-01-28T10:00")
    check(org=HOST, start="2027-06-03T09:00", end="2027-06-03T10:00")
    check(org=OrgInfo(id=3, code="CAB", name="x", is_host=False, advance_weeks=12),
          start="2027-01-28T09:00", end="2027-01-28T10:00")


def test_restricted_space():
    secure = SpaceInfo(id=5, code="IR5", name="Secure", site_id=1, site_code="NGT",
                       kind="interview", capacity=3, features=frozenset(), private=True,
                       restricted_to=frozenset({"PROB", "JCP"}))
    check(space=secure)
    with pytest.raises(RuleViolation, match="only by JCP, PROB; not by NCS"):
        check(space=secure, org=NCS)


def test_inactive_space():
    import dataclasses

    with pytest.raises(RuleViolation, match="out of use"):
        check(space=dataclasses.replace(ROOM, active=False))


def test_scottish_site_follows_scottish_bank_holidays():
    import dataclasses

    scot = dataclasses.replace(SITE, holiday_region="SCT", closures={})
    assert rules.closed_reason(scot, dt.date(2026, 11, 30)) is not None  # St Andrew's Day
    assert rules.closed_reason(SITE, dt.date(2026, 11, 30)) is None
