"""A small store whose every report figure is worked out by hand in tests/test_reports.py.

Site NGT (seeded by conftest): open Mon–Thu 08:30–17:00 (8.5 h), Fri 08:30–16:30 (8 h);
4 interview rooms (IR1, IR2, IR4, IR5 — IR5 only for PROB and JCP), 2 desks (D01, D02),
1 workshop room (WS1). Period: Mon 19 Oct – Fri 30 Oct 2026; the clocks go back on Sun 25 Oct;
NGT is closed on Wed 28 Oct.

Bookings (local London time):
  b1  IR1 Mon 19 Oct 09:00–10:00 NCS  checked in            1 h
  b2  IR2 Mon 19 Oct 09:30–11:00 JCP  confirmed (unmarked)  1.5 h
  b3  IR1 Mon 26 Oct 09:00–11:00 NCS  no-show (after the clock change)  2 h
  b4  IR4 Tue 20 Oct 14:00–15:00 PROB cancelled             (not counted)
  b5  D01 Tue 27 Oct 08:30–17:00 JCP  released by the sweep 8.5 h
  b6  WS1 Thu 22 Oct 13:00–17:00 NCS  checked in            4 h (saturates the workshop)
  b7  IR4 Sun 18 Oct 23:00 – Mon 19 Oct 01:00 JCP confirmed: across the period's start, 1 h in
  b8–b11 IR1 NCS, IR2 JCP, IR4 NCS, IR5 PROB, Tue 20 Oct 10:00–11:00, confirmed: every
          interview room at once (1 h saturated)
  b12 D02 Wed 21 Oct 09:00–12:00 PROB checked in            3 h
Unmet demand: NCS interview Tue 20 Oct 10:00–11:00 (1 h); JCP workshop for 20 people
  Mon 26 Oct 09:00–10:30 (1.5 h).
"""

from __future__ import annotations

import datetime as dt

import pendulum
from sqlalchemy import insert

from booking.service import Cospace
from db import queries as q
from db.engine import write_tx
from db.tables import Closure
from tests.conftest import LONDON, as_user

START = dt.date(2026, 10, 19)
END = dt.date(2026, 10, 30)


def at(text: str) -> dt.datetime:
    return pendulum.parse(text, tz=LONDON).in_timezone("UTC")


def build(app: Cospace, clock) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Fill ``app``'s seeded store as described above; returns booking ids by name."""
    desk = as_user(app, "desk")
    ids: dict[str, int] = {}
    with write_tx(app.engine) as conn:
        conn.execute(insert(Closure.__table__).values(site_id=app.site("NGT").id,
                                                      day=dt.date(2026, 10, 28),
                                                      reason="flood"))
        ids["b7"] = q.insert_booking(conn, dict(
            space_id=app.space("IR4").id, org_id=q.org_row(conn, code="JCP").id,
            booked_by_id=None, start_at=at("2026-10-18T23:00"), end_at=at("2026-10-19T01:00"),
            status="confirmed", attendees=1, purpose="night shift", confidential=False,
            created_at=at("2026-10-01T09:00"), updated_at=at("2026-10-01T09:00")))
    clock.set(at("2026-10-19T07:00"))
    book = desk.book
    ids["b1"] = book("IR1", "2026-10-19 09:00", "10:00", org="NCS").id
    ids["b2"] = book("IR2", "2026-10-19 09:30", "11:00", org="JCP", purpose="secret").id
    ids["b3"] = book("IR1", "2026-10-26 09:00", "11:00", org="NCS").id
    ids["b4"] = book("IR4", "2026-10-20 14:00", "15:00", org="PROB").id
    ids["b5"] = book("D01", "2026-10-27 08:30", "17:00", org="JCP").id
    ids["b6"] = book("WS1", "2026-10-22 13:00", "17:00", org="NCS").id
    for name, space, org in (("b8", "IR1", "NCS"), ("b9", "IR2", "JCP"), ("b10", "IR4", "NCS"),
                             ("b11", "IR5", "PROB")):
        ids[name] = book(space, "2026-10-20 10:00", "11:00", org=org).id
    ids["b12"] = book("D02", "2026-10-21 09:00", "12:00", org="PROB").id
    desk.cancel(ids["b4"])
    as_user(app, "ncs").find_free("NGT", "interview", "2026-10-20 10:00", "11:00")
    as_user(app, "admin").find_free("NGT", "workshop", "2026-10-26 09:00", "10:30",
                                    attendees=20)
    clock.set(at("2026-10-19T09:05"))
    desk.checkin(ids["b1"])
    clock.set(at("2026-10-21T09:10"))
    desk.checkin(ids["b12"])
    clock.set(at("2026-10-22T13:00"))
    desk.checkin(ids["b6"])
    clock.set(at("2026-10-26T09:10"))
    desk.noshow(ids["b3"])
    clock.set(at("2026-10-27T09:01"))
    as_user(app, "desk").list_bookings(site="NGT")  # the sweep releases b5
    clock.set(at("2026-11-23T08:00"))
    return ids
