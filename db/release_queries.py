"""The queries behind auto-release (see :mod:`booking.release`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from db.tables import Booking, Site, Space

B = Booking.__table__
SP = Space.__table__
SITE = Site.__table__


#: How far back a sweep looks: older bookings were swept when the store was last used.
LOOKBACK = dt.timedelta(days=7)


def release_candidates(conn: Connection, now: dt.datetime, kinds: Sequence[str]) -> Sequence[Row]:
    """Confirmed bookings of ``kinds`` that started in the week up to ``now``, with their
    site's release delay (bounded so the indexed read stays cheap on a big store)."""
    q = (
        select(B.c.id, B.c.start_at, SITE.c.release_after_minutes)
        .join(SP, SP.c.id == B.c.space_id)
        .join(SITE, SITE.c.id == SP.c.site_id)
        .where(B.c.status == "confirmed", B.c.start_at <= now,
               B.c.start_at > now - LOOKBACK, SP.c.kind.in_(list(kinds)))
    )
    return conn.execute(q).all()

