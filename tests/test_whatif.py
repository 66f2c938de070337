"""What if a site had had more or fewer spaces: hand-worked replays (booking/whatif.py,
booking/estates.py) and ``cospace report whatif``."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.errors import InvalidInput, NotPermitted
from booking.estates import FIELDS, what_if
from booking.whatif import Item, Shape, place, saturated_minutes, suits
from cli.main import main
from tests import report_store
from tests.conftest import as_user
from tests.report_store import END, START

# Seeded NGT (tests/conftest.py): open Mon-Thu 08:30-17:00, Fri 08:30-16:30, so a week with
# no closures has 4 x 8.5 + 8 = 42 open hours per space.
WEEK = (dt.date(2026, 11, 30), dt.date(2026, 12, 4))


def two_desks_full(app) -> None:  # type: ignore[no-untyped-def]
    """Wed 2 Dec: both desks booked 09:00-12:00; two desk requests turned away,
    09:30-10:30 and 10:30-11:30."""
    desk = as_user(app, "desk")
    desk.book("D01", "2026-12-02 09:00", "12:00", org="JCP")
    desk.book("D02", "2026-12-02 09:00", "12:00", org="JCP")
    ncs = as_user(app, "ncs")
    for start, end in (("09:30", "10:30"), ("10:30", "11:30")):
        got = ncs.find_free("NGT", "desk", f"2026-12-02 {start}", end)
        assert not got.spaces and got.unmet_demand_id is not None


def test_one_more_desk_meets_exactly_the_two_turned_away_requests(app):
    two_desks_full(app)
    res = what_if(as_user(app, "estates"), site="NGT", kind="desk", start=WEEK[0], end=WEEK[1],
                  add=1)
    assert res.to_json() == {
        "site": "NGT", "kind": "desk", "spaces_before": 2, "spaces_after": 3,
        "unmet_requests": 2, "unmet_requests_met": 2, "unmet_hours_met": 2.0,
        "bookings_not_fitted": 0,
        # before: 6 booked h of 2 x 42; after: 6 + 2 met of 3 x 42
        "utilisation_before": round(6 / 84, 4), "utilisation_after": round(8 / 126, 4),
        # all three desks in use 09:30-11:30
        "saturated_hours_after": 2.0,
    }
    assert list(res.to_json()) == list(FIELDS)
    assert res.saturated_hours_before == 3.0  # both desks 09:00-12:00


def test_a_removal_leaves_one_booking_unplaced(any_app, clock):
    """On SQLite and PostgreSQL."""
    report_store.build(any_app, clock)
    estates = as_user(any_app, "estates")
    # Tue 20 Oct 10:00-11:00 every interview room is booked (b8-b11); no other moment has
    # more than two. The least booked room is IR5 (b11, 1 h): IR1 has 4 h, IR2 2.5, IR4 2.
    res = what_if(estates, site="NGT", kind="interview", start=START, end=END, remove=1)
    assert res.change == "remove IR5"
    assert (res.spaces_before, res.spaces_after, res.bookings_not_fitted) == (4, 3, 1)
    assert (res.unmet_requests, res.unmet_requests_met) == (1, 0)  # NCS, Tue 10:00: still not
    # 9.5 booked h of 4 x 75.5 open; after, 8.5 of 3 x 75.5 (tests/test_reports.py)
    assert res.utilisation_before == round(9.5 / 302, 4)
    assert res.utilisation_after == round(8.5 / 226.5, 4)
    assert res.saturated_hours_after == 1.0  # the three left, Tue 10:00-11:00
    # Giving up IR1 instead: IR5 stays but only PROB and JCP may use it; still one unplaced.
    res = what_if(estates, site="NGT", kind="interview", start=START, end=END, remove=1,
                  like="IR1")
    assert res.change == "remove IR1" and res.bookings_not_fitted == 1
    # One more room instead meets the NCS request.
    res = what_if(estates, site="NGT", kind="interview", start=START, end=END, add=1)
    assert (res.bookings_not_fitted, res.unmet_requests_met, res.unmet_hours_met) == (0, 1, 1.0)


def loop_requests(app) -> None:  # type: ignore[no-untyped-def]
    """Only IR2 has a hearing loop (and seats 4). Tue 1 Dec 14:00-15:00 every interview room
    is booked, IR2 by one person who needs no loop; Wed 2 Dec 14:00-15:00 only IR2, for 4
    people. Each day an NCS request for a hearing-loop room at that time is turned away."""
    desk = as_user(app, "desk")
    for space, org in (("IR1", "NCS"), ("IR2", "NCS"), ("IR4", "NCS"), ("IR5", "PROB")):
        desk.book(space, "2026-12-01 14:00", "15:00", org=org)
    desk.book("IR2", "2026-12-02 14:00", "15:00", org="NCS", attendees=4)
    ncs = as_user(app, "ncs")
    for day in ("2026-12-01", "2026-12-02"):
        got = ncs.find_free("NGT", "interview", f"{day} 14:00", "15:00", needs="hearing-loop")
        assert got.unmet_demand_id is not None


def test_requests_needing_a_feature_only_some_spaces_have(app):
    loop_requests(app)
    estates = as_user(app, "estates")
    # A plain extra room (a copy of IR1: the four rooms differ, so the first by code) has no
    # loop. On Tuesday the one-person booking moves out of IR2 into a free room, so the
    # request gets IR2; on Wednesday the four-person booking can only be in IR2.
    plain = what_if(estates, site="NGT", kind="interview", start=WEEK[0], end=WEEK[1], add=1)
    assert plain.change.startswith("add 1 like IR1 (capacity 3; phone, wifi; private)")
    assert (plain.unmet_requests, plain.unmet_requests_met, plain.unmet_hours_met) == (2, 1, 1.0)
    assert plain.bookings_not_fitted == 0
    # A second room like IR2 meets both.
    loop = what_if(estates, site="NGT", kind="interview", start=WEEK[0], end=WEEK[1], add=1,
                   like="IR2")
    assert (loop.unmet_requests_met, loop.unmet_hours_met, loop.bookings_not_fitted) == (2, 2.0, 0)


def test_placement_keeps_private_and_restricted_rooms_for_who_may_use_them():
    open_room, private, prob_only = (Shape(2), Shape(2, private=True),
                                     Shape(2, restricted_to=frozenset({"PROB"})))
    h = 3600
    # A confidential interview needs the private room; a PROB booking may use its own room;
    # an NCS request can only go where neither is.
    bookings = [Item(0, h, confidential=True, org="NCS", space="P"),
                Item(0, h, org="PROB", space="O")]
    requests = [Item(0, h, org="NCS")]
    got = place([("O", open_room), ("P", private), ("R", prob_only)], bookings, requests)
    assert len(got.bookings) == 2 and len(got.met) == 1
    assert got.where[id(requests[0])] == "O" and got.where[id(bookings[1])] == "R"
    # Without the restricted room something must give: the bookings keep their places.
    got = place([("O", open_room), ("P", private)], bookings, requests)
    assert len(got.bookings) == 2 and got.met == []


def test_identical_spaces_keep_the_most_bookings_and_then_the_most_requests():
    h = 3600
    # One space: a long booking 9-17 against two short ones 9-10 and 10-11: two beat one.
    long, short1, short2 = Item(9 * h, 17 * h), Item(9 * h, 10 * h), Item(10 * h, 11 * h)
    got = place([("A", Shape(1))], [long, short1, short2], [])
    assert got.bookings == [short1, short2] and got.not_fitted == [long]
    # Requests fill what the bookings leave; the earliest-ending first.
    reqs = [Item(11 * h, 15 * h), Item(11 * h, 12 * h), Item(12 * h, 13 * h)]
    got = place([("A", Shape(1))], [short1, short2], reqs)
    assert got.met == [reqs[1], reqs[2]]
    assert saturated_minutes([short1, short2, *got.met], 1) == 4 * 60


def test_whatif_refusals(app, clock):
    estates = as_user(app, "estates")
    with pytest.raises(InvalidInput, match="--add N or --remove N"):
        what_if(estates, site="NGT", kind="desk", start=WEEK[0], end=WEEK[1])
    with pytest.raises(InvalidInput, match="only 2 desk spaces"):
        what_if(estates, site="NGT", kind="desk", start=WEEK[0], end=WEEK[1], remove=3)
    with pytest.raises(InvalidInput, match="not a desk space"):
        what_if(estates, site="NGT", kind="desk", start=WEEK[0], end=WEEK[1], add=1, like="IR1")
    with pytest.raises(NotPermitted, match="cannot read usage reports"):
        what_if(as_user(app, "ncs"), site="NGT", kind="desk", start=WEEK[0], end=WEEK[1],
                add=1)


def test_cli_whatif_json_table_and_exit_codes(app, sqlite_url, capsys, monkeypatch):
    two_desks_full(app)
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00+00:00")
    base = ["--db", sqlite_url, "--as", "estates", "report", "whatif", "--site", "NGT",
            "--kind", "desk", "--from", "2026-11-30", "--to", "2026-12-04"]
    assert main([*base, "--add", "1", "--format", "json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert list(got) == list(FIELDS)
    assert (got["unmet_requests_met"], got["spaces_after"]) == (2, 3)
    assert main([*base, "--add", "1"]) == 0
    out = capsys.readouterr().out
    assert "What if at NGT: add 1 like D01" in out
    assert "turned-away requests met: 2 of 2 (2.0 of 2.0 h)" in out
    assert main([*base, "--remove", "5"]) == 2
    assert "cannot remove 5" in capsys.readouterr().err
    assert main([*base[:-4], "--from", "2026-11-30", "--to", "2026-12-04"]) == 2  # no --add
    base[3] = "ncs"
    assert main([*base, "--add", "1"]) == 1
    assert "Traceback" not in capsys.readouterr().err


def _brute(k: int, bookings: list[Item], requests: list[Item]) -> tuple[int, int, int]:
    """(most bookings that fit in k identical spaces; most requests around one such largest
    set, the best over all of them; most requests around every booking, when all fit)."""
    from itertools import combinations

    def fits(items: tuple[Item, ...]) -> bool:
        return all(sum(1 for i in items if i.start <= t < i.end) <= k
                   for t in {i.start for i in items})

    best_b = max(n for n in range(len(bookings) + 1)
                 if any(fits(c) for c in combinations(bookings, n)))
    best_r = 0
    for c in combinations(bookings, best_b):
        if fits(c):
            best_r = max([best_r] + [n for n in range(len(requests) + 1)
                                     if any(fits(c + r) for r in combinations(requests, n))])
    return best_b, best_r, best_r if best_b == len(bookings) else -1


@settings(max_examples=150, deadline=None)
@given(k=st.integers(1, 3),
       spans=st.lists(st.tuples(st.integers(0, 8), st.integers(1, 4), st.booleans()),
                      min_size=1, max_size=8))
def test_identical_placement_against_brute_force(k, spans):
    bookings = [Item(s, s + n) for s, n, is_booking in spans if is_booking]
    requests = [Item(s, s + n) for s, n, is_booking in spans if not is_booking]
    got = place([(f"S{i}", Shape(1)) for i in range(k)], bookings, requests)
    most_b, most_r, all_fit_r = _brute(k, bookings, requests)
    assert len(got.bookings) == most_b
    assert len(got.bookings) + len(got.not_fitted) == len(bookings)
    assert saturated_minutes([*got.bookings, *got.met], k + 1) == 0  # never k + 1 at once
    assert len(got.met) <= most_r
    if all_fit_r >= 0:  # every booking fits: the requests met are the most possible
        assert len(got.met) == all_fit_r


SHAPES = [Shape(1), Shape(3, frozenset({"loop"})), Shape(2, private=True),
          Shape(2, restricted_to=frozenset({"PROB"}))]


@settings(max_examples=150, deadline=None)
@given(shapes=st.lists(st.sampled_from(SHAPES), min_size=1, max_size=4),
       spans=st.lists(st.tuples(st.integers(0, 8), st.integers(1, 4), st.booleans(),
                                st.integers(1, 3), st.booleans(), st.booleans(),
                                st.sampled_from(["NCS", "PROB"])), min_size=1, max_size=10))
def test_placement_among_different_spaces_is_always_valid(shapes, spans):
    spaces = [(f"S{i}", s) for i, s in enumerate(shapes)]
    items = [(Item(s, s + n, people, frozenset({"loop"}) if loop else frozenset(), conf, org,
                   None), is_booking)
             for s, n, is_booking, people, loop, conf, org in spans]
    bookings = [it for it, b in items if b]
    requests = [it for it, b in items if not b]
    got = place(spaces, bookings, requests)
    shape = dict(spaces)
    assert sorted(map(id, got.bookings + got.not_fitted)) == sorted(map(id, bookings))
    if all(suits(s, it) for it, _ in items for s in shapes):
        return  # every item suits every space: counted, not assigned (brute force above)
    taken: dict[str, list[Item]] = {}
    for it in got.bookings + got.met:
        code = got.where[id(it)]
        assert suits(shape[code], it)
        assert all(o.end <= it.start or it.end <= o.start for o in taken.get(code, []))
        taken.setdefault(code, []).append(it)
