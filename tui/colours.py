"""A stable colour per organisation, readable on light and dark themes.

Each organisation code hashes to one entry of a fixed palette of mid-tone backgrounds with a
foreground picked for contrast, so NCS is the same colour on every screen, every day, for
every user.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from rich.style import Style

#: Chosen so the demo organisations (JCP, NCS, CNCL, CAB, PROB) all differ.
_SALT = 3

#: (background, foreground): mid tones that stand out on both a dark and a light screen.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#1f77b4", "#ffffff"),  # blue
    ("#e8a33d", "#000000"),  # amber
    ("#2ca02c", "#ffffff"),  # green
    ("#d62728", "#ffffff"),  # red
    ("#9467bd", "#ffffff"),  # purple
    ("#17becf", "#000000"),  # teal
    ("#e377c2", "#000000"),  # pink
    ("#8c564b", "#ffffff"),  # brown
    ("#bcbd22", "#000000"),  # olive
    ("#7f7f7f", "#ffffff"),  # grey
)


@lru_cache(maxsize=256)
def org_colours(code: str) -> tuple[str, str]:
    """The (background, foreground) hex colours of organisation ``code``."""
    return PALETTE[zlib.crc32(f"{_SALT}:{code.upper()}".encode()) % len(PALETTE)]


@lru_cache(maxsize=256)
def org_style(code: str, *, bold: bool = False, dim: bool = False) -> Style:
    """A Rich style drawing a block of organisation ``code``."""
    bg, fg = org_colours(code)
    return Style(color=fg, bgcolor=bg, bold=bold, dim=dim)
