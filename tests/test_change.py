"""Changing a booking (issue 13): every rule of a new booking applies to the result, the clash
check leaves the booking itself out, a refusal changes nothing; series dates alone or with the
following ones; undoing a mark or a cancellation."""

from __future__ import annotations

import datetime as dt
import json

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from booking import allocations
from booking import series as S
from booking.change import Changes, change_booking, change_following, check_change
from booking.errors import (
    Conflict,
    CospaceError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RuleViolation,
)
from booking.ical import export_ical
from booking.recurrence import Repeat
from booking.service import Cospace
from booking.timeutil import to_local
from tests.conftest import LONDON, as_user

OVERLAPS = text("""
    SELECT a.id, b.id FROM booking a JOIN booking b
      ON a.space_id = b.space_id AND a.id < b.id
     AND a.start_at < b.end_at AND b.start_at < a.end_at
     WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')
""")


def local(view, fmt: str = "YYYY-MM-DD HH:mm") -> str:  # type: ignore[no-untyped-def]
    return f"{to_local(view.start, view.tz).format(fmt)}–{to_local(view.end, view.tz):HH:mm}"


def snapshot(app: Cospace, booking_id: int) -> tuple:
    """The booking's row and the number of audit records: what a refusal must not change."""
    with app.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM booking WHERE id = :i"), {"i": booking_id}).one()
        audits = conn.execute(text("SELECT count(*) FROM audit")).scalar()
    return tuple(row), audits


def assert_refused(app: Cospace, booking_id: int, error: type, match: str, **fields) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(app, booking_id)
    with pytest.raises(error, match=match):
        change_booking(app, booking_id, **fields)
    assert snapshot(app, booking_id) == before, "a refusal leaves the booking as it was"


@pytest.fixture
def desk(app: Cospace) -> Cospace:
    return as_user(app, "desk")


@pytest.fixture
def ncs(app: Cospace) -> Cospace:
    return as_user(app, "ncs")


# ----------------------------------------------------------------------------- moving
def test_move_extend_shorten_and_swap_the_room(desk: Cospace, app: Cospace) -> None:
    b = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS", purpose="CV clinic")
    v = change_booking(desk, b.id, start="2026-11-26 11:00")
    assert local(v) == "2026-11-26 11:00–12:00", "--start alone keeps the length"
    v = change_booking(desk, b.id, end="12:15")
    assert local(v) == "2026-11-26 11:00–12:15", "--end alone keeps the start"
    v = change_booking(desk, b.id, end="2026-11-26 11:45")
    assert local(v) == "2026-11-26 11:00–11:45"
    v = change_booking(desk, b.id, space="IR2", attendees=4, purpose="Group CV clinic")
    assert (v.space, v.id, v.purpose) == ("IR2", b.id, None), "NCS's details stay NCS's"
    v = as_user(app, "ncs").get(b.id)
    assert (v.space, v.attendees, v.purpose) == ("IR2", 4, "Group CV clinic")
    from booking.audit import history

    changes = [e for e in history(as_user(app, "ncs"), b.id) if e.action == "change"]
    assert len(changes) == 4, "one audit record per change"
    assert changes[3].before == {"space": "IR1", "attendees": 1, "purpose": "CV clinic"}
    assert changes[3].after == {"space": "IR2", "attendees": 4, "purpose": "Group CV clinic"}
    v = change_booking(desk, b.id, start="2026-11-30 09:00", end="09:30", org="PROB")
    assert (local(v), v.org, v.status) == ("2026-11-30 09:00–09:30", "PROB", "confirmed")
    last = [e for e in history(app, b.id) if e.action == "change"][-1]
    assert last.before["org"] == "NCS" and last.after["org"] == "PROB"


