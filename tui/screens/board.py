"""The board (home screen): one site, one day, every space; book at the cursor."""

from __future__ import annotations

import datetime as dt

from textual.app import ComposeResult
from textual.widgets import Footer, Static

from booking.errors import CospaceError
from booking.models import BookingView, SpaceInfo
from booking.series import SeriesResult
from booking.timeutil import hm, human_time_span, minutes_of_day
from tui import messages
from tui.boot import BOARD_BINDINGS
from tui.colours import status_mark
from tui.data import load_board, site_today
from tui.entry import parse_day
from tui.screens.board_change import KeyChanges, Pending
from tui.screens.booking_form import BookingForm, FormStart
from tui.screens.dialogs import AskModal, PickModal
from tui.text import esc
from tui.widgets.board_grid import BoardData, BoardGrid

__all__ = ["BoardScreen", "Pending"]


class BoardScreen(KeyChanges):
    """Spaces down the side, the day across; bookings coloured by organisation."""

    RELOAD_ON_RESUME = False  # the poll and the minute timer keep it current
    BINDINGS = BOARD_BINDINGS  # shared with the loading board (tui.boot)

    def __init__(self) -> None:
        super().__init__(id="board-screen")
        self.site_code: str | None = None
        self.day: dt.date | None = None
        self._pending_cursor: tuple[str, int] | None = None

    def compose(self) -> ComposeResult:
        yield Static("cospace", id="board-title", classes="screen-title")
        yield BoardGrid(id="board")
        yield Static("", id="board-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(BoardGrid).focus()
        self.set_interval(60, self.reload)  # move the "now" mark as the day goes on

    # ------------------------------------------------------------------ loading
    def ready(self) -> bool:
        return bool(self.site_code and self.day)

    def fetch(self) -> BoardData:
        assert self.site_code is not None and self.day is not None
        return load_board(self.cospace_app.cospace, self.site_code, self.day)

    def show_day(self, site_code: str, day: dt.date, cursor: tuple[str, int] | None = None
                 ) -> None:
        if site_code != self.site_code:
            self.cospace_app.remember("site", site_code)
        self.site_code, self.day = site_code, day
        self._pending_cursor = cursor
        self.pending = None  # a change not saved is dropped with the day it was on
        self.reload()

    def show_loaded(self, data: BoardData) -> None:
        """Show a day read elsewhere (the app's start-up)."""
        self.site_code, self.day = data.site.code, data.day
        self.show_data(data)

    def show_data(self, data: BoardData) -> None:
        if (data.site.code, data.day) != (self.site_code, self.day):
            return  # a newer day was asked for meanwhile
        self.data = data
        self.cospace_app.remember("site_name", data.site.name)  # for the next first frame
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
        text = f"[b]{esc(data.site.name)}[/b] · {data.day:%a %d %b %Y}"
        if when:
            text += f" ([b]{when}[/b])"
        if data.closed_reason:
            text += f" · [$error]closed: {esc(data.closed_reason)}[/]"
        else:
            text += f" · {hm(data.opens)}–{hm(data.closes)}"
        actor = self.cospace_app.actor
        if actor is not None:
            who = actor.name or actor.login
            text += f" · {esc(who)}" + (f" ({esc(actor.org_code)})" if actor.org_code else "")
        self.query_one("#board-title", Static).update(text)

    # ------------------------------------------------------------------ cursor
    def on_board_grid_cursor_moved(self, event: BoardGrid.CursorMoved) -> None:
        if self.pending is not None:
            self.show_pending()
            return
        self.query_one("#board-detail", Static).update(
            self.describe(event.space, event.minute, event.booking))

    def describe(self, space: SpaceInfo | None, minute: int,
                 booking: BookingView | None) -> str:
        if space is None:
            return ""
        feats = esc(", ".join(sorted(space.features)) or "no extras")
        about = (f"[b]{esc(space.code)}[/b] {esc(space.name)} · {space.capacity} "
                 f"{'person' if space.capacity == 1 else 'people'} · {feats}"
                 f"{' · private' if space.private else ''}")
        if space.restricted_to:
            about += f" · only {esc(', '.join(sorted(space.restricted_to)))}"
        if booking is None:
            return f"{about}\n{hm(minute)} free — Enter to book"
        span = human_time_span(booking.start, booking.end, booking.tz)
        mark = status_mark(booking.status)
        line = (f"{span} [b]{esc(booking.org)}[/b] #{booking.id} "
                f"{(mark + ' ') if mark else ''}{booking.status.replace('_', '-')}")
        if not booking.active:
            line = f"{hm(minute)} free — Enter to book · was: {line}"
        if booking.series is not None:
            line += f" · ↻ series #{booking.series}"
        if booking.details_visible:
            purpose = ("(purpose not shown)" if booking.purpose is None
                       else booking.purpose or "(no purpose given)")
            line += f" · {booking.attendees} · {esc(purpose)}"
            if booking.confidential:
                line += " · confidential"
        return f"{about}\n{line}"

    def on_board_grid_slot_chosen(self, event: BoardGrid.SlotChosen) -> None:
        if self.pending is not None:  # Enter saves the change made with the keys
            self.save_pending()
            return
        minute = event.minute
        if self.data is not None and self.data.closed_reason:
            self.notify(f"{self.data.site.name} is closed that day: "
                        f"{self.data.closed_reason}.", severity="warning")
            return
        if event.booking is not None and event.booking.active and self.data is not None:
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

    @property
    def at_cursor(self) -> BookingView | None:
        return self.query_one(BoardGrid).current_booking

    def action_check_in(self) -> None:
        self.post_message(messages.CheckIn(self.at_cursor))

    def action_no_show(self) -> None:
        self.post_message(messages.NoShow(self.at_cursor))

    def action_cancel(self) -> None:
        self.post_message(messages.CancelBooking(self.at_cursor))

    def action_history(self) -> None:
        self.post_message(messages.ShowHistory(self.at_cursor))

    def action_legend(self) -> None:
        """What the colours and marks mean: the organisations on this day and each mark."""
        from tui.screens.help import LegendScreen

        orgs = sorted({b.org for b in self.data.bookings if b.org} if self.data else set())
        counts = self.data.counts() if self.data else {}
        names = {o.code: o.name for o in self.cospace_app.orgs}
        self.app.push_screen(LegendScreen(orgs, counts, names))

    # ------------------------------------------------------------------ changing
    def action_change(self) -> None:
        """Open the booking form on the booking at the cursor; saving changes it."""
        self.post_message(messages.ChangeBooking(self.pending.booking if self.pending else
                                                 self.at_cursor))

    def action_undo(self) -> None:
        self.post_message(messages.UndoMark(self.at_cursor))

    def action_drop_change(self) -> None:
        if self.pending is None:
            return
        self.pending = None
        grid = self.query_one(BoardGrid)
        self.query_one("#board-detail", Static).update(
            self.describe(grid.current_space, grid.current_minute, grid.current_booking))

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
