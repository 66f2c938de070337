"""The rows a what-if replay places: one site's bookings and unmet requests of one kind.

Times come back in whole UTC epoch seconds (worked out in SQL, as the usage summaries read
them), so a site-year is a plain read with no per-row conversion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, bindparam, text

from db.overlap import lower_bound, overlap_sql
from db.types import UTCDateTime


def _epoch(conn: Connection, col: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {col})) AS BIGINT)"
    return f"CAST(strftime('%s', {col}) AS INTEGER)"


def _times(lo: dt.datetime, hi: dt.datetime) -> list[Any]:
    return [bindparam("lo", type_=UTCDateTime()), bindparam("hi", type_=UTCDateTime())]


def kind_bookings(conn: Connection, site_id: int, kind: str, lo: dt.datetime, hi: dt.datetime,
                  max_minutes: int) -> list[tuple[int, str | None, int, bool, int, int]]:
    """Not-cancelled bookings of the site's spaces of ``kind`` overlapping ``[lo, hi)``:
    ``(space_id, org code, attendees, confidential, start, end)``. The bound on a booking's
    length keeps the read on the start-time index."""
    sql = (f"SELECT b.space_id, o.code, b.attendees, b.confidential, "
           f"{_epoch(conn, 'b.start_at')}, {_epoch(conn, 'b.end_at')} "
           "FROM booking b JOIN space sp ON sp.id = b.space_id "
           "LEFT JOIN organisation o ON o.id = b.org_id "
           "WHERE sp.site_id = :site AND sp.kind = :kind AND b.status <> 'cancelled' "
           f"AND {overlap_sql('b')}")
    stmt = text(sql).bindparams(*_times(lo, hi), bindparam("lower", type_=UTCDateTime()))
    rows = conn.execute(stmt, {"site": site_id, "kind": kind, "lo": lo, "hi": hi,
                               "lower": lower_bound(lo, max_minutes)}).all()
    return [(r[0], r[1], int(r[2] or 1), bool(r[3]), int(r[4]), int(r[5])) for r in rows]


def kind_requests(conn: Connection, site_id: int, kind: str, lo: dt.datetime, hi: dt.datetime
                  ) -> list[tuple[str | None, int, str, int, int]]:
    """Unmet requests for ``kind`` at the site starting in ``[lo, hi)`` (as the demand
    report counts them): ``(org code, attendees, features, start, end)``."""
    sql = (f"SELECT o.code, u.attendees, u.features, {_epoch(conn, 'u.start_at')}, "
           f"{_epoch(conn, 'u.end_at')} FROM unmet_demand u "
           "LEFT JOIN organisation o ON o.id = u.org_id "
           "WHERE u.site_id = :site AND u.kind = :kind AND u.start_at >= :lo "
           "AND u.start_at < :hi")
    stmt = text(sql).bindparams(*_times(lo, hi))
    rows = conn.execute(stmt, {"site": site_id, "kind": kind, "lo": lo, "hi": hi}).all()
    return [(r[0], int(r[1] or 1), r[2] or "", int(r[3]), int(r[4])) for r in rows]