def test_the_booking_does_not_clash_with_itself_but_with_others(desk: Cospace) -> None:
    b = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS")
    other = desk.book("IR1", "2026-11-26 11:00", "12:00", org="PROB")
    v = change_booking(desk, b.id, start="2026-11-26 09:30")  # overlaps its own old slot
    assert local(v) == "2026-11-26 09:30–10:30"
    assert_refused(desk, b.id, Conflict,
                   rf"already booked 11:00–12:00 .* by PROB \(booking #{other.id}\)",
                   end="11:30")
    with pytest.raises(Conflict, match=f"#{other.id}"):
        check_change(desk, b.id, Changes(end="11:30"))  # the live check says the same


@pytest.mark.parametrize(("fields", "error", "match"), [
    ({"start": "2026-11-26 07:30"}, RuleViolation, "outside the opening hours"),
    ({"start": "2026-11-26 09:03"}, RuleViolation, "steps of 5 minutes"),
    ({"end": "13:00"}, RuleViolation, "at most 3 h"),
    ({"attendees": 4}, RuleViolation, "holds 3 people"),
    ({"attendees": 0}, InvalidInput, "Attendees must be from 1"),  # as book refuses it
    ({"start": "2026-11-20 09:00"}, RuleViolation, "in the past"),
    ({"start": "2026-11-27 09:00", "end": "16:45"}, RuleViolation, "outside the opening"),
    ({"start": "2026-12-25 09:00"}, RuleViolation, "closed"),
    ({"space": "IR4"}, RuleViolation, "not a private room"),  # confidential stays private
    ({"space": "NOPE"}, NotFound, "no space 'NOPE'"),
    ({"space": "IR5"}, RuleViolation, "may be booked only by JCP, PROB"),
    ({"start": "2027-02-01 09:00"}, RuleViolation, "at most 8 weeks ahead"),
])
def test_every_rule_of_a_new_booking_applies(ncs: Cospace, fields, error, match) -> None:  # type: ignore[no-untyped-def]
    b = ncs.book("IR1", "2026-11-26 09:00", "10:00", confidential=True, purpose="private")
    assert_refused(ncs, b.id, error, match, **fields)


def test_a_confidential_booking_in_an_open_room_is_refused_and_so_is_the_flag(
        desk: Cospace) -> None:
    b = desk.book("IR4", "2026-11-26 09:00", "10:00", org="NCS")
    assert_refused(desk, b.id, RuleViolation, "not a private room", confidential=True)
    v = change_booking(desk, b.id, space="IR1", confidential=True)
    assert v.confidential and v.space == "IR1"
    assert not change_booking(desk, b.id, confidential=False).confidential


def test_allocation_counts_the_bookings_own_old_hours_as_freed(app: Cospace,
                                                                ncs: Cospace) -> None:
    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=4)
    a = ncs.book("IR4", "2026-12-07 09:00", "12:00")
    b = ncs.book("IR4", "2026-12-08 09:00", "10:00")  # 4 of 4 hours in the week of 7 Dec
    v = change_booking(ncs, a.id, start="2026-12-09 13:00")  # its own 3 hours move with it
    assert local(v) == "2026-12-09 13:00–16:00"
    v = change_booking(ncs, b.id, space="IR1")  # another room, same hours
    assert v.space == "IR1"
    assert_refused(ncs, b.id, RuleViolation, "NCS has used 3 of its 4 interview-room hours for the "
            "week of 7 Dec; this booking needs 1.5", end="10:30")
    v = change_booking(ncs, a.id, end="15:00")  # shortening always fits
    assert local(v) == "2026-12-09 13:00–15:00"
    v = change_booking(ncs, b.id, end="11:00")  # the hour given back is used again
    assert local(v) == "2026-12-08 09:00–11:00"
    assert_refused(ncs, b.id, NotPermitted, "cannot override", end="11:30", override="urgent")
    desk = as_user(app, "desk")
    v = change_booking(desk, b.id, end="11:30", override="safeguarding follow-up")
    assert local(v) == "2026-12-08 09:00–11:30"
    from booking.audit import history

    assert [e.action for e in history(app, b.id)][-2:] == ["change", "override"]


