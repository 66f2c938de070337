"""My bookings: the acting staff member's organisation's upcoming bookings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from booking.models import BookingView
from booking.timeutil import human_time_span, to_local
from tui.screens.today import STATUS_WORDS
from tui.screens.waitlist import WaitlistPanel
from tui.text import cells, esc

if TYPE_CHECKING:
    from tui.app import CospaceApp


class MyBookingsScreen(Screen[None]):
    """Upcoming bookings of the acting organisation; filter, cancel, or see on the board."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("c", "cancel", "Cancel"),
        Binding("e", "change", "Change"),
        Binding("u", "undo", "Undo mark", show=False),
        Binding("space", "mark", "Mark", key_display="␣"),
        Binding("C", "cancel_marked", "Cancel ●", key_display="C"),
        Binding("h", "history", "History"),
        Binding("enter", "on_board", "On board"),
        Binding("escape", "app.switch_mode('board')", "Board"),
    ]

    def __init__(self) -> None:
        super().__init__(id="mine-screen")
        self.all: list[BookingView] = []
        self.shown: list[BookingView] = []
        #: bookings marked to cancel together
        self.marked: set[int] = set()

    @property
    def cospace_app(self) -> CospaceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("[b]My bookings[/b]", id="mine-title", classes="screen-title")
        yield Input(placeholder="Filter by space or date (e.g. IR2, 2026-11-26, Thu)",
                    id="mine-filter")
        yield DataTable(id="mine-table", cursor_type="row", zebra_stripes=True)
        yield WaitlistPanel(self.cospace_app.cospace)  # the waitlist requests (issue 18)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.cospace_app.register_view("mine", self)
        self.query_one("#mine-filter", Input).compact = True
        self.query_one(DataTable).add_columns("#", "Day", "Time", "Space", "Status",
                                              "People", "Purpose")
        self.query_one(DataTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.cospace_app.actor is not None:
            self.load()
            self.query_one(WaitlistPanel).reload()

    @work(thread=True, exclusive=True, group="mine", exit_on_error=False)
    def load(self) -> None:
        app = self.cospace_app
        actor = app.actor
        if actor is None or not actor.org_code:
            self.app.call_from_thread(self.show, [], "No organisation: nothing of yours.")
            return
        rows = app.cospace.list_bookings(org=actor.org_code,
                                         statuses=("confirmed", "checked_in", "provisional"))
        now = app.cospace.now()
        rows = [b for b in rows if b.end > now]
        self.app.call_from_thread(self.show, rows, f"{actor.org_code}, from now on")

    def show(self, rows: list[BookingView], note: str) -> None:
        self.all = rows
        self.marked &= {b.id for b in rows}
        self.query_one("#mine-title", Static).update(f"[b]My bookings[/b]  {esc(note)}  "
                                                     f"({len(rows)})")
        self.apply_filter()

    def apply_filter(self) -> None:
        words = self.query_one("#mine-filter", Input).value.strip().lower().split()
        def keep(b: BookingView) -> bool:
            local = to_local(b.start, b.tz)
            text = (f"{b.space} {b.space_name} {local:YYYY-MM-DD} {local:ddd} {local:D MMM} "
                    f"{b.purpose or ''}").lower()
            return all(w in text for w in words)

        self.shown = [b for b in self.all if keep(b)]
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(
            cells((("● " if b.id in self.marked else "") + str(b.id),
                   f"{to_local(b.start, b.tz):ddd D MMM}",
                   human_time_span(b.start, b.end, b.tz), b.space,
                   STATUS_WORDS.get(b.status, b.status),
                   "" if b.attendees is None else str(b.attendees), b.purpose or ""))
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
        self.cospace_app.show_history(self.current())

    def action_change(self) -> None:
        self.cospace_app.open_change(self.current())

    def action_undo(self) -> None:
        self.cospace_app.undo_mark(None)

    def action_on_board(self) -> None:
        b = self.current()
        if b is not None:
            self.cospace_app.show_on_board(b)

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
            self.cospace_app.confirm_cancel(b)
