"""User text on screen: always as text, never as markup or terminal control.

``plain`` makes a Rich ``Text`` (DataTable cells, Select and OptionList prompts, labels);
``esc`` escapes a user string for the few places that compose markup around it. Both show
control characters visibly (:func:`booking.limits.visible`), so a purpose or a name written
by SQL with ESC or BEL in it reaches nobody's terminal as a control.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from booking.limits import visible


def plain(value: Any, style: str = "") -> Text:
    """``value`` as plain text (``None`` is empty)."""
    return Text("" if value is None else visible(str(value)), style=style)


def esc(value: Any) -> str:
    """``value`` escaped for a markup string around it."""
    return escape(visible("" if value is None else str(value)))


def cells(row: Any) -> tuple[Text, ...]:
    """A table row with every cell as plain text (a Text cell is kept as it is)."""
    return tuple(c if isinstance(c, Text) else plain(c) for c in row)
