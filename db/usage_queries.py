"""The SQL behind the usage summaries: marks, the bookings to summarise, and the summed reads.

The summaries (``usage_day``, ``usage_hour``, ``usage_space``, ``usage_piece``,
``usage_level`` in
:mod:`db.tables`) are per site and local day; triggers (migration 0002) append a
``usage_mark`` in the same transaction as every booking change. :mod:`booking.usage` claims the
marks of a site, recomputes the marked days from the bookings and writes them back here, all
in one write transaction, so a crash leaves the marks and the old rows as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection as Connection  # re-exported: booking types with it
from sqlalchemy import Date, Integer, String, bindparam, text
from sqlalchemy import Engine as Engine  # re-exported: booking types with it

from db.tables import USAGE_DAY, USAGE_HOUR, USAGE_LEVEL, USAGE_PIECE, USAGE_SPACE
from db.tables_usage import USAGE_ORG_MONTH, USAGE_SPACE_MONTH
from db.types import UTCDateTime

#: First key of the PostgreSQL advisory lock that one refresh of a site holds (the second
#: is the site id), so two terminals never recompute the same site at once.
LOCK_KEY = 0x0C05
TABLES = {t.name: t for t in (USAGE_DAY, USAGE_HOUR, USAGE_SPACE, USAGE_PIECE, USAGE_LEVEL)}
#: The month rollups of ``usage_piece`` (migration 0009): per table, its key columns after
#: site and month, and the column carried beside them.
MONTH_ROLLUPS = {
    USAGE_ORG_MONTH.name: (("kind", "org_id", "status", "hour"), None),
    USAGE_SPACE_MONTH.name: (("space_id", "status", "hour"), "kind"),
}
#: Columns a summed read may group by, per table.
GROUPABLE = {
    "usage_day": {"site_id", "kind", "org_id", "status", "weekday", "week", "month"},
    "usage_hour": {"site_id", "kind", "status", "hour", "weekday", "week", "month"},
    "usage_space": {"site_id", "space_id", "kind", "status", "weekday", "week", "month"},
    "usage_piece": {"site_id", "space_id", "kind", "org_id", "status", "hour", "weekday",
                    "week", "month"},
    "usage_level": {"site_id", "kind", "weekday", "week", "month"},
    "usage_org_month": {"site_id", "kind", "org_id", "status", "hour", "month"},
    "usage_space_month": {"site_id", "space_id", "kind", "status", "hour", "month"},
}


def _pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


class _Where:
    """WHERE conditions and their parameters, typed by value (a list expands, a datetime is
    a UTC timestamp, a date a day), built up one condition at a time."""

    def __init__(self) -> None:
        self.conditions: list[str] = []
        self.params: dict[str, Any] = {}
        self.binds: list[Any] = []

    def add(self, condition: str, **params: Any) -> _Where:
        self.conditions.append(condition)
        for name, value in params.items():
            self.params[name] = value
            if isinstance(value, list):
                self.binds.append(bindparam(name, expanding=True))
            elif isinstance(value, dt.datetime):
                self.binds.append(bindparam(name, type_=UTCDateTime()))
            elif isinstance(value, dt.date):
                self.binds.append(bindparam(name, type_=Date()))
        return self

    def statement(self, head: str, tail: str = "") -> Any:
        """``head WHERE ... tail`` as a text statement with the parameters' types bound."""
        sql = f"{head} WHERE {' AND '.join(self.conditions)} {tail}".rstrip()
        return text(sql).bindparams(*self.binds)


