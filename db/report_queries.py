"""Aggregations behind the usage reports, run in the database so a year of a region stays fast.

Every query covers the sites of ONE time zone (the domain groups sites by zone) and a UTC window
``[lo, hi)`` that is the period's first local midnight to the midnight after its last day.
Local wall time (the day, the minute of the day) is worked out in SQL: PostgreSQL with
``AT TIME ZONE``; SQLite, which has no zone database, with the zone's UTC offsets over the window
passed in as ``offsets`` (see :func:`zone_offsets`), so clock-change weeks land on the right day
and hour on both backends.

Rows come back keyed by ids, local day and hour; :mod:`booking.reports` turns them into codes,
weekdays, weeks and months and adds them up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row, bindparam, text

from db.types import UTCDateTime

#: (until_utc, offset_minutes): the offset holds up to ``until_utc``; the last has until None.
Offsets = Sequence[tuple[dt.datetime | None, int]]


@dataclass(frozen=True)
class Window:
    """The sites of one zone and the UTC window of the period in that zone."""

    site_ids: tuple[int, ...]
    tz: str
    lo: dt.datetime
    hi: dt.datetime

    @property
    def offsets(self) -> Offsets:
        return zone_offsets(self.tz, self.lo - dt.timedelta(days=1),
                            self.hi + dt.timedelta(days=1))


@lru_cache(maxsize=64)  # a report asks for its window's offsets once per local-time column
def zone_offsets(tz: str, lo: dt.datetime, hi: dt.datetime
                 ) -> tuple[tuple[dt.datetime | None, int], ...]:
    """The UTC offsets of ``tz`` between ``lo`` and ``hi``, as (until, minutes) pairs.

    Zone changes happen on whole quarter hours; stepping by 15 minutes and bisecting to the
    minute finds each change exactly.
    """
    zone = ZoneInfo(tz)

    def off(t: dt.datetime) -> int:
        delta = t.astimezone(zone).utcoffset()
        return int(delta.total_seconds() // 60) if delta is not None else 0

    out: list[tuple[dt.datetime | None, int]] = []
    t = lo
    current = off(t)
    step = dt.timedelta(hours=1)
    while t < hi:
        nxt = t + step
        if off(nxt) != current:
            a, b = t, nxt  # off(a) == current, off(b) != current
            while b - a > dt.timedelta(minutes=1):
                mid = a + (b - a) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= a:
                    break
                if off(mid) == current:
                    a = mid
                else:
                    b = mid
            out.append((b, current))
            current = off(b)
            t = b
            continue
        t = nxt
    out.append((None, current))
    return tuple(out)


class _Sql:
    """Dialect pieces: SQLite via julianday and offsets, PostgreSQL via AT TIME ZONE."""

    def __init__(self, conn: Connection, window: Window) -> None:
        self.pg = conn.dialect.name == "postgresql"
        self.window = window
        self.params: dict[str, Any] = {}
        self.types: dict[str, Any] = {}

    def ts_param(self, name: str, value: dt.datetime) -> str:
        self.params[name] = value
        self.types[name] = UTCDateTime()
        return f":{name}"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"MIN({a}, {b})"

    def minutes_between(self, a: str, b: str) -> str:
        if self.pg:
            return f"(EXTRACT(EPOCH FROM ({b}) - ({a})) / 60.0)"
        return f"((julianday({b}) - julianday({a})) * 1440.0)"

    def _offset(self, t: str) -> str:
        parts = []
        for i, (until, minutes) in enumerate(self.window.offsets):
            if until is None:
                parts.append(f"ELSE {minutes}")
            else:
                parts.append(f"WHEN {t} < {self.ts_param(f'tr{i}', until)} THEN {minutes}")
        if len(parts) == 1:
            return parts[0].removeprefix("ELSE ")
        return "CASE " + " ".join(parts) + " END"

    def local_jd(self, t: str) -> str:
        """SQLite only: the local wall time of instant ``t`` as a Julian day number."""
        return f"(julianday({t}) + ({self._offset(t)}) / 1440.0)"

    def local_day(self, t: str) -> str:
        if self.pg:
            self.params["tz"] = self.window.tz
            return f"CAST(({t} AT TIME ZONE :tz) AS DATE)"
        return f"date({self.local_jd(t)})"

    def local_minute(self, t: str) -> str:
        if self.pg:
            self.params["tz"] = self.window.tz
            loc = f"({t} AT TIME ZONE :tz)"
            return f"CAST(EXTRACT(HOUR FROM {loc}) * 60 + EXTRACT(MINUTE FROM {loc}) AS INTEGER)"
        jd = self.local_jd(t)
        return f"CAST(round(({jd} - julianday(date({jd}))) * 1440.0) AS INTEGER)"

    def run(self, conn: Connection, sql: str, columns: dict[str, Any] | None = None
            ) -> Sequence[Row]:
        stmt = text(sql)
        binds = [bindparam(k, type_=v) for k, v in self.types.items()]
        binds.append(bindparam("site_ids", expanding=True))
        stmt = stmt.bindparams(*binds)
        if columns:
            stmt = stmt.columns(**columns)  # type: ignore[assignment]
        return conn.execute(stmt, {**self.params, "site_ids": list(self.window.site_ids)}).all()


def _day_value(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _scan_hint(s: _Sql) -> str:
    """On SQLite, a period of more than two months reads the table straight through: walking
    the start-time index for most of the table costs twice as much (measured in bench/)."""
    if s.pg or (s.window.hi - s.window.lo) <= dt.timedelta(days=62):
        return ""
    return "+"


def _epoch(s: _Sql, t: str) -> str:
    """Instant ``t`` in whole UTC epoch seconds."""
    if s.pg:
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {t})) AS BIGINT)"
    return f"CAST(strftime('%s', {t}) AS INTEGER)"


def booked_spans(
    conn: Connection,
    window: Window,
    *,
    by_space: bool = False,
    by_org: bool = False,
    spans: bool = True,
    started_before: dt.datetime | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Booked (not cancelled) bookings of the window's sites, clipped to ``[lo, hi)``.

    One row per site, kind, status and the asked-for keys (space, organisation) with
    ``bookings``, their number, and ``minutes``, their clipped length. With ``spans`` the
    rows are per clipped interval as well (``start``, ``end`` in UTC epoch seconds), for the
    domain to cut at local hours and days (:func:`booking.usage.hour_pieces`).
    ``started_before`` keeps only bookings that started before then (attendance).
    """
    s = _Sql(conn, window)
    lo, hi = s.ts_param("lo", window.lo), s.ts_param("hi", window.hi)
    cs, ce = s.greatest("b.start_at", lo), s.least("b.end_at", hi)
    sel = ["sp.site_id AS site_id", "sp.kind AS kind", "b.status AS status"]
    if by_space:
        sel.append("b.space_id AS space_id")
    if by_org:
        sel.append("b.org_id AS org_id")
    if spans:
        sel += [f"{_epoch(s, cs)} AS start", f"{_epoch(s, ce)} AS \"end\""]
    n_keys = len(sel)
    # whole seconds, as the summaries count them (julianday differences are inexact)
    sel += ["COUNT(*) AS bookings", f"SUM({_epoch(s, ce)} - {_epoch(s, cs)}) / 60.0 AS minutes"]
    plus = _scan_hint(s)
    where = ["sp.site_id IN :site_ids", "b.status NOT IN ('cancelled', 'declined')",
             f"{plus}b.start_at < {hi}", f"{plus}b.end_at > {lo}"]
    if started_before is not None:
        where.append(f"b.start_at < {s.ts_param('before', started_before)}")
    if kind is not None:
        s.params["kind"] = kind
        where.append("sp.kind = :kind")
    sql = (f"SELECT {', '.join(sel)} FROM booking b JOIN space sp ON sp.id = b.space_id "
           f"WHERE {' AND '.join(where)} GROUP BY {', '.join(str(i + 1) for i in range(n_keys))}")
    return [dict(r._mapping) for r in s.run(conn, sql)]


