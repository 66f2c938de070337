"""The one read behind the reception and door displays, and the cheap poll that says when to
repeat it.

The display is for customers walking past, so it reads only public columns: from
``booking`` exactly ``id, space_id, org_id, start_at, end_at, status, confidential`` (never
purpose, attendees, booker or series), plus the site, its opening hours and closed days
(not the closure's reason), its spaces, and organisation codes. On PostgreSQL that lets it run
as a display role granted SELECT on just those columns.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from db.engine import make_engine
from db.overlap import overlapping
from db.tables import (
    ACTIVE_STATUSES,
    Booking,
    Closure,
    OpeningHours,
    Organisation,
    Site,
    Space,
)

B = Booking.__table__
SP = Space.__table__
SITE = Site.__table__
ORG = Organisation.__table__
OH = OpeningHours.__table__
CLOSURE = Closure.__table__

#: The only booking columns the display reads (the display role's grant on PostgreSQL).
PUBLIC_BOOKING_COLUMNS = ("id", "space_id", "org_id", "start_at", "end_at", "status",
                          "confidential")
#: The other columns it reads, table by table.
PUBLIC_COLUMNS = {
    "booking": PUBLIC_BOOKING_COLUMNS,
    "site": ("id", "code", "name", "tz", "holiday_region", "release_after_minutes"),
    "space": ("id", "code", "name", "site_id", "kind", "active"),
    "organisation": ("id", "code"),
    "opening_hours": ("site_id", "weekday", "opens_min", "closes_min"),
    "closure": ("site_id", "day"),
}


@dataclass(frozen=True)
class DisplayRows:
    """What one read returns: the site, its hours (weekday -> minutes), its closed days in
    the range asked, its spaces, and the active bookings of those spaces in the range."""

    site: Any
    hours: dict[int, tuple[int, int]]
    closed: frozenset[dt.date]
    spaces: list[Any]
    bookings: list[Any]


def display_engine(url: str) -> Engine:
    """An engine for a display: as :func:`db.engine.make_engine`, but a PostgreSQL server
    that does not answer fails within seconds (the display then says it is stale) instead of
    hanging for the TCP timeout."""
    if make_url(url).get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=2,
                             pool_recycle=3600, connect_args={"connect_timeout": 5})
    return make_engine(url)


def display_rows(conn: Connection, site_code: str, *, lo: dt.datetime, hi: dt.datetime,
                 first_day: dt.date, last_day: dt.date, max_minutes: int) -> DisplayRows | None:
    """The public slots of one site's spaces overlapping ``[lo, hi)`` (UTC), with the site's
    hours and closed days from ``first_day`` to ``last_day``: one consistent snapshot, in
    the caller's unit of work. None if there is no such site.

    ``start_at > lo - max_minutes`` bounds the range read so the ``(space_id, start_at)``
    index does the work however much history the store holds."""
    site = conn.execute(
        select(SITE.c.id, SITE.c.code, SITE.c.name, SITE.c.tz, SITE.c.holiday_region,
               SITE.c.release_after_minutes).where(SITE.c.code == site_code)).first()
    if site is None:
        return None
    hours = {r.weekday: (r.opens_min, r.closes_min) for r in conn.execute(
        select(OH.c.weekday, OH.c.opens_min, OH.c.closes_min).where(OH.c.site_id == site.id))}
    closed = frozenset(r.day for r in conn.execute(
        select(CLOSURE.c.day).where(CLOSURE.c.site_id == site.id, CLOSURE.c.day >= first_day,
                                    CLOSURE.c.day <= last_day)))
    spaces = list(conn.execute(
        select(SP.c.id, SP.c.code, SP.c.name, SP.c.kind, SP.c.active)
        .where(SP.c.site_id == site.id).order_by(SP.c.code)))
    bookings: list[Any] = []
    if spaces:
        bookings = list(conn.execute(
            select(*(B.c[name] for name in PUBLIC_BOOKING_COLUMNS),
                   ORG.c.code.label("org_code"))
            .join(SP, SP.c.id == B.c.space_id)
            .join(ORG, ORG.c.id == B.c.org_id)
            .where(SP.c.site_id == site.id,
                   *overlapping(B.c.start_at, B.c.end_at, lo, hi, max_minutes=max_minutes),
                   B.c.status.in_(ACTIVE_STATUSES))
            .order_by(B.c.start_at, B.c.id)))
    return DisplayRows(site=site, hours=hours, closed=closed, spaces=spaces,
                       bookings=bookings)


def change_token(conn: Connection) -> Any:
    """A value that differs after any commit to the store, cheap enough to ask twice a
    second, and needing no privilege beyond connecting.

    SQLite: ``PRAGMA data_version``, which changes when another connection commits: ``conn``
    must be the same connection every time. PostgreSQL: the current snapshot
    (``xmin:xmax:in-progress``), which moves whenever a transaction is given an id or ends
    (any write on the server, so now and then a change that was not ours: a reload too many,
    never one too few)."""
    name = conn.dialect.name
    if name == "sqlite":
        return conn.exec_driver_sql("PRAGMA data_version").scalar()
    if name == "postgresql":
        return conn.execute(text("SELECT pg_current_snapshot()::text")).scalar()
    return None  # unknown backend: the caller reloads every minute
