"""The board (home screen): one site, one day, every space; book at the cursor."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from booking.errors import CospaceError
from booking.models import BookingView
from booking.series import SeriesResult
from booking.timeutil import hm, human_time_span, minutes_of_day
from tui.data import load_board, site_today
from tui.entry import parse_day
from tui.screens.booking_form import BookingForm, FormStart
from tui.screens.dialogs import AskModal, PickModal
from tui.widgets.board_grid import BoardData, BoardGrid

if TYPE_CHECKING:
    from tui.app import CospaceApp


class BoardScreen(Screen[None]):
    """Spaces down the side, the day across; bookings coloured by organisation."""

    BINDINGS = [
        Binding("b", "book", "Book", show=False),
        Binding("p", "shift_day(-1)", "Prev day", key_display="p"),
        Binding("n", "shift_day(1)", "Next day"),
        Binding("t", "today", "Today"),
        Binding("g", "go_to_day", "Go to day"),
        Binding("s", "switch_site", "Site"),
        Binding("i", "booking('checkin')", "Check in the booking here", show=False),
        Binding("x", "booking('noshow')", "No-show for the booking here", show=False),
        Binding("c", "booking('cancel')", "Cancel the booking here", show=False),
        Binding("h", "history", "History of the booking here", show=False),
    ]

    def __init__(self) -> None:
        super().__init__(id="board-screen")
        self.site_code: str | None = None
        self.day: dt.date | None = None
        self.data: BoardData | None = None
        self._pending_cursor: tuple[str, int] | None = None

    @property
    def cospace_app(self) -> CospaceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("cospace", id="board-title", classes="screen-title")
        yield BoardGrid(id="board")
        yield Static("", id="board-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.cospace_app.register_view("board", self)
        self.query_one(BoardGrid).focus()
        self.set_interval(60, self.reload)  # move the "now" mark as the day goes on

    # ------------------------------------------------------------------ loading
    def reload(self) -> None:
        if self.site_code and self.day:
            self.load(self.site_code, self.day)

    def show_day(self, site_code: str, day: dt.date, cursor: tuple[str, int] | None = None
                 ) -> None:
        self.site_code, self.day = site_code, day
        self._pending_cursor = cursor
        self.load(site_code, day)

    def show_loaded(self, data: BoardData) -> None:
        """Show a day read elsewhere (the app's start-up)."""
        self.site_code, self.day = data.site.code, data.day
        self.loaded(data)

    @work(thread=True, exclusive=True, group="board", exit_on_error=False)
    def load(self, site_code: str, day: dt.date) -> None:
        data = load_board(self.cospace_app.cospace, site_code, day)
        self.app.call_from_thread(self.loaded, data)

    def loaded(self, data: BoardData) -> None:
        if (data.site.code, data.day) != (self.site_code, self.day):
            return  # a newer day was asked for meanwhile
        self.data = data
        grid = self.query_one(BoardGrid)
        grid.show(data)
        if self._pending_cursor:
            grid.go_to(*self._pending_cursor)
            self._pending_cursor = None
        self._title()
        self.cospace_app.board_ready()

    def _title(self) -> None:
        data = self.data
        if data is None:
            return
        today = site_today(self.cospace_app.cospace, data.site.tz)
        when = "today" if data.day == today else (
            "tomorrow" if data.day == today + dt.timedelta(days=1) else
            "yesterday" if data.day == today - dt.timedelta(days=1) else "")
        text = f"[b]{data.site.name}[/b] · {data.day:%a %d %b %Y}"
        if when:
            text += f" ([b]{when}[/b])"
        if data.closed_reason:
            text += f" · [red]closed: {data.closed_reason}[/red]"
        else:
            text += f" · {hm(data.opens)}–{hm(data.closes)}"
        actor = self.cospace_app.actor
        if actor is not None:
            who = actor.name or actor.login
            text += f" · {who}" + (f" ({actor.org_code})" if actor.org_code else "")
        self.query_one("#board-title", Static).update(text)

    # ------------------------------------------------------------------ cursor
    def on_board_grid_cursor_moved(self, event: BoardGrid.CursorMoved) -> None:
        self.query_one("#board-detail", Static).update(
            self.describe(event.space, event.minute, event.booking))

    def describe(self, space, minute: int, booking: BookingView | None) -> str:  # type: ignore[no-untyped-def]
        if space is None:
            return ""
        feats = ", ".join(sorted(space.features)) or "no extras"
        about = (f"[b]{space.code}[/b] {space.name} · {space.capacity} "
                 f"{'person' if space.capacity == 1 else 'people'} · {feats}"
                 f"{' · private' if space.private else ''}")
        if space.restricted_to:
            about += f" · only {', '.join(sorted(space.restricted_to))}"
        if booking is None:
            return f"{about}\n{hm(minute)} free — Enter to book"
        span = human_time_span(booking.start, booking.end, booking.tz)
        line = f"{span} [b]{booking.org}[/b] #{booking.id} {booking.status.replace('_', '-')}"
        if booking.series is not None:
            line += f" · ↻ series #{booking.series}"
        if booking.details_visible:
            purpose = ("(purpose not shown)" if booking.purpose is None
                       else booking.purpose or "(no purpose given)")
            line += f" · {booking.attendees} · {purpose}"
            if booking.confidential:
                line += " · confidential"
        return f"{about}\n{line}"

    def on_board_grid_slot_chosen(self, event: BoardGrid.SlotChosen) -> None:
        minute = event.minute
        if self.data is not None and self.data.closed_reason:
            self.notify(f"{self.data.site.name} is closed that day: "
                        f"{self.data.closed_reason}.", severity="warning")
            return
        if event.booking is not None and self.data is not None:
            # book straight after the booking under the cursor
            b = event.booking
            minute = minutes_of_day(b.end, b.tz)
            while minute < self.data.closes and self.data.booking_at(event.space.code,
                                                                      minute):
                nxt = self.data.booking_at(event.space.code, minute)
                minute = minutes_of_day(nxt.end, nxt.tz) if nxt else minute
            if minute >= self.data.closes:
                self.notify(f"{event.space.code} is booked for the rest of the day.",
                            severity="warning")
                return
        self.open_form(FormStart(space=event.space.code, day=self.day or dt.date.today(),
                                 start=minute))

    def open_form(self, start: FormStart) -> None:
        app = self.cospace_app
        if self.data is None or app.actor is None:
            return
        now = self.data.now_minutes
        if now is not None and start.start <= now < start.start + 15 and start.end is None:
            start.start = now - now % 5  # walk-ins: from the current 5-minute slot
        kind = next((s.kind for s in self.data.spaces if s.code == start.space), "interview")
        default = {"interview": 60, "workshop": 120, "desk": 240}[kind]
        end = min(start.start + default, self.data.closes)
        if start.end is None:
            start.end = self._stop_before_next(start.space, start.start, end)
        app.push_screen(
            BookingForm(app.cospace, self.data.site, self.data.spaces, app.orgs, app.actor,
                        start),
            self.saved,
        )

    def _stop_before_next(self, space: str, start: int, end: int) -> int:
        """``end``, or the start of the space's next booking if that comes sooner."""
        assert self.data is not None
        starts = self.data.start_minutes(space)
        return min([end, *(m for m in starts if start < m < end)])

    def saved(self, view: BookingView | SeriesResult | None) -> None:
        if view is None:
            return
        if isinstance(view, SeriesResult):
            self.cospace_app.series_saved(view)
            return
        self.cospace_app.booking_saved(view)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The site key shows only where there is more than one site."""
        if action == "switch_site":
            return len(self.cospace_app.sites) > 1
        return True

    def action_book(self) -> None:
        self.query_one(BoardGrid).action_choose()

    def action_booking(self, action: str) -> None:
        booking = self.query_one(BoardGrid).current_booking
        if booking is None:
            self.notify("There is no booking at the cursor.", severity="warning")
        elif action == "cancel":
            self.cospace_app.confirm_cancel(booking)
        else:
            self.cospace_app.change_booking(action, booking.id)

    def action_history(self) -> None:
        self.cospace_app.show_history(self.query_one(BoardGrid).current_booking)

    def action_shift_day(self, days: int) -> None:
        if self.site_code and self.day:
            self.show_day(self.site_code, self.day + dt.timedelta(days=days))

    def action_today(self) -> None:
        if self.site_code and self.data:
            self.show_day(self.site_code, site_today(self.cospace_app.cospace, self.data.site.tz))

    def action_go_to_day(self) -> None:
        def go(answer: str | None) -> None:
            if not answer or not self.site_code or not self.data:
                return
            try:
                day = parse_day(answer, site_today(self.cospace_app.cospace, self.data.site.tz))
            except CospaceError as exc:
                self.notify(exc.message, severity="error")
                return
            self.show_day(self.site_code, day)

        self.app.push_screen(AskModal("Go to which day?", placeholder="YYYY-MM-DD, tomorrow, thu"
                                      ", +7"), go)

    def action_switch_site(self) -> None:
        sites = self.cospace_app.sites

        def pick(code: str | None) -> None:
            if code and self.day:
                self.show_day(code, self.day)

        self.app.push_screen(PickModal("Which site?", [(s.code, f"{s.code}  {s.name}")
                                                       for s in sites]), pick)
