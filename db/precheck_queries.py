"""Read-only queries for the checks the terminal app runs before the work: the names of
the staff who book (the Desk's search by adviser) and the bookings outside proposed opening
hours (:mod:`booking.hours_impact`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Connection, Row, select, text

from db.tables import ACTIVE_STATUSES, Booking, Organisation, Space, Staff, UnmetDemand

B = Booking.__table__
SP = Space.__table__
ORG = Organisation.__table__
STAFF = Staff.__table__


def staff_names(conn: Connection) -> dict[str, str]:
    """Every staff member's login and name (for finding a booking by its adviser)."""
    rows = conn.execute(select(STAFF.c.login, STAFF.c.name)).all()
    return {r.login: r.name or r.login for r in rows}


def active_bookings_of_site(conn: Connection, site_id: int, start: dt.datetime,
                            end: dt.datetime | None = None) -> Sequence[Row]:
    """Active bookings of a site's spaces starting at or after ``start`` (and before
    ``end``), with their space and organisation codes: the public slot only."""
    q = (select(B.c.id, B.c.start_at, B.c.end_at, B.c.status, SP.c.code.label("space_code"),
                ORG.c.code.label("org_code"))
         .join(SP, SP.c.id == B.c.space_id).join(ORG, ORG.c.id == B.c.org_id)
         .where(SP.c.site_id == site_id, B.c.start_at >= start,
                B.c.status.in_(ACTIVE_STATUSES)))
    if end is not None:
        q = q.where(B.c.start_at < end)
    return conn.execute(q.order_by(B.c.start_at, SP.c.code)).all()


def recent_unmet(conn: Connection, *, site_id: int, kind: str, start_at: dt.datetime,
                 end_at: dt.datetime, org_id: int | None, staff_id: int | None,
                 since: dt.datetime) -> int | None:
    """The id of an unmet-demand record the same person made for the same site, kind,
    interval and organisation at or after ``since``, or None. On PostgreSQL staff may not read
    unmet demand: a definer function (migration 0010) answers for the caller's own records."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            text("SELECT cospace_recent_unmet(:site, :kind, :s, :e, :org, :staff, :since)"),
            {"site": site_id, "kind": kind, "s": start_at, "e": end_at, "org": org_id,
             "staff": staff_id, "since": since}).scalar()
        return int(found) if found is not None else None
    U = UnmetDemand.__table__
    org = U.c.org_id.is_(None) if org_id is None else U.c.org_id == org_id
    who = U.c.staff_id.is_(None) if staff_id is None else U.c.staff_id == staff_id
    row = conn.execute(
        select(U.c.id).where(U.c.site_id == site_id, U.c.kind == kind,
                             U.c.start_at == start_at, U.c.end_at == end_at, org, who,
                             U.c.recorded_at >= since)
        .order_by(U.c.id.desc()).limit(1)).first()
    return int(row.id) if row is not None else None
