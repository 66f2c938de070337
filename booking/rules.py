"""The rules a booking must pass, as plain functions over plain values.

Each refusal names the rule and the numbers involved, in words a front-desk worker can act on.
``now`` is always passed in, never read from the clock here.
"""

from __future__ import annotations

import datetime as dt

from booking.bank_holidays import bank_holidays
from booking.errors import RuleViolation
from booking.limits import DEFAULT_HORIZON_WEEKS
from booking.models import KIND_LABELS, MAX_MINUTES, OrgInfo, SiteInfo, SpaceInfo
from booking.timeutil import GRID_MINUTES, WEEKDAY_NAMES, hm, to_local, wall


def closed_reason(site: SiteInfo, day: dt.date) -> str | None:
    """Why ``site`` is closed on ``day`` (a closure, a bank holiday, no opening hours), or None."""
    if day in site.closures:
        return site.closures[day] or "closed"
    bank = bank_holidays(site.holiday_region, day.year).get(day)
    if bank:
        return f"bank holiday ({bank})"
    if day.weekday() not in site.hours:
        return f"it does not open on {WEEKDAY_NAMES[day.weekday()]}s"
    return None


def opening_window(site: SiteInfo, day: dt.date) -> tuple[int, int] | None:
    """Opening and closing minutes of ``day``, or None when the site is closed."""
    if closed_reason(site, day) is not None:
        return None
    return site.hours[day.weekday()]


def fmt_minutes(minutes: float) -> str:
    """A duration in words: ``3 h``, ``45 min``, ``1 h 30 min``."""
    h, m = divmod(int(minutes), 60)
    if h and m:
        return f"{h} h {m} min"
    return f"{h} h" if h else f"{m} min"


def check_interval(start: dt.datetime, end: dt.datetime, site: SiteInfo) -> None:
    """End after start, on the 5-minute grid, inside one day's opening hours, not closed."""
    tz = site.tz
    s, e = wall(start, tz), wall(end, tz)  # plain datetimes: to_local's wall times, faster
    if end <= start:
        raise RuleViolation(
            f"The end ({_hhmm(e)}) must be after the start ({_hhmm(s)})."
        )
    for label, value in (("start", s), ("end", e)):
        if value.minute % GRID_MINUTES or value.second or value.microsecond:
            raise RuleViolation(
                f"Times go in steps of {GRID_MINUTES} minutes: the {label} "
                f"{_hhmm(value)} is not on the grid."
            )
    day = s.date()
    reason = closed_reason(site, day)
    if reason is not None:
        raise RuleViolation(
            f"{site.name} is closed on {to_local(start, tz).format('dddd D MMMM YYYY')}: "
            f"{reason}."
        )
    opens, closes = site.hours[day.weekday()]
    start_min = s.hour * 60 + s.minute
    same_day = e.date() == day or (e.date() == day + dt.timedelta(days=1) and e.hour == 0
                                   and e.minute == 0)
    end_min = e.hour * 60 + e.minute if e.date() == day else 1440
    if not same_day or start_min < opens or end_min > closes:
        raise RuleViolation(
            f"{site.name} is open {hm(opens)}–{hm(closes)} on {WEEKDAY_NAMES[day.weekday()]}s: "
            f"{_hhmm(s)}–{_hhmm(e)} is outside the opening hours."
        )


def _hhmm(value: dt.datetime) -> str:
    """``HH:mm`` as pendulum formats it."""
    return f"{value.hour:02d}:{value.minute:02d}"


def check_not_past(start: dt.datetime, now: dt.datetime, tz: str) -> None:
    """A booking may start no earlier than the current 5-minute slot (walk-ins book 'now')."""
    if start < grid_floor(now, tz):
        raise RuleViolation(
            f"{to_local(start, tz).format('ddd D MMM HH:mm')} is in the past "
            f"(it is now {to_local(now, tz).format('ddd D MMM HH:mm')})."
        )


