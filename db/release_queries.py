"""The queries behind auto-release (see :mod:`booking.release`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, select

from db.security import AUDIT_VISIBLE, guarded
from db.tables import Audit, Booking, Site, Space

B = Booking.__table__
SP = Space.__table__
SITE = Site.__table__
AU = Audit.__table__


#: How far back a sweep looks: older bookings were swept when the store was last used.
LOOKBACK = dt.timedelta(days=7)


def release_candidates(conn: Connection, now: dt.datetime, kinds: Sequence[str]) -> Sequence[Row]:
    """Confirmed bookings of ``kinds`` that started in the week up to ``now``, with their
    site's release delay (bounded so the indexed read stays cheap on a big store)."""
    stmt = (
        select(B.c.id, B.c.start_at, SITE.c.release_after_minutes)
        .join(SP, SP.c.id == B.c.space_id)
        .join(SITE, SITE.c.id == SP.c.site_id)
        .where(B.c.status == "confirmed", B.c.start_at <= now,
               B.c.start_at > now - LOOKBACK, SP.c.kind.in_(list(kinds)))
    )
    return conn.execute(stmt).all()



def undone(conn: Connection, ids: Sequence[int]) -> set[int]:
    """Which of ``ids`` the front desk has put back to confirmed (an ``undo`` in the audit
    trail): the sweep leaves those alone (``ix_audit_entity`` answers)."""
    if not ids:
        return set()
    au = AUDIT_VISIBLE if guarded(conn) else AU  # PostgreSQL: what this login may read
    return set(conn.execute(
        select(au.c.entity_id).where(au.c.entity == "booking", au.c.entity_id.in_(list(ids)),
                                     au.c.action == "undo")).scalars())
