"""The booking use cases against a real store (SQLite file, and PostgreSQL where configured)."""

import os
import stat

import pendulum
import pytest
from sqlalchemy import select, text

from booking.errors import Conflict, NotFound, NotPermitted, RuleViolation, StoreUnavailable
from booking.service import Cospace
from db.engine import sqlite_path
from db.tables import Audit, Booking, UnmetDemand
from tests.conftest import as_user


def test_booking_is_stored_in_utc_and_shown_local(any_app):
    view = as_user(any_app, "desk").book("IR1", "2026-11-26 09:00", "10:00", org="NCS",
                                         purpose="CV clinic", attendees=2)
    assert view.to_json()["start"] == "2026-11-26T09:00:00+00:00"
    with any_app.engine.connect() as conn:
        row = conn.execute(select(Booking.__table__).where(Booking.__table__.c.id == view.id)
                           ).one()
    assert row.start_at.hour == 9 and row.start_at.utcoffset().total_seconds() == 0


def test_summer_booking_offsets(app, clock):
    clock.set(pendulum.datetime(2026, 6, 1, 8, 0, tz="Europe/London"))
    view = as_user(app, "desk").book("IR1", "2026-06-04 09:00", "10:00")
    assert view.to_json()["start"] == "2026-06-04T09:00:00+01:00"
    assert view.start.hour == 8  # UTC


def test_cancel_frees_the_space_and_keeps_the_row(any_app):
    desk = as_user(any_app, "desk")
    first = desk.book("IR1", "2026-11-26 09:00", "10:00")
    assert desk.cancel(first.id).status == "cancelled"
    second = desk.book("IR1", "2026-11-26 09:00", "10:00")
    assert second.id != first.id
    assert desk.get(first.id).status == "cancelled"
    with pytest.raises(RuleViolation, match="only a confirmed booking can be cancelled"):
        desk.cancel(first.id)


def test_checkin_and_noshow(app, clock):
    desk = as_user(app, "desk")
    b = desk.book("IR1", "2026-11-23 09:00", "10:00")
    with pytest.raises(RuleViolation, match="once it has started"):
        desk.noshow(b.id)
    clock.set(pendulum.datetime(2026, 11, 23, 9, 10, tz="Europe/London"))
    assert desk.checkin(b.id).status == "checked_in"
    c = desk.book("IR2", "2026-11-23 09:10", "10:00")
    assert desk.noshow(c.id).status == "no_show"
    # a no-show frees the room for a walk-in
    assert desk.book("IR2", "2026-11-23 09:15", "10:00").status == "confirmed"
    later = desk.book("IR1", "2026-11-25 09:00", "10:00")
    with pytest.raises(RuleViolation, match="only on the day"):
        desk.checkin(later.id)


def test_unknown_ids_and_codes(app):
    desk = as_user(app, "desk")
    with pytest.raises(NotFound):
        desk.cancel(999)
    with pytest.raises(NotFound, match="no space 'XX'"):
        desk.book("XX", "2026-11-26 09:00", "10:00")
    with pytest.raises(NotFound, match="no organisation 'NOPE'"):
        desk.book("IR1", "2026-11-26 09:00", "10:00", org="NOPE")


def test_advisers_book_for_their_own_organisation_only(app):
    ncs = as_user(app, "ncs")
    mine = ncs.book("D01", "2026-11-26 09:00", "12:00")
    assert mine.org == "NCS" and mine.purpose == ""
    with pytest.raises(NotPermitted, match="only their own organisation"):
        ncs.book("D02", "2026-11-26 09:00", "12:00", org="JCP")
    other = as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00", org="JCP",
                                      purpose="Benefit review")
    with pytest.raises(NotPermitted, match="only their own organisation"):
        ncs.cancel(other.id)
    assert as_user(app, "ncs2").cancel(mine.id).status == "cancelled"


def test_unknown_login_may_only_look(app):
    stranger = as_user(app, "nobody")
    with pytest.raises(NotPermitted, match="not a cospace user"):
        stranger.book("IR1", "2026-11-26 09:00", "10:00", org="JCP")
    as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00", purpose="Private matter")
    seen = stranger.list_bookings(site="NGT")
    assert len(seen) == 1 and seen[0].purpose is None and seen[0].booked_by is None


