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


def zone_offsets(tz: str, lo: dt.datetime, hi: dt.datetime) -> list[tuple[dt.datetime | None, int]]:
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
    return out


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


HOURS_CTE = ("hrs(h) AS (SELECT 0 UNION ALL SELECT h + 1 FROM hrs WHERE h < 23)")


def booked(
    conn: Connection,
    window: Window,
    *,
    by_space: bool = False,
    by_org: bool = False,
    by_day: bool = False,
    by_hour: bool = False,
    split_hours: bool = True,
    started_before: dt.datetime | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Booked (not cancelled) bookings of the window's sites, clipped to ``[lo, hi)``.

    One row per site, kind and the asked-for keys (space, organisation, local day, local hour)
    with ``bookings`` (count), minutes booked in total and by status (``booked_min``,
    ``checked_in_min``, ``no_show_min``, ``released_min``) and counts by status. With
    ``by_hour`` and ``split_hours`` a booking's minutes are shared among the local hours it
    covers (09:30–11:00 gives 30 min to 9 and 60 to 10); without ``split_hours`` it counts in
    the hour it starts. ``started_before`` keeps only bookings that started before then (past
    bookings, for attendance).
    """
    s = _Sql(conn, window)
    lo, hi = s.ts_param("lo", window.lo), s.ts_param("hi", window.hi)
    cs, ce = s.greatest("b.start_at", lo), s.least("b.end_at", hi)
    cols = ["sp.site_id AS site_id", "sp.kind AS kind", "b.status AS status",
            f"{s.minutes_between(cs, ce)} AS dur"]
    keys = ["site_id", "kind"]
    if by_space:
        cols.append("b.space_id AS space_id")
        keys.append("space_id")
    if by_org:
        cols.append("b.org_id AS org_id")
        keys.append("org_id")
    if by_day:
        cols.append(f"{s.local_day(cs)} AS day")
        keys.append("day")
    if by_hour:
        cols.append(f"{s.local_minute(cs)} AS sm")
    where = ["sp.site_id IN :site_ids", "b.status <> 'cancelled'",
             f"b.start_at < {hi}", f"b.end_at > {lo}"]
    if started_before is not None:
        where.append(f"b.start_at < {s.ts_param('before', started_before)}")
    if kind is not None:
        s.params["kind"] = kind
        where.append("sp.kind = :kind")
    inner = (f"SELECT {', '.join(cols)} FROM booking b JOIN space sp ON sp.id = b.space_id "
             f"WHERE {' AND '.join(where)}")
    piece = "x.dur"
    head = ""
    join = ""
    out_keys = [f"x.{k}" for k in keys]
    if by_hour and split_hours:
        head = f"WITH RECURSIVE {HOURS_CTE} "
        lo_m, hi_m = "x.sm", "(x.sm + x.dur)"
        join = f" JOIN hrs ON hrs.h * 60 < {hi_m} AND hrs.h * 60 + 60 > {lo_m}"
        piece = (f"(CASE WHEN {hi_m} < hrs.h * 60 + 60 THEN {hi_m} ELSE hrs.h * 60 + 60 END"
                 f" - CASE WHEN {lo_m} > hrs.h * 60 THEN {lo_m} ELSE hrs.h * 60 END)")
        out_keys.append("hrs.h")
        hour_col = "hrs.h AS hour"
    elif by_hour:
        out_keys.append("CAST(x.sm / 60 AS INTEGER)")
        hour_col = "CAST(x.sm / 60 AS INTEGER) AS hour"
    sel = [f"x.{k} AS {k}" for k in keys]
    if by_hour:
        sel.append(hour_col)

    def by_status(status: str, what: str) -> str:
        return f"SUM(CASE WHEN x.status = '{status}' THEN {what} ELSE 0 END)"

    sel += [
        "COUNT(*) AS bookings",
        f"SUM({piece}) AS booked_min",
        f"{by_status('checked_in', piece)} AS checked_in_min",
        f"{by_status('no_show', piece)} AS no_show_min",
        f"{by_status('released', piece)} AS released_min",
        f"{by_status('checked_in', '1')} AS checked_in",
        f"{by_status('no_show', '1')} AS no_shows",
        f"{by_status('released', '1')} AS released",
        f"{by_status('confirmed', '1')} AS unmarked",
    ]
    sql = (f"{head}SELECT {', '.join(sel)} FROM ({inner}) x{join} "
           f"GROUP BY {', '.join(out_keys)}")
    rows = s.run(conn, sql)
    out = []
    for r in rows:
        d = dict(r._mapping)
        if "day" in d:
            d["day"] = _day_value(d["day"])
        for k in ("booked_min", "checked_in_min", "no_show_min", "released_min"):
            d[k] = float(d[k] or 0)
        for k in ("bookings", "checked_in", "no_shows", "released", "unmarked"):
            d[k] = int(d[k] or 0)
        if "hour" in d:
            d["hour"] = int(d["hour"])
        out.append(d)
    return out


def occupancy(conn: Connection, window: Window, *, kind: str | None = None
              ) -> list[dict[str, Any]]:
    """Per site, kind and local day: the peak number of booked spaces of the kind at once
    (``peak``, capped at the number of spaces) and the minutes when every space of the kind
    was booked (``saturated_min``), by a sweep over booking starts and ends in SQL.

    Booked means not cancelled. ``spaces`` is the number of active spaces of the kind.
    """
    s = _Sql(conn, window)
    lo, hi = s.ts_param("lo", window.lo), s.ts_param("hi", window.hi)
    kind_cond = ""
    if kind is not None:
        s.params["kind"] = kind
        kind_cond = " AND sp.kind = :kind"
    base = (f"FROM booking b JOIN space sp ON sp.id = b.space_id WHERE sp.site_id IN :site_ids "
            f"AND b.status <> 'cancelled' AND b.start_at < {hi} AND b.end_at > {lo}{kind_cond}")
    sql = f"""
WITH ev AS (
  SELECT sp.site_id AS site_id, sp.kind AS kind, {s.greatest('b.start_at', lo)} AS t, 1 AS d {base}
  UNION ALL
  SELECT sp.site_id, sp.kind, {s.least('b.end_at', hi)}, -1 {base}
), agg AS (
  SELECT site_id, kind, t, SUM(d) AS d FROM ev GROUP BY site_id, kind, t
), run AS (
  SELECT site_id, kind, t,
         SUM(d) OVER (PARTITION BY site_id, kind ORDER BY t) AS n,
         LEAD(t) OVER (PARTITION BY site_id, kind ORDER BY t) AS t_next
  FROM agg
), cap AS (
  SELECT site_id, kind, COUNT(*) AS cap FROM space
  WHERE site_id IN :site_ids AND active = {'TRUE' if s.pg else '1'} GROUP BY site_id, kind
)
SELECT run.site_id AS site_id, run.kind AS kind, {s.local_day('run.t')} AS day,
       MAX(CASE WHEN run.n > cap.cap THEN cap.cap ELSE run.n END) AS peak,
       SUM(CASE WHEN run.n >= cap.cap AND run.t_next IS NOT NULL
                THEN {s.minutes_between('run.t', 'run.t_next')} ELSE 0 END) AS saturated_min,
       MAX(cap.cap) AS spaces
FROM run JOIN cap ON cap.site_id = run.site_id AND cap.kind = run.kind
GROUP BY 1, 2, 3
"""
    out = []
    for r in s.run(conn, sql):
        d = dict(r._mapping)
        d["day"] = _day_value(d["day"])
        d["peak"] = int(d["peak"] or 0)
        d["saturated_min"] = float(d["saturated_min"] or 0)
        d["spaces"] = int(d["spaces"])
        out.append(d)
    return out


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