def test_who_may_change(app: Cospace, ncs: Cospace) -> None:
    b = as_user(app, "prob").book("IR4", "2026-11-26 09:00", "10:00")
    assert_refused(ncs, b.id, NotPermitted, r"move only their own organisation's bookings \(NCS\)",
            end="10:30")
    mine = ncs.book("IR4", "2026-11-26 11:00", "12:00")
    assert_refused(ncs, mine.id, NotPermitted, "book for only their own organisation", org="PROB")
    assert_refused(as_user(app, "estates"), mine.id, NotPermitted, "cannot move bookings",
                   end="11:30")
    assert_refused(as_user(app, "nobody"), mine.id, NotPermitted, "not a cospace user", end="11:30")
    with pytest.raises(NotFound):
        change_booking(ncs, 99999, end="10:00")
    with pytest.raises(InvalidInput, match="Say what to change"):
        change_booking(ncs, mine.id)


def test_started_bookings_may_be_extended_or_shortened_only(app: Cospace, clock,  # type: ignore[no-untyped-def]
                                                            desk: Cospace) -> None:
    b = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    clock.set(pendulum.datetime(2026, 11, 23, 9, 20, tz=LONDON).in_timezone("UTC"))
    v = change_booking(desk, b.id, end="10:15")
    assert local(v) == "2026-11-23 09:00–10:15"
    assert_refused(desk, b.id, RuleViolation, "its start stays", start="2026-11-23 09:30")
    assert_refused(desk, b.id, RuleViolation, "stays in its space", space="IR2")
    assert_refused(desk, b.id, RuleViolation, "has passed", end="09:15")
    desk.checkin(b.id)
    v = change_booking(desk, b.id, end="09:45", attendees=2)  # a checked-in session too
    assert (local(v), v.status) == ("2026-11-23 09:00–09:45", "checked_in")
    clock.set(pendulum.datetime(2026, 11, 23, 10, 0, tz=LONDON).in_timezone("UTC"))
    assert_refused(desk, b.id, RuleViolation, "is over", end="10:30")
    c = desk.book("IR2", "2026-11-26 09:00", "10:00", org="NCS")
    desk.cancel(c.id)
    assert_refused(desk, c.id, RuleViolation, "is cancelled; only a confirmed booking", end="10:30")


def test_nothing_to_change_writes_nothing(desk: Cospace) -> None:
    b = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS")
    before = snapshot(desk, b.id)
    change_booking(desk, b.id, start="2026-11-26 09:00", space="IR1")
    assert snapshot(desk, b.id) == before


# ----------------------------------------------------------------------------- series
def test_one_date_of_a_series_stays_linked_marked_and_is_an_ical_exception(
        app: Cospace) -> None:
    result = S.book_series(app, "IR1", "2026-11-26 09:00", "10:00", Repeat("weekly", count=4),
                           org="NCS", purpose="drop-in")
    third = result.booked[2]
    v = change_booking(app, third.id, start="2026-12-11 14:00", space="IR2")
    assert (v.series, v.space, local(v)) == (result.series, "IR2", "2026-12-11 14:00–15:00")
    assert v.moved_from == third.start
    v = change_booking(app, third.id, end="15:30")  # changed again: the same planned date
    assert v.moved_from == third.start
    data = export_ical(app, "NCS", dt.date(2026, 11, 23), dt.date(2026, 12, 31)).decode()
    assert "RECURRENCE-ID;TZID=Europe/London:20261210T090000" in data
    assert "DTSTART;TZID=Europe/London:20261211T140000" in data
    assert "EXDATE" not in data  # nothing dropped from the rule
    assert data.count("UID:series-") == 2 and "UID:booking-" not in data


