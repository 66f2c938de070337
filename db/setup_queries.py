"""Statements behind set-up and bookkeeping use cases: the first administrator, counts,
closures, store settings, unmet demand, and code lists.

Every function takes an open connection from :func:`db.engine.write_tx` or
:func:`db.engine.read_tx`; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from db import queries
from db.tables import (
    Booking,
    Closure,
    Organisation,
    Site,
    Space,
    Staff,
    StoreSetting,
    UnmetDemand,
)

B = Booking.__table__
CLOSURE = Closure.__table__
ORG = Organisation.__table__
SPACE = Space.__table__
STAFF = Staff.__table__
SETTING = StoreSetting.__table__
UNMET = UnmetDemand.__table__


def _new_id(result: Any) -> int:
    return int(result.inserted_primary_key[0])


# ----------------------------------------------------------------- staff and counts
def staff_count(conn: Connection) -> int:
    return queries.count(conn, Staff)


def insert_first_admin(conn: Connection, login: str) -> int:
    """The first user of a new store: an administrator of no organisation yet."""
    return _new_id(conn.execute(insert(STAFF).values(
        login=login, name=login, org_id=None, role="admin", active=True)))


def staff_id(conn: Connection, login: str) -> int | None:
    return conn.execute(select(STAFF.c.id).where(STAFF.c.login == login)).scalar()


def record_counts(conn: Connection) -> dict[str, int]:
    """How many bookings, spaces, sites, staff, organisations and active bookings."""
    active = conn.execute(select(func.count()).select_from(B).where(
        B.c.status.in_(("confirmed", "checked_in")))).scalar()
    return {
        "bookings": queries.count(conn, Booking),
        "spaces": queries.count(conn, Space),
        "sites": queries.count(conn, Site),
        "staff": queries.count(conn, Staff),
        "organisations": queries.count(conn, Organisation),
        "active_bookings": int(active or 0),
    }


def org_rows(conn: Connection) -> Sequence[Row[Any]]:
    return conn.execute(select(ORG).order_by(ORG.c.code)).all()


def space_codes(conn: Connection, site_id: int | None = None) -> list[str]:
    stmt = select(SPACE.c.code).order_by(SPACE.c.code)
    if site_id is not None:
        stmt = stmt.where(SPACE.c.site_id == site_id)
    return list(conn.execute(stmt).scalars())


def staff_logins(conn: Connection, org_id: int | None = None) -> list[str]:
    stmt = select(STAFF.c.login).order_by(STAFF.c.login)
    if org_id is not None:
        stmt = stmt.where(STAFF.c.org_id == org_id)
    return list(conn.execute(stmt).scalars())


# ----------------------------------------------------------------- closures
def insert_closure(conn: Connection, site_id: int, day: dt.date, reason: str) -> int:
    return _new_id(conn.execute(insert(CLOSURE).values(site_id=site_id, day=day,
                                                       reason=reason)))


def closures_between(conn: Connection, site_id: int, first: dt.date,
                     last: dt.date) -> Sequence[Row[Any]]:
    return conn.execute(select(CLOSURE).where(
        CLOSURE.c.site_id == site_id, CLOSURE.c.day >= first, CLOSURE.c.day <= last,
    ).order_by(CLOSURE.c.day)).all()


def delete_closures(conn: Connection, ids: Sequence[int]) -> None:
    conn.execute(delete(CLOSURE).where(CLOSURE.c.id.in_(list(ids))))


# ----------------------------------------------------------------- settings, demand
def setting(conn: Connection, name: str) -> str | None:
    return conn.execute(select(SETTING.c.value).where(SETTING.c.name == name)).scalar()


def set_setting(conn: Connection, name: str, value: str) -> None:
    exists = conn.execute(select(SETTING.c.name).where(SETTING.c.name == name)).first()
    if exists:
        conn.execute(update(SETTING).where(SETTING.c.name == name).values(value=value))
    else:
        conn.execute(insert(SETTING).values(name=name, value=value))


def insert_unmet_demand(conn: Connection, values: dict[str, Any]) -> int:
    return _new_id(conn.execute(insert(UNMET).values(**values)))


def space_code(conn: Connection, space_id: int) -> str:
    return conn.execute(select(SPACE.c.code).where(SPACE.c.id == space_id)).scalar_one()