# --------------------------------------------------------------------------- marks
def has_marks(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM usage_mark LIMIT 1")).first() is not None


def marked_sites(conn: Connection) -> list[int | None]:
    """Sites with marks (None: a mark for every site)."""
    rows = conn.execute(text("SELECT DISTINCT site_id FROM usage_mark")).all()
    return [r[0] for r in rows]


def all_site_ids(conn: Connection) -> list[int]:
    return [r[0] for r in conn.execute(text("SELECT id FROM site ORDER BY id"))]


def expand_store_mark(conn: Connection) -> None:
    """Turn a mark for the whole store into one whole-site mark per site (once, however many
    terminals try at the same moment)."""
    lock_site(conn, 0)
    gone = conn.execute(text("DELETE FROM usage_mark WHERE site_id IS NULL")).rowcount
    if gone:
        conn.execute(text("INSERT INTO usage_mark (site_id) SELECT id FROM site"))


def lock_site(conn: Connection, site_id: int) -> None:
    """PostgreSQL: wait for any other refresh of this site (held to the end of the
    transaction). SQLite's ``BEGIN IMMEDIATE`` already serialises writers."""
    if _pg(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:k, :s)"), {"k": LOCK_KEY, "s": site_id})


def claim_marks(conn: Connection, site_id: int) -> list[tuple[dt.datetime | None,
                                                            dt.datetime | None]]:
    """Delete the site's marks and return the intervals they name, merged per pair of UTC
    dates (the earliest start, the latest end); ``(None, None)`` means the whole site.

    On PostgreSQL the marks are claimed by one ``DELETE ... RETURNING``: a mark committed by
    another terminal after it is left for the next refresh, never deleted unseen.
    """
    cols: dict[str, Any] = {"lo": UTCDateTime(), "hi": UTCDateTime(), "whole": Integer()}
    if _pg(conn):
        sql = ("WITH d AS (DELETE FROM usage_mark WHERE site_id = :s RETURNING start_at, end_at) "
               "SELECT MIN(start_at) AS lo, MAX(end_at) AS hi, "
               "COUNT(*) - COUNT(start_at) AS whole FROM d "
               "GROUP BY CAST(start_at AT TIME ZONE 'UTC' AS DATE), "
               "CAST(end_at AT TIME ZONE 'UTC' AS DATE)")
        rows = conn.execute(text(sql).columns(**cols), {"s": site_id}).all()
    else:
        sql = ("SELECT MIN(start_at) AS lo, MAX(end_at) AS hi, "
               "COUNT(*) - COUNT(start_at) AS whole FROM usage_mark WHERE site_id = :s "
               "GROUP BY date(start_at), date(end_at)")
        rows = conn.execute(text(sql).columns(**cols), {"s": site_id}).all()
        conn.execute(text("DELETE FROM usage_mark WHERE site_id = :s"), {"s": site_id})
    out: list[tuple[dt.datetime | None, dt.datetime | None]] = []
    for lo, hi, whole in rows:
        out.append((None, None) if whole or lo is None or hi is None else (lo, hi))
    return out


# --------------------------------------------------------------------------- the bookings
def site_zone(conn: Connection, site_id: int) -> str | None:
    row = conn.execute(text("SELECT tz FROM site WHERE id = :s"), {"s": site_id}).first()
    return row[0] if row else None


def site_space_ids(conn: Connection, site_id: int) -> list[int]:
    return [r[0] for r in conn.execute(text("SELECT id FROM space WHERE site_id = :s"),
                                       {"s": site_id})]


def site_bookings(conn: Connection, space_ids: Sequence[int], *, lo: dt.datetime | None = None,
                  hi: dt.datetime | None = None, max_minutes: int = 24 * 60
                  ) -> list[tuple[int, str, int, str, int, int]]:
    """The not-cancelled bookings of ``space_ids`` overlapping ``[lo, hi)`` (all of them
    without bounds) as ``(space_id, kind, org_id, status, start, end)``, times in whole UTC
    epoch seconds. The bound on a booking's length keeps the read on the
    ``(space_id, start_at)`` index."""
    if not space_ids:
        return []
    if _pg(conn):
        epoch = "CAST(FLOOR(EXTRACT(EPOCH FROM {})) AS BIGINT)"
    else:
        epoch = "CAST(strftime('%s', {}) AS INTEGER)"
    w = _Where().add("b.space_id IN :ids", ids=list(space_ids)).add(
        "b.status NOT IN ('cancelled', 'declined')")
    if lo is not None and hi is not None:
        w.add("b.start_at < :hi", hi=hi).add("b.end_at > :lo", lo=lo)
        w.add("b.start_at > :lower", lower=lo - dt.timedelta(minutes=max_minutes))
    rows = conn.execute(w.statement(
        f"SELECT b.space_id, sp.kind, b.org_id, b.status, {epoch.format('b.start_at')}, "
        f"{epoch.format('b.end_at')} FROM booking b JOIN space sp ON sp.id = b.space_id"),
        w.params).all()
    return [tuple(r) for r in rows]


# --------------------------------------------------------------------------- writing
def clear_days(conn: Connection, site_id: int, first: dt.date | None = None,
               last: dt.date | None = None) -> None:
    """Delete the site's summary rows for ``first``..``last`` (every day without them)."""
    for name in TABLES:
        w = _Where().add("site_id = :s", s=site_id)
        if first is not None and last is not None:
            w.add("day >= :a", a=first).add("day <= :b", b=last)
        conn.execute(w.statement(f"DELETE FROM {name}"), w.params)


def rebuild_months(conn: Connection, site_id: int, months: Sequence[str] | None = None
                   ) -> None:
    """Recompute the site's month rollups for ``months`` (``2026-11``; every month without
    them) from its ``usage_piece`` rows, in the database."""
    if months is not None and not months:
        return
    for name, (keys, beside) in MONTH_ROLLUPS.items():
        w = _Where().add("site_id = :s", s=site_id)
        source = _Where().add("site_id = :s", s=site_id)
        if months is not None:
            wanted = sorted(set(months))
            w.add("month IN :months", months=wanted)
            # The days of those months, so the read follows usage_piece's key (site, day)
            # rather than every row of the site.
            first = dt.date.fromisoformat(f"{wanted[0]}-01")
            last = _next_month(dt.date.fromisoformat(f"{wanted[-1]}-01"))
            source.add("day >= :d0", d0=first).add("day < :d1", d1=last)
            source.add("month IN :months", months=wanted)
        conn.execute(w.statement(f"DELETE FROM {name}"), w.params)
        cols = ", ".join(keys)
        extra = f", {beside}" if beside else ""
        extra_sum = f", MAX({beside})" if beside else ""
        conn.execute(source.statement(
            f"INSERT INTO {name} (site_id, month, {cols}{extra}, minutes, bookings) "
            f"SELECT site_id, month, {cols}{extra_sum}, SUM(minutes), SUM(bookings) "
            f"FROM usage_piece", f"GROUP BY site_id, month, {cols}"), source.params)


def analyze(engine: Engine) -> None:
    """PostgreSQL: renew the planner's statistics of every summary (after a rebuild of many
    days, before autovacuum would, or where it is off: without them PostgreSQL takes a
    summary for empty and groups a region's rows by sorting them on disk). A role that does
    not own the tables is skipped with a warning. SQLite: nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        conn.execute(text(f"ANALYZE {', '.join([*TABLES, *MONTH_ROLLUPS])}"))
        conn.commit()


def day_value(conn: Connection) -> Callable[[dt.date], Any]:
    """How a summary's day is written: a ``date`` for PostgreSQL, ISO text for SQLite (what
    SQLAlchemy's ``Date`` stores there)."""
    return (lambda d: d) if _pg(conn) else dt.date.isoformat


def write_rows(conn: Connection, name: str, rows: Sequence[tuple]) -> None:
    """Append rows (in the table's column order, the day as :func:`day_value` gives it) to
    summary ``name``: COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    cols = [c.name for c in TABLES[name].columns]
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if _pg(conn):
        with dbapi.cursor() as cur, cur.copy(  # type: ignore[attr-defined]
                f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    cur = dbapi.cursor()
    try:
        cur.executemany(f"INSERT INTO {name} ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' for _ in cols)})", rows)
    finally:
        cur.close()


# --------------------------------------------------------------------------- reading
def month_split(first: dt.date, last: dt.date
                ) -> tuple[tuple[str, str] | None, list[tuple[dt.date, dt.date]]]:
    """``first``..``last`` as its whole months (first and last ``2026-11``, or None) and the
    runs of days outside them (at most two: the ends of the first and last month)."""
    start = first if first.day == 1 else _next_month(first)
    end = last if (last + dt.timedelta(days=1)).day == 1 else \
        last.replace(day=1) - dt.timedelta(days=1)
    if start > end:
        return None, [(first, last)] if first <= last else []
    edges = []
    if first < start:
        edges.append((first, start - dt.timedelta(days=1)))
    if end < last:
        edges.append((end + dt.timedelta(days=1), last))
    return (f"{start:%Y-%m}", f"{end:%Y-%m}"), edges


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


#: The statuses a summed read keeps apart, in the order of its columns: booked, used and
#: wasted hours and attendance come from them (any other status, provisional, counts in the
#: totals only).
SUMMED_STATUSES = ("checked_in", "no_show", "released", "confirmed")


def summed(conn: Connection, name: str, site_ids: Sequence[int], first: dt.date, last: dt.date,
           group: Sequence[str], *, kind: str | None = None, before: dt.date | None = None
           ) -> list[tuple]:
    """Sums of summary ``name`` over the sites' local days ``first``..``last`` (and before
    ``before``), grouped by ``group``, the statuses side by side: one row per group,
    ``(*group, bookings, minutes, then bookings and minutes of each of SUMMED_STATUSES)``.

    A month rollup (:data:`MONTH_ROLLUPS`) serves the whole months of the period; the days
    of its first and last month outside them are read from ``usage_piece``, and the two
    added up in the same statement."""
    bad = set(group) - GROUPABLE[name]
    if bad:
        raise ValueError(f"{name} cannot be grouped by {sorted(bad)}")
    parts: list[tuple[str, list[tuple[str, Any]]]]
    if name not in MONTH_ROLLUPS:
        parts = [(name, [("day >= :a", first), ("day <= :b", last)]
                  + ([("day < :before", before)] if before is not None else []))]
    else:
        if before is not None:
            last = min(last, before - dt.timedelta(days=1))
        months, edges = month_split(first, last)
        parts = [(name, [("month >= :a", months[0]), ("month <= :b", months[1])])] \
            if months is not None else []
        parts += [("usage_piece", [("day >= :a", a), ("day <= :b", b)]) for a, b in edges]
    if not parts:
        return []
    w = _Where()
    cols = ", ".join(group)
    sums = ["SUM(bookings)", "SUM(minutes)"]
    for status in SUMMED_STATUSES:
        sums += [f"SUM(CASE WHEN status = '{status}' THEN {c} ELSE 0 END)"
                 for c in ("bookings", "minutes")]
    sources = []
    for i, (table, bounds) in enumerate(parts):
        part = _Where().add(f"site_id IN :ids{i}", **{f"ids{i}": list(site_ids)})
        for condition, value in bounds:
            param = condition.rsplit(":", 1)[1]
            part.add(f"{condition}{i}", **{f"{param}{i}": value})
        if kind is not None:
            part.add(f"kind = :kind{i}", **{f"kind{i}": kind})
        sources.append(f"{table} WHERE {' AND '.join(part.conditions)}")
        w.params.update(part.params)
        w.binds += part.binds
    source = sources[0] if len(sources) == 1 else "(" + " UNION ALL ".join(
        f"SELECT {cols}, status, bookings, minutes FROM {s}" for s in sources) + ") AS parts"
    stmt = text(f"SELECT {cols}, {', '.join(sums)} FROM {source} GROUP BY {cols}"
                ).bindparams(*w.binds)
    return [tuple(r) for r in conn.execute(stmt, w.params)]


def levels(conn: Connection, site_ids: Sequence[int], first: dt.date, last: dt.date,
           caps: dict[tuple[int, str], int], group: Sequence[str], *, kind: str | None = None
           ) -> list[dict[str, Any]]:
    """Per site, kind and ``group`` (weekday, week, month): ``peak`` (the most spaces booked
    at once, uncapped) and ``saturated`` (minutes with at least ``caps[(site, kind)]`` spaces
    booked) over the local days ``first``..``last``."""
    if not caps:
        return []
    bad = set(group) - GROUPABLE["usage_level"]
    if bad:
        raise ValueError(f"usage_level cannot be grouped by {sorted(bad)}")
    w = _Where().add("l.site_id IN :ids", ids=list(site_ids))
    w.add("l.day >= :a", a=first).add("l.day <= :b", b=last)
    if kind is not None:
        w.add("l.kind = :kind", kind=kind)
    values = []
    for i, ((site_id, k), cap) in enumerate(sorted(caps.items())):
        values.append(f"(:cs{i}, :ck{i}, :cc{i})")
        w.params.update({f"cs{i}": site_id, f"ck{i}": k, f"cc{i}": cap})
        w.binds += [bindparam(f"cs{i}", type_=Integer()), bindparam(f"ck{i}", type_=String()),
                    bindparam(f"cc{i}", type_=Integer())]
    # The peak and the saturated minutes read apart: the peak is a plain aggregate of the
    # rows (which PostgreSQL runs in parallel), first per day in the key's order (no sort
    # of every level), and only the rows at the cap are joined with the caps, rather than
    # every level of every day.
    extra = [g for g in group if g not in ("site_id", "kind")]
    cols = ("site_id", "kind", *extra)
    ls, ps = (", ".join(f"{t}.{k}" for k in cols) for t in "lp")
    by_day = ", ".join(["l.site_id", "l.day", "l.kind", *(f"MIN(l.{k}) AS {k}" for k in extra)])
    where = " AND ".join(w.conditions)
    same = " AND ".join(f"s.{k} = p.{k}" for k in cols)
    stmt = text(
        f"WITH c (site_id, kind, cap) AS (VALUES {', '.join(values)}), "
        f"p AS (SELECT {', '.join(cols)}, MAX(peak) AS peak FROM (SELECT {by_day}, "
        f"MAX(l.level) AS peak FROM usage_level l WHERE {where} "
        f"GROUP BY l.site_id, l.day, l.kind) AS dl GROUP BY {', '.join(cols)}), "
        f"s AS (SELECT {ls}, SUM(l.minutes) AS saturated FROM usage_level l JOIN c "
        f"ON c.site_id = l.site_id AND c.kind = l.kind AND l.level = c.cap WHERE {where} "
        f"GROUP BY {ls}) "
        f"SELECT {ps}, p.peak, COALESCE(s.saturated, 0) AS saturated FROM p JOIN c "
        f"ON c.site_id = p.site_id AND c.kind = p.kind LEFT JOIN s ON {same}"
    ).bindparams(*w.binds)
    out = []
    for r in conn.execute(stmt, w.params):
        d = dict(r._mapping)
        d["peak"] = int(d["peak"] or 0)
        d["saturated"] = float(d["saturated"] or 0.0)
        out.append(d)
    return out


def bookings_starting(conn: Connection, site_ids: Sequence[int], start: dt.datetime,
                      end: dt.datetime, *, ending_after: dt.datetime | None = None,
                      kind: str | None = None) -> list[Any]:
    """Not-cancelled bookings of the sites starting in ``[start, end)`` (and, if given, ending
    after ``ending_after``): ``site_id, kind, space_id, org_id, status, start_at``. For the
    few bookings a report counts outside the summaries: those under way as the period begins
    and those of today that have started."""
    w = _Where().add("sp.site_id IN :ids", ids=list(site_ids)).add(
        "b.status NOT IN ('cancelled', 'declined')")
    w.add("b.start_at >= :t0", t0=start).add("b.start_at < :t1", t1=end)
    if ending_after is not None:
        w.add("b.end_at > :after", after=ending_after)
    if kind is not None:
        w.add("sp.kind = :kind", kind=kind)
    stmt = w.statement("SELECT sp.site_id, sp.kind, b.space_id, b.org_id, b.status, b.start_at "
                       "FROM booking b JOIN space sp ON sp.id = b.space_id").columns(
        site_id=Integer(), kind=String(), space_id=Integer(), org_id=Integer(),
        status=String(), start_at=UTCDateTime())
    return list(conn.execute(stmt, w.params).all())