def test_following_keeps_wall_clock_times_across_the_clock_change(app: Cospace) -> None:
    """Thursdays 18 Mar - 8 Apr 2027 (the clocks go forward on 28 Mar): from the second date
    on, 10:00-11:30 and IR2; 10:00 stays 10:00 in GMT and in BST."""
    result = S.book_series(app, "IR1", "2027-03-18 09:00", "10:00", Repeat("weekly", count=4),
                           org="JCP", purpose="claims")
    ids = [v.id for v in result.booked]
    changed = change_following(app, ids[1], start="2027-03-25 10:00", end="11:30",
                               space="IR2", attendees=2)
    assert [v.id for v in changed.booked] == ids[1:]
    assert [local(v, "MM-DD HH:mm") for v in changed.booked] == [
        "03-25 10:00–11:30", "04-01 10:00–11:30", "04-08 10:00–11:30"]
    assert {v.start.astimezone(dt.UTC).hour for v in changed.booked} == {10, 9}
    assert {v.space for v in changed.booked} == {"IR2"}
    assert {v.attendees for v in changed.booked} == {2}
    assert changed.series != result.series
    assert "10:00–11:30" in changed.description
    first = S.series_info(app, result.series)
    assert [v.id for v in first.occurrences] == ids[:1]
    assert all(v.moved_from is None for v in changed.booked), "they follow the new rule"


def test_following_is_all_or_nothing_and_lists_every_clash(app: Cospace) -> None:
    result = S.book_series(app, "IR1", "2026-11-26 09:00", "10:00", Repeat("weekly", count=5),
                           org="NCS")
    ids = [v.id for v in result.booked]
    a = app.book("IR2", "2026-12-03 10:00", "11:00", org="PROB")
    b = app.book("IR2", "2026-12-17 10:30", "11:00", org="JCP")
    before = [snapshot(app, i) for i in ids]
    with pytest.raises(S.SeriesConflict) as err:
        change_following(app, ids[1], space="IR2", start="2026-12-03 10:00", end="11:00")
    assert [c.booking for c in err.value.plan.clashes] == [a.id, b.id]
    assert "2 of the 4 dates" in err.value.message
    assert [snapshot(app, i) for i in ids] == before
    with pytest.raises(InvalidInput, match="keeps its day"):
        change_following(app, ids[1], start="2026-12-04 10:00")
    with pytest.raises(InvalidInput, match="not part of a series"):
        change_following(app, a.id, end="11:30")
    details = change_following(as_user(app, "ncs"), ids[2], purpose="moved online")  # no split
    assert details.series == result.series and {v.purpose for v in details.booked} == {
        "moved online"}


# ----------------------------------------------------------------------------- undo
def test_undo_a_mistaken_check_in_no_show_and_release(app: Cospace, clock,  # type: ignore[no-untyped-def]
                                                      desk: Cospace) -> None:
    b = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    d = desk.book("D01", "2026-11-23 09:00", "12:00", org="NCS")
    assert desk.checkin(b.id).status == "checked_in"
    v = desk.undo(b.id)
    assert v.status == "confirmed"
    clock.set(pendulum.datetime(2026, 11, 23, 9, 40, tz=LONDON).in_timezone("UTC"))
    assert desk.noshow(b.id).status == "no_show"
    assert desk.undo(b.id).status == "confirmed"
    assert d.id in desk.sweep_releases(force=True)
    assert desk.undo(d.id).status == "confirmed"
    clock.set(pendulum.datetime(2026, 11, 23, 9, 50, tz=LONDON).in_timezone("UTC"))
    assert desk.sweep_releases(force=True) == [], "an undone release stays undone"
    assert desk.get(d.id).status == "confirmed"
    from booking.audit import history

    undos = [e for e in history(app, b.id) if e.action == "undo"]
    assert [(e.before, e.after, e.reason) for e in undos] == [
        ({"status": "checked_in"}, {"status": "confirmed"}, "undo the check-in"),
        ({"status": "no_show"}, {"status": "confirmed"}, "undo the no-show")]
    with pytest.raises(RuleViolation, match="no check-in, no-show, release or cancellation"):
        desk.undo(b.id)
    desk.checkin(b.id)
    with pytest.raises(NotPermitted, match="Advisers cannot undo a check-in"):
        as_user(app, "ncs").undo(b.id)
    clock.set(pendulum.datetime(2026, 11, 24, 8, 0, tz=LONDON).in_timezone("UTC"))
    with pytest.raises(RuleViolation, match="only on the day"):
        desk.undo(b.id)


