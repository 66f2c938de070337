"""Lookups of sites, spaces, organisations and staff: the rows the booking path and the
views start from.

Every function takes an open :class:`~sqlalchemy.Connection` inside a unit of work from
:mod:`db.engine`; none commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, Row, bindparam, select

from db.prepared import Prepared, table_of
from db.tables import Closure, OpeningHours, Organisation, Site, Space, SpaceRestriction, Staff

SP = table_of(Space)
ORG = table_of(Organisation)
SITE = table_of(Site)
STAFF = table_of(Staff)
OH = table_of(OpeningHours)
CLOSURE = table_of(Closure)
RESTR = table_of(SpaceRestriction)

# The statements are built once: building a select() costs more than running it
# (bench/README.md, "One booking on a big store").
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
# The booking path's hottest lookup, run through Prepared.
_P_STAFF_WITH_ORG = Prepared(_STAFF_WITH_ORG)


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
