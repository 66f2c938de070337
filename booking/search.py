"""Availability search: which spaces fit a request, best first, and the nearest free times
when none does. Pure functions over plain values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from booking.models import OrgInfo, SpaceInfo


def fits(space: SpaceInfo, *, kind: str, attendees: int, needs: frozenset[str],
         confidential: bool = False, org: OrgInfo | None = None) -> bool:
    """Does ``space`` suit the request, ignoring whether it is free?"""
    if not space.active or space.kind != kind or space.capacity < attendees:
        return False
    if not needs <= space.features:
        return False
    if confidential and not space.private:
        return False
    if org is not None and space.restricted_to and org.code not in space.restricted_to:
        return False
    return True


def best_first(spaces: Iterable[SpaceInfo], *, confidential: bool = False) -> list[SpaceInfo]:
    """Smallest sufficient capacity first (keep big rooms for big groups); for a request that
    is not confidential, open spaces before private rooms (keep those for confidential
    interviews); unrestricted before restricted; then fewest extra features, then code."""
    return sorted(spaces, key=lambda s: (
        s.capacity,
        s.private and not confidential,
        bool(s.restricted_to),
        len(s.features),
        s.code,
    ))


def is_free(busy: Sequence[tuple[dt.datetime, dt.datetime]], start: dt.datetime,
            end: dt.datetime) -> bool:
    """No busy interval overlaps the half-open ``[start, end)``."""
    return all(not (b_start < end and start < b_end) for b_start, b_end in busy)


def nearest_starts(
    busy: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    window: tuple[dt.datetime, dt.datetime],
    duration: dt.timedelta,
    wanted: dt.datetime,
    step: dt.timedelta = dt.timedelta(minutes=5),
) -> list[dt.datetime]:
    """Free start times within ``window`` for ``duration``, each the nearest to ``wanted``
    inside one free gap (at most one per gap), nearest first."""
    lo, hi = window
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = lo
    for b_start, b_end in sorted(busy):
        if b_start > cursor:
            gaps.append((cursor, min(b_start, hi)))
        cursor = max(cursor, b_end)
    if cursor < hi:
        gaps.append((cursor, hi))
    starts: list[dt.datetime] = []
    for g_start, g_end in gaps:
        latest = g_end - duration
        if latest < g_start:
            continue
        candidate = min(max(wanted, g_start), latest)
        # keep on the step grid, rounding into the gap
        offset = (candidate - lo) % step
        if offset:
            up = candidate + (step - offset)
            candidate = up if up <= latest else candidate - offset
            if candidate < g_start:
                continue
        starts.append(candidate)
    return sorted(starts, key=lambda s: (abs((s - wanted).total_seconds()), s))
