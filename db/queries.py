"""Queries that must run in the database for correctness or speed.

Every function takes an open :class:`~sqlalchemy.Connection` inside a unit of work from
:mod:`db.engine`; none commits.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Row, and_, bindparam, func, insert, select, update

from db.tables import (
    ACTIVE_STATUSES,
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

B = Booking.__table__
SP = Space.__table__
ORG = Organisation.__table__
SITE = Site.__table__
STAFF = Staff.__table__
OH = OpeningHours.__table__
CLOSURE = Closure.__table__
RESTR = SpaceRestriction.__table__

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
_CLASH_FILTER = (
    select(B.c.id, B.c.start_at, B.c.end_at, B.c.status, ORG.c.code.label("org_code"))
    .join(ORG, ORG.c.id == B.c.org_id)
    .where(
        B.c.space_id == bindparam("space_id"),
        B.c.start_at < bindparam("end", type_=B.c.start_at.type),
        B.c.start_at > bindparam("lower", type_=B.c.start_at.type),
        B.c.end_at > bindparam("start", type_=B.c.end_at.type),
        B.c.status.in_(ACTIVE_STATUSES),
    )
    .order_by(B.c.start_at)
)
_CLASHES = {
    (excluding, limited): (
        (_CLASH_FILTER.where(B.c.id != bindparam("exclude_id")) if excluding else _CLASH_FILTER)
        .limit(bindparam("limit") if limited else None)
    )
    for excluding in (False, True) for limited in (False, True)
}
_INSERT_BOOKING = insert(B)
_INSERT_AUDIT = insert(Audit.__table__)


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
    t = Closure.__table__
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
    return conn.execute(_STAFF_WITH_ORG, {"login": login}).first()


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
    params: dict[str, Any] = {
        "space_id": space_id, "end": end, "start": start,
        "lower": start - dt.timedelta(minutes=max_minutes),
    }
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    if limit:
        params["limit"] = limit
    return conn.execute(_CLASHES[exclude_id is not None, bool(limit)], params).all()


def insert_booking(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(_INSERT_BOOKING, values)
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def update_booking(conn: Connection, booking_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(B).where(B.c.id == booking_id).values(**values))


def booking_row(conn: Connection, booking_id: int) -> Row | None:
    return conn.execute(_booking_select().where(B.c.id == booking_id)).first()


def _booking_select():  # type: ignore[no-untyped-def]
    return (
        select(
            B,
            SP.c.code.label("space_code"),
            SP.c.name.label("space_name"),
            SP.c.kind,
            SITE.c.code.label("site_code"),
            SITE.c.tz,
            ORG.c.code.label("org_code"),
            STAFF.c.login.label("booked_by_login"),
        )
        .join(SP, SP.c.id == B.c.space_id)
        .join(SITE, SITE.c.id == SP.c.site_id)
        .join(ORG, ORG.c.id == B.c.org_id)
        .outerjoin(STAFF, STAFF.c.id == B.c.booked_by_id)
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
) -> Sequence[Row]:
    """Bookings overlapping ``[start, end)`` (either bound optional), in time order."""
    conds = []
    if start is not None:
        conds.append(B.c.end_at > start)
    if end is not None:
        conds.append(B.c.start_at < end)
    if site_id is not None:
        conds.append(SP.c.site_id == site_id)
    if org_id is not None:
        conds.append(B.c.org_id == org_id)
    if space_id is not None:
        conds.append(B.c.space_id == space_id)
    if statuses:
        conds.append(B.c.status.in_(statuses))
    q = _booking_select()
    if conds:
        q = q.where(and_(*conds))
    q = q.order_by(B.c.start_at, SP.c.code, B.c.id)
    if limit:
        q = q.limit(limit)
    return conn.execute(q).all()


def busy_intervals(
    conn: Connection, space_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Active bookings of each space overlapping ``[start, end)``, sorted by start."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {i: [] for i in space_ids}
    if not space_ids:
        return out
    rows = conn.execute(
        select(B.c.space_id, B.c.start_at, B.c.end_at)
        .where(
            B.c.space_id.in_(list(space_ids)),
            B.c.start_at < end,
            B.c.end_at > start,
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
    conn.execute(
        _INSERT_AUDIT,
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
    conn.execute(insert(Audit.__table__), [
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
    return int(conn.execute(select(func.max(Audit.__table__.c.id))).scalar() or 0)


def count(conn: Connection, table: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table.__table__)).scalar() or 0)
