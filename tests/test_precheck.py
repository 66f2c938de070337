"""The form's live check (booking/precheck.py), the Desk's walk-in reasons, the hours a site
would leave bookings outside, and unmet demand recorded once for the same search."""

from __future__ import annotations

import datetime as dt

import pendulum
from sqlalchemy import func, select

from booking.hours_impact import bookings_outside
from booking.precheck import precheck
from booking.service import Cospace
from booking.walkin import walk_in, why_not
from db.tables import UnmetDemand
from tests.conftest import as_user

MONDAY = dt.date(2026, 11, 23)


def at(hh: int, mm: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return pendulum.datetime(day.year, day.month, day.day, hh, mm,
                             tz="Europe/London").in_timezone("UTC")


def check(cs: Cospace, space: str, start: dt.datetime, end: dt.datetime, org: str,
          **kw):  # type: ignore[no-untyped-def]
    site = cs.site("NGT")
    spaces = cs.spaces("NGT")
    org_info = next(o for o in cs.orgs() if o.code == org)
    return precheck(cs, space=next(s for s in spaces if s.code == space), site=site,
                    org=org_info, start=start, end=end, spaces=spaces, **kw)


def test_a_free_slot_is_free(app: Cospace) -> None:
    v = check(as_user(app, "ncs"), "IR1", at(10), at(11), "NCS")
    assert v.ok and v.line.startswith("✓ IR1") and "10:00–11:00" in v.line


def test_a_clash_names_the_holder_never_its_purpose_and_offers_alternatives(
        any_app: Cospace) -> None:
    app = any_app
    held = as_user(app, "prob").book("IR1", "2026-11-23 10:00", "11:00",
                                     purpose="Supervision of J. Smith")
    v = check(as_user(app, "ncs"), "IR1", at(10), at(11), "NCS")
    assert not v.ok
    assert v.holder == f"PROB (booking #{held.id})"
    assert "Supervision" not in v.line and "Smith" not in v.line
    words = [a.words for a in v.alternatives]
    # another fitting room at that time first, then the nearest time in IR1
    assert words[0].startswith("IR4 10:00–11:00") or words[0].startswith("IR2 10:00–11:00")
    assert "IR5" not in " ".join(words)  # PROB and JCP only: not for NCS
    assert any(w.startswith("IR1 ") and "10:00" not in w.split()[1][:5] for w in words)
    # the same slot, asked by its own organisation, shows its purpose to them
    own = check(as_user(app, "prob"), "IR1", at(10, 30), at(11, 30), "PROB")
    assert "Supervision of J. Smith" in own.line


def test_the_check_runs_books_rules_and_permissions(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    assert "only by" in check(ncs, "IR5", at(10), at(11), "NCS").message
    assert "outside the opening hours" in check(ncs, "IR1", at(17), at(18), "NCS").message
    refused = check(ncs, "IR1", at(10), at(11), "PROB")
    assert not refused.ok and "not PROB" in refused.message
    estates = check(as_user(app, "estates"), "IR1", at(10), at(11), "JCP")
    assert not estates.ok and "cannot book" in estates.message


def test_a_booking_ending_where_another_starts_is_free(app: Cospace) -> None:
    as_user(app, "prob").book("IR1", "2026-11-23 10:00", "11:00")
    assert check(as_user(app, "ncs"), "IR1", at(9), at(10), "NCS").ok
    assert check(as_user(app, "ncs"), "IR1", at(11), at(12), "NCS").ok


def test_the_same_failed_search_is_unmet_demand_once(any_app: Cospace) -> None:
    app = any_app
    desk = as_user(app, "desk")
    for code in ("WS1",):
        desk.book(code, "2026-11-23 10:00", "12:00", org="JCP")

    def count() -> int:
        with app.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(
                UnmetDemand.__table__)).scalar() or 0)

    first = desk.find_free("NGT", "workshop", at(10), at(12), org="NCS")
    again = desk.find_free("NGT", "workshop", at(10), at(12), org="NCS")
    assert first.unmet_demand_id is not None and again.unmet_demand_id == first.unmet_demand_id
    assert count() == 1
    other = desk.find_free("NGT", "workshop", at(10), at(12), org="PROB")  # another org
    assert other.unmet_demand_id != first.unmet_demand_id and count() == 2
    app.clock.set(app.clock() + dt.timedelta(hours=1))  # type: ignore[attr-defined]
    later = desk.find_free("NGT", "workshop", at(10), at(12), org="NCS")
    assert later.unmet_demand_id not in (first.unmet_demand_id, None) and count() == 3


def test_a_walk_in_is_checked_in_and_a_refusal_says_why_each_space_did_not_fit(
        app: Cospace) -> None:
    desk = as_user(app, "desk")
    app.clock.set(at(10, 2))  # type: ignore[attr-defined]
    for code in ("IR1", "IR2", "IR4"):
        desk.book(code, "2026-11-23 10:00", "11:00", org="JCP")
    reasons = why_not(desk, "NGT", "interview", at(10), at(11), org="NCS")
    assert "IR5 is only for JCP, PROB" in reasons
    assert any(r.startswith("IR1 is booked 10:00–11:00 by JCP") for r in reasons)
    try:
        walk_in(desk, "NGT", "interview", 30, org="NCS", check_in=True)
    except Exception as exc:  # noqa: BLE001 - the refusal's words are the point
        assert "IR5 is only for JCP, PROB" in str(exc)
    else:
        raise AssertionError("no interview room fits NCS now")
    view = walk_in(desk, "NGT", "interview", 30, org="PROB", check_in=True)
    assert view.space == "IR5" and view.status == "checked_in"


def test_bookings_outside_new_hours_are_listed_before_saving(app: Cospace) -> None:
    desk = as_user(app, "desk")
    late = desk.book("IR1", "2026-11-26 16:00", "17:00", org="NCS")  # a Thursday
    desk.book("IR2", "2026-11-26 10:00", "11:00", org="NCS")
    friday = desk.book("IR4", "2026-11-27 09:00", "10:00", org="PROB")
    out = bookings_outside(as_user(app, "estates"), "NGT", "mon-thu 08:30-16:00")
    assert [o.id for o in out] == [late.id, friday.id]
    assert out[0].words.startswith(f"#{late.id} IR1 ") and out[0].words.endswith(" NCS")
    assert app.site("NGT").hours[3] == (8 * 60 + 30, 17 * 60)  # nothing saved
