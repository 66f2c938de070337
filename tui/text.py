"""User text on screen: always as text, never as markup or terminal control.

``plain`` (a whole label or prompt) and ``esc`` (a value inside markup) escape a user
string, and ``cells`` a DataTable row (which reads str as markup): each shows exactly as
typed. All show control characters visibly (:func:`booking.limits.visible`), so a purpose
or a name written by SQL with ESC or BEL in it reaches nobody's terminal as a control.
"""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text

from booking.limits import visible


def plain(value: Any) -> str:
    """``value`` to show as typed in any widget that reads markup (Static, Label, Select and
    OptionList prompts): escaped, so it looks exactly like the original and runs nothing."""
    return esc(value)


_BRACKET = re.compile(r"(\\*)\[")
_TRAILING = re.compile(r"(\\+)$")


def esc(value: Any) -> str:
    """``value`` escaped for Textual markup around it (Static, Label, Select and OptionList):
    a backslash before every ``[``, so no tag can start inside it (Textual reads ``\\[`` as
    a bracket and keeps other backslashes as they are)."""
    text = visible("" if value is None else str(value)).replace("[", "\\[")
    # a backslash at the end would escape the tag that follows: a zero-width space parts them
    return text + "\u200b" if text.endswith("\\") else text


def rich_esc(value: Any) -> str:
    """``value`` escaped for Rich markup (DataTable cells): every ``[`` escaped, and the
    backslashes before it or at the end doubled, as Rich reads them."""
    text = visible("" if value is None else str(value))
    text = _BRACKET.sub(lambda m: m.group(1) * 2 + "\\[", text)
    return _TRAILING.sub(lambda m: m.group(1) * 2, text)


def cells(row: Any) -> tuple[Any, ...]:
    """A table row whose cells show as typed: DataTable reads a ``str`` cell as Rich markup,
    so each is escaped (a plain code reads back unchanged; a Text cell is kept as it is)."""
    return tuple(c if isinstance(c, Text) else rich_esc(c) for c in row)
