"""Auto-release of desk bookings nobody checked in for, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy import select

from booking.service import Cospace
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import as_user
from tests.report_store import at


def _status(app: Cospace, booking_id: int) -> str:
    return as_user(app, "admin").get(booking_id).status


def test_desk_released_after_30_minutes_and_space_free_again(any_app, clock):
    desk = as_user(any_app, "desk")
    clock.set(at("2026-11-24T08:00"))
    b = desk.book("D01", "2026-11-24 09:00", "12:00", org="NCS")
    room = desk.book("IR1", "2026-11-24 09:00", "10:00", org="NCS")
    clock.set(at("2026-11-24T09:29"))
    as_user(any_app, "desk").list_bookings(site="NGT")
    assert _status(any_app, b.id) == "confirmed"
    clock.set(at("2026-11-24T09:30"))
    views = as_user(any_app, "desk").day_bookings("NGT", at("2026-11-24T12:00").date())
    assert {v.id: v.status for v in views}[b.id] == "released"
    assert _status(any_app, room.id) == "confirmed"  # interview rooms are not released
    free = as_user(any_app, "desk").find_free("NGT", "desk", "2026-11-24 10:00", "11:00",
                                              needs="pc")
    assert [s.code for s in free.spaces] == ["D01"]
    with read_tx(any_app.engine) as conn:
        rows = conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.action == "release")).all()
    assert [(r.actor, r.entity_id, json.loads(r.after)["status"]) for r in rows] == [
        ("system", b.id, "released")]


def test_checked_in_desk_is_kept_and_late_arrival_can_check_in(app, clock):
    desk = as_user(app, "desk")
    clock.set(at("2026-11-24T08:00"))
    kept = desk.book("D01", "2026-11-24 09:00", "12:00", org="NCS")
    late = desk.book("D02", "2026-11-24 09:00", "12:00", org="NCS")
    clock.set(at("2026-11-24T09:10"))
    desk.checkin(kept.id)
    clock.set(at("2026-11-24T10:00"))
    as_user(app, "desk").list_bookings(site="NGT")
    assert _status(app, kept.id) == "checked_in"
    assert _status(app, late.id) == "released"
    assert as_user(app, "desk").checkin(late.id).status == "checked_in"


def test_sweep_on_open_uses_the_sites_delay(app, clock, sqlite_url):
    from sqlalchemy import update

    from db.engine import write_tx
    from db.tables import Site

    with write_tx(app.engine) as conn:
        conn.execute(update(Site.__table__).values(release_after_minutes=60))
    clock.set(at("2026-11-24T08:00"))
    b = as_user(app, "desk").book("D01", "2026-11-24 09:00", "12:00", org="NCS")
    clock.set(at("2026-11-24T09:45"))
    Cospace.open(sqlite_url, "desk", clock)
    assert _status(app, b.id) == "confirmed"
    clock.set(at("2026-11-24T10:00"))
    Cospace.open(sqlite_url, "desk", clock)
    assert _status(app, b.id) == "released"


def test_sweep_is_throttled_per_app_but_forced_on_demand(app, clock):
    desk = as_user(app, "desk")
    clock.set(at("2026-11-24T08:00"))
    b = desk.book("D01", "2026-11-24 09:00", "12:00", org="NCS")
    reader = as_user(app, "desk")
    clock.set(at("2026-11-24T09:29:30"))
    assert reader.sweep_releases() == []
    clock.set(at("2026-11-24T09:30:10"))
    assert reader.sweep_releases() == []  # swept 40 s ago
    assert reader.sweep_releases(force=True) == [b.id]
