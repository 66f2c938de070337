"""Which upcoming bookings new opening hours would leave outside, asked before saving them.

Read-only: the admin screen shows the bookings and asks before the hours change, rather than
saving and only then warning that bookings fall outside. Only the public slot of each
booking is read (space, organisation, time), which every staff role may see.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from booking.timeutil import human_span, parse_hours, wall
from db import precheck_queries as pq
from db.engine import read_tx

if TYPE_CHECKING:
    from booking.service import Cospace


@dataclass(frozen=True)
class Outside:
    """One booking the new hours leave out."""

    id: int
    space: str
    org: str
    start: dt.datetime  # UTC
    end: dt.datetime
    tz: str

    @property
    def words(self) -> str:
        """``#12 IR1 Thu 26 Nov 2026 16:30–17:30 NCS``."""
        return f"#{self.id} {self.space} {human_span(self.start, self.end, self.tz)} {self.org}"


def inside(hours: dict[int, tuple[int, int]], start: dt.datetime, end: dt.datetime,
           tz: str) -> bool:
    """Does ``[start, end)`` fall within one day's opening hours of ``hours``?"""
    s, e = wall(start, tz), wall(end, tz)
    window = hours.get(s.weekday())
    if window is None:
        return False
    end_min = e.hour * 60 + e.minute if e.date() == s.date() else 1440
    return window[0] <= s.hour * 60 + s.minute and end_min <= window[1]


def bookings_outside(cs: Cospace, site_code: str, hours: str | dict[int, tuple[int, int]],
                     ) -> list[Outside]:
    """The site's upcoming active bookings (from now on) that ``hours`` (``"mon-fri
    08:30-17:00"`` or parsed) would leave outside; raises InvalidInput on hours that do not
    read. Writes nothing."""
    parsed = parse_hours(hours) if isinstance(hours, str) else hours
    site = cs.site(site_code)
    with read_tx(cs.engine) as conn:
        rows = pq.active_bookings_of_site(conn, site.id, cs.now())
    return [Outside(r.id, r.space_code, r.org_code, r.start_at, r.end_at, site.tz)
            for r in rows if not inside(parsed, r.start_at, r.end_at, site.tz)]
