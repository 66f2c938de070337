"""Import organisations, sites, spaces and staff from CSV files, all or nothing.

A file is read and every row validated before anything is written: when any row is wrong,
nothing is written and every problem is reported with its line and column. Rows are matched
to the store by code (login for staff) and updated, so importing the same file twice changes
nothing. The column validators are public so the admin screens check input the same way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, insert, select, update

from booking import limits, permissions
from booking.errors import InvalidInput
from booking.models import ACTIVE_STATUSES, KINDS, ROLES
from booking.timeutil import check_zone, format_hours, in_zone, parse_hours
from db import queries as q
from db.engine import read_tx, write_tx
from db.tables import OpeningHours, Organisation, Site, Space, SpaceRestriction, Staff

SITE = Site.__table__
ORG = Organisation.__table__

HOLIDAY_REGIONS = ("ENG", "WLS", "SCT", "NIR")


# ------------------------------------------------------------------------ cell validators
# Each takes the cell's text (already stripped) and returns the value, or raises
# InvalidInput with words that follow "line N, column C: ".

def code(text: str, max_len: int = 16) -> str:
    return limits.code(text, "code", max_len)


def space_code(text: str) -> str:
    return code(text, 32)


def login(text: str) -> str:
    return limits.login(text)


def name(text: str) -> str:
    return limits.name(text)


def number(text: str, *, minimum: int = 0) -> int:
    try:
        value = int(text)
    except ValueError:
        raise InvalidInput(f"'{limits.visible(text[:40])}' is not a number") from None
    if value < minimum:
        raise InvalidInput(f"{value} is too small (at least {minimum})")
    return limits.bounded_int(value, "the number", minimum, limits.INT_MAX)


def capacity(text: str) -> int:
    value = number(text)
    if value < 1:
        raise InvalidInput(f"{value} is not a capacity: a space holds at least 1 person")
    return limits.bounded_int(value, "the capacity", *limits.CAPACITY)


def optional_weeks(text: str) -> int | None:
    if not text:
        return None
    value = number(text)
    lo, hi = limits.ADVANCE_WEEKS
    if value < lo or value > hi:
        raise InvalidInput(f"{value} weeks is out of range ({lo} to {hi}, or blank for the "
                           "default)")
    return value


_YES = {"yes", "y", "true", "t", "1", "x"}
_NO = {"no", "n", "false", "f", "0"}


def yes_no(text: str) -> bool:
    word = text.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise InvalidInput(f"'{text}' is not yes or no")


def kind(text: str) -> str:
    word = text.lower()
    if word not in KINDS:
        raise InvalidInput(f"'{text}' is not a kind of space ({', '.join(KINDS)})")
    return word


def role(text: str) -> str:
    word = text.lower()
    if word not in ROLES:
        raise InvalidInput(f"'{text}' is not a role ({', '.join(ROLES)})")
    return word


def features(text: str) -> frozenset[str]:
    out = set()
    for item in re.split(r"[,;]", text):
        word = item.strip()
        if not word:
            continue
        out.add(limits.feature(word))
    limits.features_text(out)
    return frozenset(out)


def code_list(text: str) -> frozenset[str]:
    return frozenset(code(c.strip()) for c in re.split(r"[,;]", text) if c.strip())


def zone(text: str) -> str:
    try:
        return check_zone(text)
    except InvalidInput:
        raise InvalidInput(f"'{text}' is not a known time zone (try Europe/London)") from None


def hours(text: str) -> dict[int, tuple[int, int]]:
    return parse_hours(text)


def holiday_region(text: str) -> str:
    word = text.upper()
    if word in ("NONE", "-"):
        return ""
    if word in ("ENGLAND", "ENGLAND AND WALES", "E&W"):
        return "ENG"
    if word not in HOLIDAY_REGIONS:
        raise InvalidInput(f"'{text}' is not a UK nation for bank holidays (ENG for England "
                           "and Wales, SCT, NIR, or none)")
    return word


# ------------------------------------------------------------------------ file formats
@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    help: str
    required: bool = False
    default: Any = None  # the value of a blank cell


@dataclass(frozen=True)
class Format:
    kind: str  # orgs, sites, spaces, staff
    entity: str  # audit entity
    key: str  # column that matches rows to the store
    permission: str  # permissions.require_admin_action action
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


FORMATS: dict[str, Format] = {
    "orgs": Format("orgs", "organisation", "code", "manage-orgs", (
        Column("code", code, "short code, e.g. NCS (matches existing organisations)", True),
        Column("name", name, "full name", True),
        Column("host", yes_no, "yes for the host organisation (the jobcentre); default no",
               default=False),
        Column("advance_weeks", optional_weeks,
               "how many weeks ahead its staff may book; blank = default (host no limit, "
               "partner 8)"),
        Column("active", yes_no, "no to retire the organisation; default yes", default=True),
    )),
    "sites": Format("sites", "site", "code", "manage-sites", (
        Column("code", code, "short code, e.g. NGT (matches existing sites)", True),
        Column("name", name, "building name", True),
        Column("hours", hours, 'opening hours as for --hours, e.g. "mon-thu 08:30-17:00, '
               'fri 08:30-16:30"', True),
        Column("tz", zone, "IANA time zone; default Europe/London", default="Europe/London"),
        Column("holidays", holiday_region, "bank holidays: ENG (England and Wales), SCT, NIR "
               "or none; default ENG", default="ENG"),
    )),
    "spaces": Format("spaces", "space", "code", "manage-spaces", (
        Column("code", space_code, "short code, unique across sites (matches existing "
               "spaces)", True),
        Column("site", code, "code of its site (must exist)", True),
        Column("kind", kind, "interview, desk or workshop", True),
        Column("capacity", capacity, "how many people it holds (a number, at least 1)", True),
        Column("name", name, "display name; default the code", default=""),
        Column("features", features, "comma-separated, e.g. wifi,pc,step-free; default none",
               default=frozenset()),
        Column("private", yes_no, "yes for a private room (confidential interviews); "
               "default no", default=False),
        Column("active", yes_no, "no for out of use; default yes", default=True),
        Column("restricted_to", code_list, "organisation codes that alone may book it, "
               "comma-separated; default anyone", default=frozenset()),
        Column("approval", yes_no, "yes when a partner's booking of it waits for approval; "
               "default no", default=False),
    )),
    "staff": Format("staff", "staff", "login", "manage-staff", (
        Column("login", login, "login name (matches existing staff)", True),
        Column("name", name, "full name", True),
        Column("org", code, "code of their organisation (must exist)", True),
        Column("role", role, "front-desk, adviser, estates or admin", True),
        Column("active", yes_no, "no when they leave; default yes", default=True),
    )),
}
#: The order to import a new site in: later files refer to earlier ones.
IMPORT_ORDER = ("orgs", "sites", "spaces", "staff")

_ALIASES = {"restricted": "restricted_to", "only": "restricted_to", "holiday_region":
            "holidays", "timezone": "tz", "time_zone": "tz", "organisation": "org",
            "organization": "org", "advance": "advance_weeks", "opening_hours": "hours"}


def describe_columns(kind: str) -> str:
    """The documented columns of one file kind, for ``--help`` and the docs."""
    fmt = FORMATS[kind]
    lines = [f"{kind}.csv columns (a header row first; * = required):"]
    for c in fmt.columns:
        lines.append(f"  {c.name + ('*' if c.required else ''):<15} {c.help}")
    return "\n".join(lines)


# ------------------------------------------------------------------------ results
@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


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


def show(value: Any) -> str:
    """A field value as a person reads it in a diff (and as the import file would write it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset | set):
        return ",".join(sorted(value))
    if isinstance(value, dict):
        return format_hours(value)
    return str(value)