def test_other_organisations_never_see_purpose(app):
    as_user(app, "ncs").book("IR1", "2026-11-26 09:00", "10:00", purpose="Careers guidance")
    assert as_user(app, "ncs2").list_bookings()[0].purpose == "Careers guidance"
    for login in ("prob", "estates", "desk"):
        assert as_user(app, login).list_bookings()[0].purpose is None


def test_confidential_purpose_for_its_booker_only(app):
    as_user(app, "ncs").book("IR1", "2026-11-26 09:00", "10:00", purpose="Health disclosure",
                             confidential=True)
    assert as_user(app, "ncs").list_bookings()[0].purpose == "Health disclosure"
    desk = as_user(app, "desk").list_bookings()[0]  # who and how many, to direct the customer
    assert desk.purpose is None and desk.booked_by == "ncs" and desk.attendees == 1
    assert as_user(app, "ncs2").list_bookings()[0].purpose is None


def test_every_change_is_audited(app):
    desk = as_user(app, "desk")
    b = desk.book("IR1", "2026-11-26 09:00", "10:00")
    desk.cancel(b.id)
    with app.engine.connect() as conn:
        rows = conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.entity == "booking", Audit.__table__.c.entity_id == b.id)
            .order_by(Audit.__table__.c.id)).all()
    assert [(r.action, r.actor) for r in rows] == [("create", "desk"), ("cancel", "desk")]
    assert '"cancelled"' in rows[1].after and '"confirmed"' in rows[1].before


def test_find_free_best_first_and_filters(any_app):
    desk = as_user(any_app, "desk")
    res = desk.find_free("NGT", "interview", "2026-11-26 09:00", "10:00", attendees=2)
    assert [s.code for s in res.spaces] == ["IR4", "IR1", "IR5", "IR2"]
    res = desk.find_free("NGT", "interview", "2026-11-26 09:00", "10:00", needs="step-free")
    assert [s.code for s in res.spaces] == ["IR2"]
    res = desk.find_free("NGT", "interview", "2026-11-26 09:00", "10:00", confidential=True)
    assert "IR4" not in [s.code for s in res.spaces]
    ncs = as_user(any_app, "ncs")
    res = ncs.find_free("NGT", "interview", "2026-11-26 09:00", "10:00")
    assert "IR5" not in [s.code for s in res.spaces]  # restricted to PROB and JCP


def test_find_free_records_unmet_demand_and_suggests(any_app):
    desk = as_user(any_app, "desk")
    desk.book("IR2", "2026-11-26 09:00", "11:00")
    res = desk.find_free("NGT", "interview", "2026-11-26 09:30", "10:30", needs="hearing-loop")
    assert res.spaces == [] and res.unmet_demand_id is not None
    starts = [s.to_json()["start"] for s in res.suggestions]
    assert starts[0] == "2026-11-26T11:00:00+00:00"
    assert "2026-11-26T08:00:00+00:00" not in starts  # before opening
    with any_app.engine.connect() as conn:
        row = conn.execute(select(UnmetDemand.__table__)).one()
    assert row.kind == "interview" and row.features == "hearing-loop"


def test_store_must_be_initialised(tmp_path):
    with pytest.raises(StoreUnavailable, match="cospace init"):
        Cospace.open(f"sqlite:///{tmp_path / 'none.db'}", "x")


def test_init_keeps_existing_data(sqlite_url, clock):
    app, new = Cospace.init(sqlite_url, "admin", clock)
    assert new
    from tests.conftest import seed
    seed(app)
    as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00")
    again, new = Cospace.init(sqlite_url, "someone-else", clock)
    assert not new
    assert again.counts()["bookings"] == 1
    assert as_user(again, "someone-else").actor.known is False


def test_sqlite_store_is_private_and_in_wal_mode(app):
    path = sqlite_path(str(app.engine.url))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with app.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_clash_inside_a_longer_booking(any_app):
    desk = as_user(any_app, "desk")
    desk.book("D01", "2026-11-26 08:30", "17:00")
    with pytest.raises(Conflict, match="08:30–17:00"):
        desk.book("D01", "2026-11-26 12:00", "12:30")
