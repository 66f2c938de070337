"""The statements behind approvals (see :mod:`booking.approvals`).

Every function takes an open connection inside a unit of work from :mod:`db.engine`; none
commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, Table, select, update

from db.tables import Booking, Organisation, Site, Space

B: Table = Booking.__table__
SP: Table = Space.__table__
SITE: Table = Site.__table__
ORG: Table = Organisation.__table__

#: The longest decision lead time a site may set, in hours (bounds the sweep's read).
MAX_LEAD_HOURS = 24 * 14


def requires_approval(conn: Connection, space_id: int) -> bool:
    return bool(conn.execute(select(SP.c.requires_approval).where(SP.c.id == space_id)).scalar())


def org_is_host(conn: Connection, org_id: int | None) -> bool:
    if org_id is None:
        return False
    return bool(conn.execute(select(ORG.c.is_host).where(ORG.c.id == org_id)).scalar())


def decide(conn: Connection, booking_id: int, new: str, at: dt.datetime) -> int:
    """``provisional`` -> ``new``, conditional; returns the rows changed."""
    return int(conn.execute(update(B).where(B.c.id == booking_id, B.c.status == "provisional")
                            .values(status=new, updated_at=at)).rowcount or 0)


def overdue(conn: Connection, now: dt.datetime) -> list[Row]:
    """Provisional bookings whose decision time (start - the site's lead hours) has come:
    ``id``, ``space_id``, ``start_at``, ``end_at``, ``decision_lead_hours``."""
    rows = conn.execute(
        select(B.c.id, B.c.space_id, B.c.start_at, B.c.end_at, SITE.c.decision_lead_hours)
        .join(SP, SP.c.id == B.c.space_id).join(SITE, SITE.c.id == SP.c.site_id)
        .where(B.c.status == "provisional",
               B.c.start_at <= now + dt.timedelta(hours=MAX_LEAD_HOURS))
        .order_by(B.c.start_at, B.c.id)).all()
    return [r for r in rows
            if r.start_at - dt.timedelta(hours=r.decision_lead_hours) <= now]


def set_site_lead(conn: Connection, site_id: int, hours: int) -> None:
    conn.execute(update(SITE).where(SITE.c.id == site_id).values(decision_lead_hours=hours))


def site_lead(conn: Connection, site_id: int) -> int:
    return int(conn.execute(select(SITE.c.decision_lead_hours)
                            .where(SITE.c.id == site_id)).scalar() or 24)


def set_space_approval(conn: Connection, space_ids: Sequence[int], value: bool) -> None:
    conn.execute(update(SP).where(SP.c.id.in_(list(space_ids)))
                 .values(requires_approval=value))
