"""The app's first frame, drawn with only Textual imported: the board's layout, the site name
the user saw last, and "Loading the board…" where the grid goes.

Importing the core (SQLAlchemy, SQLModel, the tables, ``booking.service``) and opening the store
take most of a second; :class:`tui.app.CospaceApp` does both in a thread (:func:`open_core`)
while this screen is up, then swaps it for the real :class:`tui.screens.board.BoardScreen`.
Nothing here imports ``booking`` or ``db``: a test checks it.
"""

from __future__ import annotations

import getpass
import importlib
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

if TYPE_CHECKING:
    from booking.service import Cospace
    from tui.settings import Settings

#: the board's keys, shared by the loading board so the footer does not move when it swaps
BOARD_BINDINGS: list[BindingType] = [
    Binding("b", "book", "Book", show=False, id="board.book"),
    Binding("p", "shift_day(-1)", "Prev", key_display="p", id="board.prev_day"),
    Binding("n", "shift_day(1)", "Next day", id="board.next_day"),
    Binding("t", "today", "Today", id="board.today"),
    Binding("g", "go_to_day", "Day…", id="board.go_to_day"),
    Binding("s", "switch_site", "Site", id="board.site"),
    Binding("l", "legend", "Legend", id="board.legend"),
    Binding("i", "check_in", "Check in the booking here", show=False,
            id="board.check_in"),
    Binding("x", "no_show", "No-show for the booking here", show=False,
            id="board.no_show"),
    Binding("c", "cancel", "Cancel the booking here", show=False, id="board.cancel"),
    Binding("h", "history", "History of the booking here", show=False,
            id="board.history"),
    Binding("e", "change", "Change", id="board.change"),
    Binding("u", "undo", "Undo mark", id="board.undo"),
    Binding("plus,equals_sign", "nudge('extend')", "Extend the booking here by 15 min",
            key_display="+", show=False, id="board.extend"),
    Binding("minus", "nudge('shorten')", "Shorten the booking here by 15 min",
            key_display="-", show=False, id="board.shorten"),
    Binding("shift+up", "nudge('up')", "Move the booking here to the space above",
            key_display="Shift+↑", show=False, id="board.move_up"),
    Binding("shift+down", "nudge('down')", "Move the booking here to the space below",
            key_display="Shift+↓", show=False, id="board.move_down"),
    Binding("shift+left,less_than_sign", "nudge('earlier')",
            "Move the booking here 15 min earlier", key_display="Shift+← / <", show=False,
            id="board.earlier"),
    Binding("shift+right,greater_than_sign", "nudge('later')",
            "Move the booking here 15 min later", key_display="Shift+→ / >", show=False,
            id="board.later"),
    Binding("escape", "drop_change", "Drop the change not saved yet", show=False,
            id="board.drop_change"),
]

#: what the grid says until the day's data is there (the board grid says the same)
LOADING_TEXT = "Loading the board…"

#: the screens' modules, imported by the start-up thread once the board is up
SCREEN_MODULES = ("tui.screens.board", "tui.screens.find", "tui.screens.today",
                  "tui.screens.my_bookings", "tui.screens.help")


def guess_login(requested: str | None) -> str:
    """The login the store will most likely resolve ``requested`` to (``--as``, else the
    operating-system login): only to pick the remembered site name and theme for the first
    frame; the store decides who is acting."""
    if requested:
        return requested
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name: nothing remembered
        return "-"


def title_text(site_name: str | None) -> Text:
    """The board's title line while loading: the remembered site, then that it is loading
    (plain text: a name never runs as markup or reaches the terminal as a control)."""
    name = "".join(c for c in (site_name or "cospace") if c.isprintable())
    return Text.assemble((name, "bold"), " · loading…")


class LoadingBoard(Screen[None]):
    """The board's layout with no data yet: title, "Loading the board…", detail, footer."""

    #: the grid's Enter first, as on the board (the footer shows the focused widget's keys first)
    BINDINGS = [Binding("enter", "choose", "Book", id="grid.choose"), *BOARD_BINDINGS]

    def __init__(self, site_name: str | None = None) -> None:
        super().__init__(id="loading-board")
        self.site_name = site_name

    def compose(self) -> ComposeResult:
        yield Static(title_text(self.site_name), id="board-title", classes="screen-title")
        yield Static(f" {LOADING_TEXT}", id="board")
        yield Static("", id="board-detail")
        yield Footer(compact=True, show_command_palette=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The site key shows once the store says there is more than one site."""
        return action != "switch_site"


def open_core(opener: Callable[[], Cospace] | None, cospace: Cospace | None) -> Cospace:
    """In the start-up thread: the Cospace (opened now if ``opener`` is given), with the board's
    modules imported so the swap on the UI thread costs no import."""
    importlib.import_module("tui.screens.board")
    if opener is not None:
        cospace = opener()
    assert cospace is not None
    return cospace


def store_opener(url: str, login: str | None) -> Callable[[], Cospace]:
    """Open the store at ``url`` as ``login`` (run in the start-up thread): the same checks and
    refusals as ``Cospace.open`` before the app ran, including a ``COSPACE_NOW`` that cannot
    be read."""

    def open_store() -> Cospace:
        from booking.service import Cospace, pinned_now

        pinned = os.environ.get("COSPACE_NOW")
        if pinned:
            pinned_now(pinned)
        return Cospace.open(url, login)

    return open_store


def warm_up() -> None:
    """Import the other screens' modules, so the first switch to them is instant."""
    for name in SCREEN_MODULES:
        importlib.import_module(name)


def remembered_site_name(settings: Settings, login: str) -> str | None:
    value = settings.get(login, "site_name")
    return value if isinstance(value, str) else None
