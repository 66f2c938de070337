"""A stable colour per organisation, and text on it that anyone can read in either theme.

Each organisation code hashes to one entry of a fixed palette of hues, so NCS is the same
colour on every screen, every day, for every user. The text colour is not chosen by hand: it
is computed from the block colour (black or white, whichever contrasts more), and a block
colour that reaches WCAG AA (4.5:1) with neither is nudged darker or lighter until one does.
Bookings that no longer hold their slot (no-show, released, cancelled) are drawn in a muted
mix of their colour with the theme's background, again with computed text; they also carry a
mark (:data:`STATE_MARKS`), so no state is told by colour alone.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from rich.style import Style

#: Chosen so the demo organisations (JCP, NCS, CNCL, CAB, PROB) all differ.
_SALT = 3

#: WCAG 2.x level AA for normal text.
AA = 4.5

#: The hues, as mid tones that stand out on both a dark and a light screen.
PALETTE: tuple[str, ...] = (
    "#1f77b4",  # blue
    "#e8a33d",  # amber
    "#2ca02c",  # green
    "#d62728",  # red
    "#9467bd",  # purple
    "#17becf",  # teal
    "#e377c2",  # pink
    "#8c564b",  # brown
    "#bcbd22",  # olive
    "#7f7f7f",  # grey
)

#: What each theme mixes a block with: light blocks are paler tints of the same hue.
THEME_MIX = {"dark": ("#000000", 0.0), "light": ("#ffffff", 0.45)}
#: The neutral a muted (no longer active) block fades towards, per theme.
MUTED_MIX = {"dark": ("#2b2b2b", 0.6), "light": ("#f2f2f2", 0.6)}

#: The mark of each status on the board, the legend and the lists: never colour alone.
STATE_MARKS = {
    "checked_in": "✓",
    "no_show": "✗",
    "released": "○",
    "cancelled": "⊘",
    "provisional": "?",  # waiting for approval: it holds the slot
    "declined": "⊗",
}
#: The word of each status on every screen (and in CSV files people read).
STATUS_WORDS = {
    "confirmed": "booked", "checked_in": "checked in", "no_show": "no-show",
    "cancelled": "cancelled", "released": "released",
    "provisional": "awaiting approval", "declined": "declined",
}
SERIES_MARK = "↻"
INACTIVE = frozenset({"no_show", "released", "cancelled", "declined"})


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, amount: float) -> str:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(a), _rgb(b)
    return _hex((r1 + (r2 - r1) * amount, g1 + (g2 - g1) * amount, b1 + (b2 - b1) * amount))


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of an sRGB colour (0 black .. 1 white)."""
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 .. 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(bg: str) -> str:
    """Black or white, whichever reads better on ``bg``."""
    return "#000000" if contrast(bg, "#000000") >= contrast(bg, "#ffffff") else "#ffffff"


def readable(bg: str) -> tuple[str, str]:
    """(background, text) with the text computed from the background; a background that
    reaches AA with neither black nor white is nudged towards the side it is nearer to."""
    fg = text_on(bg)
    toward = "#ffffff" if fg == "#000000" else "#000000"
    step = 0
    while contrast(bg, fg) < AA and step < 20:
        bg = mix(bg, toward, 0.05)
        step += 1
    return bg, fg


def theme_kind(theme_name: str | None, dark: bool | None = None) -> str:
    """"dark" or "light" for a Textual theme (by its ``dark`` flag when known)."""
    if dark is not None:
        return "dark" if dark else "light"
    return "light" if theme_name and "light" in theme_name else "dark"


@lru_cache(maxsize=2048)
def block_colours(code: str, theme: str = "dark", *, muted: bool = False) -> tuple[str, str]:
    """The (background, text) hex colours of organisation ``code``'s blocks in ``theme``
    ("dark" or "light"); ``muted`` for a booking that no longer holds its slot."""
    hue = PALETTE[zlib.crc32(f"{_SALT}:{code.upper()}".encode()) % len(PALETTE)]
    towards, amount = THEME_MIX[theme]
    bg = mix(hue, towards, amount)
    if muted:
        neutral, fade = MUTED_MIX[theme]
        bg = mix(bg, neutral, fade)
    return readable(bg)


def org_colours(code: str) -> tuple[str, str]:
    """The (background, text) hex colours of organisation ``code`` in the dark theme."""
    return block_colours(code, "dark")


@lru_cache(maxsize=2048)
def org_style(code: str, *, bold: bool = False, dim: bool = False, theme: str = "dark",
              status: str = "confirmed") -> Style:
    """A Rich style drawing a block of organisation ``code``: muted (and struck through when
    cancelled) for a booking that no longer holds its slot."""
    muted = status in INACTIVE
    bg, fg = block_colours(code, theme, muted=muted)
    return Style(color=fg, bgcolor=bg, bold=bold and not muted, dim=dim,
                 strike=status in ("cancelled", "declined"),
                 italic=muted or status == "provisional")


def status_mark(status: str) -> str:
    """The mark of ``status`` ("" for a plain confirmed booking)."""
    return STATE_MARKS.get(status, "")
