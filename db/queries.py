"""Queries that must run in the database for correctness or speed: the booking path
(a space's context, clashes, inserting and reading bookings) and the audit trail.

Every function takes an open :class:`~sqlalchemy.Connection` inside a unit of work from
:mod:`db.engine`; none commits. The lookups of sites, spaces, organisations and staff are in
:mod:`db.lookups` and the compiled statements in :mod:`db.prepared`; both are re-exported
here (callers write ``queries.site_row``, ``queries.Prepared``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    FromClause,
    Row,
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

# Re-exported: callers write ``queries.site_row`` and the like.
from db.lookups import (  # noqa: F401
    CLOSURE,
    OH,
    ORG,
    RESTR,
    SITE,
    SP,
    STAFF,
    all_sites,
    closures,
    opening_hours,
    org_row,
    restrictions,
    site_row,
    space_context,
    space_row,
    space_rows,
    staff_row,
    staff_with_org,
)
from db.overlap import LONGEST_BOOKING_MINUTES, overlapping, overlapping_params, window_params
from db.prepared import Prepared, table_of
from db.security import BOOKING_DETAIL, guarded
from db.tables import ACTIVE_STATUSES, Allocation, Audit, Booking

B = table_of(Booking)
AL = table_of(Allocation)
AUDIT = table_of(Audit)

# The statements of the booking path are built once: building a select() costs more than
# running it (bench/README.md, "One booking on a big store").
_INSERT_BOOKING = insert(B)


# The booking path's hottest statements, run through Prepared (see above).
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


def booking_context(conn: Connection, code: str, day: dt.date) -> Any | None:
    """What booking a space on local ``day`` needs to know, in one statement (None if the
    space is unknown): the space with its site; the site's opening hours that weekday
    (``weekday``, ``opens_min``, ``closes_min``; None if it does not open then); its closure
    that day (``closure_reason``; None if none); ``restricted_count`` (the space's
    restriction rows); and ``any_allocation`` (whether any organisation has an allocation of
    this kind of space at this site)."""
    rows = _P_BOOKING_CONTEXT.rows(conn, {"code": code, "day": day, "weekday": day.weekday()})
    return rows[0] if rows else None


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


_P_BUSY: dict[int, Prepared] = {}


def _busy_stmt(n: int) -> Prepared:
    """The read of :func:`busy_intervals` for ``n`` spaces (parameters ``s0`` ... and the
    window's), compiled once per count: an IN list of single parameters, as
    :class:`Prepared` takes no expanding one."""
    stmt = _P_BUSY.get(n)
    if stmt is None:
        ids = [bindparam(f"s{i}", type_=B.c.space_id.type) for i in range(n)]
        stmt = Prepared(
            select(B.c.space_id, B.c.start_at, B.c.end_at)
            .where(B.c.space_id.in_(ids), *overlapping_params(B.c.start_at, B.c.end_at),
                   B.c.status.in_(_LITERAL_ACTIVE))
            .order_by(B.c.space_id, B.c.start_at))
        if len(_P_BUSY) < 512:
            _P_BUSY[n] = stmt
    return stmt


def busy_intervals(
    conn: Connection, space_ids: Sequence[int], start: dt.datetime, end: dt.datetime, *,
    max_minutes: int = LONGEST_BOOKING_MINUTES,
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Active bookings of each space overlapping ``[start, end)``, sorted by start: one short
    range of the ``(space_id, start_at)`` index per space (:mod:`db.overlap`). Compiled
    once and run on the driver's cursor (``free`` and search read it for every space of a
    kind at a site): the times are aware UTC datetimes, as from the general path."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {i: [] for i in space_ids}
    if not out:
        return out
    ids = list(out)
    stmt = _busy_stmt(len(ids))
    params: dict[str, Any] = {f"s{i}": sid for i, sid in enumerate(ids)}
    params.update(window_params(start, end, max_minutes))
    _, to_start, to_end = stmt.converters(conn.dialect)
    for sid, s, e in stmt.fetch(conn, params):
        out[sid].append((to_start(s), to_end(e)))
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
