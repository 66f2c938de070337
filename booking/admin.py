"""Set-up use cases for the admin screens: view and edit organisations, sites and spaces.

Each edit is a one-row import: the same validators, the same reference checks, the same
audit entries and the same permissions as ``cospace import``, so a form can never store what
a file could not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from booking import closures, imports
from booking.context import Context
from booking.errors import InvalidInput, NotFound
from booking.imports import Change, Problem

#: Singular words for the kinds of record, for messages.
WHAT = {"orgs": "organisation", "sites": "site", "spaces": "space", "staff": "staff member"}


@dataclass(frozen=True)
class Saved(Change):
    """What a form changed, and any bookings the change leaves stranded (to cancel or move)."""

    warnings: list[str] = field(default_factory=list)


class FormInvalid(InvalidInput):
    """Some fields of a form are wrong; ``problems`` maps each column to what is wrong."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = dict(problems)


def form_values(ctx: Context, kind: str, key: str) -> dict[str, str]:
    """The stored record ``key`` as the texts a form (or an import file) would hold."""
    with ctx.reading() as conn:
        found = imports.current_record(conn, kind, key)
    if found is None:
        raise NotFound(f"There is no {WHAT[kind]} '{key}'.")
    texts = {k: imports.show(v) for k, v in found[1].items()}
    if kind == "sites" and not texts["holidays"]:
        texts["holidays"] = "none"
    return texts


def blank_form(kind: str) -> dict[str, str]:
    """A new record's texts: the defaults of every column."""
    return {c.name: imports.show(c.default) for c in imports.FORMATS[kind].columns}


def check(ctx: Context, kind: str, values: Mapping[str, str]) -> Saved:
    """What saving ``values`` would change (nothing is written); :class:`FormInvalid` if
    any field is wrong."""
    return save(ctx, kind, values, dry_run=True)


def save(ctx: Context, kind: str, values: Mapping[str, str], *, dry_run: bool = False,
         source: str = "admin screen", reason: str | None = None,
         new: str | None = None) -> Saved:
    """Add or update one record from the texts of a form. Fields left out keep their stored
    value. One transaction, one audit entry; :class:`FormInvalid` names every wrong field.
    ``new`` ("a site"): only add; a key in use is refused
    (:func:`booking.imports.import_records`)."""
    fmt = imports.FORMATS[kind]
    key = (values.get(fmt.key) or "").strip()
    if not key:
        raise FormInvalid({fmt.key: "is empty (it is required)"})
    try:
        texts = dict(values) if new else {**form_values(ctx, kind, key), **values}
    except NotFound:
        texts = dict(values)
    texts = {k: ("" if v is None else str(v)) for k, v in texts.items()}
    record, problems = imports.validate(kind, texts)
    if problems and not record:
        raise FormInvalid(_by_column(problems))
    try:
        result = imports.import_records(
            ctx, kind, [imports.Record(2, record)], source=source, problems=problems,
            dry_run=dry_run, hints=False, reason=reason, new=new)
    except imports.ImportRejected as exc:
        raise FormInvalid(_by_column(exc.problems)) from exc
    c = result.changes[0]
    return Saved(c.line, c.key, c.action, c.fields, warnings=result.warnings)


def _by_column(problems: list[Problem]) -> dict[str, str]:
    out: dict[str, str] = {}
    for p in problems:
        col = p.column or "row"
        out[col] = f"{out[col]}; {p.message}" if col in out else p.message
    return out


def update_site_hours(ctx: Context, site: str, hours: str) -> Saved:
    """Change a site's opening hours (``"mon-thu 08:30-17:00, fri 08:30-16:30"``)."""
    return save(ctx, "sites", {"code": site, "hours": hours})


def update_site(ctx: Context, site: str, **fields: str) -> Saved:
    """Change a site's name, hours, tz or holidays (texts as in ``sites.csv``)."""
    return save(ctx, "sites", {"code": site, **fields})


def update_space(ctx: Context, space: str, **fields: str) -> Saved:
    """Change a space's kind, capacity, features, private, active, restricted_to, name or site
    (texts as in ``spaces.csv``)."""
    return save(ctx, "spaces", {"code": space, **fields})


def update_org(ctx: Context, org: str, **fields: str) -> Saved:
    """Change an organisation's name, host, advance_weeks or active."""
    return save(ctx, "orgs", {"code": org, **fields})


def add_closure(ctx: Context, site: str, first: dt.date, last: dt.date | None = None, *,
                reason: str) -> closures.ClosureResult:
    """Close a site (see :func:`booking.closures.add_closure`)."""
    return closures.add_closure(ctx, site, first, last, reason=reason)


def closed_days(ctx: Context, site: str, first: dt.date | None = None,
                last: dt.date | None = None) -> list[closures.ClosedDay]:
    return closures.closed_days(ctx, site, first, last)
