"""Reading the append-only audit trail (records are written by :func:`db.queries.add_audit`;
nothing updates or deletes them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, and_, or_, select

from db.security import AUDIT_VISIBLE, BOOKING_DETAIL, guarded
from db.tables import Audit, Booking, Organisation, Staff

AU = Audit.__table__
B = Booking.__table__
ORG = Organisation.__table__
STAFF = Staff.__table__


def audit_rows(
    conn: Connection, *, booking_id: int | None = None, start: dt.datetime | None = None,
    end: dt.datetime | None = None, org_id: int | None = None, login: str | None = None,
) -> Sequence[Row]:
    """Audit records oldest first, each with the organisation, confidentiality and booker of
    the booking it is about (when it is about one) and the acting login's organisation.

    ``org_id``/``login`` narrow to records about that organisation's bookings or made by that
    login (what a staff member who is not estates or admin may read)."""
    actor_staff = STAFF.alias("actor_staff")
    actor_org = ORG.alias("actor_org")
    if guarded(conn):  # PostgreSQL: the store blanks what the signed-in login may not read
        au, booker = AUDIT_VISIBLE, BOOKING_DETAIL.c.booked_by_id
        source = au.outerjoin(B, and_(au.c.entity == "booking", B.c.id == au.c.entity_id)) \
            .outerjoin(BOOKING_DETAIL, BOOKING_DETAIL.c.id == B.c.id)
    else:
        au, booker = AU, B.c.booked_by_id
        source = au.outerjoin(B, and_(au.c.entity == "booking", B.c.id == au.c.entity_id))
    stmt = (
        select(
            au,
            B.c.org_id.label("booking_org_id"),
            B.c.confidential.label("booking_confidential"),
            booker.label("booking_booked_by_id"),
            actor_org.c.code.label("actor_org_code"),
        )
        .select_from(source)
        .outerjoin(actor_staff, actor_staff.c.login == au.c.actor)
        .outerjoin(actor_org, actor_org.c.id == actor_staff.c.org_id)
    )
    if booking_id is not None:
        stmt = stmt.where(au.c.entity == "booking", au.c.entity_id == booking_id)
    if start is not None:
        stmt = stmt.where(au.c.at >= start)
    if end is not None:
        stmt = stmt.where(au.c.at < end)
    if org_id is not None or login is not None:
        stmt = stmt.where(or_(B.c.org_id == org_id, au.c.actor == login))
    return conn.execute(stmt.order_by(au.c.id)).all()