# ------------------------------------------------------------------------ reading
@dataclass
class Record:
    line: int
    values: dict[str, Any]  # only the columns the file has

    @property
    def key(self) -> str:
        return str(self.values.get("code") or self.values.get("login"))


def read_csv(kind: str, text: str) -> tuple[list[Record], list[Problem]]:
    """Parse and validate every cell of a CSV file of ``kind``; no store needed."""
    if kind not in FORMATS:
        raise InvalidInput(f"'{kind}' is not something to import ({', '.join(IMPORT_ORDER)})")
    fmt = FORMATS[kind]
    problems: list[Problem] = []
    # strict: a quote that never closes is an error (with its line), not a cell that
    # swallows the rest of the file
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(1, None, "the file is empty; it needs a header row")]
    except csv.Error as exc:
        return [], [Problem(1, None, f"not readable as CSV ({exc})")]
    names = [_ALIASES.get(_norm(h), _norm(h)) for h in header]
    known = {c.name for c in fmt.columns}
    for i, n in enumerate(names):
        if not n:
            if any(h.strip() for h in header[i + 1:]):
                problems.append(Problem(1, f"#{i + 1}", "the header is blank"))
        elif n not in known:
            problems.append(Problem(1, header[i].strip(), f"is not a column of a {kind} file "
                                    f"(columns: {', '.join(c.name for c in fmt.columns)})"))
        elif names.index(n) != i:
            problems.append(Problem(1, n, "appears twice in the header"))
    for c in fmt.columns:
        if c.required and c.name not in names:
            problems.append(Problem(1, c.name, "is missing from the header (it is required)"))
    if problems:
        return [], problems
    records: list[Record] = []
    seen: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            why = str(exc)
            if "unexpected end of data" in why or "EOF" in why:
                why = ("a quoted cell starts on this line and its closing quote never comes "
                       "(add the missing \")")
            problems.append(Problem(line, None, f"not readable as CSV ({why})"))
            break
        start_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names) and any(c.strip() for c in row[len(names):]):
            problems.append(Problem(start_line, None, f"has {len(row)} cells but the header "
                                    f"has {len(names)} columns"))
            continue
        values: dict[str, Any] = {}
        for i, n in enumerate(names):
            if not n:
                continue
            cell = row[i].strip() if i < len(row) else ""
            col = fmt.column(n)
            if not cell:
                if col.required:
                    problems.append(Problem(start_line, n, "is empty (it is required)"))
                else:
                    values[n] = col.default
                continue
            try:
                values[n] = col.parse(cell)
            except InvalidInput as exc:
                problems.append(Problem(start_line, n, exc.message.rstrip(".")))
        key = values.get(fmt.key)
        if isinstance(key, str) and key:
            if key in seen:
                problems.append(Problem(start_line, fmt.key, f"'{key}' is also on line "
                                        f"{seen[key]}"))
            else:
                seen[key] = start_line
        records.append(Record(start_line, values))
    if not records and not problems:
        problems.append(Problem(2, None, "the file has a header but no rows"))
    return records, problems


