"""What the board draws for one site and one day: plain data, read in a worker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from booking.models import BookingView, SiteInfo, SpaceInfo
from booking.timeutil import minutes_of_day
from tui.colours import INACTIVE

SLOT = 15


@dataclass
class BoardData:
    """Everything the board draws for one site and one day (loaded in a worker)."""

    site: SiteInfo
    day: dt.date
    spaces: list[SpaceInfo]
    bookings: list[BookingView]
    opens: int  # minutes after local midnight
    closes: int
    closed_reason: str | None = None
    now_minutes: int | None = None  # set when ``day`` is today at the site
    by_space: dict[str, list[BookingView]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one time-zone conversion per booking, not per cell
        self.by_space = {}
        self._spans: dict[str, list[tuple[int, int, BookingView]]] = {}
        #: bookings that no longer hold their slot (no-show, released, cancelled): drawn
        #: muted with their mark where nothing active covers the slot, never in the way
        self._gone: dict[str, list[tuple[int, int, BookingView]]] = {}
        for b in self.bookings:
            s = minutes_of_day(b.start, b.tz)
            e = minutes_of_day(b.end, b.tz) or 1440
            if b.active:
                self.by_space.setdefault(b.space, []).append(b)
                self._spans.setdefault(b.space, []).append((s, e, b))
            elif b.status in INACTIVE:
                self._gone.setdefault(b.space, []).append((s, e, b))

    @property
    def slots(self) -> int:
        return max(1, (self.closes - self.opens) // SLOT)

    def booking_at(self, space: str, minute: int) -> BookingView | None:
        """The active booking of ``space`` covering ``[minute, minute + 15)``, if any."""
        for s, e, b in self._spans.get(space, ()):
            if s < minute + SLOT and minute < e:
                return b
        return None

    def start_minutes(self, space: str) -> list[int]:
        return [s for s, _, _ in self._spans.get(space, ())]

    def cells(self, space: str) -> list[BookingView | None]:
        """The booking in each 15-minute column of ``space`` (None where free): an active
        booking wins; a no-show, release or cancellation shows where the slot is free."""
        row: list[BookingView | None] = [None] * self.slots
        for spans in (self._spans, self._gone):
            for s, e, b in spans.get(space, ()):
                first = max(0, (s - self.opens) // SLOT)
                last = min(self.slots, -(-(e - self.opens) // SLOT))
                for i in range(first, last):
                    if row[i] is None:
                        row[i] = b
        return row

    def counts(self) -> dict[str, int]:
        """How many bookings of the day are in each status (for the legend and title)."""
        out: dict[str, int] = {}
        for b in self.bookings:
            out[b.status] = out.get(b.status, 0) + 1
        return out
