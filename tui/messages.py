"""Typed requests a screen posts up to the app: one Message class per thing to do with a
booking, handled in :class:`tui.app.CospaceApp` (``on_check_in``, ``on_cancel_booking``, ...).

Screens do not call app methods by name or look each other up: they post one of these and the
app, which owns the store and the change loop, does it (Harlequin's style).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from booking.models import BookingView


class BookingRequest(Message):
    """Something to do with ``booking`` (None: there is no booking where the cursor is)."""

    def __init__(self, booking: BookingView | None) -> None:
        super().__init__()
        self.booking = booking


class CheckIn(BookingRequest):
    """Check the booking in."""


class NoShow(BookingRequest):
    """Mark the booking a no-show."""


class CancelBooking(BookingRequest):
    """Ask, then cancel the booking (a date of a series asks which dates)."""


class ChangeBooking(BookingRequest):
    """Open the booking form on the booking; saving changes it."""


class ShowHistory(BookingRequest):
    """Show the booking's audit history."""


class UndoMark(BookingRequest):
    """Undo the last mark made here, else the mark of the booking."""


class ShowOnBoard(BookingRequest):
    """Switch to the board at the booking's site, day and space."""
