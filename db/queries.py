"""Queries that must run in the database for correctness or speed.

Every function takes an open :class:`~sqlalchemy.Connection` inside a unit of work from
:mod:`db.engine`; none commits.
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Float,
    FromClause,
    Row,
    Table,
    and_,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    null,
    select,
    true,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from db.overlap import LONGEST_BOOKING_MINUTES, overlapping, overlapping_params, window_params
from db.security import BOOKING_DETAIL, guarded
from db.tables import (
    ACTIVE_STATUSES,
    Allocation,
    Audit,
    Booking,
    Closure,
    OpeningHours,
    Organisation,
    Site,
    Space,
    SpaceRestriction,
    Staff,
)


def table_of(model: type[SQLModel]) -> Table:
    """The table of a SQLModel class, typed (``Model.__table__`` is not, to mypy)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


B = table_of(Booking)
SP = table_of(Space)
ORG = table_of(Organisation)
SITE = table_of(Site)
STAFF = table_of(Staff)
OH = table_of(OpeningHours)
CLOSURE = table_of(Closure)
RESTR = table_of(SpaceRestriction)
AL = table_of(Allocation)
AUDIT = table_of(Audit)


class Prepared:
    """A statement compiled once per dialect and run straight on the DBAPI cursor of the
    connection's open transaction, with SQLAlchemy's own SQL text and bind and result
    processing. It skips SQLAlchemy's per-execution set-up (cache key, execution context,
    result object, events: ~30 us a statement against ~3 us for the cursor), which dominated
    the booking path (bench/README.md, "One booking on a store of 1,000,000 bookings").

    Only for statements without expanding (IN-list) parameters. Database errors come out as
    SQLAlchemy's ``DBAPIError`` subclasses (``IntegrityError``, ``OperationalError``), as from
    ``Connection.execute``. Rows are named tuples (``row.code``, like SQLAlchemy rows)."""

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        keys = [c.key for c in stmt.exported_columns]
        assert len(set(keys)) == len(keys), keys
        # A named tuple class made at run time (its fields are the statement's columns).
        self.row: Any = namedtuple("PreparedRow", keys) if keys else None
        self._plans: weakref.WeakKeyDictionary[Any, tuple] = weakref.WeakKeyDictionary()

    def _plan(self, dialect: Any) -> tuple:
        plan = self._plans.get(dialect)
        if plan is None:
            c = self.stmt.compile(dialect=dialect)
            assert not c.escaped_bind_names and not c.literal_execute_params \
                and not c.post_compile_params, "not a statement for Prepared"
            consts = {k: v for k, v in c.construct_params(_check=False).items()
                      if v is not None}
            binds = tuple((name, fn) for name, bp in c.binds.items()
                          if (fn := _processor(bp.type, dialect, bind=True)) is not None)
            results = tuple((i, fn) for i, col in enumerate(self.stmt.exported_columns)
                            if (fn := _processor(col.type, dialect, bind=False)) is not None)
            names = tuple(c.positiontup) if dialect.positional else None
            plan = (c.string, names, consts, binds, results, dialect.loaded_dbapi.Error)
            self._plans[dialect] = plan
        return plan

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """Run with ``params`` (names as in the statement) in ``conn``'s transaction."""
        sql, names, consts, binds, results, dbapi_error = self._plan(conn.dialect)
        p = {**consts, **params}
        for name, fn in binds:
            p[name] = fn(p[name])
        args = tuple([p[n] for n in names]) if names is not None else p
        if not conn.in_transaction():
            conn.begin()  # as Connection.execute would (autobegin)
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql, args)
            raw = cur.fetchall() if self.row is not None else []
        except dbapi_error as exc:
            raise DBAPIError.instance(sql, args, exc, dbapi_error,
                                      dialect=conn.dialect) from exc
        finally:
            cur.close()
        make: Callable[[Iterable[Any]], Any] = (
            self.row._make if self.row is not None else tuple)
        if not results:
            return [make(r) for r in raw]
        out = []
        for r in raw:
            values = list(r)
            for i, fn in results:
                values[i] = fn(values[i])
            out.append(make(values))
        return out


# The statements of the booking path are built once: building a select() costs more than
# running it (bench/README.md, "One booking on a big store").
_SITE_BY_CODE = select(SITE).where(SITE.c.code == bindparam("code"))
_SITE_BY_ID = select(SITE).where(SITE.c.id == bindparam("id"))
_HOURS = select(OH.c.weekday, OH.c.opens_min, OH.c.closes_min).where(
    OH.c.site_id == bindparam("site_id"))
