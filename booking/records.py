"""The set-up records (organisations, sites, spaces, staff) as the command line lists, adds and
changes them.

Adding and changing go through :func:`booking.admin.save`, a one-row import: the same
validators, reference checks, permissions and audit entries as ``cospace import`` and the
Admin screen, so no way in can store what another would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from booking import admin, imports, permissions
from booking.errors import InvalidInput, NotFound, NotPermitted
from booking.timeutil import format_hours
from db.engine import read_tx
from db.tables import Space, Staff

#: What each kind of record is called in a message ("There is already a site 'NGT'.").
ARTICLE = {"orgs": "an organisation", "sites": "a site", "spaces": "a space",
           "staff": "a staff member"}
#: The reason written in the audit trail for a change made here.
REASON = "set-up change on the command line"
SOURCE = "command line"


def _json_value(value: Any) -> Any:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, dict):
        return format_hours(value)
    return value


def as_json(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """One record as ``list --json`` prints it: the columns of its import file, in order,
    with lists for features and restrictions and the opening hours as text."""
    return {c.name: _json_value(values.get(c.name)) for c in imports.FORMATS[kind].columns}


def records(app: Any, kind: str, *, site: str | None = None,
            org: str | None = None) -> list[dict[str, Any]]:
    """Every record of ``kind`` (``orgs``, ``sites``, ``spaces``, ``staff``) in code order, as
    :func:`as_json` shapes it. Set-up records are for staff (a login that is not one is
    refused); staff lists are an administrator's, and anyone else sees only the staff of
    their own organisation. ``site`` narrows spaces, ``org`` narrows staff."""
    with read_tx(app.engine) as conn:
        actor = app._load_actor(conn)
        permissions.require_known(actor)
        store = imports._Store(conn)
        if kind == "orgs":
            keys = sorted(store.orgs)
        elif kind == "sites":
            keys = sorted(store.sites)
        elif kind == "spaces":
            sp = Space.__table__
            stmt = select(sp.c.code).order_by(sp.c.code)
            if site is not None:
                if site not in store.sites:
                    raise NotFound(f"There is no site '{site}'.")
                stmt = stmt.where(sp.c.site_id == store.sites[site].id)
            keys = list(conn.execute(stmt).scalars())
        elif kind == "staff":
            st = Staff.__table__
            stmt = select(st.c.login).order_by(st.c.login)
            if org is not None and org not in store.orgs:
                raise NotFound(f"There is no organisation '{org}'.")
            if actor.role != "admin":
                if org is not None and org != actor.org_code:
                    raise NotPermitted(
                        f"{permissions.role_label(actor)} can list only their own "
                        f"organisation's staff ({actor.org_code}), not {org}.")
                org = actor.org_code
                if org is None:
                    return []
            if org is not None:
                stmt = stmt.where(st.c.org_id == store.orgs[org].id)
            keys = list(conn.execute(stmt).scalars())
        else:
            raise InvalidInput(f"'{kind}' is not a kind of record ({', '.join(ARTICLE)}).")
        current = store.current(kind, keys)
    return [as_json(kind, current[k][1]) for k in keys if k in current]


def _require(app: Any, kind: str) -> None:
    permissions.require_admin_action(app.actor, imports.FORMATS[kind].permission)


def add(app: Any, kind: str, values: Mapping[str, str]) -> admin.Saved:
    """Add one record from the texts of its import columns; a key already in use is refused.

    The first administrator (who has no organisation yet) may be "added" to one: that updates
    their record, as it always has."""
    _require(app, kind)
    key_column = imports.FORMATS[kind].key
    key = (values.get(key_column) or "").strip()
    try:
        current = admin.form_values(app, kind, key) if key else None
    except NotFound:
        current = None
    if current is not None:
        first_admin = kind == "staff" and not current["org"] and current["role"] == "admin"
        if not first_admin:
            raise InvalidInput(f"There is already {ARTICLE[kind]} '{key}'.")
    return admin.save(app, kind, values, source=SOURCE, reason=REASON)


def update(app: Any, kind: str, key: str, changes: Mapping[str, str]) -> admin.Saved:
    """Change the fields ``changes`` (texts as in the import file) of the record ``key``;
    fields not given keep their value. Nothing given is refused, as is a missing record."""
    _require(app, kind)
    if not changes:
        raise InvalidInput("Nothing to change: give at least one option (see --help).")
    current = admin.form_values(app, kind, key)  # NotFound when there is no such record
    if kind == "staff" and key == app.actor.login:
        parse = {"role": imports.role, "active": imports.yes_no}
        for column, check in parse.items():
            if column not in changes:
                continue
            try:
                same = check(changes[column].strip()) == check(current[column])
            except InvalidInput:
                continue  # not a role or not yes/no: the validators below say so
            if not same:
                raise NotPermitted("You cannot change your own role or retire yourself; "
                                   "ask another administrator.")
    return admin.save(app, kind, {imports.FORMATS[kind].key: key, **changes}, source=SOURCE,
                      reason=REASON)


def record(app: Any, kind: str, key: str) -> dict[str, Any]:
    """One record as :func:`as_json` shapes it (after a change, for ``--json``)."""
    with read_tx(app.engine) as conn:
        found = imports._current(conn, kind, key)
    if found is None:
        raise NotFound(f"There is no {admin.WHAT[kind]} '{key}'.")
    return as_json(kind, found[1])

