"""A booking on PostgreSQL in two round trips.

1. :func:`context`: ``BEGIN`` and one statement that reads everything the rules look at
   (the acting staff member with their organisation, the space with its site, that weekday's
   opening hours, that day's closure, the restriction codes, whether anyone holds an
   allocation there, the organisation named with ``--org``, the booking horizon), sent
   together as one query.
2. :func:`insert`: one statement whose common table expressions read the clashing bookings,
   insert the booking only when there are none, and append its audit record; sent with
   ``COMMIT`` as one query.

From a connection's second booking on, both are server-side prepared statements (both
``PREPARE`` sent ahead of the context's ``BEGIN``, in the same query): the server no longer
parses and plans them each time (:class:`_Prepared`, :func:`_parts`), ~1 ms of a booking.

Both run on the driver connection inside the caller's :func:`db.engine.write_tx`, as the
signed-in login: privileges and row-level security apply as to the separate statements, and
the exclusion constraint on ``booking`` stays the last word on a clash made at the same moment
(23P01, translated by the caller). Driver errors come out as SQLAlchemy's ``DBAPIError``
subclasses, as from ``Connection.execute``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import weakref
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError

from db.overlap import lower_bound, overlap_sql
from db.tables import ACTIVE_STATUSES
from db.tx import Tx as Connection

_STATUSES = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)

CONTEXT_SQL = """
SELECT st.id AS staff_id, st.login AS staff_login, st.name AS staff_name,
       st.org_id AS staff_org_id, st.role AS staff_role, st.active AS staff_active,
       so.code AS own_code, so.name AS own_name, so.is_host AS own_is_host,
       so.advance_weeks AS own_advance_weeks,
       sp.id, sp.code, sp.site_id, sp.name, sp.kind, sp.capacity, sp.features, sp.private,
       sp.requires_approval,
       sp.active, site.code AS site_code, site.name AS site_name, site.tz,
       site.holiday_region, site.release_after_minutes,
       oh.weekday, oh.opens_min, oh.closes_min,
       (SELECT c.reason FROM closure c WHERE c.site_id = sp.site_id AND c.day = %(day)s
        LIMIT 1) AS closure_reason,
       ARRAY(SELECT o.code FROM space_restriction r JOIN organisation o ON o.id = r.org_id
             WHERE r.space_id = sp.id) AS restricted_to,
       EXISTS (SELECT 1 FROM allocation al WHERE al.site_id = sp.site_id
               AND al.kind = sp.kind) AS any_allocation,
       xo.id AS org_id, xo.code AS org_code, xo.name AS org_name, xo.is_host AS org_is_host,
       xo.advance_weeks AS org_advance_weeks,
       (SELECT s.value FROM store_setting s WHERE s.name = 'horizon_weeks') AS horizon
FROM (SELECT 1) AS one
LEFT JOIN staff st ON st.login = %(login)s
LEFT JOIN organisation so ON so.id = st.org_id
LEFT JOIN space sp ON sp.code = %(code)s
LEFT JOIN site ON site.id = sp.site_id
LEFT JOIN opening_hours oh ON oh.site_id = sp.site_id AND oh.weekday = %(weekday)s
LEFT JOIN organisation xo ON xo.code = %(org)s
"""

_BOOKING_COLUMNS = ("space_id", "org_id", "booked_by_id", "start_at", "end_at", "status",
                    "attendees", "purpose", "confidential", "created_at", "updated_at")

INSERT_SQL = f"""
WITH clash AS (
    SELECT b.id, b.start_at, b.end_at, b.status, o.code AS org_code
    FROM booking b JOIN organisation o ON o.id = b.org_id
    WHERE b.space_id = %(space_id)s
      AND {overlap_sql('b', lo='%(start_at)s', hi='%(end_at)s', lower='%(lower)s')}
      AND b.status IN ({_STATUSES})
    ORDER BY b.start_at LIMIT 5
), created AS (
    INSERT INTO booking ({", ".join(_BOOKING_COLUMNS)})
    SELECT {", ".join(f"%({c})s" for c in _BOOKING_COLUMNS)}
    WHERE NOT EXISTS (SELECT 1 FROM clash)
    RETURNING id
), audited AS (
    INSERT INTO audit (at, actor, action, entity, entity_id, before, after, reason)
    SELECT %(created_at)s, %(actor)s, 'create', 'booking', created.id, NULL, %(after)s,
           %(reason)s
    FROM created
)
SELECT true AS created, id, NULL::timestamptz AS start_at, NULL::timestamptz AS end_at,
       NULL::text AS status, NULL::text AS org_code FROM created
