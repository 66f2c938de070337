"""What the store can hold: one validation point per kind of value a person or a script gives.

Every number, code, name and free text on its way in passes one of these functions, so input
the store could not hold (a number past PostgreSQL's int4, a name longer than its column, a NUL
byte, a code a spreadsheet would run) is refused with the limit in the message, before any SQL,
the same way on both backends. Refusals are :class:`~booking.errors.InvalidInput` (exit 2).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from booking.errors import InvalidInput

#: PostgreSQL ``integer`` (int4); SQLite holds more, but a store must move between backends.
INT_MAX = 2**31 - 1

#: Column lengths (db/tables.py; tests/test_hostile.py checks they agree).
TEXT_LIMITS: dict[str, int] = {
    "org_code": 16,
    "site_code": 16,
    "space_code": 32,
    "login": 64,
    "name": 200,
    "purpose": 500,
    "reason": 500,
    "features": 500,
    "tz": 64,
}

#: Bounds of the numbers people give (inclusive).
CAPACITY = (1, 10_000)
ATTENDEES = (1, 10_000)
ADVANCE_WEEKS = (1, 104)
MAX_AT_ONCE = (0, 10_000)
HOURS_PER_WEEK = (0.0, 168.0 * 1000)
BOOKING_ID = (1, INT_MAX)

#: Any date a person enters lies in these years; the booking horizon narrows bookings further.
MIN_YEAR = 1970
MAX_YEAR = 2999
#: The default booking horizon for everyone, the host included (per store: ``cospace setting``).
DEFAULT_HORIZON_WEEKS = 104
HORIZON_WEEKS = (1, 520)

_CODE_RE = re.compile(r"^[A-Za-z0-9_-]+$")
_FEATURE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def bounded_int(value: Any, what: str, lo: int, hi: int) -> int:
    """An integer in ``[lo, hi]``, from an int or its text; anything else is refused."""
    if isinstance(value, bool):
        raise InvalidInput(f"{what} must be a whole number from {lo} to {hi}.")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise InvalidInput(f"{what} must be a whole number from {lo} to {hi}.")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,30}", text):
            shown = visible(text[:40])
            raise InvalidInput(f"'{shown}' is not a whole number ({what}: {lo} to {hi}).")
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput(f"{what} must be a whole number from {lo} to {hi}.")
    if value < lo or value > hi:
        raise InvalidInput(f"{what} must be from {lo} to {hi}, not {_short_number(value)}.")
    return value


def bounded_float(value: Any, what: str, lo: float, hi: float) -> float:
    """A finite number in ``[lo, hi]``: ``nan`` and ``inf`` are refused."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput(f"'{visible(str(value)[:40])}' is not a number ({what}).") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{what} must be a finite number from {_num(lo)} to {_num(hi)}.")
    if number < lo or number > hi:
        raise InvalidInput(f"{what} must be from {_num(lo)} to {_num(hi)}, not "
                           f"{_short_number(number)}.")
    return number


def _num(x: float) -> str:
    return f"{x:g}"


def _short_number(value: float) -> str:
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text if len(text) <= 24 else text[:10] + "…" + f" ({len(text)} digits)"


def code(text: str, what: str = "code", limit: int = 16) -> str:
    """A code: letters, digits, ``-`` and ``_`` only, 1 to ``limit`` characters. Nothing a
    spreadsheet would run (``=``, ``+``, ``@``) and nothing a terminal would obey."""
    value = (text or "").strip()
    if not value or len(value) > limit or not _CODE_RE.match(value) or value[0] == "-":
        raise InvalidInput(f"'{visible(value[:40])}' is not a usable {what} (letters, digits, "
                           f"'-' and '_' only, not starting with '-'; at most {limit} "
                           "characters).")
    return value


def login(text: str) -> str:
    """A staff login: no spaces or control characters, at most 64 characters."""
    value = (text or "").strip()
    limit = TEXT_LIMITS["login"]
    if (not value or len(value) > limit or any(ch.isspace() for ch in value)
            or _CONTROL_RE.search(value)):
        raise InvalidInput(f"'{visible(value[:40])}' is not a usable login (no spaces or "
                           f"control characters; at most {limit} characters).")
    return value


def name(text: str | None, what: str = "name", limit: int = TEXT_LIMITS["name"], *,
         required: bool = False) -> str:
    """A name people read on screens: no control characters, at most ``limit`` long."""
    value = (text or "").strip()
    if required and not value:
        raise InvalidInput(f"The {what} cannot be empty.")
    if _CONTROL_RE.search(value):
        raise InvalidInput(f"The {what} '{visible(value[:40])}' contains control characters "
                           "(shown as \\x..); type it again without them.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is {len(value)} characters long; at most {limit}.")
    return value


def free_text(text: str | None, what: str = "purpose", limit: int = 500) -> str:
    """Free text (a purpose, a reason): kept as typed, except that NUL is refused and any
    other control character is stored in visible form, so it can reach no terminal or
    file as a control."""
    value = text or ""
    if "\x00" in value:
        raise InvalidInput(f"The {what} contains a NUL character; type it again without it.")
    value = visible(value)
    if len(value) > limit:
        raise InvalidInput(f"The {what} is {len(value)} characters long; at most {limit}.")
    return value


