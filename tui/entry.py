"""Reading what people type in the app's fields: days, times and durations, forgivingly."""

from __future__ import annotations

import datetime as dt
import re

from booking.errors import InvalidInput
from booking.timeutil import WEEKDAYS, parse_date, parse_time_of_day

_DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*h(?:ours?|rs?)?)?\s*(?:(\d+)\s*m(?:in(?:utes?)?)?)?\s*$")


def parse_day(text: str, today: dt.date) -> dt.date:
    """``2026-11-26``, ``today``, ``tomorrow``, ``+3``, or a weekday (``thu``, ``next thu``:
    the next one after today)."""
    word = (text or "").strip().lower()
    if re.fullmatch(r"\+\d{1,3}", word):
        return today + dt.timedelta(days=int(word[1:]))
    words = word.split()
    if words and words[-1][:3] in WEEKDAYS and len(words) <= 2 and (
            len(words) == 1 or words[0] == "next") and len(words[-1]) >= 3:
        target = WEEKDAYS.index(words[-1][:3])
        ahead = (target - today.weekday()) % 7 or 7
        return today + dt.timedelta(days=ahead)
    try:
        return parse_date(word, today)
    except InvalidInput:
        raise InvalidInput(
            f"'{text}' is not a day: write YYYY-MM-DD, today, tomorrow, +2 or a weekday (thu)"
        ) from None


def parse_time(text: str) -> int:
    """``9:30``, ``09:30``, ``930`` or ``14`` → minutes after midnight."""
    word = (text or "").strip()
    if re.fullmatch(r"\d{1,2}", word):
        word += ":00"
    elif re.fullmatch(r"\d{3,4}", word):
        word = f"{word[:-2]}:{word[-2:]}"
    return parse_time_of_day(word)


def parse_end(text: str, start: int) -> int:
    """An end time (``11:00``) or a duration (``45m``, ``1h``, ``1h30``, ``90``) after
    ``start`` → minutes after midnight."""
    word = (text or "").strip().lower()
    if not word:
        raise InvalidInput("Say when it ends: a time like 11:00 or a length like 45m or 1h")
    if ":" in word:
        return parse_time(word)
    if word.isdigit():
        return start + int(word)
    m = _DURATION_RE.match(word)
    if m and (m.group(1) or m.group(2)):
        return start + int(m.group(1) or 0) * 60 + int(m.group(2) or 0)
    raise InvalidInput(f"'{text}' is neither an end time (11:00) nor a length (45m, 1h30)")


def parse_count(text: str, what: str = "attendees") -> int:
    word = (text or "").strip()
    if not word.isdigit() or int(word) < 1:
        raise InvalidInput(f"The number of {what} is a whole number, at least 1")
    return int(word)
