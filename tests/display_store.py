"""A store for the display tests: Monday 23 November 2026 at the seeded site, with one space
in each state at 10:35 (London, UTC+0 in November)."""

from __future__ import annotations

import pendulum

from booking.display import DisplaySource
from booking.service import Cospace
from tests.conftest import LONDON, Clock, as_user

#: The display tests' "now": every state is on screen at once.
AT_1035 = pendulum.datetime(2026, 11, 23, 10, 35, tz=LONDON).in_timezone("UTC")
#: Texts no display may ever show: purposes, and the confidential booking's organisation.
SECRETS = ("Careers guidance", "Supervision", "New claim", "Drop-in", "Jobs club",
           "Desk not claimed", "PROB", "Mo Probation", "Priya")


def busy_morning(app: Cospace) -> Cospace:
    """Bookings made at 08:00 that put each space in a different state at 10:35:

    - IR1 (NCS, 10:00-11:30): in use until 11:30
    - IR2 (JCP, 14:00-15:00): free until 14:00
    - WS1 (JCP, 10:45-12:00): booked from 10:45
    - IR5 (PROB, confidential, 10:00-12:00): in use until 12:00, organisation never shown
    - D01 (NCS, 08:30-17:00, checked in): in use until 17:00
    - D02 (JCP, 09:00-12:00, never checked in): free (released after 30 minutes)
    - IR4: free until 17:00
    """
    desk = as_user(app, "desk")
    as_user(app, "ncs").book("IR1", "2026-11-23 10:00", "11:30", purpose="Careers guidance")
    as_user(app, "prob").book("IR5", "2026-11-23 10:00", "12:00", purpose="Supervision",
                              confidential=True, attendees=2)
    desk.book("IR2", "2026-11-23 14:00", "15:00", purpose="New claim")
    desk.book("WS1", "2026-11-23 10:45", "12:00", attendees=8, purpose="Jobs club")
    d01 = desk.book("D01", "2026-11-23 08:30", "17:00", org="NCS", purpose="Drop-in")
    desk.checkin(d01.id)
    desk.book("D02", "2026-11-23 09:00", "12:00", purpose="Desk not claimed")
    return desk


def source(app: Cospace, clock: Clock, **options: object) -> DisplaySource:
    """A display source over ``app``'s store on the test clock (no staff login involved)."""
    return DisplaySource(app.engine, "NGT", clock=clock, **options)  # type: ignore[arg-type]
