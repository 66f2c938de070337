"""Today at the front desk: the day's bookings in time order, one key per action."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, Select, Static

from booking.errors import CospaceError
from booking.models import KIND_LABELS, KINDS, BookingView
from booking.timeutil import human_time_span
from booking.walkin import walk_in
from tui.data import site_today
from tui.entry import parse_count, parse_end
from tui.text import cells, esc, plain
from tui.widgets.compact import make_compact

if TYPE_CHECKING:
    from tui.app import CospaceApp

STATUS_WORDS = {
    "confirmed": "booked", "checked_in": "checked in", "no_show": "no-show",
    "cancelled": "cancelled", "released": "released",
    "provisional": "awaiting approval", "declined": "declined",
}


@dataclass
class WalkIn:
    kind: str
    minutes: int
    attendees: int
    needs: str
    confidential: bool
    org: str | None


class WalkInModal(ModalScreen[WalkIn | None]):
    """What the person at the desk needs; Enter books the first free space that fits now."""

    BINDINGS = [Binding("escape", "leave", "Back")]

    def __init__(self, orgs: list[str], default_org: str | None) -> None:
        super().__init__(classes="dialog-screen")
        self.orgs = orgs
        self.default_org = default_org

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="walkin"):
            yield Label("Walk-in: book the first free space now", classes="dialog-question")
            with Horizontal(classes="field"):
                yield Label("Kind", classes="field-label")
                yield Select([(KIND_LABELS[k], k) for k in KINDS], value="interview",
                             allow_blank=False, id="w-kind")
            with Horizontal(classes="field"):
                yield Label("Length", classes="field-label")
                yield Input("1h", id="w-length", placeholder="45m, 1h")
            with Horizontal(classes="field"):
                yield Label("People", classes="field-label")
                yield Input("1", id="w-people", type="integer")
                yield Checkbox("Confidential", id="w-confidential")
            with Horizontal(classes="field"):
                yield Label("Needs", classes="field-label")
                yield Input("", id="w-needs", placeholder="e.g. step-free, hearing-loop")
            with Horizontal(classes="field"):
                yield Label("For", classes="field-label")
                yield Select([(plain(o), o) for o in self.orgs], value=self.default_org
                             if self.default_org in self.orgs else Select.BLANK, id="w-org")
            yield Static("", id="walkin-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Book now (Enter)", variant="primary", id="go")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#w-length", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        try:
            minutes = parse_end(self.query_one("#w-length", Input).value, 0)
            people = parse_count(self.query_one("#w-people", Input).value, "people")
        except CospaceError as exc:
            self.query_one("#walkin-error", Static).update(f"[red]{esc(exc.message)}[/red]")
            return
        org = self.query_one("#w-org", Select).value
        self.dismiss(WalkIn(
            kind=str(self.query_one("#w-kind", Select).value), minutes=minutes,
            attendees=people, needs=self.query_one("#w-needs", Input).value,
            confidential=self.query_one("#w-confidential", Checkbox).value,
            org=str(org) if org != Select.BLANK else None))

    def action_leave(self) -> None:
        self.dismiss(None)


class TodayScreen(Screen[None]):
    """The day's bookings at the site, in time order, with their status."""

    BINDINGS = [
        Binding("i", "checkin", "Check in"),
        Binding("x", "noshow", "No-show"),
        Binding("c", "cancel", "Cancel"),
        Binding("u", "undo", "Undo mark"),
        Binding("e", "change", "Change"),
        Binding("w", "walk_in", "Walk-in"),
        Binding("h", "history", "History"),
        Binding("enter", "on_board", "On board", show=False),
        Binding("escape", "app.switch_mode('board')", "Board"),
    ]

    def __init__(self) -> None:
        super().__init__(id="desk-screen")
        self.bookings: list[BookingView] = []

    @property
    def cospace_app(self) -> CospaceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("[b]Desk today[/b]", id="desk-title", classes="screen-title")
        yield DataTable(id="desk-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.cospace_app.register_view("desk", self)
        self.query_one(DataTable).add_columns("#", "Time", "Space", "Org", "Status",
                                              "People", "Purpose")
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.cospace_app.site is not None:
            self.load()

    @work(thread=True, exclusive=True, group="desk", exit_on_error=False)
    def load(self) -> None:
        app = self.cospace_app
        site = app.site
        if site is None:
            return
        day = site_today(app.cospace, site.tz)
        rows = app.cospace.day_bookings(site.code, day)
        self.app.call_from_thread(self.show, site.name, day, rows)

    def show(self, site_name: str, day, rows: list[BookingView]) -> None:  # type: ignore[no-untyped-def]
        self.bookings = sorted(rows, key=lambda b: (b.start, b.space))
        waiting = sum(1 for b in self.bookings if b.status == "confirmed")
        self.query_one("#desk-title", Static).update(
            f"[b]Desk today[/b] · {esc(site_name)} · {day:%a %d %b} · "
            f"{len(self.bookings)} bookings, {waiting} to arrive")
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(
            cells((str(b.id), human_time_span(b.start, b.end, b.tz), b.space, b.org,
                   STATUS_WORDS.get(b.status, b.status),
                   "" if b.attendees is None else str(b.attendees),
                   "—" if b.purpose is None else b.purpose))
            for b in self.bookings
        )
        if self.bookings:
            table.move_cursor(row=min(row, len(self.bookings) - 1))

    def current(self) -> BookingView | None:
        table = self.query_one(DataTable)
        if not self.bookings:
            return None
        return self.bookings[min(table.cursor_row, len(self.bookings) - 1)]

    # ------------------------------------------------------------------ actions
    def change(self, action: str, booking_id: int) -> None:
        self.cospace_app.change_booking(action, booking_id)

    def action_checkin(self) -> None:
        b = self.current()
        if b is not None:
            self.change("checkin", b.id)

    def action_noshow(self) -> None:
        b = self.current()
        if b is not None:
            self.change("noshow", b.id)

    def action_cancel(self) -> None:
        b = self.current()
        if b is not None:
            self.cospace_app.confirm_cancel(b)

    def action_history(self) -> None:
        self.cospace_app.show_history(self.current())

    def action_change(self) -> None:
        self.cospace_app.open_change(self.current())

    def action_undo(self) -> None:
        self.cospace_app.undo_mark(self.current())

    def action_on_board(self) -> None:
        b = self.current()
        if b is not None:
            self.cospace_app.show_on_board(b)

    def action_walk_in(self) -> None:
        app = self.cospace_app
        actor = app.actor
        orgs = [o.code for o in app.orgs]
        if actor is not None and actor.role not in ("front-desk", "admin") and actor.org_code:
            orgs = [actor.org_code]

        def go(w: WalkIn | None) -> None:
            if w is not None:
                self.book_walk_in(w)

        self.app.push_screen(WalkInModal(orgs, actor.org_code if actor else None), go)

    @work(thread=True, group="desk-change", exit_on_error=False)
    def book_walk_in(self, w: WalkIn) -> None:
        app = self.cospace_app
        site = app.site
        if site is None:
            return
        try:
            view = walk_in(app.cospace, site.code, w.kind, w.minutes, attendees=w.attendees,
                           needs=w.needs, confidential=w.confidential, org=w.org)
        except CospaceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error", timeout=10)
            return
        self.app.call_from_thread(app.booking_saved, view)
