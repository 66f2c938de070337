"""Set-up use cases of the Python API (``Cospace.add_org`` ... ``add_staff``) and the first
administrator of a new store.

Adding a record goes through :func:`booking.records.add`, which is :func:`booking.admin.save`,
a one-row import: the import's column validators (:mod:`booking.imports`) are the one place a
set-up record is validated, whichever way it comes in (``cospace org add``, ``org set``,
``import``, the Admin screen, or this API).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from booking import permissions, records
from booking.context import Context
from booking.models import Actor, OrgInfo, SiteInfo, SpaceInfo
from db import queries, setup_queries
from db.engine import Tx


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _listed(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else ",".join(value)


def add_org(ctx: Context, code: str, name: str, *, host: bool = False,
            advance_weeks: int | None = None) -> OrgInfo:
    saved = records.add(ctx, "orgs", {
        "code": code, "name": name, "host": _yes_no(host),
        "advance_weeks": "" if advance_weeks is None else str(advance_weeks)})
    with ctx.reading() as conn:
        return ctx.lookup_org(conn, saved.key)


def add_site(ctx: Context, code: str, name: str, *, tz: str = "Europe/London",
             hours: str = "mon-fri 08:30-17:00", holiday_region: str = "ENG") -> SiteInfo:
    saved = records.add(ctx, "sites", {"code": code, "name": name, "tz": tz, "hours": hours,
                                       "holidays": holiday_region or "none"})
    with ctx.reading() as conn:
        return ctx.lookup_site(conn, code=saved.key)


def add_space(ctx: Context, code: str, *, site: str, kind: str, capacity: int,
              features: str | Sequence[str] = "", private: bool = False, name: str = "",
              restricted_to: Sequence[str] = (), requires_approval: bool = False) -> SpaceInfo:
    saved = records.add(ctx, "spaces", {
        "code": code, "site": site, "kind": kind, "capacity": str(capacity),
        "features": _listed(features), "private": _yes_no(private), "name": name,
        "restricted_to": _listed(restricted_to), "approval": _yes_no(requires_approval)})
    with ctx.reading() as conn:
        return ctx.lookup_space(conn, saved.key)


def add_staff(ctx: Context, login: str, *, name: str, org: str, role: str) -> Actor:
    """Add a staff member; the first administrator (of no organisation yet) joins ``org``."""
    saved = records.add(ctx, "staff", {"login": login, "name": name, "org": org,
                                       "role": role, "active": "yes"})
    with ctx.reading() as conn:
        return ctx.staff_member(conn, saved.key)


def first_admin(conn: Tx, login: str, at: dt.datetime) -> None:
    """On a store with no staff: ``login`` becomes its administrator (audited)."""
    if setup_queries.staff_count(conn):
        return
    staff_id = setup_queries.insert_first_admin(conn, login)
    queries.add_audit(conn, at=at, actor=login, action="create", entity="staff",
                      entity_id=staff_id, after={"login": login, "role": "admin"},
                      reason="first user of a new store")


def require_upgrader(ctx: Context, conn: Tx) -> None:
    """Only an administrator upgrades a store that has staff (re-running ``init`` on an
    up-to-date store changes nothing and is open to anyone)."""
    if setup_queries.staff_count(conn):
        permissions.require_admin_action(ctx.load_actor(conn), "upgrade-store")


__all__ = ["add_org", "add_site", "add_space", "add_staff", "first_admin", "require_upgrader"]
