"""Queries for allocations (an organisation's share of one kind of space at one site) and the
use that counts against them.

Every function takes an open :class:`~sqlalchemy.Connection`; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    and_,
    cast,
    delete,
    func,
    insert,
    not_,
    select,
    update,
)

from db.tables import ACTIVE_STATUSES, Allocation, Booking, Organisation, Site, Space

AL = Allocation.__table__
B = Booking.__table__
SP = Space.__table__
ORG = Organisation.__table__
SITE = Site.__table__


def _allocation_select():  # type: ignore[no-untyped-def]
    return (
        select(AL, ORG.c.code.label("org_code"), SITE.c.code.label("site_code"),
               SITE.c.tz)
        .join(ORG, ORG.c.id == AL.c.org_id)
        .join(SITE, SITE.c.id == AL.c.site_id)
    )


def allocation_row(conn: Connection, org_id: int, site_id: int, kind: str, *,
                   lock: bool = False) -> Row | None:
    """One allocation; ``lock`` takes a row lock on PostgreSQL (``FOR UPDATE``) so that two
    bookings against the same allocation check and insert one after the other. SQLite's
    ``BEGIN IMMEDIATE`` already serialises every write transaction."""
    q = _allocation_select().where(
        AL.c.org_id == org_id, AL.c.site_id == site_id, AL.c.kind == kind)
    if lock and conn.dialect.name == "postgresql":
        q = q.with_for_update(of=AL)
    return conn.execute(q).first()


def allocation_rows(conn: Connection, *, site_id: int | None = None,
                    org_id: int | None = None) -> Sequence[Row]:
    q = _allocation_select()
    if site_id is not None:
        q = q.where(AL.c.site_id == site_id)
    if org_id is not None:
        q = q.where(AL.c.org_id == org_id)
    return conn.execute(q.order_by(SITE.c.code, ORG.c.code, AL.c.kind)).all()


def insert_allocation(conn: Connection, values: dict) -> int:
    pk = conn.execute(insert(AL).values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_allocation(conn: Connection, allocation_id: int, values: dict) -> None:
    conn.execute(update(AL).where(AL.c.id == allocation_id).values(**values))


def delete_allocation(conn: Connection, allocation_id: int) -> None:
    conn.execute(delete(AL).where(AL.c.id == allocation_id))


def org_kind_intervals(
    conn: Connection, *, org_id: int, site_id: int, kind: str, start: dt.datetime,
    end: dt.datetime, exclude_ids: Sequence[int] = (), max_minutes: int = 24 * 60,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Active bookings of one organisation, of one kind of space at one site, overlapping
    ``[start, end)``: the use that counts against its allocation. No booking is longer than
    ``max_minutes``, which lets the ``(org_id, start_at)`` index answer with a range scan."""
    q = (
        select(B.c.start_at, B.c.end_at)
        .join(SP, SP.c.id == B.c.space_id)
        .where(
            B.c.org_id == org_id,
            SP.c.site_id == site_id,
            SP.c.kind == kind,
            B.c.status.in_(ACTIVE_STATUSES),
            B.c.start_at < end,
            B.c.start_at > start - dt.timedelta(minutes=max_minutes),
            B.c.end_at > start,
        )
        .order_by(B.c.start_at)
    )
    if exclude_ids:
        q = q.where(B.c.id.not_in(list(exclude_ids)))
    return [(r.start_at, r.end_at) for r in conn.execute(q)]


def org_kind_hours(
    conn: Connection, *, org_id: int, site_id: int, kind: str, start: dt.datetime,
    end: dt.datetime, exclude_ids: Sequence[int] = (), max_minutes: int = 24 * 60,
) -> float:
    """Hours of one organisation's active bookings of one kind at one site that fall inside
    ``[start, end)`` (a week): bookings wholly inside are summed in the database; the few
    that cross either end are clipped here."""
    base = [
        B.c.org_id == org_id,
        SP.c.site_id == site_id,
        SP.c.kind == kind,
        B.c.status.in_(ACTIVE_STATUSES),
        B.c.start_at < end,
        B.c.start_at > start - dt.timedelta(minutes=max_minutes),
        B.c.end_at > start,
    ]
    if exclude_ids:
        base.append(B.c.id.not_in(list(exclude_ids)))
    if conn.dialect.name == "sqlite":
        seconds = (cast(func.strftime("%s", B.c.end_at), Integer)
                   - cast(func.strftime("%s", B.c.start_at), Integer))
    else:
        seconds = func.extract("epoch", B.c.end_at - B.c.start_at)
    inside = and_(B.c.start_at >= start, B.c.end_at <= end)
    total = conn.execute(
        select(func.coalesce(func.sum(seconds), 0))
        .select_from(B.join(SP, SP.c.id == B.c.space_id))
        .where(*base, inside)
    ).scalar()
    hours = float(total or 0) / 3600
    for r in conn.execute(
        select(B.c.start_at, B.c.end_at).join(SP, SP.c.id == B.c.space_id)
        .where(*base, not_(inside))
    ):
        a, b = max(r.start_at, start), min(r.end_at, end)
        if b > a:
            hours += (b - a).total_seconds() / 3600
    return hours
