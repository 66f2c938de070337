"""The approvals queue: provisional bookings of the spaces that need approval, soonest first,
for the front desk, estates and administrators to approve or decline (with a reason)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from booking import approvals
from booking.errors import CospaceError
from booking.models import BookingView
from booking.service import Cospace
from booking.timeutil import human_time_span, to_local
from tui.text import cells, esc


class ApprovalsScreen(Screen[None]):
    """The queue: ``a`` approves the highlighted booking, ``x`` declines it (asks why)."""

    BINDINGS = [
        Binding("a", "approve", "Approve"),
        Binding("x", "decline", "Decline"),
        Binding("r", "reload", "Reload", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    def __init__(self, cs: Cospace) -> None:
        super().__init__(id="approvals-screen")
        self.cs = cs
        self.rows: list[BookingView] = []
        self.last = ""  # what the last decision did, kept above "nothing waits"

    def compose(self) -> ComposeResult:
        yield Static("[b]Waiting for approval[/b]", id="approvals-title",
                     classes="screen-title")
        yield DataTable(id="approvals-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="approvals-message")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("#", "Day", "Time", "Space", "Org", "People",
                                              "Booked by")
        self.query_one(DataTable).focus()
        self.load()

    def reload(self) -> None:
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="approvals", exit_on_error=False)
    def load(self) -> None:
        try:
            rows = approvals.queue(self.cs)
        except CospaceError as exc:
            self.app.call_from_thread(self.say, exc.message)
            return
        self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[BookingView]) -> None:
        self.rows = rows
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(cells((
            str(b.id), f"{to_local(b.start, b.tz):ddd D MMM}",
            human_time_span(b.start, b.end, b.tz), b.space, b.org,
            "" if b.attendees is None else str(b.attendees), b.booked_by or ""))
            for b in rows)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        self.query_one("#approvals-title", Static).update(
            f"[b]Waiting for approval[/b]  ({len(rows)})  a approves, x declines with a "
            "reason; undecided ones are declined at the site's lead time")
        if not rows:
            self.say(f"{self.last} Nothing else waits for approval." if self.last
                     else "Nothing waits for approval.")

    def say(self, text: str) -> None:
        self.query_one("#approvals-message", Static).update(esc(text))

    def current(self) -> BookingView | None:
        if not self.rows:
            return None
        return self.rows[min(self.query_one(DataTable).cursor_row, len(self.rows) - 1)]

    def action_approve(self) -> None:
        b = self.current()
        if b is not None:
            self.decide(b.id, None)

    def action_decline(self) -> None:
        from tui.screens.dialogs import AskModal

        b = self.current()
        if b is None:
            return

        def answer(reason: str | None) -> None:
            if reason is None:
                return
            if not reason.strip():
                self.say("A decline needs a reason: it is shown to the booker.")
                return
            self.decide(b.id, reason)

        self.app.push_screen(AskModal(f"Why decline #{b.id} ({b.space}, {b.org})?",
                                      placeholder="the reason, shown to the booker"), answer)

    @work(thread=True, exclusive=True, group="approvals-decide", exit_on_error=False)
    def decide(self, booking_id: int, reason: str | None) -> None:
        try:
            if reason is None:
                view = approvals.approve(self.cs, booking_id)
            else:
                view = approvals.decline(self.cs, booking_id, reason)
        except CospaceError as exc:
            self.app.call_from_thread(self.say, exc.message)
            return
        word = "approved" if view.status == "confirmed" else "declined"
        self.last = f"#{view.id} {view.space} {view.org} {word}."
        self.app.call_from_thread(self.say, self.last)
        self.load()