def grid_floor(now: dt.datetime, tz: str) -> dt.datetime:
    """The start of the current 5-minute slot."""
    slot = now.replace(second=0, microsecond=0)
    return slot - dt.timedelta(minutes=wall(slot, tz).minute % GRID_MINUTES)


def check_length(start: dt.datetime, end: dt.datetime, space: SpaceInfo) -> None:
    """No longer than the kind allows (interview 3 h, workshop 8 h, desk one opening day)."""
    minutes = (end - start).total_seconds() / 60
    limit = MAX_MINUTES[space.kind]
    if minutes > limit:
        raise RuleViolation(
            f"{_a(KIND_LABELS[space.kind]).capitalize()} can be booked for at most "
            f"{fmt_minutes(limit)}; "
            f"this booking is {fmt_minutes(minutes)}."
        )


def exceeds_length(start: dt.datetime, end: dt.datetime, space: SpaceInfo) -> bool:
    return (end - start).total_seconds() / 60 > MAX_MINUTES[space.kind]


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def check_capacity(attendees: int, space: SpaceInfo) -> None:
    if attendees < 1:
        raise RuleViolation("A booking needs at least 1 attendee.")
    if attendees > space.capacity:
        raise RuleViolation(
            f"{space.label} holds {space.capacity} "
            f"{'person' if space.capacity == 1 else 'people'}; this booking is for {attendees}."
        )


def check_privacy(confidential: bool, space: SpaceInfo) -> None:
    """A confidential interview must land in a room marked private, never an open desk."""
    if confidential and not space.private:
        raise RuleViolation(
            f"{space.label} is not a private room: a confidential booking needs a private "
            "interview room."
        )


def check_advance(start: dt.datetime, now: dt.datetime, org: OrgInfo, tz: str) -> None:
    """Partners book at most N weeks ahead (default 8); the host has no limit."""
    weeks = org.effective_advance_weeks
    if weeks is None:
        return
    limit = now + dt.timedelta(weeks=weeks)
    if start > limit:
        raise RuleViolation(
            f"{org.code} can book at most {weeks} weeks ahead (up to "
            f"{to_local(limit, tz).format('ddd D MMM YYYY')}); "
            f"{to_local(start, tz).format('ddd D MMM YYYY')} is too far ahead."
        )


def check_restriction(space: SpaceInfo, org: OrgInfo) -> None:
    if space.restricted_to and org.code not in space.restricted_to:
        raise RuleViolation(
            f"{space.label} may be booked only by {', '.join(sorted(space.restricted_to))}; "
            f"not by {org.code}."
        )


def check_active(space: SpaceInfo) -> None:
    if not space.active:
        raise RuleViolation(f"{space.label} is out of use and cannot be booked.")


def check_booking(
    *,
    space: SpaceInfo,
    site: SiteInfo,
    org: OrgInfo,
    start: dt.datetime,
    end: dt.datetime,
    attendees: int,
    confidential: bool,
    now: dt.datetime,
    check_past: bool = True,
    horizon_weeks: int = DEFAULT_HORIZON_WEEKS,
) -> None:
    """Every rule a new booking must pass, in the order a person would want to hear them.
    ``horizon_weeks`` is the store's booking horizon (:mod:`booking.horizon`), for everyone."""
    check_active(space)
    check_interval(start, end, site)
    if check_past:
        check_not_past(start, now, site.tz)
    check_length(start, end, space)
    check_capacity(attendees, space)
    check_privacy(confidential, space)
    check_restriction(space, org)
    check_advance(start, now, org, site.tz)
    check_horizon(start, now, horizon_weeks, site.tz)


def check_horizon(start: dt.datetime, now: dt.datetime, horizon_weeks: int, tz: str) -> None:
    """No booking more than the store's horizon ahead, the host's included."""
    limit = now + dt.timedelta(weeks=horizon_weeks)
    if start > limit:
        raise RuleViolation(
            f"Bookings may start at most {horizon_weeks} weeks ahead (up to "
            f"{to_local(limit, tz).format('ddd D MMM YYYY')}); "
            f"{to_local(start, tz).format('ddd D MMM YYYY')} is too far ahead.")