_CLOSURES = select(CLOSURE.c.day, CLOSURE.c.reason).where(
    CLOSURE.c.site_id == bindparam("site_id"))
_SPACE_BY_CODE = (
    select(SP, SITE.c.code.label("site_code"))
    .join(SITE, SITE.c.id == SP.c.site_id)
    .where(SP.c.code == bindparam("code"))
)
_RESTRICTIONS = (
    select(RESTR.c.space_id, ORG.c.code)
    .join(ORG, ORG.c.id == RESTR.c.org_id)
    .where(RESTR.c.space_id.in_(bindparam("ids", expanding=True)))
)
_RESTRICTIONS_ONE = (
    select(RESTR.c.space_id, ORG.c.code)
    .join(ORG, ORG.c.id == RESTR.c.org_id)
    .where(RESTR.c.space_id == bindparam("id"))
)
_ORG_BY_CODE = select(ORG).where(ORG.c.code == bindparam("code"))
_ORG_BY_ID = select(ORG).where(ORG.c.id == bindparam("id"))
_STAFF_BY_LOGIN = (
    select(STAFF, ORG.c.code.label("org_code"))
    .outerjoin(ORG, ORG.c.id == STAFF.c.org_id)
    .where(STAFF.c.login == bindparam("login"))
)
_SPACE_CONTEXT = (
    select(SP, SITE.c.code.label("site_code"), SITE.c.name.label("site_name"), SITE.c.tz,
           SITE.c.holiday_region, SITE.c.release_after_minutes, OH.c.weekday, OH.c.opens_min,
           OH.c.closes_min)
    .join(SITE, SITE.c.id == SP.c.site_id)
    .outerjoin(OH, OH.c.site_id == SITE.c.id)
    .where(SP.c.code == bindparam("code"))
)
_STAFF_WITH_ORG = (
    select(STAFF, ORG.c.code.label("org_code"), ORG.c.name.label("org_name"),
           ORG.c.is_host.label("org_is_host"), ORG.c.advance_weeks.label("org_advance_weeks"))
    .outerjoin(ORG, ORG.c.id == STAFF.c.org_id)
    .where(STAFF.c.login == bindparam("login"))
)
_INSERT_BOOKING = insert(B)


def _processor(type_: Any, dialect: Any, *, bind: bool) -> Any:
    """The bind or result processor SQLAlchemy itself would use: the dialect's own type
    (e.g. SQLite's DATETIME, which stores text in its fixed format)."""
    impl = type_.dialect_impl(dialect)
    if bind:
        return impl.bind_processor(dialect)
    if isinstance(type_, Float) and dialect.name == "postgresql":
        return None  # psycopg returns double precision as float already
    return impl.result_processor(dialect, None)


# The booking path's hottest statements, run through Prepared (see above).
_P_STAFF_WITH_ORG = Prepared(_STAFF_WITH_ORG)
# The statuses as literals: no IN-list expansion.
_LITERAL_ACTIVE: list[ColumnElement[Any]] = [literal_column(f"'{s}'") for s in ACTIVE_STATUSES]
_P_CLASHES = {
    key: Prepared(stmt.where(B.c.status.in_(_LITERAL_ACTIVE)))
    for key, stmt in {
        (excluding, limited): (
            select(B.c.id, B.c.start_at, B.c.end_at, B.c.status, ORG.c.code.label("org_code"))
            .join(ORG, ORG.c.id == B.c.org_id)
            .where(
                B.c.space_id == bindparam("space_id"),
                *overlapping_params(B.c.start_at, B.c.end_at),
                *([B.c.id != bindparam("exclude_id")] if excluding else []),
            )
            .order_by(B.c.start_at)
            .limit(bindparam("limit") if limited else None)
        )
        for excluding in (False, True) for limited in (False, True)
    }.items()
}
_P_BOOKING_CONTEXT = Prepared(
    select(
        SP, SITE.c.code.label("site_code"), SITE.c.name.label("site_name"), SITE.c.tz,
        SITE.c.holiday_region, SITE.c.release_after_minutes, OH.c.weekday, OH.c.opens_min,
        OH.c.closes_min,
        select(func.count()).select_from(RESTR).where(RESTR.c.space_id == SP.c.id)
        .scalar_subquery().label("restricted_count"),
        select(CLOSURE.c.reason).where(CLOSURE.c.site_id == SP.c.site_id,
                                       CLOSURE.c.day == bindparam("day", type_=Date()))
        .scalar_subquery().label("closure_reason"),
        exists().where(AL.c.site_id == SP.c.site_id, AL.c.kind == SP.c.kind)
        .label("any_allocation"),
    )
    .join(SITE, SITE.c.id == SP.c.site_id)
    .outerjoin(OH, and_(OH.c.site_id == SITE.c.id, OH.c.weekday == bindparam("weekday")))
    .where(SP.c.code == bindparam("code"))
)
_P_INSERT_AUDIT = Prepared(insert(AUDIT).values(
    {k: bindparam(k, type_=AUDIT.c[k].type)
     for k in ("at", "actor", "action", "entity", "entity_id", "before", "after", "reason")}))