def feature(text: str) -> str:
    shown = (text or "").strip()
    word = shown.lower()
    if not _FEATURE_RE.match(word):
        raise InvalidInput(f"'{visible(shown[:40])}' is not a feature name (lower-case words "
                           "joined by '-', e.g. step-free)")
    if len(word) > 40:
        raise InvalidInput(f"'{shown[:40]}…' is too long for a feature name (at most 40 "
                           "characters)")
    return word


def features_text(words: frozenset[str] | set[str]) -> str:
    """Features as stored (``a,b``), refused when longer than the column."""
    joined = ",".join(sorted(words))
    limit = TEXT_LIMITS["features"]
    if len(joined) > limit:
        raise InvalidInput(f"The features are {len(joined)} characters long; at most {limit}.")
    return joined


def check_year(day: dt.date, text: str | None = None) -> dt.date:
    """A date a person entered lies between the years :data:`MIN_YEAR` and :data:`MAX_YEAR`."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        shown = visible(text) if text else day.isoformat()
        raise InvalidInput(f"'{shown}' is out of range: dates run from {MIN_YEAR}-01-01 to "
                           f"{MAX_YEAR}-12-31.")
    return day


# ------------------------------------------------------------------------ output safety
_PICTURES = {i: chr(0x2400 + i) for i in range(0x20)}
_PICTURES[0x7F] = "\u2421"


def visible(text: str) -> str:
    """``text`` with every control character shown as a visible picture (ESC as ␛, BEL as
    ␇, DEL as ␡, C1 controls as ``\\x9b``): safe for any terminal, file or cell."""
    if not _CONTROL_RE.search(text):
        return text
    return _CONTROL_RE.sub(
        lambda m: _PICTURES.get(ord(m.group()), f"\\x{ord(m.group()):02x}"), text)


_PW_PATTERNS = (
    # scheme://user:PASSWORD@host  (whatever follows: a bad port, a broken IPv6 host, ...)
    re.compile(r"(?P<keep>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@?#]*:)(?P<secret>[^\s@]*)(?=@)"),
    # ?password=... &password=... and libpq's "password=..." / password='...'
    re.compile(r"(?P<keep>(?i:\bpass(?:word)?)\s*=\s*)(?P<secret>'[^']*'|\"[^\"]*\"|[^\s&;,)]+)"),
)


def mask_passwords(text: str, *urls: str) -> str:
    """``text`` with every password hidden: the one in each of ``urls`` wherever it appears,
    and anything shaped like a password in a URL or connection string."""
    out = text
    for url in urls:
        for secret in _secrets_of(url):
            out = out.replace(secret, "***")
    for pattern in _PW_PATTERNS:
        out = pattern.sub(lambda m: m.group("keep") + (
            m.group("secret") if m.group("secret").startswith("***") else "***"), out)
    return out


def _secrets_of(url: str) -> list[str]:
    """The passwords a URL carries (``user:pw@`` and ``password=``), found without parsing
    it properly: a malformed URL must be masked too."""
    from urllib.parse import unquote

    found: list[str] = []
    m = re.match(r"^[^:/]+://([^@/?#]*)@", url or "")
    if m is None:  # an @ in the password: the userinfo runs to the last @ before the host
        m = re.match(r"^[^:/]+://(.*)@[^@]*$", url or "")
    if m and ":" in m.group(1):
        found.append(m.group(1).split(":", 1)[1])
    found += re.findall(r"(?i)\bpass(?:word)?=([^&\s]+)", url or "")
    out: list[str] = []
    for s in found:
        for v in (s, unquote(s)):
            if len(v) >= 3 and v not in out:
                out.append(v)
    return sorted(out, key=len, reverse=True)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def csv_cell(value: Any) -> Any:
    """A value as a spreadsheet may see it: text that would start a formula, at its start or
    after any line break, gets a leading ``'``; control characters other than line breaks
    are shown visibly. Numbers and booleans pass (booleans as yes/no)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if not isinstance(value, str):
        return value
    text = re.sub(r"[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]", lambda m: visible(m.group()),
                  value)
    # Every line of a cell is checked: a reader that splits on a bare CR or LF must not
    # find a formula at the start of the next "row".
    parts = re.split(r"(\r\n|\r|\n)", text)
    for i in range(0, len(parts), 2):
        if parts[i][:1] in _FORMULA_START or (parts[i][:1] == " " and
                                              parts[i].lstrip()[:1] in _FORMULA_START):
            parts[i] = "'" + parts[i]
    return "".join(parts)


def csv_writer(out: Any, *, lineterminator: str = "\r\n") -> Any:
    """The one CSV writer: every cell through :func:`csv_cell`, and every cell holding a CR
    or LF quoted (``QUOTE_MINIMAL`` quotes both), so no reader starts a new row inside it."""
    import csv

    inner = csv.writer(out, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)

    class _Safe:
        def writerow(self, row: Any) -> Any:
            return inner.writerow([csv_cell(v) for v in row])

        def writerows(self, rows: Any) -> None:
            for r in rows:
                self.writerow(r)

    return _Safe()