def intervals(conn: Connection, window: Window, *, kind: str | None = None
              ) -> list[tuple[int, str, int, int]]:
    """Booked (not cancelled) bookings overlapping the window, clipped to it, as
    ``(site_id, kind, start, end)`` in UTC epoch seconds.

    The occupancy sweep runs over these in Python: measured in bench/, sorting the start and
    end events with SQL window functions cost 5-10 times more than reading the rows.
    """
    s = _Sql(conn, window)
    lo, hi = s.ts_param("lo", window.lo), s.ts_param("hi", window.hi)
    kind_cond = ""
    if kind is not None:
        s.params["kind"] = kind
        kind_cond = " AND sp.kind = :kind"
    plus = _scan_hint(s)
    cs, ce = s.greatest("b.start_at", lo), s.least("b.end_at", hi)
    sql = (f"SELECT sp.site_id, sp.kind, {_epoch(s, cs)}, {_epoch(s, ce)} "
           f"FROM booking b JOIN space sp ON sp.id = b.space_id WHERE sp.site_id IN :site_ids "
           f"AND b.status NOT IN ('cancelled', 'declined') AND {plus}b.start_at < {hi} "
           f"AND {plus}b.end_at > {lo}{kind_cond}")
    return [tuple(r) for r in s.run(conn, sql)]


