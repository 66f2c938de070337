"""The reads and writes behind the demo store (:mod:`booking.demo`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select

from db.tables import Audit, Booking, Staff, UnmetDemand

STAFF = Staff.__table__
UNMET = UnmetDemand.__table__


def staff_ids_by_org(conn: Connection, org_ids: dict[int, str],
                     roles: Sequence[str]) -> dict[str, list[int]]:
    """The ids of the staff in ``roles`` of each organisation in ``org_ids`` (id -> code),
    keyed by its code, in the order they were added."""
    found: dict[str, list[int]] = {}
    rows = conn.execute(select(STAFF.c.id, STAFF.c.org_id, STAFF.c.role)
                        .where(STAFF.c.role.in_(list(roles))).order_by(STAFF.c.id))
    for r in rows:
        code = org_ids.get(r.org_id)
        if code is not None:
            found.setdefault(code, []).append(r.id)
    return found


def insert_unmet_demand(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Record turned-away requests (columns as in :class:`db.tables.UnmetDemand`)."""
    if rows:
        conn.execute(insert(UNMET), list(rows))


def booking_and_audit_counts(conn: Connection) -> tuple[int, int]:
    """How many bookings and audit records the store holds."""
    bookings = conn.execute(select(func.count()).select_from(Booking.__table__)).scalar_one()
    audits = conn.execute(select(func.count()).select_from(Audit.__table__)).scalar_one()
    return int(bookings), int(audits)
