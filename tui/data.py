"""Loading what the screens show: plain calls into ``booking``, run from thread workers."""

from __future__ import annotations

import datetime as dt

from booking.rules import closed_reason
from booking.service import Cospace
from booking.timeutil import minutes_of_day, to_local
from tui.widgets.board_grid import BoardData


def site_today(cs: Cospace, tz: str) -> dt.date:
    return to_local(cs.now(), tz).date()


def load_board(cs: Cospace, site_code: str, day: dt.date) -> BoardData:
    """One site's spaces and bookings for one local day, with its opening window."""
    site = cs.site(site_code)
    spaces = [s for s in cs.spaces(site_code) if s.active]
    bookings = cs.day_bookings(site_code, day)
    reason = closed_reason(site, day)
    if reason is None:
        opens, closes = site.hours[day.weekday()]
    elif site.hours:  # draw a closed day on the site's usual hours
        opens = min(o for o, _ in site.hours.values())
        closes = max(c for _, c in site.hours.values())
    else:
        opens, closes = 8 * 60, 18 * 60
    opens -= opens % 15
    closes += -closes % 15
    now_minutes = None
    if site_today(cs, site.tz) == day:
        now_minutes = minutes_of_day(cs.now(), site.tz)
    return BoardData(site=site, day=day, spaces=spaces, bookings=bookings, opens=opens,
                     closes=closes, closed_reason=reason, now_minutes=now_minutes)
