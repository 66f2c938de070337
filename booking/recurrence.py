"""Recurrence: RFC 5545 rules expanded in the site's local wall time, then turned into UTC.

A weekly 09:00–10:00 slot must stay 09:00–10:00 on the wall clock across the March and October
clock changes, so the rule is expanded on naive local date-times (``python-dateutil``'s rrule)
and each occurrence is placed in the site's zone afterwards, read as :func:`booking.timeutil.local`
reads a typed time:
a wall time the clocks skip (spring forward) is kept as an occurrence that cannot be booked
(the caller skips and lists it), and one that happens twice (fall back) means its first
occurrence, as everywhere else in cospace.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pendulum
from dateutil import rrule as dateutil_rrule

from booking.errors import InvalidInput, RuleViolation
from booking.timeutil import WEEKDAY_NAMES, WEEKDAYS, hm

#: A series holds at most this many occurrences ...
MAX_OCCURRENCES = 104
#: ... and runs for at most this many years from its first date.
MAX_YEARS = 2
FREQS = ("weekly", "monthly")
_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DU_DAYS = (dateutil_rrule.MO, dateutil_rrule.TU, dateutil_rrule.WE, dateutil_rrule.TH,
            dateutil_rrule.FR, dateutil_rrule.SA, dateutil_rrule.SU)
_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


@dataclass(frozen=True)
class Repeat:
    """What a person asks for: weekly (every N weeks on some weekdays) or monthly (the n-th
    weekday of every N months), until a date or for a count of occurrences.

    ``weekdays`` are 0 = Monday; empty means the first date's weekday. ``nth`` (1–4 or -1 for
    the last) applies to monthly rules; None means the one the first date falls on.
    """

    freq: str = "weekly"
    every: int = 1
    weekdays: tuple[int, ...] = ()
    nth: int | None = None
    until: dt.date | None = None
    count: int | None = None


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: its wall-clock start, and its UTC interval when it exists."""

    local_start: dt.datetime  # naive wall time in the series' zone
    start: dt.datetime | None  # UTC; None when the wall time does not exist (clocks skip it)
    end: dt.datetime | None

    @property
    def day(self) -> dt.date:
        return self.local_start.date()

    @property
    def exists(self) -> bool:
        return self.start is not None


def horizon(first: dt.date) -> dt.date:
    """The last date a series starting on ``first`` may reach (two years on)."""
    return pendulum.date(first.year, first.month, first.day).add(years=MAX_YEARS)


