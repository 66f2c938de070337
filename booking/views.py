"""The one view builder: a booking as one person may see it, and the words for a clash.

Every :class:`~booking.models.BookingView` is built by :func:`view_of`, from a row as
:func:`db.queries.booking_row` reads it or from :class:`NewBooking` (a booking just written,
known without reading it back); :func:`booking.permissions.booking_visibility` decides what
the viewer sees of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from booking import permissions
from booking.models import Actor, BookingView, SpaceInfo
from booking.timeutil import human_span, human_time_span, to_local


class BookingFacts(Protocol):
    """What a view is built from (the columns :func:`db.queries.booking_row` reads)."""

    id: int
    space_code: str
    space_name: str | None
    site_code: str
    kind: str
    org_id: int
    org_code: str
    start_at: dt.datetime
    end_at: dt.datetime
    tz: str
    status: str
    attendees: int
    purpose: str | None
    confidential: bool
    series_id: int | None
    booked_by_id: int | None
    booked_by_login: str | None


@dataclass(frozen=True)
class NewBooking:
    """A booking just written in this transaction, as :func:`db.queries.booking_row` would
    read it back: the booking path builds its view without a second query."""

    id: int
    space_code: str
    space_name: str | None
    site_code: str
    kind: str
    org_id: int
    org_code: str
    start_at: dt.datetime
    end_at: dt.datetime
    tz: str
    status: str
    attendees: int
    purpose: str | None
    confidential: bool
    series_id: int | None
    booked_by_id: int | None
    booked_by_login: str | None
    moved_from: dt.datetime | None = None


def view_of(row: BookingFacts | Any, actor: Actor) -> BookingView:
    """A booking row as ``actor`` may see it: :func:`booking.permissions.booking_visibility`
    decides each field."""
    seen = permissions.booking_visibility(
        actor, org_id=row.org_id, confidential=bool(row.confidential),
        booked_by_id=row.booked_by_id)
    return BookingView(
        id=row.id, space=row.space_code, space_name=row.space_name or row.space_code,
        site=row.site_code, kind=row.kind, org=row.org_code if seen.org else "",
        start=row.start_at, end=row.end_at, tz=row.tz, status=row.status,
        attendees=row.attendees if seen.people else None,
        purpose=row.purpose if seen.purpose else None,
        confidential=bool(row.confidential) if seen.org else False,
        series=row.series_id if seen.org else None,
        booked_by=row.booked_by_login if seen.people else None, details_visible=seen.people,
        moved_from=getattr(row, "moved_from", None) if seen.org else None,
    )


def clash_message(space: SpaceInfo, tz: str, holders: Sequence[Any]) -> str:
    """``Interview Room 1 (IR1) is already booked 09:00–10:00 by NCS (booking #12).``"""
    first = holders[0]
    words = (f"{space.label} is already booked {human_time_span(first.start_at, first.end_at, tz)}"
             f" on {to_local(first.start_at, tz).format('ddd D MMM')} by {first.org_code} "
             f"(booking #{first.id})")
    if len(holders) > 1:
        others = ", ".join(f"{human_time_span(h.start_at, h.end_at, tz)} {h.org_code}"
                           for h in holders[1:])
        words += f"; also {others}"
    return words + "."


def describe_booking(view: BookingView) -> str:
    """One line for people: ``#12 IR1 Thu 29 Oct 2026 09:00–10:00 NCS confirmed``."""
    text = f"#{view.id} {view.space} {human_span(view.start, view.end, view.tz)} {view.org}"
    text += f" {view.status.replace('_', '-')}"
    if view.purpose:
        text += f" — {view.purpose}"
    return text


def audit_values(values: dict[str, Any], space_code: str, org_code: str) -> dict[str, Any]:
    """A new booking's columns as its audit record keeps them (codes, not ids' timestamps)."""
    out = {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}
    out["space"] = space_code
    out["org"] = org_code
    return out


__all__ = ["BookingFacts", "NewBooking", "audit_values", "clash_message", "describe_booking",
           "view_of"]
