"""The set-up records (organisations, sites, spaces, staff) as the command line lists, adds and
changes them.

Adding and changing go through :func:`booking.admin.save`, a one-row import: the same
validators, reference checks, permissions and audit entries as ``cospace import`` and the
Admin screen, so no way in can store what another would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from booking import admin, imports, permissions
from booking.context import Context
from booking.errors import InvalidInput, NotFound, NotPermitted
from booking.timeutil import format_hours
from db import setup_queries

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


def records(ctx: Context, kind: str, *, site: str | None = None,
            org: str | None = None) -> list[dict[str, Any]]:
    """Every record of ``kind`` (``orgs``, ``sites``, ``spaces``, ``staff``) in code order, as
    :func:`as_json` shapes it. Set-up records are for staff (a login that is not one is
    refused); staff lists are an administrator's, and anyone else sees only the staff of
    their own organisation. ``site`` narrows spaces, ``org`` narrows staff."""
    with ctx.reading() as conn:
        actor = ctx.load_actor(conn)
        permissions.require_known(actor)
        store = imports.StoredRecords(conn)
        if kind == "orgs":
            keys = sorted(store.orgs)
        elif kind == "sites":
            keys = sorted(store.sites)
        elif kind == "spaces":
            if site is not None and site not in store.sites:
                raise NotFound(f"There is no site '{site}'.")
            keys = setup_queries.space_codes(
                conn, store.sites[site].id if site is not None else None)
        elif kind == "staff":
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
            keys = setup_queries.staff_logins(
                conn, store.orgs[org].id if org is not None else None)
        else:
            raise InvalidInput(f"'{kind}' is not a kind of record ({', '.join(ARTICLE)}).")
        current = store.current(kind, keys)
    return [as_json(kind, current[k][1]) for k in keys if k in current]


def _require(ctx: Context, kind: str) -> None:
    permissions.require_admin_action(ctx.actor, imports.FORMATS[kind].permission)


def add(ctx: Context, kind: str, values: Mapping[str, str]) -> admin.Saved:
    """Add one record from the texts of its import columns; a key already in use is refused.

    The first administrator (who has no organisation yet) may be "added" to one: that updates
    their record, as it always has."""
    _require(ctx, kind)
    return admin.save(ctx, kind, values, source=SOURCE, reason=REASON, new=ARTICLE[kind])


def update(ctx: Context, kind: str, key: str, changes: Mapping[str, str]) -> admin.Saved:
    """Change the fields ``changes`` (texts as in the import file) of the record ``key``;
    fields not given keep their value. Nothing given is refused, as is a missing record."""
    _require(ctx, kind)
    if not changes:
        raise InvalidInput("Nothing to change: give at least one option (see --help).")
    current = admin.form_values(ctx, kind, key)  # NotFound when there is no such record
    if kind == "staff" and key == ctx.actor.login:
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
    return admin.save(ctx, kind, {imports.FORMATS[kind].key: key, **changes}, source=SOURCE,
                      reason=REASON)


def record(ctx: Context, kind: str, key: str) -> dict[str, Any]:
    """One record as :func:`as_json` shapes it (after a change, for ``--json``)."""
    with ctx.reading() as conn:
        found = imports.current_record(conn, kind, key)
    if found is None:
        raise NotFound(f"There is no {admin.WHAT[kind]} '{key}'.")
    return as_json(kind, found[1])

