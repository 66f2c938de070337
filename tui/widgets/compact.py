"""One-line form controls, so forms fit an 80×24 terminal."""

from __future__ import annotations

from textual.dom import DOMNode


def make_compact(root: DOMNode) -> None:
    """Draw every input, select, button and checkbox under ``root`` without a border."""
    for widget in root.query("Input, Select, Button, Checkbox"):
        widget.compact = True  # type: ignore[attr-defined]
