"""The Desk's walk-in: what the person at the desk needs, booked in the first free space that
fits now and checked in at once; a walk-in that fits nowhere keeps its input and says why."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from booking.errors import CospaceError
from booking.models import KIND_LABELS, KINDS, BookingView
from booking.service import Cospace
from booking.walkin import walk_in
from tui.entry import parse_count, parse_end
from tui.screens.form_fields import FormCheckbox, FormSelect
from tui.text import esc, plain
from tui.widgets.compact import make_compact


@dataclass
class WalkIn:
    kind: str
    minutes: int
    attendees: int
    needs: str
    confidential: bool
    org: str | None


class WalkInModal(ModalScreen[BookingView | None]):
    """What the person at the desk needs; Enter books the first free space that fits now
    and checks it in. A refusal is shown here and the input kept."""

    BINDINGS = [Binding("escape", "leave", "Back"),
                Binding("enter", "submit", "Book now", key_display="Enter")]

    def __init__(self, cs: Cospace, site_code: str, orgs: list[str],
                 default_org: str | None) -> None:
        super().__init__(classes="dialog-screen")
        self.cs = cs
        self.site_code = site_code
        self.orgs = orgs
        self.default_org = default_org
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="walkin"):
            yield Label("Walk-in: book the first free space now", classes="dialog-question")
            with Horizontal(classes="field"):
                yield Label("Kind", classes="field-label")
                yield FormSelect([(KIND_LABELS[k], k) for k in KINDS], value="interview",
                                 allow_blank=False, id="w-kind")
            with Horizontal(classes="field"):
                yield Label("Length", classes="field-label")
                yield Input("1h", id="w-length", placeholder="45m, 1h")
            with Horizontal(classes="field"):
                yield Label("People", classes="field-label")
                yield Input("1", id="w-people", type="integer")
                yield FormCheckbox("Confidential", id="w-confidential")
            with Horizontal(classes="field"):
                yield Label("Needs", classes="field-label")
                yield Input("", id="w-needs", placeholder="e.g. step-free, hearing-loop")
            with Horizontal(classes="field"):
                yield Label("For", classes="field-label")
                yield FormSelect([(plain(o), o) for o in self.orgs], value=self.default_org
                                 if self.default_org in self.orgs else Select.BLANK,
                                 id="w-org")
            yield Static("", id="walkin-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Book now (Enter)", variant="primary", id="go")
                yield Button("Back (Esc)", id="back")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#w-length", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.action_submit()
        else:
            self.dismiss(None)

    def read(self) -> WalkIn:
        minutes = parse_length(self.query_one("#w-length", Input).value)
        people = parse_count(self.query_one("#w-people", Input).value, "people")
        org = self.query_one("#w-org", Select).value
        return WalkIn(
            kind=str(self.query_one("#w-kind", Select).value), minutes=minutes,
            attendees=people, needs=self.query_one("#w-needs", Input).value,
            confidential=self.query_one("#w-confidential", Checkbox).value,
            org=str(org) if org != Select.BLANK else None)

    def action_submit(self) -> None:
        if self.busy:
            return
        try:
            w = self.read()
        except CospaceError as exc:
            self.show_error(exc.message)
            return
        self.busy = True
        self.query_one("#walkin-error", Static).update("Booking…")
        self.book(w)

    @work(thread=True, exclusive=True, group="walk-in", exit_on_error=False)
    def book(self, w: WalkIn) -> None:
        try:
            view = walk_in(self.cs, self.site_code, w.kind, w.minutes, attendees=w.attendees,
                           needs=w.needs, confidential=w.confidential, org=w.org,
                           check_in=True)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a store that went away: say so, keep the input
            self.app.call_from_thread(self.show_error, f"Could not book: {exc}")
            return
        self.app.call_from_thread(self.dismiss, view)

    def show_error(self, message: str) -> None:
        self.busy = False
        self.query_one("#walkin-error", Static).update(f"[red]✗ {esc(message)}[/red]")

    def action_leave(self) -> None:
        self.dismiss(None)


def parse_length(text: str) -> int:
    """A walk-in's length: ``45m``, ``1h``, ``1h30``, ``90`` (minutes)."""
    return parse_end(text, 0)