UNION ALL
SELECT false, id, start_at, end_at, status, org_code FROM clash
"""

Clash = namedtuple("Clash", "id start_at end_at status org_code")

#: The SQL type of each parameter of the two statements, for their ``PREPARE``.
_TYPES = {"login": "text", "code": "text", "day": "date", "weekday": "integer", "org": "text",
          "space_id": "integer", "org_id": "integer", "booked_by_id": "integer",
          "start_at": "timestamptz", "end_at": "timestamptz", "status": "text",
          "attendees": "integer", "purpose": "text", "confidential": "boolean",
          "created_at": "timestamptz", "updated_at": "timestamptz", "lower": "timestamptz",
          "actor": "text", "after": "text", "reason": "text"}


class _Prepared:
    """One statement as a server-side prepared statement: its ``PREPARE`` (named parameters
    turned into ``$1``, ``$2``, ...) and its ``EXECUTE`` (the same named parameters, bound by
    the client)."""

    def __init__(self, name: str, sql: str) -> None:
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", sql)))
        positional = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", sql)
        self.name, self.sql = name, sql
        self.prepare = (f"PREPARE {name} ({', '.join(_TYPES[n] for n in names)}) AS "
                        f"{positional}")
        self.execute = f"EXECUTE {name}({', '.join(f'%({n})s' for n in names)})"


CONTEXT = _Prepared("cospace_booking_context", CONTEXT_SQL)
INSERT = _Prepared("cospace_booking_insert", INSERT_SQL)
BOTH = (CONTEXT, INSERT)
#: What the server holds of the two, asked in the first booking's query on a connection.
LISTED = ("SELECT ARRAY(SELECT name FROM pg_prepared_statements WHERE name IN "
          f"('{CONTEXT.name}', '{INSERT.name}'))")
#: Driver connection -> the names of the two it holds. Absent: not known (a new connection,
#: or after an error, when a PREPARE sent may or may not have been made).
_HELD: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()
#: Each statement's column names, read from its first result.
_NAMES: dict[str, list[str]] = {}
#: SQLSTATE of an ``EXECUTE`` whose statement is gone (psycopg sends ``DEALLOCATE ALL`` when
#: it rolls back a transaction while holding prepared statements of its own).
GONE = "26000"


def _driver(conn: Connection) -> Any:
    return conn.connection.driver_connection


@contextmanager
def transaction(conn: Connection) -> Iterator[None]:
    """The booking's transaction, begun and committed by this module's statements.

    psycopg begins a transaction with its own round trip (even in pipeline mode, which also
    ends with a sync of its own), so the driver connection is switched to autocommit and
    ``BEGIN`` and ``COMMIT`` travel by hand in the same query as a statement. On leaving,
    whatever is still open is rolled back (an error: nothing was committed) and the
    connection is back in its ordinary mode; SQLAlchemy's own commit and rollback then find
    nothing to do."""
    raw = _driver(conn)
    raw.autocommit = True
    try:
        yield
    finally:
        try:
            # psycopg, as SQLAlchemy loaded it (an optional dependency: PostgreSQL only)
            idle = conn.dialect.loaded_dbapi.pq.TransactionStatus.IDLE
            if raw.pgconn.transaction_status != idle:
                # libpq's own: psycopg's rollback() would also DEALLOCATE ALL (above)
                raw.pgconn.exec_(b"ROLLBACK")
            raw.autocommit = False
        except Exception:  # a broken connection: never hand it back to the pool
            conn.invalidate()


def _parts(stmt: _Prepared, held: set[str] | None, *, begin: bool) -> list[str]:
    """The statements of one round trip. Both ``PREPARE`` travel only with the context's
    query, ahead of its ``BEGIN``, so the two are made, and lost, together."""
    if held is None:  # not known: the plain statement, and what the server holds
        return (["BEGIN"] if begin else []) + [LISTED, stmt.sql]
    if stmt is not CONTEXT:
        return [stmt.execute if stmt.name in held else stmt.sql]
    prepares = [s.prepare for s in BOTH if s.name not in held]
    return prepares + (["BEGIN"] if begin else []) + [stmt.execute]


def _run(conn: Connection, stmt: _Prepared, params: dict[str, Any], *, begin: bool = False,
         commit: bool = False) -> tuple[list[str], list[Any]]:
    """One round trip: the statements of :func:`_parts` (any ``PREPARE``, ``BEGIN``, the
    statement or its ``EXECUTE``) and (``commit``) ``COMMIT``, as one simple-protocol query
    with the parameters bound by psycopg on the client (its ``ClientCursor``, which quotes
    every value; a pipeline would add a sync of its own). Column names and rows of the
    statement. An ``EXECUTE`` of a context whose statements were dropped is sent again."""
    raw = _driver(conn)
    dbapi = conn.dialect.loaded_dbapi  # psycopg (an optional dependency: PostgreSQL only)
    held = _HELD.get(raw)
    parts = _parts(stmt, held, begin=begin)
    listed: set[str] = set()
    try:
        with dbapi.ClientCursor(raw) as cur:
            cur.execute("; ".join(parts + (["COMMIT"] if commit else [])), params)
            for i, part in enumerate(parts):  # the statement's own result is the last
                if i:
                    cur.nextset()
                if part is LISTED:
                    listed = set(cur.fetchone()[0])
            rows = cur.fetchall()
            names = _NAMES.get(stmt.name)
            if names is None:  # psycopg builds a Column per column for each description
                names = _NAMES[stmt.name] = [d.name for d in cur.description or []]
    except dbapi.Error as exc:
        _HELD.pop(raw, None)
        if begin and held is not None and exc.sqlstate == GONE:  # dropped under us: again
            raw.pgconn.exec_(b"ROLLBACK")
            return _run(conn, stmt, params, begin=begin, commit=commit)
        raise DBAPIError.instance(stmt.sql, params, exc, dbapi.Error,
                                  dialect=conn.dialect) from exc
    if held is None:
        _HELD[raw] = listed
    elif stmt is CONTEXT:  # any PREPARE travelled with it
        _HELD[raw] = held | {s.name for s in BOTH}
    return names, list(rows)


def commit(conn: Connection) -> None:
    """Commit what :func:`insert` left open (``commit=False``)."""
    _driver(conn).execute("COMMIT")


def context(conn: Connection, *, login: str, code: str, day: dt.date,
            org: str | None) -> Any:
    """What booking ``code`` on local ``day`` needs to know, in one round trip with the
    transaction's ``BEGIN`` (inside :func:`transaction`). Columns: see :data:`CONTEXT_SQL`;
    ``id`` is None when there is no such space, ``staff_id`` when there is no such login,
    ``org_id`` when ``org`` is None or unknown."""
    names, rows = _run(conn, CONTEXT, {"login": login, "code": code, "day": day,
                                           "weekday": day.weekday(), "org": org},
                       begin=True)
    return _context_row(names)(*rows[0])


_ROWS: dict[tuple[str, ...], Any] = {}


def _context_row(names: list[str]) -> Any:
    key = tuple(names)
    if key not in _ROWS:
        _ROWS[key] = namedtuple("BookingContext", key)
    return _ROWS[key]


def insert(conn: Connection, values: dict[str, Any], *, actor: str, after: dict[str, Any],
           reason: str = "", commit: bool = True) -> tuple[int | None, list[Any]]:
    """Insert the booking ``values`` (the columns of :data:`_BOOKING_COLUMNS`) with its
    audit record and (``commit``) commit, all in one round trip, unless an active booking of
    the space overlaps it: then nothing is written and the clashing bookings (up to 5, in
    start order; ``id``, ``start_at``, ``end_at``, ``status``, ``org_code``) come back."""
    params = {**values, "lower": lower_bound(values["start_at"]), "actor": actor,
              "after": json.dumps(after, default=str, sort_keys=True), "reason": reason}
    _, rows = _run(conn, INSERT, params, commit=commit)
    created = [r[1] for r in rows if r[0]]
    clashes = [Clash(r[1], r[2].astimezone(dt.UTC), r[3].astimezone(dt.UTC), r[4], r[5])
               for r in rows if not r[0]]
    return (int(created[0]) if created else None), clashes