def nth_of(day: dt.date) -> int:
    """Which weekday-of-the-month ``day`` is: 1–4, or -1 when it is the fifth (the last)."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def build_rule(repeat: Repeat, first: dt.date) -> str:
    """The RRULE text (without ``RRULE:``) for ``repeat`` starting on ``first``.

    UNTIL is a floating local time (the end of the until date), matching the floating local
    DTSTART the series keeps; :mod:`booking.ical` turns it into UTC for export.
    """
    _check_extent(repeat, first)
    parts = [f"FREQ={repeat.freq.upper()}"]
    if repeat.every != 1:
        parts.append(f"INTERVAL={repeat.every}")
    if repeat.freq == "weekly":
        parts.append(_weekly_byday(repeat, first))
    else:
        parts.append(_monthly_byday(repeat, first))
    parts.append("WKST=MO")
    if repeat.count is not None:
        parts.append(f"COUNT={repeat.count}")
    else:
        assert repeat.until is not None
        parts.append(f"UNTIL={repeat.until.strftime('%Y%m%d')}T235959")
    return ";".join(parts)


def _check_extent(repeat: Repeat, first: dt.date) -> None:
    """A known repeat, every 1 to 52, and either an until date within the limit or a count."""
    if repeat.freq not in FREQS:
        raise InvalidInput(f"'{repeat.freq}' is not a repeat (weekly or monthly).")
    if repeat.every < 1 or repeat.every > 52:
        raise InvalidInput(f"'every {repeat.every}' is not usable: give 1 to 52.")
    if (repeat.until is None) == (repeat.count is None):
        raise InvalidInput("Say how long the series runs: an until date or a count, not both.")
    limit = horizon(first)
    if repeat.count is not None and not 1 <= repeat.count <= MAX_OCCURRENCES:
        raise RuleViolation(
            f"A series has 1 to {MAX_OCCURRENCES} occurrences; {repeat.count} were asked for."
        )
    if repeat.until is not None:
        if repeat.until < first:
            raise InvalidInput(
                f"The until date {repeat.until.isoformat()} is before the first date "
                f"{first.isoformat()}."
            )
        if repeat.until > limit:
            raise RuleViolation(
                f"A series may run at most {MAX_YEARS} years: from {first.isoformat()} "
                f"until {limit.isoformat()} at the latest, not {repeat.until.isoformat()}."
            )


def _weekly_byday(repeat: Repeat, first: dt.date) -> str:
    """``BYDAY=MO,TH``: the weekdays asked for (default the first date's), which must
    include the first date's."""
    days = sorted(set(repeat.weekdays)) or [first.weekday()]
    if first.weekday() not in days:
        raise InvalidInput(
            f"The first date, {WEEKDAY_NAMES[first.weekday()]} {first.isoformat()}, is not "
            f"one of the days asked for ({', '.join(WEEKDAYS[d] for d in days)}): start on "
            "the first day you want."
        )
    return "BYDAY=" + ",".join(_BYDAY[d] for d in days)


def _monthly_byday(repeat: Repeat, first: dt.date) -> str:
    """``BYDAY=2TU``: the first date's weekday, in the week of the month it falls in (or the
    one asked for, which it must fall in)."""
    if repeat.weekdays and set(repeat.weekdays) != {first.weekday()}:
        raise InvalidInput(
            "A monthly series repeats on the weekday of its first date "
            f"({WEEKDAY_NAMES[first.weekday()]}); --on cannot name other days."
        )
    nth = repeat.nth if repeat.nth is not None else nth_of(first)
    if nth not in _ORDINALS:
        raise InvalidInput(f"'{nth}' is not a week of the month (1 to 4, or -1 for the last).")
    if not _is_nth(first, nth):
        raise InvalidInput(
            f"{first.isoformat()} is not the {_ORDINALS[nth]} "
            f"{WEEKDAY_NAMES[first.weekday()]} of its month."
        )
    return f"BYDAY={nth}{_BYDAY[first.weekday()]}"


def _is_nth(day: dt.date, nth: int) -> bool:
    if nth == -1:
        return (day + dt.timedelta(days=7)).month != day.month
    return (day.day - 1) // 7 + 1 == nth


def local_starts(rule: str, dtstart_local: dt.datetime) -> list[dt.datetime]:
    """The rule's naive local start times, refusing a series longer than the limits."""
    first = dtstart_local.date()
    limit = horizon(first)
    try:
        rr = dateutil_rrule.rrulestr(rule, dtstart=dtstart_local)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"'{rule}' is not a repeat rule cospace understands: {exc}") from exc
    starts = list(itertools.islice(iter(rr), MAX_OCCURRENCES + 1))
    if len(starts) > MAX_OCCURRENCES:
        raise RuleViolation(
            f"A series holds at most {MAX_OCCURRENCES} occurrences; this one would have more: "
            "end it sooner or give a count."
        )
    if starts and starts[-1].date() > limit:
        raise RuleViolation(
            f"A series may run at most {MAX_YEARS} years (until {limit.isoformat()}); this one "
            f"would run to {starts[-1].date().isoformat()}."
        )
    return starts