def test_undo_a_cancellation_while_the_slot_is_free(app: Cospace, ncs: Cospace,
                                                    desk: Cospace) -> None:
    b = ncs.book("IR1", "2026-11-26 09:00", "10:00")
    ncs.cancel(b.id)
    assert ncs.undo(b.id).status == "confirmed", "whoever may cancel it may undo it"
    ncs.cancel(b.id)
    taker = desk.book("IR1", "2026-11-26 09:30", "10:30", org="PROB")
    before = snapshot(app, b.id)
    with pytest.raises(Conflict, match=rf"booking #{taker.id}\).*no longer free"):
        ncs.undo(b.id)
    assert snapshot(app, b.id) == before
    with pytest.raises(NotPermitted):
        as_user(app, "prob").undo(b.id)
    with pytest.raises(NotFound):
        desk.undo(424242)


def test_undo_a_cancellation_counts_against_the_allocation_again(app: Cospace,
                                                                 ncs: Cospace) -> None:
    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=2)
    b = ncs.book("IR4", "2026-12-07 09:00", "11:00")
    ncs.cancel(b.id)
    ncs.book("IR4", "2026-12-08 09:00", "11:00")
    with pytest.raises(RuleViolation, match="used 2 of its 2"):
        ncs.undo(b.id)


# ----------------------------------------------------------------------------- property
SPACES = ("IR1", "IR2", "IR4")
op = st.one_of(
    st.tuples(st.just("book"), st.integers(0, 2), st.integers(0, 11), st.integers(1, 4)),
    st.tuples(st.just("change"), st.integers(0, 30), st.integers(0, 2), st.integers(0, 11),
              st.integers(1, 4)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("undo"), st.integers(0, 30)),
)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_property_no_sequence_leaves_two_active_bookings_overlapping(desk: Cospace,
                                                                      ops) -> None:  # type: ignore[no-untyped-def]
    with desk.engine.begin() as conn:  # each example starts from an empty day
        conn.execute(text("DELETE FROM booking"))
    ids: list[int] = []

    def slot(s: int, n: int) -> tuple[str, str]:
        start = dt.datetime(2026, 11, 26, 9, 0) + dt.timedelta(minutes=30 * s)
        return f"{start:%Y-%m-%d %H:%M}", f"{start + dt.timedelta(minutes=30 * n):%H:%M}"

    for o in ops:
        try:
            if o[0] == "book":
                s, e = slot(o[2], o[3])
                ids.append(desk.book(SPACES[o[1]], s, e, org="NCS").id)
            elif ids and o[0] == "change":
                s, e = slot(o[3], o[4])
                change_booking(desk, ids[o[1] % len(ids)], space=SPACES[o[2]], start=s, end=e)
            elif ids and o[0] == "cancel":
                desk.cancel(ids[o[1] % len(ids)])
            elif ids:
                desk.undo(ids[o[1] % len(ids)])
        except CospaceError:
            pass
        with desk.engine.connect() as conn:
            assert conn.execute(OVERLAPS).all() == []


def test_change_audit_values_are_redacted_for_other_organisations(app: Cospace,
                                                                 ncs: Cospace) -> None:
    b = ncs.book("IR1", "2026-11-26 09:00", "10:00", purpose="secret plan")
    change_booking(ncs, b.id, purpose="another secret")
    from booking.audit import history

    mine = [e for e in history(ncs, b.id) if e.action == "change"][0]
    assert mine.after == {"purpose": "another secret"}
    theirs = [e for e in history(as_user(app, "prob"), b.id) if e.action == "change"]
    assert all("secret" not in json.dumps(e.after) for e in theirs)
