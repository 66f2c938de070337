"""Import organisations, sites, spaces and staff from CSV files, all or nothing.

A file is read and every row validated before anything is written (the formats and the cell
validators: :mod:`booking.import_format`, re-exported here): when any row is wrong, nothing
is written and every problem is reported with its line and column. Rows are matched to the
store by code (login for staff) and updated, so importing the same file twice changes
nothing. The Admin screen, ``add``/``set`` on the command line and ``Cospace.add_*`` are
one-row imports, so every way in checks a record the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from booking import permissions
from booking.context import Context
from booking.errors import InvalidInput
from booking.import_format import (
    FORMATS,
    HOLIDAY_REGIONS,
    IMPORT_ORDER,
    Column,
    Format,
    Problem,
    Record,
    capacity,
    code,
    code_list,
    describe_columns,
    features,
    holiday_region,
    hours,
    kind,
    login,
    name,
    number,
    optional_weeks,
    read_csv,
    role,
    show,
    space_code,
    validate,
    yes_no,
    zone,
)
from booking.models import ACTIVE_STATUSES
from booking.timeutil import in_zone
from db import import_queries, queries
from db.engine import Tx
from db.import_queries import StoredRecords

Planned = tuple[Record, "Change", int | None]


# ------------------------------------------------------------------------ results
class ImportRejected(InvalidInput):
    """The file has problems; nothing was written. ``problems`` lists every one."""

    def __init__(self, source: str, problems: Sequence[Problem]) -> None:
        n = len(problems)
        text = (f"{source}: {n} problem{'s' if n != 1 else ''}, nothing was imported:\n"
                + "\n".join(f"  {p}" for p in problems))
        super().__init__(text)
        self.problems = list(problems)


@dataclass(frozen=True)
class Change:
    line: int
    key: str
    action: str  # added, updated, unchanged
    #: field -> (before, after), shown as text; for "added" every given field with None before
    fields: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"line": self.line, "key": self.key}
        if self.action == "added":
            out["values"] = {k: v[1] for k, v in self.fields.items()}
        elif self.action == "updated":
            out["fields"] = {k: {"from": v[0], "to": v[1]} for k, v in self.fields.items()}
        return out


@dataclass(frozen=True)
class ImportResult:
    kind: str
    source: str
    changes: list[Change]
    applied: bool
    #: Bookings the changes leave stranded (a space out of use, hours that no longer cover
    #: them): kept, and named here for the person to cancel or move.
    warnings: list[str] = field(default_factory=list)

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def summary(self) -> str:
        counts = [f"{len(self.of(a))} {a}" for a in ("added", "updated", "unchanged")]
        return ", ".join(counts)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "file": self.source, "dry_run": not self.applied,
            "added": [c.to_json() for c in self.of("added")],
            "updated": [c.to_json() for c in self.of("updated")],
            "unchanged": [c.key for c in self.of("unchanged")],
            "warnings": self.warnings,
        }


def current_record(conn: Tx, kind: str, key: str) -> tuple[int, dict[str, Any]] | None:
    """The stored row matching ``key`` (one record, for a form)."""
    return StoredRecords(conn).current(kind, [key]).get(key)


def _check_references(store: StoredRecords, kind: str, rec: Record, problems: list[Problem],
                      hints: bool = True) -> None:
    v = rec.values

    def first(what: str) -> str:
        return f" (import the {what} first)" if hints else ""

    if kind == "spaces":
        if "site" in v and v["site"] not in store.sites:
            problems.append(Problem(rec.line, "site", f"there is no site '{v['site']}'"
                                    + first("sites")))
        for org in sorted(v.get("restricted_to") or ()):
            if org not in store.orgs:
                problems.append(Problem(rec.line, "restricted_to", f"there is no "
                                        f"organisation '{org}'" + first("orgs")))
    elif kind == "staff" and "org" in v:
        org = store.orgs.get(v["org"])
        if org is None:
            problems.append(Problem(rec.line, "org", f"there is no organisation '{v['org']}'"
                                    + first("orgs")))
        elif v.get("role") == "front-desk" and not org.is_host:
            problems.append(Problem(rec.line, "role", f"front-desk staff work for the host "
                                    f"organisation; {org.code} is a partner"))


def plan(store: StoredRecords, kind: str, records: Sequence[Record], problems: list[Problem],
         *, hints: bool = True) -> list[tuple[Record, Change, int | None]]:
    """What importing ``records`` would change, checking references against the store."""
    out: list[tuple[Record, Change, int | None]] = []
    current = store.current(kind, [r.key for r in records])
    fmt = FORMATS[kind]
    for rec in records:
        _check_references(store, kind, rec, problems, hints)
        values = dict(rec.values)
        if kind == "spaces" and "name" in values and not values["name"]:
            values["name"] = values["code"]
        rec.values = values
        found = current.get(rec.key)
        if found is None:
            full = {c.name: values.get(c.name, c.default) for c in fmt.columns}
            if kind == "spaces" and not full["name"]:
                full["name"] = full["code"]
            rec.values = full
            out.append((rec, Change(rec.line, rec.key, "added",
                                    {k: (None, show(x)) for k, x in full.items()}), None))
            continue
        row_id, before = found
        diff: dict[str, tuple[str | None, str]] = {
            k: (show(before[k]), show(x)) for k, x in values.items() if before[k] != x}
        out.append((rec, Change(rec.line, rec.key, "updated" if diff else "unchanged", diff),
                    row_id))
    return out


#: import column -> table column, per kind
_DB_COLUMNS = {
    "orgs": {"name": "name", "host": "is_host", "advance_weeks": "advance_weeks",
             "active": "active"},
    "sites": {"name": "name", "tz": "tz", "holidays": "holiday_region"},
    "spaces": {"name": "name", "kind": "kind", "capacity": "capacity", "private": "private",
               "active": "active", "features": "features", "site": "site_id",
               "approval": "requires_approval"},
    "staff": {"name": "name", "role": "role", "active": "active", "org": "org_id"},
}


def _db_row(store: StoredRecords, kind: str, rec: Record, change: Change) -> dict[str, Any]:
    """The table columns of ``rec`` that ``change`` touches, as the store holds them."""
    def db_value(col: str, value: Any) -> Any:
        if col == "features":
            return ",".join(sorted(value))
        if col == "site":
            return store.sites[value].id
        if col == "org":
            return store.orgs[value].id
        return value

    cols = _DB_COLUMNS[kind]
    return {cols[c]: db_value(c, rec.values[c]) for c in cols if c in change.fields}


def _apply_all(store: StoredRecords, kind: str, planned: Sequence[Planned], *, actor: str,
               now: Any, reason: str) -> None:
    """Write every change: new rows in one multi-row insert, updates row by row, the opening
    hours and restrictions they change, then one audit entry per change."""
    conn = store.conn
    fmt = FORMATS[kind]
    added = [(rec, change) for rec, change, _ in planned if change.action == "added"]
    ids: dict[str, int] = {}
    if added:
        extra = {"release_after_minutes": 30, "active": True} if kind == "sites" else {}
        ids = import_queries.insert_records(conn, kind, fmt.key, [
            _db_row(store, kind, rec, change) | {fmt.key: rec.key} | extra
            for rec, change in added])
    for rec, change, row_id in planned:
        if change.action == "updated" and row_id is not None:
            ids[rec.key] = row_id
            row = _db_row(store, kind, rec, change)
            if row:
                import_queries.update_record(conn, kind, row_id, row)
    touched = [(rec, change) for rec, change, _ in planned if change.action != "unchanged"]
    _apply_parts(store, kind, touched, ids)
    queries.add_audits(conn, [
        dict(at=now, actor=actor, action="create" if change.action == "added" else "update",
             entity=fmt.entity, entity_id=ids[rec.key],
             before=None if change.action == "added" else
             {k: b for k, (b, _) in change.fields.items()},
             after={k: a for k, (_, a) in change.fields.items()}, reason=reason)
        for rec, change in touched])


def _apply_parts(store: StoredRecords, kind: str, touched: Sequence[tuple[Record, Change]],
                 ids: dict[str, int]) -> None:
    """The rows of a record kept in other tables: a site's hours, a space's restrictions."""
    if kind == "sites":
        import_queries.replace_hours(store.conn, [
            (ids[rec.key], rec.values["hours"]) for rec, change in touched
            if "hours" in change.fields])
    if kind == "spaces":
        redo = [(ids[rec.key], rec.values["restricted_to"]) for rec, change in touched
                if "restricted_to" in change.fields]
        import_queries.replace_restrictions(
            store.conn, [i for i, _ in redo],
            [(i, store.orgs[org].id) for i, orgs in redo for org in sorted(orgs)])


def import_records(ctx: Context, kind: str, records: list[Record], *, source: str,
                   problems: Sequence[Problem] = (), dry_run: bool = False,
                   hints: bool = True, reason: str | None = None,
                   new: str | None = None) -> ImportResult:
    """Check ``records`` against the store and, unless ``dry_run``, write them in one
    transaction with one audit entry per change. Raises :class:`ImportRejected` listing every
    problem (nothing written) when any row is wrong. ``new`` ("an organisation"): the records
    must be new, and one whose key is in use is refused ("There is already an organisation
    'NCS'."), except the first administrator joining an organisation."""
    fmt = FORMATS[kind]
    problems = list(problems)
    now = ctx.now()
    with (ctx.reading() if dry_run else ctx.writing()) as conn:
        actor = ctx.load_actor(conn)
        permissions.require_admin_action(actor, fmt.permission)
        store = StoredRecords(conn)
        planned = plan(store, kind, records, problems, hints=hints)
        if new is not None:
            _refuse_taken(store, kind, planned, new)
        if kind == "staff":
            for rec, change, _ in planned:
                if rec.key == actor.login and ({"role", "active"} & set(change.fields)):
                    problems.append(Problem(rec.line, "role" if "role" in change.fields
                                            else "active", "you cannot change your own role "
                                            "or retire yourself in an import"))
        if problems:
            order = {c.name: i for i, c in enumerate(fmt.columns)}
            raise ImportRejected(source, sorted(
                problems, key=lambda p: (p.line, order.get(p.column or "", -1))))
        warnings = _stranded(conn, kind, planned, now)
        if not dry_run:
            _apply_all(store, kind, planned, actor=actor.login, now=now,
                       reason=reason or f"import {kind} from {source}")
    if kind == "staff" and not dry_run and any(c.action != "unchanged" for _, c, _ in planned):
        ctx.forget_actor()  # the acting person's own record may have changed
    return ImportResult(kind, source, [c for _, c, _ in planned], applied=not dry_run,
                        warnings=warnings)


def _refuse_taken(store: StoredRecords, kind: str, planned: Sequence[Planned],
                  article: str) -> None:
    for rec, _, row_id in planned:
        if row_id is None:
            continue
        if kind == "staff":
            _, before = store.current("staff", [rec.key])[rec.key]
            if before["org"] is None and before["role"] == "admin":
                continue  # the first administrator joins an organisation
        raise InvalidInput(f"There is already {article} '{rec.key}'.")


def _stranded(conn: Tx, kind: str, planned: Sequence[tuple[Record, Change, int | None]],
              now: Any) -> list[str]:
    """Upcoming bookings an update leaves on a space out of use or outside new opening hours.

    They are never dropped: the import names them so a person can cancel or move each one.
    """
    out: list[str] = []
    for rec, change, row_id in planned:
        if change.action != "updated" or row_id is None:
            continue
        if kind == "spaces" and rec.values.get("active") is False and "active" in change.fields:
            rows = queries.booking_rows(conn, start=now, space_id=row_id, statuses=ACTIVE_STATUSES)
            if rows:
                out.append(f"{rec.key} goes out of use with {_listed(rows)} still on it: "
                           "cancel or move them.")
        if kind == "sites" and "hours" in change.fields:
            new_hours = rec.values["hours"]
            rows = [r for r in queries.booking_rows(conn, start=now, site_id=row_id,
                                              statuses=ACTIVE_STATUSES)
                    if not _inside(new_hours, r.start_at, r.end_at, r.tz)]
            if rows:
                out.append(f"{rec.key}'s new opening hours leave out {_listed(rows)}: cancel "
                           "or move them.")
    return out


def _inside(hours: dict[int, tuple[int, int]], start: Any, end: Any, tz: str) -> bool:
    s, e = in_zone(start, ZoneInfo(tz)), in_zone(end, ZoneInfo(tz))
    window = hours.get(s.weekday())
    if window is None:
        return False
    end_min = e.hour * 60 + e.minute if e.date() == s.date() else 1440
    return window[0] <= s.hour * 60 + s.minute and end_min <= window[1]


def _listed(rows: Sequence[Any]) -> str:
    ids = ", ".join(f"#{r.id}" for r in rows[:12]) + (", ..." if len(rows) > 12 else "")
    return f"{len(rows)} booking{'s' if len(rows) != 1 else ''} ({ids})"


def import_text(ctx: Context, kind: str, text: str, *, source: str = "input",
                dry_run: bool = False) -> ImportResult:
    """Import CSV ``text`` of ``kind`` (orgs, sites, spaces, staff)."""
    records, problems = read_csv(kind, text)
    if problems and not records:
        raise ImportRejected(source, problems)
    return import_records(ctx, kind, records, source=source, problems=problems,
                          dry_run=dry_run)


def import_file(ctx: Context, kind: str, path: str, *, dry_run: bool = False) -> ImportResult:
    """Import the CSV file at ``path`` (``-`` for standard input)."""
    import sys
    from pathlib import Path

    if path == "-":
        text = sys.stdin.read()
    else:
        p = Path(path)
        if not p.is_file():
            from booking.errors import NotFound

            raise NotFound(f"There is no file '{path}'.")
        try:
            text = p.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = p.read_text(encoding="cp1252")  # a spreadsheet's "CSV" on Windows
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"'{path}' is not a text CSV file (save it as CSV "
                                   "UTF-8)") from exc
    return import_text(ctx, kind, text, source=path, dry_run=dry_run)


__all__ = [
    "FORMATS", "HOLIDAY_REGIONS", "IMPORT_ORDER", "Change", "Column", "Format",
    "ImportRejected", "ImportResult", "Problem", "Record", "StoredRecords", "capacity", "code",
    "code_list", "current_record", "describe_columns", "features", "holiday_region", "hours",
    "import_file", "import_records", "import_text", "kind", "login", "name", "number",
    "optional_weeks", "plan", "read_csv", "role", "show", "space_code", "validate", "yes_no",
    "zone",
]
