"""My bookings: the acting staff member's organisation's upcoming bookings."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from booking.models import BookingView
from booking.timeutil import human_time_span, to_local
from tui import messages
from tui.colours import SERIES_MARK, STATUS_WORDS
from tui.screens.base import LoadedScreen
from tui.screens.waitlist import WaitlistPanel
from tui.text import cells, esc


@dataclass(frozen=True)
class Mine:
    """What the screen shows: the bookings, and a note on whose they are."""

    rows: list[BookingView]
    note: str


class MyBookingsScreen(LoadedScreen[Mine]):
    """Upcoming bookings of the acting organisation, whoever made them (the front desk
    books for partners); filter, cancel, or see on the board."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/", id="mine.filter"),
        Binding("c", "cancel", "Cancel", id="mine.cancel"),
        Binding("e", "change", "Change", id="mine.change"),
        Binding("u", "undo", "Undo mark", show=False, id="mine.undo"),
        Binding("space", "mark", "Mark", key_display="␣", id="mine.mark"),
        Binding("C", "cancel_marked", "Cancel ●", key_display="C", id="mine.cancel_marked"),
        Binding("h", "history", "History", id="mine.history"),
        Binding("enter", "on_board", "On board", id="mine.on_board"),
        Binding("escape", "app.switch_mode('board')", "Board", id="mine.board"),
    ]

    def __init__(self) -> None:
        super().__init__(id="mine-screen")
        self.all: list[BookingView] = []
        self.shown: list[BookingView] = []
        self.note = ""
        #: bookings marked to cancel together
        self.marked: set[int] = set()

    def compose(self) -> ComposeResult:
        yield Static("[b]My bookings[/b]", id="mine-title", classes="screen-title")
        yield Input(placeholder="Filter by space, date, purpose or who booked (e.g. IR2, Thu)",
                    id="mine-filter")
        yield DataTable(id="mine-table", cursor_type="row", zebra_stripes=True)
        yield WaitlistPanel(self.cospace_app.cospace)  # the waitlist requests (issue 18)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#mine-filter", Input).compact = True
        self.query_one(DataTable).add_columns("#", "Day", "Time", "Space", "Status",
                                              "People", "Booked by", "Purpose")
        self.query_one(DataTable).focus()
        self.reload()

    def reload(self) -> None:
        """Read the bookings again, and the waitlist panel with them."""
        super().reload()
        if self.ready():
            self.query_one(WaitlistPanel).reload()

    def fetch(self) -> Mine:
        app = self.cospace_app
        actor = app.actor
        if actor is None or not actor.org_code:
            return Mine([], "No organisation: nothing of yours.")
        rows = app.cospace.list_bookings(org=actor.org_code,
                                         statuses=("confirmed", "checked_in", "provisional"))
        now = app.cospace.now()
        return Mine([b for b in rows if b.end > now], f"{actor.org_code}, from now on")

    def show_data(self, data: Mine) -> None:
        self.all, self.note = data.rows, data.note
        self.marked &= {b.id for b in data.rows}
        self.apply_filter()

    def show(self, rows: list[BookingView], note: str) -> None:
        self.show_data(Mine(rows, note))

    def booked_by(self, b: BookingView) -> str:
        """"you", or the login that booked it for the organisation (e.g. the front desk)."""
        actor = self.cospace_app.actor
        if b.booked_by is None:
            return ""
        return "you" if actor is not None and b.booked_by == actor.login else b.booked_by

    def apply_filter(self) -> None:
        words = self.query_one("#mine-filter", Input).value.strip().lower().split()

        def keep(b: BookingView) -> bool:
            local = to_local(b.start, b.tz)
            text = (f"{b.space} {b.space_name} {local:YYYY-MM-DD} {local:ddd} {local:D MMM} "
                    f"{b.purpose or ''} {self.booked_by(b)}").lower()
            return all(w in text for w in words)

        self.shown = [b for b in self.all if keep(b)]
        count = (f"{len(self.shown)} of {len(self.all)} shown" if words
                 else f"{len(self.all)}")
        self.query_one("#mine-title", Static).update(
            f"[b]My bookings[/b]  {esc(self.note)}  ({count})  "
            f"{SERIES_MARK} a date of a series")
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(
            cells((("● " if b.id in self.marked else "") + str(b.id)
                   + (f" {SERIES_MARK}" if b.series is not None else ""),
                   f"{to_local(b.start, b.tz):ddd D MMM}",
                   human_time_span(b.start, b.end, b.tz), b.space,
                   STATUS_WORDS.get(b.status, b.status),
                   "" if b.attendees is None else str(b.attendees), self.booked_by(b),
                   b.purpose or ""))
            for b in self.shown
        )
        if self.shown:
            table.move_cursor(row=min(row, len(self.shown) - 1))

    def on_input_changed(self, event: Input.Changed) -> None:
        self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_on_board()

    def current(self) -> BookingView | None:
        if not self.shown:
            return None
        return self.shown[min(self.query_one(DataTable).cursor_row, len(self.shown) - 1)]

    def action_filter(self) -> None:
        self.query_one("#mine-filter", Input).focus()

    def action_history(self) -> None:
        self.post_message(messages.ShowHistory(self.current()))

    def action_change(self) -> None:
        self.post_message(messages.ChangeBooking(self.current()))

    def action_undo(self) -> None:
        self.post_message(messages.UndoMark(None))

    def action_on_board(self) -> None:
        self.post_message(messages.ShowOnBoard(self.current()))

    def action_mark(self) -> None:
        """Mark or unmark the booking at the cursor, to cancel several together."""
        b = self.current()
        if b is None:
            return
        self.marked ^= {b.id}
        table = self.query_one(DataTable)
        row = table.cursor_row
        self.apply_filter()
        table.move_cursor(row=min(row + 1, len(self.shown) - 1))

    def action_cancel_marked(self) -> None:
        """Cancel every marked booking together, after one confirmation; all or nothing."""
        chosen = [b for b in self.all if b.id in self.marked]
        if not chosen:
            self.notify("Mark bookings with the space bar first, then press C.")
            return
        from tui.screens.dialogs import ConfirmModal

        def answer(yes: bool | None) -> None:
            if yes:
                # marks stay until the list reloads: cancelled rows leave it, and after a
                # refusal (nothing cancelled) the user can unmark the one in the way
                self.cospace_app.cancel_together([b.id for b in chosen])

        listing = ", ".join(f"#{b.id} {b.space} {to_local(b.start, b.tz):ddd D MMM HH:mm}"
                            for b in chosen[:6]) + (" …" if len(chosen) > 6 else "")
        self.app.push_screen(ConfirmModal(
            f"Cancel these {len(chosen)} bookings together? {listing}",
            yes=f"Cancel {len(chosen)}"), answer)

    def action_cancel(self) -> None:
        b = self.current()
        if b is not None:
            self.post_message(messages.CancelBooking(b))
