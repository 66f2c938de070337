"""Local wall time in, UTC stored, local wall time out.

Sites run on their own IANA time zone. Times typed by people are read in the site's zone; a
wall time that does not exist (the spring-forward gap) is refused, and one that happens twice
(the autumn fall-back hour) means its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import pendulum

from booking.errors import InvalidInput

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GRID_MINUTES = 5

_DATETIME_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})\s*$")
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")
_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


@lru_cache(maxsize=256)
def zone(tz: str) -> pendulum.Timezone | pendulum.FixedTimezone:
    """The time zone called ``tz``, loaded once: pendulum reads the zone file on every call."""
    return pendulum.timezone(tz)


@lru_cache(maxsize=256)
def stdlib_zone(tz: str) -> ZoneInfo:
    """The same zone as :func:`zone` for plain ``datetime`` arithmetic, which is several
    times faster than pendulum's (the booking path; bench/README.md)."""
    return ZoneInfo(tz)


def wall(value: dt.datetime, tz: str) -> dt.datetime:
    """:func:`to_local` as a plain ``datetime`` (same wall time and offset; a naive value is
    UTC, as pendulum reads it)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return in_zone(value, stdlib_zone(tz))


def in_zone(value: dt.datetime, zone_: dt.tzinfo) -> dt.datetime:
    """``value.astimezone(zone_)``; an instant whose local time would fall outside the years
    1 to 9999 (a row written by SQL at 9999-12-31 in Tokyo) stays in UTC rather than failing,
    so no row the store holds can stop a listing, an export or a calendar."""
    try:
        return value.astimezone(zone_)
    except (OverflowError, ValueError):
        return value.astimezone(dt.UTC)


def check_zone(tz: str) -> str:
    """``tz`` if it is a known IANA time zone, else :class:`InvalidInput`."""
    try:
        pendulum.timezone(tz)
    except Exception as exc:  # pendulum raises its own InvalidTimezone
        raise InvalidInput(f"'{tz}' is not a known time zone (try Europe/London)") from exc
    return tz


def local(year: int, month: int, day: int, hour: int, minute: int, tz: str) -> pendulum.DateTime:
    """The instant at a wall time in ``tz``; refuses a time the clocks skip."""
    try:
        wanted = dt.datetime(year, month, day, hour, minute)
    except ValueError as exc:
        raise InvalidInput(
            f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d} is not a real date and time"
        ) from exc
    value = pendulum.datetime(year, month, day, hour, minute, tz=zone(tz), fold=0)
    if value.naive() != pendulum.instance(wanted).naive():
        raise InvalidInput(
            f"{hour:02d}:{minute:02d} on {value.format('D MMMM YYYY')} does not exist in {tz}: "
            "the clocks go forward then"
        )
    return value


def parse_local(text: str, tz: str) -> pendulum.DateTime:
    """Read ``YYYY-MM-DD HH:MM`` (or with a ``T``) as wall time in ``tz``."""
    m = _DATETIME_RE.match(text or "")
    if not m:
        raise InvalidInput(f"'{text}' is not a date and time: write it as YYYY-MM-DD HH:MM")
    y, mo, d, h, mi = (int(g) for g in m.groups())
    if h > 23 or mi > 59:
        raise InvalidInput(f"'{text}' is not a real time of day")
    _in_range(y, text)
    return local(y, mo, d, h, mi, tz)


def _in_range(year: int, text: str) -> None:
    """Every date a person types lies in the years the store handles (:mod:`booking.limits`)."""
    from booking.limits import MAX_YEAR, MIN_YEAR, visible

    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"'{visible(text)}' is out of range: dates run from {MIN_YEAR}-01-01 "
                           f"to {MAX_YEAR}-12-31")


def local_utc(year: int, month: int, day: int, hour: int, minute: int, tz: str) -> dt.datetime:
    """``utc(local(...))`` without pendulum: the same instant, and the same refusals (a wall
    time that does not exist is handed to :func:`local`, which words the refusal)."""
    try:
        wanted = dt.datetime(year, month, day, hour, minute)
    except ValueError:
        return utc(local(year, month, day, hour, minute, tz))  # refuses: not a real date
    zone_ = stdlib_zone(tz)
    value = wanted.replace(tzinfo=zone_).astimezone(dt.UTC)  # fold=0: the first of two
    if value.astimezone(zone_).replace(tzinfo=None) != wanted:  # the clocks skip it
        return utc(local(year, month, day, hour, minute, tz))
    return value


def parse_local_utc(text: str, tz: str) -> dt.datetime:
    """``utc(parse_local(text, tz))`` without pendulum (the booking path)."""
    m = _DATETIME_RE.match(text or "")
    if not m:
        return utc(parse_local(text, tz))  # refuses, in parse_local's words
    y, mo, d, h, mi = (int(g) for g in m.groups())
    if h > 23 or mi > 59:
        return utc(parse_local(text, tz))
    _in_range(y, text)
    return local_utc(y, mo, d, h, mi, tz)


def parse_end_utc(text: str, start: dt.datetime, tz: str) -> dt.datetime:
    """``utc(parse_end(text, start, tz))`` without pendulum (the booking path)."""
    m = _TIME_RE.match(text or "")
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if h == 24 and mi == 0:
            day = wall(start, tz).date() + dt.timedelta(days=1)
            return local_utc(day.year, day.month, day.day, 0, 0, tz)
        if h > 23 or mi > 59:
            return utc(parse_end(text, pendulum.instance(start), tz))  # refuses
        s = wall(start, tz)
        return local_utc(s.year, s.month, s.day, h, mi, tz)
    return parse_local_utc(text, tz)


def typed_day(text: str) -> dt.date | None:
    """The local day of a typed ``YYYY-MM-DD HH:MM`` without reading the rest (the wall time
    is in the site's zone, so its date is the local day), or None if :func:`parse_local`
    would refuse the date."""
    m = _DATETIME_RE.match(text or "")
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def parse_end(text: str, start: pendulum.DateTime, tz: str) -> pendulum.DateTime:
    """Read an end time: a full date and time, or ``HH:MM`` on the start's local day."""
    m = _TIME_RE.match(text or "")
    if m:
        h, mi = int(m.group(1)), int(m.group(2))
        if h == 24 and mi == 0:
            day = start.in_timezone(zone(tz)).add(days=1)
            return local(day.year, day.month, day.day, 0, 0, tz)
        if h > 23 or mi > 59:
            raise InvalidInput(f"'{text}' is not a real time of day")
        s = start.in_timezone(zone(tz))
        return local(s.year, s.month, s.day, h, mi, tz)
    return parse_local(text, tz)


def parse_time_of_day(text: str) -> int:
    """Minutes after midnight for ``HH:MM``."""
    m = _TIME_RE.match(text or "")
    if not m:
        raise InvalidInput(f"'{text}' is not a time of day: write it as HH:MM")
    h, mi = int(m.group(1)), int(m.group(2))
    if mi > 59 or h > 24 or (h == 24 and mi):
        raise InvalidInput(f"'{text}' is not a real time of day")
    return h * 60 + mi


def parse_date(text: str, today: dt.date | None = None) -> dt.date:
    """Read ``YYYY-MM-DD`` (or ``today`` / ``tomorrow``)."""
    word = (text or "").strip().lower()
    if today is not None and word in ("today", "tomorrow"):
        return today + dt.timedelta(days=1 if word == "tomorrow" else 0)
    m = _DATE_RE.match(text or "")
    if not m:
        raise InvalidInput(f"'{text}' is not a date: write it as YYYY-MM-DD")
    try:
        day = dt.date(*(int(g) for g in m.groups()))
    except ValueError as exc:
        raise InvalidInput(f"'{text}' is not a real date") from exc
    _in_range(day.year, text)
    return day


def parse_weekdays(text: str) -> list[int]:
    """``mon-thu`` or ``mon,wed,fri`` or ``sat`` → weekday numbers (0 = Monday)."""
    days: list[int] = []
    for part in re.split(r"[,\s]+", text.strip().lower()):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            ia, ib = _weekday(a), _weekday(b)
            if ib < ia:
                raise InvalidInput(f"'{part}' runs backwards: write the earlier day first")
            days.extend(range(ia, ib + 1))
        else:
            days.append(_weekday(part))
    if not days:
        raise InvalidInput("no weekdays given (write e.g. mon-fri or thu)")
    return sorted(set(days))


def _weekday(word: str) -> int:
    key = word.strip().lower()[:3]
    if key not in WEEKDAYS:
        raise InvalidInput(f"'{word}' is not a weekday (mon, tue, wed, thu, fri, sat, sun)")
    return WEEKDAYS.index(key)


def parse_hours(text: str) -> dict[int, tuple[int, int]]:
    """Opening hours like ``"mon-thu 08:30-17:00, fri 08:30-16:30"`` → weekday → minutes.

    Weekdays not named are closed. A later group overrides an earlier one for the same day.
    """
    hours: dict[int, tuple[int, int]] = {}
    groups = [g.strip() for g in re.split(r"[,;]\s*(?=[a-zA-Z])", text or "") if g.strip()]
    if not groups:
        raise InvalidInput('no opening hours given (write e.g. "mon-fri 08:30-17:00")')
    for group in groups:
        m = re.match(r"^([a-zA-Z ,\-]+?)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$", group)
        if not m:
            raise InvalidInput(
                f"'{group}' is not opening hours: write days then times, e.g. mon-fri 08:30-17:00"
            )
        opens, closes = parse_time_of_day(m.group(2)), parse_time_of_day(m.group(3))
        if closes <= opens:
            raise InvalidInput(f"'{group}': closing time must be after opening time")
        for day in parse_weekdays(m.group(1)):
            hours[day] = (opens, closes)
    return hours


def format_hours(hours: dict[int, tuple[int, int]]) -> str:
    """The inverse of :func:`parse_hours`, grouping consecutive days with the same times."""
    parts: list[str] = []
    days = sorted(hours)
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1 and hours[days[j + 1]] == hours[
            days[i]
        ]:
            j += 1
        span = WEEKDAYS[days[i]] if i == j else f"{WEEKDAYS[days[i]]}-{WEEKDAYS[days[j]]}"
        o, c = hours[days[i]]
        parts.append(f"{span} {hm(o)}-{hm(c)}")
        i = j + 1
    return ", ".join(parts)


def hm(minutes: int) -> str:
    """Minutes after midnight as ``HH:MM``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def utc(value: dt.datetime) -> dt.datetime:
    """A plain ``datetime`` in UTC (pendulum's arithmetic returns its own types)."""
    v = value.astimezone(dt.UTC)
    return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond,
                       tzinfo=dt.UTC)


def to_local(value: dt.datetime, tz: str) -> pendulum.DateTime:
    """A stored UTC instant as wall time in ``tz`` (in UTC where ``tz`` would overflow)."""
    try:
        return pendulum.instance(value).in_timezone(zone(tz))
    except (OverflowError, ValueError):
        return pendulum.instance(value).in_timezone("UTC")


def iso_local(value: dt.datetime, tz: str) -> str:
    """ISO 8601 local time with its UTC offset, e.g. ``2026-10-29T09:00:00+00:00``."""
    return to_local(value, tz).isoformat()


def minutes_of_day(value: dt.datetime, tz: str) -> int:
    """Minutes after local midnight of an instant."""
    loc = to_local(value, tz)
    return loc.hour * 60 + loc.minute


def human_span(start: dt.datetime, end: dt.datetime, tz: str) -> str:
    """``Thu 29 Oct 2026 09:00–10:00`` in the site's time."""
    s, e = to_local(start, tz), to_local(end, tz)
    if s.date() == e.date():
        return f"{s.format('ddd D MMM YYYY')} {s.format('HH:mm')}–{e.format('HH:mm')}"
    return f"{s.format('ddd D MMM YYYY HH:mm')} – {e.format('ddd D MMM YYYY HH:mm')}"


def human_time_span(start: dt.datetime, end: dt.datetime, tz: str) -> str:
    """``09:00–10:00`` in the site's time."""
    return f"{to_local(start, tz).format('HH:mm')}–{to_local(end, tz).format('HH:mm')}"


def day_bounds(day: dt.date, tz: str) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    """The UTC instants of local midnight at the start and end of ``day`` (23 or 25 hours apart
    on clock-change days)."""
    start = pendulum.datetime(day.year, day.month, day.day, tz=zone(tz))
    nxt = day + dt.timedelta(days=1)
    end = pendulum.datetime(nxt.year, nxt.month, nxt.day, tz=zone(tz))
    return start.in_timezone("UTC"), end.in_timezone("UTC")


def at_minutes(day: dt.date, minutes: int, tz: str) -> pendulum.DateTime:
    """The instant ``minutes`` after local midnight of ``day`` (as wall time)."""
    if minutes >= 1440:
        nxt = day + dt.timedelta(days=1)
        return local(nxt.year, nxt.month, nxt.day, 0, 0, tz)
    return local(day.year, day.month, day.day, minutes // 60, minutes % 60, tz)
