"""Queries for recurring bookings: the one-pass clash read over a series' whole span, and the
bulk writes that book or change many occurrences in one transaction.

Every function takes an open :class:`~sqlalchemy.Connection` inside a unit of work from
:mod:`db.engine`; none commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, insert, select, text, update

from db.overlap import lower_bound, overlap_sql
from db.queries import _booking_select
from db.tables import ACTIVE_STATUSES, Audit, Booking, Series

B = Booking.__table__
S = Series.__table__
A = Audit.__table__


def active_in_span(
    conn: Connection, space_id: int, start: dt.datetime, end: dt.datetime, *, max_minutes: int
) -> Sequence[Any]:
    """Every active booking of ``space_id`` overlapping ``[start, end)``, in start order: one
    range scan of the ``(space_id, start_at)`` index."""
    return active_overlapping(conn, space_id, [(start, end)], max_minutes=max_minutes)


def active_overlapping(
    conn: Connection, space_id: int, intervals: Sequence[tuple[dt.datetime, dt.datetime]], *,
    max_minutes: int,
) -> Sequence[Any]:
    """The active bookings of ``space_id`` overlapping any of ``intervals`` (half-open), in
    start order, in ONE query: the intervals are a VALUES list joined to ``booking``, each
    answered by a short range scan of the ``(space_id, start_at)`` index bounded by the
    longest booking. Only the clashing rows come back, not a year of the space's bookings."""
    if not intervals:
        return []
    # Straight to the driver: compiling a statement with 3 typed parameters per date through
    # SQLAlchemy cost 20-30 times more than SQLite answering it (0.7 ms at 1M bookings).
    pg = conn.dialect.name == "postgresql"
    mark = "CAST(%s AS TIMESTAMP WITH TIME ZONE)" if pg else "?"
    params: list[Any] = []
    for s, e in intervals:
        params += [_bind(s, pg), _bind(e, pg), _bind(lower_bound(s, max_minutes), pg)]
    statuses = ", ".join(f"'{st}'" for st in ACTIVE_STATUSES)
    sql = (
        "WITH occ(s, e, lo) AS (VALUES "
        + ", ".join(f"({mark}, {mark}, {mark})" for _ in intervals)
        + ") SELECT DISTINCT b.id, b.start_at, b.end_at, b.series_id, o.code AS org_code "
        "FROM occ JOIN booking b ON b.space_id = " + ("%s" if pg else "?")
        + f" AND {overlap_sql('b', lo='occ.s', hi='occ.e', lower='occ.lo')} "
        f"JOIN organisation o ON o.id = b.org_id WHERE b.status IN ({statuses})"
    )
    result = conn.exec_driver_sql(sql, tuple(params + [space_id]))
    rows = [_Held(r[0], _utc(r[1]), _utc(r[2]), r[3], r[4]) for r in result]
    return sorted(rows, key=lambda r: (r.start_at, r.id))


@dataclass(frozen=True)
class _Held:
    """A booking holding the space (the fields the clash sweep reads)."""

    id: int
    start_at: dt.datetime
    end_at: dt.datetime
    series_id: int | None
    org_code: str


def _bind(value: dt.datetime, pg: bool) -> Any:
    """A UTC instant as the driver stores it (what :class:`db.types.UTCDateTime` does)."""
    v = value.astimezone(dt.UTC)
    return v if pg else v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def insert_series(conn: Connection, values: dict[str, Any]) -> int:
    pk = conn.execute(insert(S).values(**values)).inserted_primary_key
    assert pk is not None
    return int(pk[0])


#: A series as everyone with a role reads it (who booked it is a private detail).
_SERIES = [c for c in S.c if c.key != "booked_by_id"]


def series_row(conn: Connection, series_id: int) -> Row | None:
    return conn.execute(select(*_SERIES).where(S.c.id == series_id)).first()


def series_rows(conn: Connection, ids: Sequence[int]) -> Sequence[Row]:
    if not ids:
        return []
    return conn.execute(select(*_SERIES).where(S.c.id.in_(list(ids))).order_by(S.c.id)).all()


def update_series(conn: Connection, series_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(S).where(S.c.id == series_id).values(**values))


def insert_bookings(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert many bookings with one ``executemany`` (read their ids back by series: RETURNING
    in parameter order makes SQLite insert row by row)."""
    if rows:
        conn.execute(insert(B), rows)


def series_booking_ids(conn: Connection, series_id: int) -> list[tuple[int, dt.datetime]]:
    """``(id, start_at)`` of every booking of one series, in time order: the cheap read-back
    after inserting a series (no joins, straight to the driver)."""
    pg = conn.dialect.name == "postgresql"
    sql = ("SELECT id, start_at FROM booking WHERE series_id = %s" if pg else
           "SELECT id, start_at FROM booking INDEXED BY ix_booking_series_id "
           "WHERE series_id = ?")
    rows = [(int(r[0]), _utc(r[1])) for r in conn.exec_driver_sql(sql, (series_id,))]
    return sorted(rows, key=lambda r: (r[1], r[0]))


def update_bookings(conn: Connection, changes: list[tuple[int, dict[str, Any]]]) -> None:
    for booking_id, changed in changes:
        conn.execute(update(B).where(B.c.id == booking_id).values(**changed))


def set_status(conn: Connection, ids: Sequence[int], status: str, at: dt.datetime) -> None:
    if ids:
        conn.execute(update(B).where(B.c.id.in_(list(ids))).values(status=status, updated_at=at))


def series_bookings(conn: Connection, series_ids: Sequence[int]) -> Sequence[Row]:
    """Every booking of the given series (any status), in time order, with the joined names
    :meth:`booking.service.Cospace._view` needs."""
    if not series_ids:
        return []
    # Sorted here, not in SQL: an ORDER BY start_at tempts SQLite to walk ix_booking_start
    # over the whole table instead of using ix_booking_series_id.
    if conn.dialect.name == "sqlite":
        # INDEXED BY: once ANALYZE has run, SQLite judges a column that is NULL on almost every
        # row useless to index and scans the whole table (0.5 s at 1M bookings) instead.
        ids_q: Any = text(
            "SELECT id FROM booking INDEXED BY ix_booking_series_id WHERE series_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        ids = [r[0] for r in conn.execute(ids_q, {"ids": list(series_ids)})]
    else:
        ids = list(conn.execute(select(B.c.id).where(B.c.series_id.in_(list(series_ids))))
                   .scalars())
    if not ids:
        return []
    rows = conn.execute(_booking_select(conn).where(B.c.id.in_(ids))).all()
    return sorted(rows, key=lambda r: (r.start_at, r.id))


def add_audits(conn: Connection, records: list[dict[str, Any]]) -> None:
    """Append many audit records at once (same shape as :func:`db.queries.add_audit`)."""
    if not records:
        return
    conn.execute(insert(A), [
        dict(
            at=r["at"], actor=r["actor"], action=r["action"], entity=r["entity"],
            entity_id=r.get("entity_id"),
            before=json.dumps(r["before"], default=str, sort_keys=True)
            if r.get("before") is not None else None,
            after=json.dumps(r["after"], default=str, sort_keys=True)
            if r.get("after") is not None else None,
            reason=r.get("reason", ""),
        )
        for r in records
    ])
