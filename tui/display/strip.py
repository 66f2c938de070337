"""The rest of the day as a strip of characters: one per few minutes, busy or free."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

from booking.display import Slot

#: Minutes per character, smallest first: the finest that fits the width is used.
SCALES = (5, 10, 15, 20, 30, 60, 120)
BUSY, FREE = "█", "·"


def window(minute: int, opens: int | None, closes: int | None) -> tuple[int, int] | None:
    """The part of today the strip covers: from now (or opening) to closing; None when
    there is nothing left of the opening day."""
    if opens is None or closes is None or minute >= closes:
        return None
    return max(minute, opens), closes


def scale(span: int, width: int) -> int:
    for step in SCALES:
        if -(-span // step) <= width:
            return step
    return SCALES[-1]


def render(slots: Sequence[Slot], start: int, end: int, width: int, *, busy: Style,
           free: Style, tick: Style) -> tuple[Text, Text]:
    """The hour labels and the strip for ``[start, end)`` in at most ``width`` cells."""
    step = scale(end - start, max(width, 1))
    first = start - start % step
    cells = max(0, min(width, -(-(end - first) // step)))
    strip = Text(no_wrap=True, overflow="crop")
    labels = [" "] * cells
    last_label = -3
    for i in range(cells):
        t0 = first + i * step
        t1 = t0 + step
        taken = any(s.start < t1 and t0 < s.end for s in slots)
        strip.append(BUSY if taken else FREE, busy if taken else free)
        if t0 % 60 == 0:
            hour = f"{(t0 // 60) % 24:02d}"
            if i - last_label >= 3 and i + 2 <= cells:
                labels[i:i + 2] = list(hour)
                last_label = i
    return Text("".join(labels), tick, no_wrap=True, overflow="crop"), strip
