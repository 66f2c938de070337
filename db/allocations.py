"""Queries for allocations (an organisation's share of one kind of space at one site) and the
use that counts against them.

Every function takes an open :class:`~sqlalchemy.Connection`; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    select,
    update,
)

from db.overlap import (
    LONGEST_BOOKING_MINUTES,
    lower_bound,
    overlapping_params,
    window_params,
)
from db.prepared import Prepared, table_of
from db.tables import ACTIVE_STATUSES, Allocation, Booking, Organisation, Site, Space

AL = table_of(Allocation)
B = table_of(Booking)
SP = table_of(Space)
ORG = table_of(Organisation)
SITE = table_of(Site)


def _allocation_select() -> Select[Any]:
    return (
        select(AL, ORG.c.code.label("org_code"), SITE.c.code.label("site_code"),
               SITE.c.tz)
        .join(ORG, ORG.c.id == AL.c.org_id)
        .join(SITE, SITE.c.id == AL.c.site_id)
    )


_ONE = _allocation_select().where(AL.c.org_id == bindparam("org_id"),
                                  AL.c.site_id == bindparam("site_id"),
                                  AL.c.kind == bindparam("kind"))
#: The booking path's reads, compiled once (db.prepared.Prepared): built per call, they cost
#: several times what the database takes to answer them (bench/README.md, allocations).
_P_ONE = {False: Prepared(_ONE), True: Prepared(_ONE.with_for_update(of=AL))}


def allocation_row(conn: Connection, org_id: int, site_id: int, kind: str, *,
                   lock: bool = False) -> Any | None:
    """One allocation; ``lock`` takes a row lock on PostgreSQL (``FOR UPDATE``) so that two
    bookings against the same allocation check and insert one after the other. SQLite's
    ``BEGIN IMMEDIATE`` already serialises every write transaction."""
    stmt = _P_ONE[lock and conn.dialect.name == "postgresql"]
    rows = stmt.rows(conn, {"org_id": org_id, "site_id": site_id, "kind": kind})
    return rows[0] if rows else None


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


def _org_kind(exclude_ids: Sequence[int], window: bool = True) -> list[ColumnElement[bool]]:
    """One organisation's active bookings of one kind at one site (bound parameters
    ``org_id``, ``site_id``, ``kind``), with ``window`` those overlapping the window of
    :func:`db.overlap.overlapping_params`, on the ``(org_id, start_at, ...)`` index."""
    conds = [
        B.c.org_id == bindparam("org_id"),
        SP.c.site_id == bindparam("site_id"),
        SP.c.kind == bindparam("kind"),
        B.c.status.in_([literal_column(f"'{st}'") for st in ACTIVE_STATUSES]),
        *(overlapping_params(B.c.start_at, B.c.end_at) if window else []),
    ]
    if exclude_ids:
        conds.append(B.c.id.not_in(bindparam("exclude_ids", expanding=True)))
    return conds


_INTERVALS = {
    excluding: select(B.c.start_at, B.c.end_at).join(SP, SP.c.id == B.c.space_id)
    .where(*_org_kind([0] if excluding else [])).order_by(B.c.start_at)
    for excluding in (False, True)
}
_P_INTERVALS = Prepared(_INTERVALS[False])


def _hours_stmt(dialect: str, excluding: bool) -> Select[Any]:
    """Seconds of the bookings inside the window ``[start, end)``, a booking crossing either
    end counting its part inside."""
    lo = bindparam("start", type_=B.c.start_at.type)
    hi = bindparam("end", type_=B.c.end_at.type)
    base = _org_kind([0] if excluding else [], window=False)
    if dialect != "sqlite":
        clipped = func.extract("epoch", func.least(B.c.end_at, hi)
                               - func.greatest(B.c.start_at, lo))
        return (select(func.coalesce(func.sum(clipped), 0).label("seconds"))
                .select_from(B.join(SP, SP.c.id == B.c.space_id))
                .where(*_org_kind([0] if excluding else [])))

    # SQLite: text instants in one fixed format (min/max compare them). Clipping every row
    # costs more than reading it (bench/README.md, allocations), so the bookings that start
    # in the window count whole, less the overhang of those that end after it, plus the part
    # inside of those that started before it: three short ranges of the index, one per part.
    def part(seconds: ColumnElement[Any], *conds: ColumnElement[bool]) -> ColumnElement[Any]:
        total = (select(func.sum(func.round(seconds * 86400)))
                 .select_from(B.join(SP, SP.c.id == B.c.space_id)).where(*base, *conds))
        return func.coalesce(total.scalar_subquery(), 0)

    jd = func.julianday
    whole = part(jd(B.c.end_at) - jd(B.c.start_at), B.c.start_at >= lo, B.c.start_at < hi)
    overhang = part(jd(B.c.end_at) - jd(hi),
                    B.c.start_at >= bindparam("overhang_from", type_=B.c.start_at.type),
                    B.c.start_at < hi, B.c.end_at > hi)
    before = part(jd(func.min(B.c.end_at, hi)) - jd(lo),
                  B.c.start_at > bindparam("lower", type_=B.c.start_at.type),
                  B.c.start_at < lo, B.c.end_at > lo)
    return select((whole - overhang + before).label("seconds"))


_P_HOURS = {d: Prepared(_hours_stmt(d, False)) for d in ("sqlite", "postgresql")}


def org_kind_intervals(
    conn: Connection, *, org_id: int, site_id: int, kind: str, start: dt.datetime,
    end: dt.datetime, exclude_ids: Sequence[int] = (),
    max_minutes: int = LONGEST_BOOKING_MINUTES,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Active bookings of one organisation, of one kind of space at one site, overlapping
    ``[start, end)``: the use that counts against its allocation. No booking is longer than
    ``max_minutes``, which lets the ``(org_id, start_at)`` index answer with a range scan."""
    params: dict[str, Any] = {"org_id": org_id, "site_id": site_id, "kind": kind,
                              **window_params(start, end, max_minutes)}
    if exclude_ids:
        params["exclude_ids"] = list(exclude_ids)
        rows: Any = conn.execute(_INTERVALS[True], params)
    else:
        rows = _P_INTERVALS.rows(conn, params)
    return [(r.start_at, r.end_at) for r in rows]


def org_kind_hours(
    conn: Connection, *, org_id: int, site_id: int, kind: str, start: dt.datetime,
    end: dt.datetime, exclude_ids: Sequence[int] = (),
    max_minutes: int = LONGEST_BOOKING_MINUTES,
) -> float:
    """Hours of one organisation's active bookings of one kind at one site that fall inside
    ``[start, end)`` (a week; a booking crossing either end counts its part inside): one
    bounded SUM in the database, compiled once."""
    params: dict[str, Any] = {"org_id": org_id, "site_id": site_id, "kind": kind,
                              **window_params(start, end, max_minutes)}
    dialect = conn.dialect.name
    if dialect == "sqlite":  # where the bookings still running at the window's end start
        params["overhang_from"] = max(params["start"], lower_bound(end, max_minutes))
    if exclude_ids or dialect not in _P_HOURS:
        params["exclude_ids"] = list(exclude_ids)
        total = conn.execute(_hours_stmt(dialect, bool(exclude_ids)), params).scalar()
    else:
        total = _P_HOURS[dialect].rows(conn, params)[0][0]
    return float(total or 0) / 3600