def _instant(naive: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The UTC instant of a wall time, as :func:`booking.timeutil.local` reads it (a repeated
    hour means its first occurrence; a skipped one has none), with the standard library's
    cached zones: a series places up to 208 wall times and pendulum loads the zone each time."""
    aware = naive.replace(tzinfo=zone, fold=0)
    instant = aware.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None  # the clocks skip this wall time
    return instant


def place(local_start: dt.datetime, duration_min: int, tz: str) -> Occurrence:
    """Put one wall-clock occurrence into ``tz``: a start or end the clocks skip leaves it
    without UTC times; a repeated hour means its first occurrence."""
    zone = ZoneInfo(tz)
    s = _instant(local_start, zone)
    e = _instant(local_start + dt.timedelta(minutes=duration_min), zone)
    if s is None or e is None:
        return Occurrence(local_start=local_start, start=None, end=None)
    return Occurrence(local_start=local_start, start=s, end=e)


def expand(rule: str, dtstart_local: dt.datetime, duration_min: int, tz: str) -> list[Occurrence]:
    """Every occurrence of ``rule`` from ``dtstart_local`` (naive wall time in ``tz``)."""
    if duration_min <= 0:
        raise InvalidInput("The end must be after the start.")
    return [place(s, duration_min, tz) for s in local_starts(rule, dtstart_local)]


def rule_parts(rule: str) -> dict[str, str]:
    """``FREQ=WEEKLY;COUNT=3`` → ``{"FREQ": "WEEKLY", "COUNT": "3"}`` (order kept)."""
    out: dict[str, str] = {}
    for part in rule.split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().upper()] = v.strip()
    return out


def join_parts(parts: dict[str, str]) -> str:
    return ";".join(f"{k}={v}" for k, v in parts.items())


def with_end(rule: str, *, until: dt.datetime | None = None, count: int | None = None) -> str:
    """The same rule ending differently (UNTIL as floating local time, or COUNT)."""
    parts = {k: v for k, v in rule_parts(rule).items() if k not in ("UNTIL", "COUNT")}
    if until is not None:
        parts["UNTIL"] = until.strftime("%Y%m%dT%H%M%S")
    if count is not None:
        parts["COUNT"] = str(count)
    return join_parts(parts)


def describe(rule: str, dtstart_local: dt.datetime, duration_min: int) -> str:
    """The rule in words: ``every 2 weeks on Thursday and Friday, 09:00–10:00, until 26 Mar
    2027``."""
    parts = rule_parts(rule)
    every = int(parts.get("INTERVAL", "1"))
    byday = parts.get("BYDAY", "")
    start_min = dtstart_local.hour * 60 + dtstart_local.minute
    times = f"{hm(start_min)}–{hm((start_min + duration_min) % 1440)}"
    if parts.get("FREQ") == "MONTHLY":
        code = byday[-2:] if byday else _BYDAY[dtstart_local.weekday()]
        nth = int(byday[:-2]) if byday[:-2] else nth_of(dtstart_local.date())
        unit = "month" if every == 1 else f"{every} months"
        what = f"the {_ORDINALS.get(nth, str(nth))} {WEEKDAY_NAMES[_BYDAY.index(code)]} " \
               f"of every {unit}"
    else:
        days = [WEEKDAY_NAMES[_BYDAY.index(d)] for d in byday.split(",") if d in _BYDAY]
        names = days[0] if len(days) == 1 else ", ".join(days[:-1]) + " and " + days[-1]
        what = ("every " if every == 1 else f"every {every} weeks on ") + names
    text = f"{what}, {times}"
    if "COUNT" in parts:
        text += f", {parts['COUNT']} times"
    elif "UNTIL" in parts:
        until = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
        text += f", until {until.day} {until.strftime('%b %Y')}"
    return text


__all__ = [
    "FREQS", "MAX_OCCURRENCES", "MAX_YEARS", "Occurrence", "Repeat", "build_rule", "describe",
    "expand", "horizon", "local_starts", "nth_of", "place", "rule_parts", "with_end",
]
