"""The import file formats: the columns of ``orgs``, ``sites``, ``spaces`` and ``staff`` files,
the cell validators, and reading a CSV file into checked records.

These validators are the one place a set-up record is validated: ``cospace import``, the
Admin screen (:mod:`booking.admin`), ``org|site|space|staff add`` and ``set``
(:mod:`booking.records`) and ``Cospace.add_*`` (:mod:`booking.setup_records`) all go through
:func:`validate` or :func:`read_csv`. Nothing here needs the store.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from booking import limits
from booking.errors import InvalidInput
from booking.models import KINDS, ROLES
from booking.timeutil import check_zone, format_hours, parse_hours

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



# ------------------------------------------------------------------------ problems
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
    # strict: a quote that never closes is an error (with its line), not a cell that
    # swallows the rest of the file
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Problem(1, None, "the file is empty; it needs a header row")]
    except csv.Error as exc:
        return [], [Problem(1, None, f"not readable as CSV ({exc})")]
    names, problems = _read_header(fmt, header)
    if problems:
        return [], problems
    records = _read_rows(fmt, names, reader, problems)
    if not records and not problems:
        problems.append(Problem(2, None, "the file has a header but no rows"))
    return records, problems


def _read_header(fmt: Format, header: list[str]) -> tuple[list[str], list[Problem]]:
    """The header's column names (aliases resolved), and what is wrong with it."""
    problems: list[Problem] = []
    names = [_ALIASES.get(_norm(h), _norm(h)) for h in header]
    known = {c.name for c in fmt.columns}
    for i, n in enumerate(names):
        if not n:
            if any(h.strip() for h in header[i + 1:]):
                problems.append(Problem(1, f"#{i + 1}", "the header is blank"))
        elif n not in known:
            problems.append(Problem(1, header[i].strip(), f"is not a column of a {fmt.kind} "
                                    f"file (columns: {', '.join(c.name for c in fmt.columns)})"))
        elif names.index(n) != i:
            problems.append(Problem(1, n, "appears twice in the header"))
    for c in fmt.columns:
        if c.required and c.name not in names:
            problems.append(Problem(1, c.name, "is missing from the header (it is required)"))
    return names, problems


def _read_rows(fmt: Format, names: list[str], reader: Any,
               problems: list[Problem]) -> list[Record]:
    """Every non-blank row after the header as a :class:`Record`; problems are added to
    ``problems`` (a key used twice, a cell too many, a quote never closed)."""
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
        values = _read_cells(fmt, names, row, start_line, problems)
        key = values.get(fmt.key)
        if isinstance(key, str) and key:
            if key in seen:
                problems.append(Problem(start_line, fmt.key, f"'{key}' is also on line "
                                        f"{seen[key]}"))
            else:
                seen[key] = start_line
        records.append(Record(start_line, values))
    return records


def _read_cells(fmt: Format, names: list[str], row: list[str], line: int,
                problems: list[Problem]) -> dict[str, Any]:
    """One row's cells through their column's validator (a blank cell: its default)."""
    values: dict[str, Any] = {}
    for i, n in enumerate(names):
        if not n:
            continue
        cell = row[i].strip() if i < len(row) else ""
        col = fmt.column(n)
        if not cell:
            if col.required:
                problems.append(Problem(line, n, "is empty (it is required)"))
            else:
                values[n] = col.default
            continue
        try:
            values[n] = col.parse(cell)
        except InvalidInput as exc:
            problems.append(Problem(line, n, exc.message.rstrip(".")))
    return values


def _norm(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


def validate(kind: str, values: Mapping[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """Validate one record given as texts by column (the admin screens' forms)."""
    header = list(values)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    w.writerow([values[h] for h in header])
    records, problems = read_csv(kind, buf.getvalue())
    return (records[0].values if records else {}), problems
