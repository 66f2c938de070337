"""The cospace terminal app: the board, booking, find-a-space, today's desk and my bookings.

Every database call runs in a thread worker that posts its result back; a poll of the store's
change counter keeps every screen current while other terminals book.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from booking.errors import CospaceError
from booking.limits import visible
from booking.models import Actor, BookingView, OrgInfo, SiteInfo
from booking.series import SeriesResult
from booking.service import Clock, Cospace
from booking.timeutil import minutes_of_day, to_local
from tui.data import load_board, site_today
from tui.screens.board import BoardScreen
from tui.screens.find import FindScreen
from tui.screens.help import HelpScreen
from tui.screens.my_bookings import MyBookingsScreen
from tui.screens.today import TodayScreen
from tui.widgets.board_grid import BoardData, BoardGrid

POLL_SECONDS = 1.0


class CospaceApp(App[int]):
    """The app over one :class:`Cospace` (a store, the acting staff member, a clock)."""

    TITLE = "cospace"
    CSS_PATH = "app.tcss"
    MODES = {
        "board": BoardScreen,
        "find": FindScreen,
        "desk": TodayScreen,
        "mine": MyBookingsScreen,
    }
    DEFAULT_MODE = "board"

    def notify(self, message: str, *, title: str = "", severity: str = "information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notice is plain text: messages carry user text (purposes, names, codes)
        that must never run as markup or reach the terminal as control characters."""
        super().notify(visible(str(message)), title=visible(str(title)),
                       severity=severity, timeout=timeout, markup=False)  # type: ignore[arg-type]

    BINDINGS = [
        Binding("f", "switch_mode('find')", "Find"),
        Binding("d", "switch_mode('desk')", "Desk"),
        Binding("m", "switch_mode('mine')", "Mine"),
        Binding("r", "reports", "Usage reports", show=False),
        Binding("a", "admin", "Admin: sites, spaces, organisations", show=False),
        Binding("v", "approvals", "Approvals", show=False),
        Binding("escape", "switch_mode('board')", "Board", show=False),
        Binding("question_mark,f1", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, cospace: Cospace, *, poll: bool = True) -> None:
        super().__init__()
        self.cospace = cospace
        self.actor: Actor | None = None
        self.sites: list[SiteInfo] = []
        self.orgs: list[OrgInfo] = []
        self.views: dict[str, Screen] = {}
        self.poll_enabled = poll
        self._counter: int | None = None
        #: the booking this terminal last checked in, marked a no-show or cancelled (``u``)
        self.last_mark: int | None = None
        #: set once the board has drawn its first day of data (for the start-up benchmark)
        self.first_data_shown = False
        # the store's first reads start now, in parallel with Textual's own start-up
        self._preloader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preload")
        self._preload: Future = self._preloader.submit(self._first_data)
        self._preloader.shutdown(wait=False)  # the thread ends once the read is done

    # ------------------------------------------------------------------ start-up
    def on_mount(self) -> None:
        self.boot()
        if self.poll_enabled:
            self.set_interval(POLL_SECONDS, self.poll)

    def _first_data(self) -> tuple[Actor, list[SiteInfo], list[OrgInfo], int,
                                   BoardData | None]:
        """Who is acting, the sites, the organisations and the first site's board for today:
        everything the first useful frame needs, read while Textual starts."""
        cs = self.cospace
        actor, sites, orgs = cs.actor, cs.sites(), cs.orgs()
        counter = cs.change_counter()
        board = load_board(cs, sites[0].code, site_today(cs, sites[0].tz)) if sites else None
        return actor, sites, orgs, counter, board

    @work(thread=True, exclusive=True, group="boot", exit_on_error=False)
    def boot(self) -> None:
        self.call_from_thread(self.booted, *self._preload.result())

    def booted(self, actor: Actor, sites: list[SiteInfo], orgs: list[OrgInfo],
               counter: int, first: BoardData | None = None) -> None:
        self.actor, self.sites, self.orgs, self._counter = actor, sites, orgs, counter
        self.refresh_bindings()  # the site key depends on how many sites there are
        who = actor.name or actor.login
        who = f"{who} ({actor.org_code})" if actor.org_code else who
        self.sub_title = visible(who)
        if not actor.known:
            self.notify(f"'{actor.login}' is not a cospace user: you can look but not book. "
                        "Start with --as LOGIN (e.g. --as frontdesk).", severity="warning",
                        timeout=10)
        if not sites:
            message = ("This store has no sites yet: run 'cospace init --demo' or "
                       "'cospace site add'.")
            self.notify(message, severity="warning", timeout=10)
            board = self.views.get("board")
            if isinstance(board, BoardScreen):
                grid = board.query_one(BoardGrid)
                grid.empty_text = message
                grid.refresh()
            return
        site = sites[0]
        board = self.views.get("board")
        if isinstance(board, BoardScreen):
            if first is not None:
                board.show_loaded(first)
            else:
                board.show_day(site.code, site_today(self.cospace, site.tz))
        for name, view in self.views.items():
            if name != "board" and hasattr(view, "reload"):
                view.reload()

    @property
    def site(self) -> SiteInfo | None:
        """The site the board shows (the first one until the user switches)."""
        board = self.views.get("board")
        code = board.site_code if isinstance(board, BoardScreen) else None
        return next((s for s in self.sites if s.code == code), self.sites[0] if self.sites
                    else None)

    def register_view(self, name: str, screen: Screen) -> None:
        self.views[name] = screen

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
        for view in self.views.values():
            reload = getattr(view, "reload", None)
            if reload is not None:
                reload()

    def booking_saved(self, view: BookingView) -> None:
        self.notify(f"Booked #{view.id}: {view.space} "
                    f"{to_local(view.start, view.tz):ddd D MMM HH:mm}"
                    f"–{to_local(view.end, view.tz):HH:mm} for {view.org}."
                    + (" Provisional: it waits for approval." if view.status == "provisional"
                       else ""), title="Saved")
        self.refresh_views()

    @work(thread=True, group="change", exit_on_error=False)
    def change_booking(self, action: str, booking_id: int) -> None:
        """Check in, mark a no-show or cancel a booking, then refresh every screen."""
        try:
            view = getattr(self.cospace, action)(booking_id)
        except CospaceError as exc:
            self.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
            return
        words = {"checkin": "checked in", "noshow": "marked no-show", "cancel": "cancelled"}
        self.last_mark = view.id
        self.call_from_thread(self.notify, f"#{view.id} {view.space} {view.org} "
                                           f"{words[action]} (u undoes it).")
        self.call_from_thread(self.refresh_views)

    # ------------------------------------------------------------------ change, undo
    def undo_mark(self, at_cursor: BookingView | None) -> None:
        """``u``: undo the last mark made at this terminal, else the mark of the booking at
        the cursor."""
        marked = ("checked_in", "no_show", "released", "cancelled")
        booking_id = self.last_mark
        if booking_id is None and at_cursor is not None and at_cursor.status in marked:
            booking_id = at_cursor.id
        if booking_id is None:
            self.notify("Nothing to undo: no check-in, no-show, release or cancellation here.",
                        severity="warning")
            return
        self.undo_booking(booking_id)

    @work(thread=True, group="change", exit_on_error=False)
    def undo_booking(self, booking_id: int) -> None:
        from booking import status

        try:
            before = self.cospace.get(booking_id)
            view = status.undo(self.cospace, booking_id)
        except CospaceError as exc:
            self.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
            return
        if self.last_mark == booking_id:
            self.last_mark = None
        mark = status.MARK_WORDS.get(before.status, "mark")
        self.call_from_thread(self.notify, f"Undid the {mark} of #{view.id} {view.space} "
                                           f"{view.org}: confirmed again.")
        self.call_from_thread(self.refresh_views)

    def open_change(self, view: BookingView | None) -> None:
        """Open the booking form on ``view``, prefilled; saving changes it."""
        if view is None:
            self.notify("There is no booking here.", severity="warning")
            return
        if view.status not in ("confirmed", "checked_in"):
            self.notify(f"#{view.id} is {view.status.replace('_', '-')}: only a confirmed "
                        "booking can be changed (u undoes a mark).", severity="warning")
            return
        from tui.screens.dialogs import action_refusal

        if refusal := action_refusal(self.actor, "move", view.org, self.orgs):
            self.notify(refusal, severity="warning", timeout=8)  # before the form, not after
            return
        self.load_change_form(view)

    @work(thread=True, group="change-form", exit_on_error=False)
    def load_change_form(self, view: BookingView) -> None:
        site = self.cospace.site(view.site)
        spaces = [s for s in self.cospace.spaces(view.site) if s.active]
        self.call_from_thread(self.show_change_form, view, site, spaces)

    def show_change_form(self, view: BookingView, site: SiteInfo,
                         spaces: list) -> None:  # type: ignore[type-arg]
        from tui.screens.booking_form import BookingForm, form_start_of

        if self.actor is None:
            return
        self.push_screen(BookingForm(self.cospace, site, spaces, self.orgs, self.actor,
                                     form_start_of(view), editing=view), self.booking_changed)

    def booking_changed(self, result: BookingView | SeriesResult | None) -> None:
        if result is None:
            return
        if isinstance(result, SeriesResult):
            n = len(result.booked)
            self.notify(f"Changed {n} date{'s' if n != 1 else ''} of the series: "
                        f"{result.description}.", title="Saved")
        else:
            self.notify(f"Changed #{result.id}: {result.space} "
                        f"{to_local(result.start, result.tz):ddd D MMM HH:mm}"
                        f"–{to_local(result.end, result.tz):HH:mm} for {result.org}.",
                        title="Saved")
        self.refresh_views()

    def confirm_cancel(self, view: BookingView) -> None:
        """Ask, then cancel ``view``; a date of a series asks which dates."""
        from tui.screens.dialogs import ConfirmModal, action_refusal
        from tui.screens.series import CancelScopeModal

        if refusal := action_refusal(self.actor, "cancel", view.org, self.orgs):
            self.notify(refusal, severity="warning", timeout=8)  # before asking, not after
            return
        local = to_local(view.start, view.tz)
        what = (f"#{view.id}: {view.space} {local:ddd D MMM HH:mm}"
                f"–{to_local(view.end, view.tz):HH:mm} for {view.org}")
        if view.series is not None:
            def scope(answer: str | None) -> None:
                if answer:
                    self.cancel_in_series(view.id, answer)

            self.push_screen(CancelScopeModal(f"Cancel {what}? It is a date of series "
                                              f"#{view.series}."), scope)
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.change_booking("cancel", view.id)

        self.push_screen(ConfirmModal(f"Cancel {what}?", yes="Cancel it"), answer)

    @work(thread=True, group="change", exit_on_error=False)
    def cancel_together(self, booking_ids: list[int]) -> None:
        """Cancel several bookings in one transaction: all of them, or none."""
        from booking.bulk import cancel_many

        try:
            views = cancel_many(self.cospace, booking_ids)
        except CospaceError as exc:
            self.call_from_thread(self.notify, f"Nothing was cancelled. {exc.message}",
                                  severity="error", timeout=10)
            return
        self.call_from_thread(self.notify, f"Cancelled {len(views)} bookings together.")
        self.call_from_thread(self.refresh_views)

    @work(thread=True, group="change", exit_on_error=False)
    def cancel_in_series(self, booking_id: int, scope: str) -> None:
        """Cancel one date of a series, it and the following ones, or all of them."""
        from booking.series import cancel_series

        try:
            views = cancel_series(self.cospace, booking_id, scope)
        except CospaceError as exc:
            self.call_from_thread(self.notify, exc.message, severity="error", timeout=8)
            return
        n = len(views)
        if scope == "one" and views:
            self.last_mark = views[0].id
        self.call_from_thread(self.notify, f"Cancelled {n} date{'s' if n != 1 else ''} of the "
                                           "series." if n else "Nothing to cancel: those "
                                           "dates have started or are already cancelled.")
        self.call_from_thread(self.refresh_views)

    def show_history(self, view: BookingView | None) -> None:
        """Open the audit history of ``view``."""
        from tui.screens.series import HistoryModal

        if view is None:
            self.notify("There is no booking here.", severity="warning")
            return
        self.push_screen(HistoryModal(self.cospace, view))

    def series_saved(self, result: SeriesResult) -> None:
        n = len(result.booked)
        first = result.booked[0] if result.booked else None
        text = f"Booked series #{result.series}: {n} date{'s' if n != 1 else ''}"
        if first is not None:
            text += f" of {first.space} for {first.org}"
        if result.clashes:
            text += f"; {len(result.clashes)} clashing left out"
        if result.skipped:
            text += f"; {len(result.skipped)} closed skipped"
        self.notify(text + ".", title="Saved")
        self.refresh_views()

    def show_on_board(self, view: BookingView) -> None:
        """Switch to the board at ``view``'s site, day and space."""
        self.switch_mode("board")
        board = self.views.get("board")
        if isinstance(board, BoardScreen):
            day = to_local(view.start, view.tz).date()
            board.show_day(view.site, day, cursor=(view.space, minutes_of_day(view.start,
                                                                              view.tz)))

    # ------------------------------------------------------------------ errors
    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, CospaceError):
            self.notify(error.message, severity="error", timeout=8)
        else:
            self.notify(f"Something went wrong: {error.__class__.__name__}: {error}",
                        severity="error", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide the key for the screen the user is already on."""
        if action == "switch_mode" and parameters and parameters[0] == self.current_mode:
            return False
        return True

    # ------------------------------------------------------------------ help
    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield SystemCommand("Board", "The day's board of spaces and bookings",
                            lambda: self.switch_mode("board"))
        yield SystemCommand("Find a space", "Search free spaces by kind, time, size and needs",
                            lambda: self.switch_mode("find"))
        yield SystemCommand("Desk today", "Front desk: check in, no-show, cancel, walk-in",
                            lambda: self.switch_mode("desk"))
        yield SystemCommand("My bookings", "Your organisation's upcoming bookings",
                            lambda: self.switch_mode("mine"))
        yield SystemCommand("Book at the cursor", "Open the booking form on the board",
                            self._book_at_cursor)
        yield SystemCommand("Walk-in", "Book the first free fitting space now",
                            self._walk_in)
        yield SystemCommand("Next day", "Show the next day on the board",
                            lambda: self._board_action("shift_day", 1))
        yield SystemCommand("Previous day", "Show the previous day on the board",
                            lambda: self._board_action("shift_day", -1))
        yield SystemCommand("Go to day", "Show a chosen day on the board",
                            lambda: self._board_action("go_to_day"))
        yield SystemCommand("Switch site", "Show another site on the board",
                            lambda: self._board_action("switch_site"))
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

        if not isinstance(self.screen, ReportsScreen):
            self.push_screen(ReportsScreen(self.cospace))

    def action_admin(self) -> None:
        from tui.screens.admin import AdminScreen

        if not isinstance(self.screen, AdminScreen):
            self.push_screen(AdminScreen(self.cospace))

    def action_approvals(self) -> None:
        """``v``: the approvals queue (front desk, estates, admin)."""
        from booking.approvals import DECIDERS
        from tui.screens.approvals import ApprovalsScreen

        if self.actor is None:
            self.notify("Still starting: press v again in a moment.")
        elif self.actor.role not in DECIDERS:
            self.notify("Only the front desk, estates or an administrator approve bookings.",
                        severity="warning")
        elif not isinstance(self.screen, ApprovalsScreen):
            self.push_screen(ApprovalsScreen(self.cospace))

    def action_import(self) -> None:
        from tui.screens.import_preview import ImportPreviewScreen

        if not isinstance(self.screen, ImportPreviewScreen):
            self.push_screen(ImportPreviewScreen(self.cospace))

    def _board_action(self, name: str, *args: int) -> None:
        self.switch_mode("board")
        board = self.views.get("board")
        if board is not None:
            getattr(board, f"action_{name}")(*args)

    def _book_at_cursor(self) -> None:
        self._board_action("book")

    def _walk_in(self) -> None:
        self.switch_mode("desk")
        desk = self.views.get("desk")
        if isinstance(desk, TodayScreen):
            desk.action_walk_in()


def make_app(source: str | Cospace, login: str | None = None, clock: Clock | None = None,
             *, poll: bool = True) -> CospaceApp:
    """The one app factory, for the CLI and the tests: a store URL and login, or a Cospace.
    Raises :class:`CospaceError` (with a message to show) when the store cannot be opened."""
    if isinstance(source, Cospace):
        return CospaceApp(source, poll=poll)
    cs = Cospace.open(source, login, clock) if clock else Cospace.open(source, login)
    return CospaceApp(cs, poll=poll)


def run(url: str, login: str | None) -> int:
    """Open the app on ``url`` as ``login``; a store that cannot be opened is a message."""
    try:
        app = make_app(url, login)
    except CospaceError as exc:
        print(f"cospace: {exc.message}", file=sys.stderr)
        return exc.exit_code
    app.run()
    return int(app.return_code or 0)