def _norm(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


# ------------------------------------------------------------------------ the store side
class _Store:
    """What an import needs from the store, read in a few queries rather than a few per row.

    Sites and organisations are read whole (a region has dozens); the records being imported
    are read by their keys in chunks.
    """

    CHUNK = 500

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sites = {r.code: r for r in conn.execute(select(SITE))}
        self.orgs = {r.code: r for r in conn.execute(select(ORG))}
        self.org_codes = {r.id: r.code for r in self.orgs.values()}
        self.site_codes = {r.id: r.code for r in self.sites.values()}

    def _chunks(self, keys: Sequence[str]) -> Iterable[list[str]]:
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), self.CHUNK):
            yield keys[i:i + self.CHUNK]

    def current(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """The stored rows matching ``keys``, as the values an import file would give."""
        conn = self.conn
        out: dict[str, tuple[int, dict[str, Any]]] = {}
        if kind == "orgs":
            for k in keys:
                r = self.orgs.get(k)
                if r is not None:
                    out[k] = (r.id, {"code": r.code, "name": r.name, "host": bool(r.is_host),
                                     "advance_weeks": r.advance_weeks,
                                     "active": bool(r.active)})
        elif kind == "sites":
            oh = OpeningHours.__table__
            found = [self.sites[k] for k in keys if k in self.sites]
            hours_by: dict[int, dict[int, tuple[int, int]]] = {r.id: {} for r in found}
            if found:
                for h in conn.execute(select(oh).where(oh.c.site_id.in_(list(hours_by)))):
                    hours_by[h.site_id][h.weekday] = (h.opens_min, h.closes_min)
            for r in found:
                out[r.code] = (r.id, {"code": r.code, "name": r.name, "hours": hours_by[r.id],
                                      "tz": r.tz, "holidays": r.holiday_region})
        elif kind == "spaces":
            sp, sr = Space.__table__, SpaceRestriction.__table__
            for chunk in self._chunks(keys):
                rows = conn.execute(select(sp).where(sp.c.code.in_(chunk))).all()
                restr: dict[int, set[str]] = {r.id: set() for r in rows}
                if rows:
                    for x in conn.execute(select(sr).where(sr.c.space_id.in_(list(restr)))):
                        restr[x.space_id].add(self.org_codes[x.org_id])
                for r in rows:
                    out[r.code] = (r.id, {
                        "code": r.code, "site": self.site_codes[r.site_id], "kind": r.kind,
                        "capacity": r.capacity, "name": r.name,
                        "features": frozenset(f for f in (r.features or "").split(",") if f),
                        "private": bool(r.private), "active": bool(r.active),
                        "restricted_to": frozenset(restr[r.id]),
                        "approval": bool(r.requires_approval)})
        else:
            st = Staff.__table__
            for chunk in self._chunks(keys):
                for r in conn.execute(select(st).where(st.c.login.in_(chunk))):
                    out[r.login] = (r.id, {
                        "login": r.login, "name": r.name,
                        "org": self.org_codes.get(r.org_id) if r.org_id else None,
                        "role": r.role, "active": bool(r.active)})
        return out


def _current(conn: Connection, kind: str, key: str) -> tuple[int, dict[str, Any]] | None:
    """The stored row matching ``key`` (one record, for a form)."""
    return _Store(conn).current(kind, [key]).get(key)


def _check_references(store: _Store, kind: str, rec: Record, problems: list[Problem],
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


def plan(store: _Store, kind: str, records: Sequence[Record], problems: list[Problem],
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
_TABLES = {"orgs": ORG, "sites": SITE, "spaces": Space.__table__, "staff": Staff.__table__}


def _apply_all(store: _Store, kind: str, planned: Sequence[tuple[Record, Change, int | None]],
               *, actor: str, now: Any, reason: str) -> None:
    """Write every change: new rows in one multi-row insert, updates row by row, then one
    audit entry per change (each statement compiled once and run with many parameter sets)."""
    conn = store.conn
    fmt = FORMATS[kind]
    cols = _DB_COLUMNS[kind]
    table = _TABLES[kind]

    def db_value(col: str, value: Any) -> Any:
        if col == "features":
            return ",".join(sorted(value))
        if col == "site":
            return store.sites[value].id
        if col == "org":
            return store.orgs[value].id
        return value

    def db_row(rec: Record, change: Change) -> dict[str, Any]:
        return {cols[c]: db_value(c, rec.values[c]) for c in cols if c in change.fields}

    added = [(rec, change) for rec, change, row_id in planned if change.action == "added"]
    ids: dict[str, int] = {}
    if added:
        rows = []
        for rec, change in added:
            row = db_row(rec, change) | {fmt.key: rec.key}
            if kind == "sites":
                row.update(release_after_minutes=30, active=True)
            rows.append(row)
        result = conn.execute(
            insert(table).returning(table.c.id, table.c[fmt.key], sort_by_parameter_order=True),
            rows)
        ids = {r[1]: r[0] for r in result}
    for rec, change, row_id in planned:
        if change.action == "updated":
            ids[rec.key] = row_id  # type: ignore[assignment]
            row = db_row(rec, change)
            if row:
                conn.execute(update(table).where(table.c.id == row_id).values(**row))
    touched = [(rec, change) for rec, change, _ in planned if change.action != "unchanged"]
    if kind == "sites":
        oh = OpeningHours.__table__
        redo = [(ids[rec.key], rec.values["hours"]) for rec, change in touched
                if "hours" in change.fields]
        if redo:
            conn.execute(delete(oh).where(oh.c.site_id.in_([i for i, _ in redo])))
            conn.execute(insert(oh), [dict(site_id=i, weekday=day, opens_min=o, closes_min=c)
                                      for i, hours in redo
                                      for day, (o, c) in sorted(hours.items())])
    if kind == "spaces":
        sr = SpaceRestriction.__table__
        redo = [(ids[rec.key], rec.values["restricted_to"]) for rec, change in touched
                if "restricted_to" in change.fields]
        if redo:
            conn.execute(delete(sr).where(sr.c.space_id.in_([i for i, _ in redo])))
            pairs = [dict(space_id=i, org_id=store.orgs[org].id)
                     for i, orgs in redo for org in sorted(orgs)]
            if pairs:
                conn.execute(insert(sr), pairs)
    q.add_audits(conn, [
        dict(at=now, actor=actor, action="create" if change.action == "added" else "update",
             entity=fmt.entity, entity_id=ids[rec.key],
             before=None if change.action == "added" else
             {k: b for k, (b, _) in change.fields.items()},
             after={k: a for k, (_, a) in change.fields.items()}, reason=reason)
        for rec, change in touched])


def import_records(app: Any, kind: str, records: list[Record], *, source: str,
                   problems: Sequence[Problem] = (), dry_run: bool = False,
                   hints: bool = True, reason: str | None = None) -> ImportResult:
    """Check ``records`` against the store and, unless ``dry_run``, write them in one
    transaction with one audit entry per change. Raises :class:`ImportRejected` listing every
    problem (nothing written) when any row is wrong."""
    fmt = FORMATS[kind]
    problems = list(problems)
    now = app.now()
    tx = read_tx if dry_run else write_tx
    with tx(app.engine) as conn:
        actor = app._load_actor(conn)
        permissions.require_admin_action(actor, fmt.permission)
        store = _Store(conn)
        planned = plan(store, kind, records, problems, hints=hints)
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
    if not dry_run and any(c.action != "unchanged" for _, c, _ in planned):
        app._actor = None
    return ImportResult(kind, source, [c for _, c, _ in planned], applied=not dry_run,
                        warnings=warnings)


def _stranded(conn: Connection, kind: str, planned: Sequence[tuple[Record, Change, int | None]],
              now: Any) -> list[str]:
    """Upcoming bookings an update leaves on a space out of use or outside new opening hours.

    They are never dropped: the import names them so a person can cancel or move each one.
    """
    out: list[str] = []
    for rec, change, row_id in planned:
        if change.action != "updated" or row_id is None:
            continue
        if kind == "spaces" and rec.values.get("active") is False and "active" in change.fields:
            rows = q.booking_rows(conn, start=now, space_id=row_id, statuses=ACTIVE_STATUSES)
            if rows:
                out.append(f"{rec.key} goes out of use with {_listed(rows)} still on it: "
                           "cancel or move them.")
        if kind == "sites" and "hours" in change.fields:
            new_hours = rec.values["hours"]
            rows = [r for r in q.booking_rows(conn, start=now, site_id=row_id,
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


def import_text(app: Any, kind: str, text: str, *, source: str = "input",
                dry_run: bool = False) -> ImportResult:
    """Import CSV ``text`` of ``kind`` (orgs, sites, spaces, staff)."""
    records, problems = read_csv(kind, text)
    if problems and not records:
        raise ImportRejected(source, problems)
    return import_records(app, kind, records, source=source, problems=problems,
                          dry_run=dry_run)


def import_file(app: Any, kind: str, path: str, *, dry_run: bool = False) -> ImportResult:
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
    return import_text(app, kind, text, source=path, dry_run=dry_run)


def validate(kind: str, values: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one record given as texts by column (the admin screens' forms)."""
    header = list(values)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerow([values[h] for h in header])
    records, problems = read_csv(kind, buf.getvalue())
    return (records[0].values if records else {}), problems