def active_space_counts(conn: Connection, site_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    stmt = text("SELECT site_id, kind, COUNT(*) FROM space WHERE site_id IN :ids AND active "
                "GROUP BY site_id, kind").bindparams(bindparam("ids", expanding=True))
    return {(r[0], r[1]): int(r[2]) for r in conn.execute(stmt, {"ids": list(site_ids)})}


def unmet(conn: Connection, window: Window, *, kind: str | None = None) -> list[dict[str, Any]]:
    """Unmet demand starting in ``[lo, hi)``: per site, kind, organisation, local day and local
    start hour, the number of requests and the minutes they asked for."""
    s = _Sql(conn, window)
    lo, hi = s.ts_param("lo", window.lo), s.ts_param("hi", window.hi)
    kind_cond = ""
    if kind is not None:
        s.params["kind"] = kind
        kind_cond = " AND u.kind = :kind"
    sql = f"""
SELECT x.site_id AS site_id, x.kind AS kind, x.org_id AS org_id, x.day AS day,
       CAST(x.sm / 60 AS INTEGER) AS hour, COUNT(*) AS requests, SUM(x.dur) AS requested_min
FROM (
  SELECT u.site_id AS site_id, u.kind AS kind, u.org_id AS org_id,
         {s.local_day('u.start_at')} AS day, {s.local_minute('u.start_at')} AS sm,
         {s.minutes_between('u.start_at', 'u.end_at')} AS dur
  FROM unmet_demand u
  WHERE u.site_id IN :site_ids AND u.start_at >= {lo} AND u.start_at < {hi}{kind_cond}
) x
GROUP BY 1, 2, 3, 4, 5
"""
    out = []
    for r in s.run(conn, sql):
        d = dict(r._mapping)
        d["day"] = _day_value(d["day"])
        d["hour"] = int(d["hour"])
        d["requests"] = int(d["requests"])
        d["requested_min"] = float(d["requested_min"] or 0)
        out.append(d)
    return out


def report_spaces(conn: Connection, site_ids: Sequence[int]) -> Sequence[Row]:
    """Every space of the sites (id, code, site_id, kind, active)."""
    stmt = text("SELECT id, code, site_id, kind, active FROM space WHERE site_id IN :ids "
                "ORDER BY code").bindparams(bindparam("ids", expanding=True))
    return conn.execute(stmt, {"ids": list(site_ids)}).all()


def org_codes(conn: Connection) -> dict[int, str]:
    return {r.id: r.code for r in conn.execute(text("SELECT id, code FROM organisation"))}
