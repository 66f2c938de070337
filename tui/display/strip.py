"""The rest of the day as a strip of characters across the width there is: busy or free."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from booking.display import Slot

BUSY, FREE = "█", "·"


def window(minute: int, opens: int | None, closes: int | None) -> tuple[int, int] | None:
    """The part of today the strip covers: from now (or opening) to closing; None when
    there is nothing left of the opening day."""
    if opens is None or closes is None or minute >= closes:
        return None
    return max(minute, opens), closes


def render(slots: Sequence[Slot], start: int, end: int, width: int, *, busy: Style,
           free: Style, tick: Style) -> tuple[Text, Text]:
    """The hour labels and the strip for ``[start, end)`` in ``width`` cells (fewer when the
    span is short: a cell is never less than a minute). A cell is busy when any booking
    overlaps it."""
    span = max(end - start, 1)
    cells = max(0, min(width, span))
    if cells == 0:
        return Text(""), Text("")
    step = span / cells
    strip = Text(no_wrap=True, overflow="crop")
    labels = [" "] * cells
    last_label = -3
    for i in range(cells):
        t0 = start + i * step
        t1 = t0 + step
        taken = any(s.start < t1 and t0 < s.end for s in slots)
        strip.append(BUSY if taken else FREE, busy if taken else free)
        hour = -(-int(t0) // 60) * 60  # the first hour boundary at or after t0
        if hour < t1 and i - last_label >= 3 and i + 2 <= cells:
            labels[i:i + 2] = list(f"{(hour // 60) % 24:02d}")
            last_label = i
    return Text("".join(labels), tick, no_wrap=True, overflow="crop"), strip
