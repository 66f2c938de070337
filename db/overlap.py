"""The one overlap predicate of every range read: a booking ``[start_at, end_at)`` overlaps
the half-open window ``[lo, hi)`` when ``start_at < hi AND end_at > lo``.

That alone leaves ``start_at`` unbounded below, so an index on ``start_at`` (or on
``(space_id, start_at)``, ``(org_id, start_at)``) is walked from the start of history. No
booking is longer than :data:`LONGEST_BOOKING_MINUTES` (the rules refuse longer ones:
``booking.rules.check_length``), so every booking overlapping ``[lo, hi)`` also has
``start_at > lo - LONGEST_BOOKING``: the third condition turns the read into a short range
scan, however many bookings the store holds, and changes no answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, bindparam

#: No booking of any kind is longer than this (``booking.models.MAX_BOOKING_MINUTES``, the
#: desk's whole day, is this value): it bounds every indexed range read.
LONGEST_BOOKING_MINUTES = 24 * 60
LONGEST_BOOKING = dt.timedelta(minutes=LONGEST_BOOKING_MINUTES)


def lower_bound(lo: dt.datetime, max_minutes: int = LONGEST_BOOKING_MINUTES) -> dt.datetime:
    """The exclusive lower bound on ``start_at`` of a booking that can still be running at
    ``lo`` (an aware datetime), in UTC: worked out on a plain UTC datetime, as subtracting
    from a zoned one counts wall-clock time (23 or 25 hours across a clock change) and a
    pendulum ``DateTime`` in ``datetime.UTC`` loses its zone on subtraction."""
    if lo.tzinfo is None:
        raise ValueError("naive datetimes have no place in a range read: give a time zone")
    u = lo.astimezone(dt.UTC)
    plain = dt.datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond,
                        tzinfo=dt.UTC)
    return plain - dt.timedelta(minutes=max_minutes)


def overlapping(start_at: Any, end_at: Any, lo: dt.datetime | None, hi: dt.datetime | None,
                *, max_minutes: int = LONGEST_BOOKING_MINUTES) -> list[ColumnElement[bool]]:
    """The conditions (to ``.where(*...)``) that a row's ``[start_at, end_at)`` columns
    overlap ``[lo, hi)``, either end open (``None``), with the index-friendly lower bound
    on ``start_at`` whenever ``lo`` is given."""
    conds: list[ColumnElement[bool]] = []
    if hi is not None:
        conds.append(start_at < hi)
    if lo is not None:
        conds.append(start_at > lower_bound(lo, max_minutes))
        conds.append(end_at > lo)
    return conds


def overlap_sql(alias: str, lo: str = ":lo", hi: str = ":hi", lower: str = ":lower") -> str:
    """The same predicate as SQL text for statements written by hand: ``alias`` is the
    booking table's alias and ``lo``/``hi``/``lower`` the placeholders of the window and of
    :func:`lower_bound` (``?`` or ``%s`` for a driver-level statement, in that order)."""
    return (f"{alias}.start_at < {hi} AND {alias}.start_at > {lower} "
            f"AND {alias}.end_at > {lo}")


def overlapping_params(start_at: Any, end_at: Any) -> list[ColumnElement[bool]]:
    """:func:`overlapping` with bound parameters, for a statement built once: ``start`` and
    ``end`` (the window) and ``lower`` (its :func:`lower_bound`); see :func:`window_params`."""
    return [start_at < bindparam("end", type_=start_at.type),
            start_at > bindparam("lower", type_=start_at.type),
            end_at > bindparam("start", type_=end_at.type)]


def window_params(lo: dt.datetime, hi: dt.datetime,
                  max_minutes: int = LONGEST_BOOKING_MINUTES) -> dict[str, dt.datetime]:
    """The parameters of :func:`overlapping_params` for the window ``[lo, hi)``."""
    return {"start": lo, "end": hi, "lower": lower_bound(lo, max_minutes)}
