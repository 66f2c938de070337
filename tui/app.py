"""The cospace terminal app: the board, booking, find-a-space, today's desk and my bookings.

Every database call runs in a thread worker that posts its result back; a poll of the store's
change counter keeps every screen current while other terminals book.

Nothing of the core is imported here: the first frame (:class:`tui.boot.LoadingBoard`) paints
with only Textual loaded, while a start-up thread imports ``booking``, opens the store and reads
the first board; then the real board replaces the loading one.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Protocol, cast

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal
from textual.theme import Theme

from tui import boot
from tui.booking_actions import BookingActions
from tui.boot_app import StartUp
from tui.screens.base import ShowsWorkerErrors, StoreChanged
from tui.settings import Settings

if TYPE_CHECKING:
    from booking.models import Actor, OrgInfo, SiteInfo
    from booking.service import Clock, Cospace
    from tui.screens.board import BoardScreen
    from tui.widgets.board_grid import BoardData

POLL_SECONDS = 1.0


def _visible(text: str) -> str:
    from booking.limits import visible  # not at import: the first frame needs no booking

    return visible(text)


class Reloadable(Protocol):
    """A screen written before :class:`tui.screens.base.LoadedScreen`: it reloads itself."""

    def reload(self) -> None: ...


class CospaceApp(ShowsWorkerErrors, StartUp, BookingActions):
    """The app over one :class:`Cospace` (a store, the acting staff member, a clock).
    A failed worker is shown by :class:`~tui.screens.base.ShowsWorkerErrors`, the one
    error path."""

    TITLE = "cospace"
    CSS_PATH = "app.tcss"
    DEFAULT_MODE = "loading"  #: the loading board, until the store is open

    def notify(self, message: str, *, title: str = "", severity: str = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notice is plain text: messages carry user text (purposes, names, codes)
        that must never run as markup or reach the terminal as control characters."""
        super().notify(_visible(str(message)), title=_visible(str(title)),
                       severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    #: every binding has an id, so a keymap in the settings file can move it (docs/tui.md)
    BINDINGS = [
        Binding("f", "switch_mode('find')", "Find", id="app.find"),
        Binding("d", "switch_mode('desk')", "Desk", id="app.desk"),
        Binding("m", "switch_mode('mine')", "Mine", id="app.mine"),
        Binding("r", "reports", "Usage reports", show=False, id="app.reports"),
        Binding("a", "admin", "Admin: sites, spaces, organisations", show=False,
                id="app.admin"),
        Binding("v", "approvals", "Approvals", show=False, id="app.approvals"),
        Binding("escape", "switch_mode('board')", "Board", show=False, id="app.board"),
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        # q quits where no text field has the focus (in a field it is a letter); Ctrl+Q
        # quits from anywhere and is always in the footer
        Binding("q", "quit", "Quit", show=False, id="app.quit"),
        Binding("ctrl+q", "quit", "Quit", priority=True, key_display="^q",
                id="app.quit_anywhere"),
    ]

    def __init__(self, cospace: Cospace | None = None, *, poll: bool = True,
                 settings: Settings | None = None,
                 opener: Callable[[], Cospace] | None = None,
                 login_hint: str | None = None) -> None:
        """Over ``cospace``, or over the store ``opener`` opens in the start-up thread (the
        first frame then paints before the core is even imported); ``login_hint`` is who
        will probably be acting, for the first frame's remembered site and theme."""
        super().__init__()
        #: the screen of each mode, made when the mode is first shown; the modes are made
        #: by factories that keep them here, so the app knows its screens by type
        self._mode_screens: dict[str, Screen] = {}
        for name, where in (("board", "tui.screens.board:BoardScreen"),
                            ("find", "tui.screens.find:FindScreen"),
                            ("desk", "tui.screens.today:TodayScreen"),
                            ("mine", "tui.screens.my_bookings:MyBookingsScreen")):
            self.add_mode(name, self._factory(name, where))
        self.settings = settings if settings is not None else Settings.load()
        hint = login_hint or (cospace.login if cospace is not None else None)
        self._hint = boot.guess_login(hint)
        self.add_mode("loading", lambda: boot.LoadingBoard(
            boot.remembered_site_name(self.settings, self._hint)))
        if cospace is not None:
            self.cospace = cospace
        self.actor: Actor | None = None
        self.sites: list[SiteInfo] = []
        self.orgs: list[OrgInfo] = []
        #: published whenever the store changed; screens showing its data reload
        self.store_changed: Signal[StoreChanged] = Signal(self, "store-changed")
        self.poll_enabled = poll
        self._counter: int | None = None
        #: the booking this terminal last checked in, marked a no-show or cancelled (``u``)
        self.last_mark: int | None = None
        #: set once the board has drawn its first day of data (for the start-up benchmark)
        self.first_data_shown = False
        #: why the store could not be opened (the app then exits; :func:`run` says why)
        self.open_error: BaseException | None = None
        #: a mode asked for (a key) while the store was still opening: shown once it is open
        self._wanted_mode = "board"
        self._opener, self._given = opener, cospace
        self._preload: Future | None = None

    def _factory(self, name: str, where: str) -> Callable[[], Screen]:
        def make() -> Screen:
            module, _, kind = where.partition(":")
            screen = self._mode_screens[name] = getattr(importlib.import_module(module), kind)()
            return screen

        return make

    @property
    def board(self) -> BoardScreen | None:
        """The board screen, once it exists."""
        screen = self._mode_screens.get("board")
        if screen is None:
            return None
        from tui.screens.board import BoardScreen  # imported already: the screen exists

        return screen if isinstance(screen, BoardScreen) else None

    @property
    def views(self) -> dict[str, Screen]:
        """The screen of each mode shown so far (read-only; tests look screens up here)."""
        return dict(self._mode_screens)

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        self.set_keymap(self.settings.keymap)
        self._first_theme = self.theme
        theme = self.settings.theme(self._hint)  # the first frame in the user's theme
        if theme and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        # the store is opened once the loading board is on the screen: started earlier, the
        # start-up thread would slow the first frame (one GIL) and bring the data no sooner
        self.call_after_refresh(self._begin)
        if self.poll_enabled:
            self.set_interval(POLL_SECONDS, self.poll)

    def _theme_changed(self, theme: Theme) -> None:
        if self.actor is not None:
            self.settings.put(self.actor.login, "theme", theme.name)

    def remember(self, key: str, value: object) -> None:
        """Keep one of the acting user's choices for the next run (settings file)."""
        if self.actor is not None and self.actor.known:
            self.settings.put(self.actor.login, key, value)

    def booted(self, actor: Actor, sites: list[SiteInfo], orgs: list[OrgInfo],
               counter: int, first: BoardData | None = None) -> None:
        from tui.data import site_today
        from tui.widgets.board_grid import BoardGrid

        self.actor, self.sites, self.orgs, self._counter = actor, sites, orgs, counter
        theme = self.settings.theme(actor.login)
        if theme is None and actor.login != self._hint:
            theme = self._first_theme  # the first frame's was another login's choice
        if theme and theme in self.available_themes and theme != self.theme:
            self.theme = theme
        self.refresh_bindings()  # the site key depends on how many sites there are
        who = actor.name or actor.login
        who = f"{who} ({actor.org_code})" if actor.org_code else who
        self.sub_title = _visible(who)
        if not actor.known:
            self.notify(f"'{actor.login}' is not a cospace user: you can look but not book. "
                        "Start with --as LOGIN (e.g. --as frontdesk).", severity="warning",
                        timeout=10)
        if not sites:
            message = ("This store has no sites yet: run 'cospace init --demo' or "
                       "'cospace site add'.")
            self.notify(message, severity="warning", timeout=10)
            if self.board is not None:
                grid = self.board.query_one(BoardGrid)
                grid.empty_text = message
                grid.refresh()
            return
        site = self._start_site(actor, sites) or sites[0]
        if self.board is not None:
            if first is not None:
                self.board.show_loaded(first)
            else:
                self.board.show_day(site.code, site_today(self.cospace, site.tz))
        self.store_changed.publish(StoreChanged())  # the other screens load now

    @property
    def site(self) -> SiteInfo | None:
        """The site the board shows (the remembered or first one until the user switches)."""
        code = self.board.site_code if self.board is not None else None
        return next((s for s in self.sites if s.code == code), self.sites[0] if self.sites
                    else None)

    def register_view(self, name: str, screen: Reloadable) -> None:
        """For screens not yet on :class:`~tui.screens.base.LoadedScreen`: reload ``screen``
        on every change of the store, like the base class does."""
        node = cast(Screen, screen)  # a Screen that also has reload() (the old way)
        self.store_changed.subscribe(node, lambda _: screen.reload(), immediate=True)

    def board_ready(self) -> None:
        self.first_data_shown = True

    # ------------------------------------------------------------------ changes
    def poll(self) -> None:
        if self._counter is not None:
            self.check_changes()

    @work(thread=True, exclusive=True, group="poll", exit_on_error=False)
    def check_changes(self) -> None:
        counter = self.cospace.change_counter()
        if counter != self._counter:
            self._counter = counter
            self.call_from_thread(self.refresh_views)

    def refresh_views(self) -> None:
        """Reload every screen's data; open forms keep their input (they hold their own)."""
        self.store_changed.publish(StoreChanged())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the key for the screen the user is already on."""
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return False
        return True

    # ------------------------------------------------------------------ help
    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Board", "The day's board of spaces and bookings",
                            lambda: self.go("board"))
        yield SystemCommand("Find a space", "Search free spaces by kind, time, size and needs",
                            lambda: self.go("find"))
        yield SystemCommand("Desk today", "Front desk: check in, no-show, cancel, walk-in",
                            lambda: self.go("desk"))
        yield SystemCommand("My bookings", "Your organisation's upcoming bookings",
                            lambda: self.go("mine"))
        yield SystemCommand("Book at the cursor", "Open the booking form on the board",
                            self._book_at_cursor)
        yield SystemCommand("Walk-in", "Book the first free fitting space now",
                            self._walk_in)
        yield SystemCommand("Next day", "Show the next day on the board",
                            lambda: self._on_board(lambda b: b.action_shift_day(1)))
        yield SystemCommand("Previous day", "Show the previous day on the board",
                            lambda: self._on_board(lambda b: b.action_shift_day(-1)))
        yield SystemCommand("Go to day", "Show a chosen day on the board",
                            lambda: self._on_board(lambda b: b.action_go_to_day()))
        yield SystemCommand("Switch site", "Show another site on the board",
                            lambda: self._on_board(lambda b: b.action_switch_site()))
        yield SystemCommand("Legend", "What the board's colours and marks mean",
                            lambda: self._on_board(lambda b: b.action_legend()))
        yield SystemCommand("Usage reports", "Utilisation, peaks, unmet demand, no-shows, shares",
                            self.action_reports)
        yield SystemCommand("Admin", "Sites, opening hours, closures, spaces, organisations",
                            self.action_admin)
        yield SystemCommand("Approvals", "Provisional bookings waiting for a decision",
                            self.action_approvals)
        yield SystemCommand("Import a CSV file", "Preview and apply spaces, staff, orgs or sites",
                            self.action_import)
        yield SystemCommand("Keys", "The keys of this screen", self.action_help)
        yield from super().get_system_commands(screen)

    # ------------------------------------------------------- estates screens
    def action_reports(self) -> None:
        from tui.screens.reports import ReportsScreen

        if self._starting("press r again"):
            return
        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.cospace, settings=self.settings))

    def action_admin(self) -> None:
        from tui.screens.admin import AdminScreen

        if self._starting("press a again"):
            return
        if not isinstance(self.screen, AdminScreen):
            self.push_screen(AdminScreen(self.cospace))

    def action_approvals(self) -> None:
        """``v``: the approvals queue (front desk, estates, admin)."""
        from booking.approvals import DECIDERS
        from tui.screens.approvals import ApprovalsScreen

        if self._starting("press v again") or self.actor is None:
            return
        if self.actor.role not in DECIDERS:
            self.notify("Only the front desk, estates or an administrator approve bookings.",
                        severity="warning")
        elif not isinstance(self.screen, ApprovalsScreen):
            self.push_screen(ApprovalsScreen(self.cospace))

    def action_import(self) -> None:
        from tui.screens.import_preview import ImportPreviewScreen

        if self._starting("ask for the import again"):
            return
        if not isinstance(self.screen, ImportPreviewScreen):
            self.push_screen(ImportPreviewScreen(self.cospace))

    def _on_board(self, do: Callable[[BoardScreen], object]) -> None:
        self.go("board")
        if self.board is not None and not self.loading:
            do(self.board)

    def _book_at_cursor(self) -> None:
        self._on_board(lambda b: b.action_book())

    def _walk_in(self) -> None:
        from tui.screens.today import TodayScreen

        if self._starting("ask for the walk-in again"):
            return
        self.go("desk")
        desk = self._mode_screens.get("desk")
        if isinstance(desk, TodayScreen):
            desk.action_walk_in()


def make_app(source: str | Cospace, login: str | None = None, clock: Clock | None = None,
             *, poll: bool = True) -> CospaceApp:
    """The one app factory, for the tests and the API: a store URL and login (opened now),
    or a Cospace. Raises :class:`CospaceError` (with a message to show) when the store
    cannot be opened. :func:`run` opens the store in the app's start-up thread instead."""
    from booking.service import Cospace

    if isinstance(source, Cospace):
        return CospaceApp(source, poll=poll)
    cs = Cospace.open(source, login, clock) if clock else Cospace.open(source, login)
    return CospaceApp(cs, poll=poll)


def opening_app(url: str, login: str | None, *, poll: bool = True) -> CospaceApp:
    """The app that opens the store at ``url`` as ``login`` itself, in its start-up thread,
    while the loading board paints: nothing of the core is imported here."""
    return CospaceApp(opener=boot.store_opener(url, login), poll=poll, login_hint=login)


def run(url: str, login: str | None) -> int:
    """Open the app on ``url`` as ``login``; a store that cannot be opened is a message (once
    the terminal is back) and its exit code, as before the app ran. Anything else the store
    raised while opening is raised again here, for the CLI's last net."""
    app = opening_app(url, login)
    app.run()
    error = app.open_error
    if error is None:
        return int(app.return_code or 0)
    from booking.errors import CospaceError

    if isinstance(error, CospaceError):
        print(f"cospace: {error.message}", file=sys.stderr)
        return error.exit_code
    raise error
