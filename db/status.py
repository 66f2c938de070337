"""The statements behind every status change of a booking: a locked read and a conditional
update (see :mod:`booking.status`).

Every function takes an open :class:`~sqlalchemy.Connection` inside a write transaction from
:mod:`db.engine`; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select, update

from db.queries import _booking_select
from db.security import AUDIT_VISIBLE, guarded
from db.tables import Audit, Booking

B = Booking.__table__
AU = Audit.__table__

#: Audit actions that change a booking's status (the last one says who changed it, when).
STATUS_ACTIONS = ("cancel", "checkin", "noshow", "release", "undo")


def locked_rows(conn: Connection, ids: Sequence[int]) -> list[Row]:
    """Bookings by id, as :func:`db.queries.booking_row` reads them, locked against other
    writers until the transaction ends: ``SELECT ... FOR UPDATE OF booking`` on PostgreSQL
    (a racing writer waits, then reads the status the winner wrote); on SQLite ``BEGIN
    IMMEDIATE`` already holds the write lock."""
    found: dict[int, Row] = {}
    for i in range(0, len(ids), 500):
        part = list(ids[i:i + 500])
        stmt: Any = _booking_select(conn).where(B.c.id.in_(part))
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=B)
        found.update((r.id, r) for r in conn.execute(stmt))
    return [found[i] for i in ids if i in found]


def rows_by_id(conn: Connection, ids: Sequence[int]) -> list[Row]:
    """Bookings by id, in the order of ``ids``, as :func:`db.queries.booking_row` reads them
    (not locked; a few queries)."""
    found: dict[int, Row] = {}
    for i in range(0, len(ids), 500):
        part = list(ids[i:i + 500])
        found.update((r.id, r) for r in conn.execute(
            _booking_select(conn).where(B.c.id.in_(part))))
    return [found[i] for i in ids if i in found]


def set_status(conn: Connection, ids: Sequence[int], new: str, allowed: Sequence[str],
               at: dt.datetime) -> int:
    """``UPDATE booking SET status = :new WHERE id IN (:ids) AND status IN (:allowed)``;
    returns how many rows it changed (fewer than ``ids`` when another writer got there
    first)."""
    done = 0
    for i in range(0, len(ids), 500):
        part = list(ids[i:i + 500])
        done += conn.execute(
            update(B).where(B.c.id.in_(part), B.c.status.in_(list(allowed)))
            .values(status=new, updated_at=at)).rowcount
    return done


def update_if_unchanged(conn: Connection, row: Row, values: dict[str, Any]) -> bool:
    """Write ``values`` to the booking ``row`` was read from, only if it still has the status,
    the same space and times; True when it was written."""
    res = conn.execute(
        update(B).where(B.c.id == row.id, B.c.status == row.status,
                        B.c.space_id == row.space_id, B.c.start_at == row.start_at,
                        B.c.end_at == row.end_at)
        .values(**values))
    return bool(res.rowcount)


def last_status_change(conn: Connection, booking_id: int) -> Row | None:
    """The newest audit record that changed ``booking_id``'s status (``actor``, ``at``,
    ``action``) that the signed-in login may read (PostgreSQL: through ``audit_visible``),
    or None."""
    au = AUDIT_VISIBLE if guarded(conn) else AU
    return conn.execute(
        select(au.c.actor, au.c.at, au.c.action)
        .where(au.c.entity == "booking", au.c.entity_id == booking_id,
               au.c.action.in_(STATUS_ACTIONS))
        .order_by(au.c.id.desc()).limit(1)).first()