_P_INSERT_BOOKING: dict[frozenset[str], Prepared] = {}


def site_row(conn: Connection, *, code: str | None = None, id: int | None = None) -> Row | None:
    if code is not None:
        return conn.execute(_SITE_BY_CODE, {"code": code}).first()
    return conn.execute(_SITE_BY_ID, {"id": id}).first()


def all_sites(conn: Connection) -> Sequence[Row]:
    return conn.execute(select(SITE).order_by(SITE.c.code)).all()


def opening_hours(conn: Connection, site_id: int) -> dict[int, tuple[int, int]]:
    rows = conn.execute(_HOURS, {"site_id": site_id}).all()
    return {r.weekday: (r.opens_min, r.closes_min) for r in rows}


def closures(
    conn: Connection, site_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> dict[dt.date, str]:
    if start is None and end is None:
        return {r.day: r.reason for r in conn.execute(_CLOSURES, {"site_id": site_id})}
    t = CLOSURE
    q = select(t.c.day, t.c.reason).where(t.c.site_id == site_id)
    if start is not None:
        q = q.where(t.c.day >= start)
    if end is not None:
        q = q.where(t.c.day <= end)
    return {r.day: r.reason for r in conn.execute(q)}


def space_row(conn: Connection, code: str) -> Row | None:
    return conn.execute(_SPACE_BY_CODE, {"code": code}).first()


def space_rows(
    conn: Connection, *, site_id: int | None = None, kind: str | None = None,
    active_only: bool = False,
) -> Sequence[Row]:
    q = select(SP, SITE.c.code.label("site_code")).join(SITE, SITE.c.id == SP.c.site_id)
    if site_id is not None:
        q = q.where(SP.c.site_id == site_id)
    if kind is not None:
        q = q.where(SP.c.kind == kind)
    if active_only:
        q = q.where(SP.c.active.is_(True))
    return conn.execute(q.order_by(SP.c.kind, SP.c.code)).all()


def space_context(conn: Connection, code: str) -> Sequence[Row]:
    """A space with its site and the site's opening hours in one statement: one row per
    weekday the site opens (one row with empty hours if it never opens); empty if unknown."""
    return conn.execute(_SPACE_CONTEXT, {"code": code}).all()


def staff_with_org(conn: Connection, login: str) -> Row | None:
    """A staff row with its organisation's ``org_code``, ``org_name``, ``org_is_host`` and
    ``org_advance_weeks``, in one statement."""
    rows = _P_STAFF_WITH_ORG.rows(conn, {"login": login})
    return rows[0] if rows else None


def booking_context(conn: Connection, code: str, day: dt.date) -> Any | None:
    """What booking a space on local ``day`` needs to know, in one statement (None if the
    space is unknown): the space with its site; the site's opening hours that weekday
    (``weekday``, ``opens_min``, ``closes_min``; None if it does not open then); its closure
    that day (``closure_reason``; None if none); ``restricted_count`` (the space's
    restriction rows); and ``any_allocation`` (whether any organisation has an allocation of
    this kind of space at this site)."""
    rows = _P_BOOKING_CONTEXT.rows(conn, {"code": code, "day": day, "weekday": day.weekday()})
    return rows[0] if rows else None


def restrictions(conn: Connection, space_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    ids = list(space_ids)
    if not ids:
        return {}
    if len(ids) == 1:  # the booking path: a plain statement, no IN list to expand
        rows = conn.execute(_RESTRICTIONS_ONE, {"id": ids[0]}).all()
    else:
        rows = conn.execute(_RESTRICTIONS, {"ids": ids}).all()
    out: dict[int, set[str]] = {}
    for r in rows:
        out.setdefault(r.space_id, set()).add(r.code)
    return {k: frozenset(v) for k, v in out.items()}


def org_row(conn: Connection, *, code: str | None = None, id: int | None = None) -> Row | None:
    if code is not None:
        return conn.execute(_ORG_BY_CODE, {"code": code}).first()
    return conn.execute(_ORG_BY_ID, {"id": id}).first()


def staff_row(conn: Connection, login: str) -> Row | None:
    return conn.execute(_STAFF_BY_LOGIN, {"login": login}).first()


def clashes(
    conn: Connection,
    space_id: int,
    start: dt.datetime,
    end: dt.datetime,
    *,
    max_minutes: int,
    exclude_id: int | None = None,
    limit: int | None = 5,
) -> Sequence[Row]:
    """Active bookings of ``space_id`` overlapping the half-open ``[start, end)``.

    The lower bound ``start_at > start - max_minutes`` lets the ``(space_id, start_at)`` index
    answer with a short range scan, however many bookings the store holds.
    """
    params: dict[str, Any] = {"space_id": space_id,
                              **window_params(start, end, max_minutes=max_minutes)}
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    if limit:
        params["limit"] = limit
    return _P_CLASHES[exclude_id is not None, bool(limit)].rows(conn, params)


def _insert_booking_stmt(keys: frozenset[str]) -> Prepared | None:
    """A prepared insert of exactly ``keys``, or None when a column left out has a default
    SQLAlchemy would fill in (then the plain path runs)."""
    stmt = _P_INSERT_BOOKING.get(keys)
    if stmt is None:
        if any(c.default is not None and c.key not in keys for c in B.c):
            return None
        stmt = _P_INSERT_BOOKING[keys] = Prepared(
            insert(B).values({k: bindparam(k, type_=B.c[k].type) for k in sorted(keys)})
            .returning(B.c.id))
    return stmt


def insert_booking(conn: Connection, values: dict[str, Any]) -> int:
    if conn.dialect.insert_returning:
        stmt = _insert_booking_stmt(frozenset(values))
        if stmt is not None:
            return int(stmt.rows(conn, values)[0][0])
    result = conn.execute(_INSERT_BOOKING, values)
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_booking(conn: Connection, booking_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(B).where(B.c.id == booking_id).values(**values))


def booking_row(conn: Connection, booking_id: int) -> Row | None:
    return conn.execute(_booking_select(conn).where(B.c.id == booking_id)).first()


#: The columns of a booking every staff role reads: its public slot.
_PUBLIC = [c for c in B.c if c.key not in ("purpose", "attendees", "booked_by_id")]
#: The columns a busy/free board needs (all that a display role may read).
_SLOT = ("id", "space_id", "org_id", "start_at", "end_at", "status", "confidential")


def _booking_select(conn: Connection | None = None,  # type: ignore[no-untyped-def]
                    details: bool = True):
    """Bookings with the names a view needs. On PostgreSQL the private details (purpose,
    attendees, booker) come through ``booking_detail``, which blanks what the signed-in
    login may not see (the rule of ``booking.permissions.booking_visibility``); without
    ``details`` (a login that is not staff: busy/free only) they are not read at all."""
    if not details:  # the columns a display role reads, and nothing else
        blank = [null().label(k) for k in ("series_id", "created_at", "updated_at", "purpose",
                                           "attendees", "booked_by_id")]
        return (
            select(*[B.c[k] for k in _SLOT], *blank, SP.c.code.label("space_code"),
                   SP.c.name.label("space_name"), SP.c.kind, SITE.c.code.label("site_code"),
                   SITE.c.tz, ORG.c.code.label("org_code"), null().label("booked_by_login"))
            .join(SP, SP.c.id == B.c.space_id)
            .join(SITE, SITE.c.id == SP.c.site_id)
            .join(ORG, ORG.c.id == B.c.org_id)
        )
    if conn is not None and guarded(conn):
        # LATERAL, one booking at a time: a security-barrier view is not merged into the
        # query, so a plain join would compute it for every booking in the store (a scan
        # of the whole table); the leakproof ``id =`` is pushed into it (its primary key).
        V = BOOKING_DETAIL
        # (LIMIT 1 on the one row keeps the planner from flattening it back into a join.)
        D = select(V.c.purpose, V.c.attendees, V.c.booked_by_id).where(
            V.c.id == B.c.id).limit(1).lateral("booking_detail")
        private: list[Any] = [D.c.purpose, D.c.attendees, D.c.booked_by_id]
        source: FromClause = B.join(D, true())
    else:
        private = [B.c.purpose, B.c.attendees, B.c.booked_by_id]
        source = B
    booker = private[2]
    return (
        select(
            *_PUBLIC, *private,
            SP.c.code.label("space_code"),
            SP.c.name.label("space_name"),
            SP.c.kind,
            SITE.c.code.label("site_code"),
            SITE.c.tz,
            ORG.c.code.label("org_code"),
            STAFF.c.login.label("booked_by_login"),
        )
        .select_from(source)
        .join(SP, SP.c.id == B.c.space_id)
        .join(SITE, SITE.c.id == SP.c.site_id)
        .join(ORG, ORG.c.id == B.c.org_id)
        .outerjoin(STAFF, STAFF.c.id == booker)
    )


def booking_rows(
    conn: Connection,
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    site_id: int | None = None,
    org_id: int | None = None,
    space_id: int | None = None,
    statuses: Sequence[str] | None = None,
    limit: int | None = None,
    details: bool = True,
    max_minutes: int = LONGEST_BOOKING_MINUTES,
) -> Sequence[Row]:
    """Bookings overlapping ``[start, end)`` (either bound optional), in time order
    (``details``: see :func:`_booking_select`). With ``start`` the read is a range of the
    start-time indexes from ``start - max_minutes`` (:mod:`db.overlap`), not all history."""
    conds = overlapping(B.c.start_at, B.c.end_at, start, end, max_minutes=max_minutes)
    if site_id is not None:
        conds.append(SP.c.site_id == site_id)
    if org_id is not None:
        conds.append(B.c.org_id == org_id)
    if space_id is not None:
        conds.append(B.c.space_id == space_id)
    if statuses:
        conds.append(B.c.status.in_(statuses))
    q = _booking_select(conn, details)
    if conds:
        q = q.where(and_(*conds))
    q = q.order_by(B.c.start_at, SP.c.code, B.c.id)
    if limit:
        q = q.limit(limit)
    return conn.execute(q).all()


def busy_intervals(
    conn: Connection, space_ids: Sequence[int], start: dt.datetime, end: dt.datetime, *,
    max_minutes: int = LONGEST_BOOKING_MINUTES,
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Active bookings of each space overlapping ``[start, end)``, sorted by start: one short
    range of the ``(space_id, start_at)`` index per space (:mod:`db.overlap`)."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {i: [] for i in space_ids}
    if not space_ids:
        return out
    rows = conn.execute(
        select(B.c.space_id, B.c.start_at, B.c.end_at)
        .where(
            B.c.space_id.in_(list(space_ids)),
            *overlapping(B.c.start_at, B.c.end_at, start, end, max_minutes=max_minutes),
            B.c.status.in_(ACTIVE_STATUSES),
        )
        .order_by(B.c.space_id, B.c.start_at)
    ).all()
    for r in rows:
        out[r.space_id].append((r.start_at, r.end_at))
    return out


def add_audit(
    conn: Connection,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Append one audit record; nothing in cospace updates or deletes them."""
    _P_INSERT_AUDIT.rows(
        conn,
        dict(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=json.dumps(before, default=str, sort_keys=True) if before is not None else None,
            after=json.dumps(after, default=str, sort_keys=True) if after is not None else None,
            reason=reason,
        ),
    )


def add_audits(conn: Connection, entries: Sequence[dict[str, Any]]) -> None:
    """Append many audit records in one statement (each entry: the keywords of
    :func:`add_audit`)."""
    if not entries:
        return
    conn.execute(insert(AUDIT), [
        dict(at=e["at"], actor=e["actor"], action=e["action"], entity=e["entity"],
             entity_id=e.get("entity_id"),
             before=json.dumps(e["before"], default=str, sort_keys=True)
             if e.get("before") is not None else None,
             after=json.dumps(e["after"], default=str, sort_keys=True)
             if e.get("after") is not None else None,
             reason=e.get("reason", ""))
        for e in entries
    ])


def change_counter(conn: Connection) -> int:
    """The newest audit id: it changes whenever anything in the store changes."""
    return int(conn.execute(select(func.max(AUDIT.c.id))).scalar() or 0)


def count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table.__table__)).scalar() or 0)
