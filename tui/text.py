"""User text on screen: always as text, never as markup or terminal control.

``plain`` (a whole label or prompt) and ``esc`` (a value inside markup) escape a user
string, and ``cells`` a DataTable row (which reads str as markup): each shows exactly as
typed. All show control characters visibly (:func:`booking.limits.visible`), so a purpose
or a name written by SQL with ESC or BEL in it reaches nobody's terminal as a control.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.text import Text

from booking.limits import visible


def plain(value: Any) -> str:
    """``value`` to show as typed in any widget that reads markup (Static, Label, Select and
    OptionList prompts): escaped, so it looks exactly like the original and runs nothing."""
    return esc(value)


def esc(value: Any) -> str:
    """``value`` escaped for a markup string around it."""
    return escape(visible("" if value is None else str(value)))


def cells(row: Any) -> tuple[Any, ...]:
    """A table row whose cells show as typed: DataTable reads a ``str`` cell as Rich markup,
    so each is escaped (a plain code reads back unchanged; a Text cell is kept as it is)."""
    return tuple(c if isinstance(c, Text) else esc(c) for c in row)
