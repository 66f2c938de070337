"""The statements behind the waitlist (see :mod:`booking.waitlist`).

Every function takes an open connection inside a unit of work from :mod:`db.engine`; none
commits. On PostgreSQL the fill reads and marks requests of every organisation through the
``cospace_waiting`` and ``cospace_wait_met`` functions of migration 0006 (whoever freed the
slot), while everything else reads ``wait_request`` under its row-level security.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Table, and_, func, insert, select, text, update

from db.security import guarded
from db.tables import Organisation, Site, Space, Staff, WaitRequest

W: Table = WaitRequest.__table__
SITE: Table = Site.__table__
SP: Table = Space.__table__
ORG: Table = Organisation.__table__
ST: Table = Staff.__table__

_LISTED = (select(W, SITE.c.code.label("site_code"), SITE.c.tz, ORG.c.code.label("org_code"))
           .join(SITE, SITE.c.id == W.c.site_id).join(ORG, ORG.c.id == W.c.org_id))


def insert_request(conn: Connection, values: dict[str, Any]) -> int:
    """Add a waiting request; returns its id."""
    pk = conn.execute(insert(W).values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def request_row(conn: Connection, request_id: int) -> Row | None:
    """One request with ``site_code``, ``tz`` and ``org_code`` (what this login may read)."""
    return conn.execute(_LISTED.where(W.c.id == request_id)).first()


def request_rows(conn: Connection, *, site_id: int | None = None,
                 org_id: int | None = None) -> Sequence[Row]:
    """Requests, oldest first (what this login may read)."""
    stmt = _LISTED
    if site_id is not None:
        stmt = stmt.where(W.c.site_id == site_id)
    if org_id is not None:
        stmt = stmt.where(W.c.org_id == org_id)
    return conn.execute(stmt.order_by(W.c.start_at, W.c.id)).all()


def set_status(conn: Connection, request_id: int, new: str, allowed: Sequence[str]) -> int:
    """Conditional status change; returns the rows changed (0: someone changed it first)."""
    return int(conn.execute(update(W).where(W.c.id == request_id, W.c.status.in_(list(allowed)))
                            .values(status=new)).rowcount or 0)


def candidates(conn: Connection, space_id: int, lo: dt.datetime, hi: dt.datetime,
               now: dt.datetime) -> list[Row]:
    """Waiting requests of the space's site and kind overlapping ``[lo, hi)``, that fit its
    capacity and start after ``now``: earliest request first, locked (two fills take turns)."""
    if guarded(conn):
        fn = text("SELECT * FROM cospace_waiting(:space, :lo, :hi)").columns(*W.c)
        rows = conn.execute(fn, {"space": space_id, "lo": lo, "hi": hi}).all()
        return [r for r in rows if r.start_at > now]
    s = SP.alias("s")
    stmt = (select(W).join(s, and_(s.c.id == space_id, s.c.site_id == W.c.site_id,
                                   s.c.kind == W.c.kind))
            .where(W.c.status == "waiting", W.c.start_at < hi, W.c.end_at > lo,
                   W.c.start_at > now, W.c.attendees <= s.c.capacity)
            .order_by(W.c.created_at, W.c.id))
    return list(conn.execute(stmt).all())


def mark_met(conn: Connection, request_id: int, booking_id: int, at: dt.datetime) -> int:
    """The request was booked: link its booking; returns the rows changed."""
    if guarded(conn):
        return int(conn.execute(text("SELECT cospace_wait_met(:r, :b, :at)"),
                                {"r": request_id, "b": booking_id, "at": at}).scalar() or 0)
    return int(conn.execute(update(W).where(W.c.id == request_id, W.c.status == "waiting")
                            .values(status="booked", booking_id=booking_id, met_at=at)
                            ).rowcount or 0)


def expire(conn: Connection, now: dt.datetime) -> int:
    """Waiting requests whose start has passed become ``expired`` (those this login may
    change); returns how many."""
    return int(conn.execute(update(W).where(W.c.status == "waiting", W.c.start_at <= now)
                            .values(status="expired")).rowcount or 0)


def any_due(conn: Connection, now: dt.datetime) -> bool:
    """Whether any waiting request has started (a cheap read before the write)."""
    return conn.execute(select(W.c.id).where(W.c.status == "waiting", W.c.start_at <= now)
                        .limit(1)).first() is not None


def staff_by_id(conn: Connection, staff_id: int) -> Row | None:
    """A staff row by id with its ``org_code``."""
    return conn.execute(select(ST, ORG.c.code.label("org_code"))
                        .outerjoin(ORG, ORG.c.id == ST.c.org_id)
                        .where(ST.c.id == staff_id)).first()


def space_code(conn: Connection, space_id: int) -> str | None:
    return conn.execute(select(SP.c.code).where(SP.c.id == space_id)).scalar()


def site_space_ids(conn: Connection, site_id: int) -> list[int]:
    """The active spaces of a site."""
    return list(conn.execute(select(SP.c.id).where(SP.c.site_id == site_id,
                                                   SP.c.active.is_(True))
                             .order_by(SP.c.code)).scalars())


def demand_summary(conn: Connection, *, site_id: int | None, lo: dt.datetime,
                   hi: dt.datetime) -> list[Row]:
    """Requests for ``[lo, hi)`` by status, with the seconds the booked ones waited
    (``n``, ``waited_s``), for the reports."""
    waited = func.sum(
        func.extract("epoch", W.c.met_at - W.c.created_at)
        if conn.dialect.name == "postgresql"
        else (func.julianday(W.c.met_at) - func.julianday(W.c.created_at)) * 86400.0)
    stmt = (select(W.c.status, func.count().label("n"), waited.label("waited_s"))
            .where(W.c.start_at < hi, W.c.end_at > lo).group_by(W.c.status))
    if site_id is not None:
        stmt = stmt.where(W.c.site_id == site_id)
    return list(conn.execute(stmt).all())


def insert_booking_if_free(conn: Connection, values: dict[str, Any]) -> int | None:
    """Insert a booking for a waiting request; None when PostgreSQL's exclusion constraint
    finds that a booking made at the same moment took the slot (a savepoint keeps the
    freeing transaction alive)."""
    from sqlalchemy.exc import DBAPIError

    from db import queries as q

    if not guarded(conn):
        return q.insert_booking(conn, values)
    try:
        with conn.begin_nested():
            return q.insert_booking(conn, values)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "23P01":
            return None
        raise
