"""The booking form: a modal that checks as you type and books in a thread worker.

A refusal (a clash, a rule, a permission) is shown inside the form and the input is kept, so a
mistake never costs the user their typing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from booking.errors import CospaceError
from booking.models import Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.rules import check_booking, fmt_minutes
from booking.service import Cospace
from booking.timeutil import at_minutes, hm, to_local, utc
from tui.entry import parse_count, parse_day, parse_end, parse_time
from tui.widgets.compact import make_compact

DEFAULT_MINUTES = {"interview": 60, "workshop": 120, "desk": 240}


@dataclass
class FormStart:
    """What the form opens with (from the board cursor, a search result, ...)."""

    space: str
    day: dt.date
    start: int  # minutes after local midnight
    end: int | None = None
    attendees: int = 1
    confidential: bool = False
    org: str | None = None


@dataclass
class Draft:
    space: SpaceInfo
    day: dt.date
    start: str
    end: str
    org: OrgInfo
    attendees: int
    purpose: str
    confidential: bool
    start_at: dt.datetime
    end_at: dt.datetime


def space_label(s: SpaceInfo) -> str:
    extra = ", private" if s.private else ""
    return f"{s.code}  {s.name} ({s.capacity}{extra})"


class BookingForm(ModalScreen[BookingView | None]):
    """Book one space for one time; returns the saved booking, or None when left."""

    BINDINGS = [
        Binding("escape", "leave", "Back"),
        Binding("ctrl+s", "submit", "Book"),
    ]

    def __init__(self, cs: Cospace, site: SiteInfo, spaces: list[SpaceInfo],
                 orgs: list[OrgInfo], actor: Actor, start: FormStart) -> None:
        super().__init__(classes="dialog-screen")
        self.cs = cs
        self.site = site
        self.spaces = {s.code: s for s in spaces}
        self.actor = actor
        self.orgs = self._allowed_orgs(orgs, actor)
        self.start = start
        self.saving = False

    @staticmethod
    def _allowed_orgs(orgs: list[OrgInfo], actor: Actor) -> list[OrgInfo]:
        if actor.role in ("front-desk", "admin"):
            return orgs
        own = [o for o in orgs if o.id == actor.org_id]
        return own or orgs

    def compose(self) -> ComposeResult:
        st = self.start
        space = self.spaces.get(st.space)
        kind = space.kind if space else "interview"
        end = st.end if st.end is not None else st.start + DEFAULT_MINUTES[kind]
        org = st.org or self.actor.org_code or (self.orgs[0].code if self.orgs else None)
        org_codes = [o.code for o in self.orgs]
        with Vertical(id="form", classes="dialog"):
            yield Label(f"Book a space at {self.site.name}", classes="dialog-question")
            with VerticalScroll(id="form-fields"):
                with Horizontal(classes="field"):
                    yield Label("Space", classes="field-label")
                    yield Select([(space_label(s), s.code) for s in self.spaces.values()],
                                 value=st.space if st.space in self.spaces else Select.BLANK,
                                 allow_blank=False, id="f-space")
                with Horizontal(classes="field"):
                    yield Label("Date", classes="field-label")
                    yield Input(st.day.isoformat(), id="f-date",
                                placeholder="YYYY-MM-DD, tomorrow, thu")
                with Horizontal(classes="field"):
                    yield Label("Start", classes="field-label")
                    yield Input(hm(st.start), id="f-start", placeholder="HH:MM")
                    yield Label("End", classes="field-label-short")
                    yield Input(hm(end), id="f-end", placeholder="11:00 or 45m, 1h30")
                with Horizontal(classes="field"):
                    yield Label("For", classes="field-label")
                    yield Select([(o.code + "  " + o.name, o.code) for o in self.orgs],
                                 value=org if org in org_codes else Select.BLANK,
                                 allow_blank=org not in org_codes, id="f-org")
                with Horizontal(classes="field"):
                    yield Label("People", classes="field-label")
                    yield Input(str(st.attendees), id="f-attendees", type="integer")
                    yield Checkbox("Confidential", st.confidential, id="f-confidential")
                with Horizontal(classes="field"):
                    yield Label("Purpose", classes="field-label")
                    yield Input("", id="f-purpose", placeholder="e.g. Careers guidance")
            yield Static("", id="form-check")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Book (Enter)", variant="primary", id="book")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#f-purpose", Input).focus()
        self.check()

    # ------------------------------------------------------------------ checking
    def draft(self) -> Draft:
        """Read the fields; raises :class:`CospaceError` with plain words on a bad one."""
        space_code = self.query_one("#f-space", Select).value
        space = self.spaces.get(str(space_code))
        if space is None:
            raise CospaceError("Choose a space.")
        today = to_local(self.cs.now(), self.site.tz).date()
        day = parse_day(self.query_one("#f-date", Input).value, today)
        start = parse_time(self.query_one("#f-start", Input).value)
        end = parse_end(self.query_one("#f-end", Input).value, start)
        org_code = self.query_one("#f-org", Select).value
        org = next((o for o in self.orgs if o.code == org_code), None)
        if org is None:
            raise CospaceError("Choose the organisation the booking is for.")
        attendees = parse_count(self.query_one("#f-attendees", Input).value)
        start_at = utc(at_minutes(day, start, self.site.tz))
        end_at = utc(at_minutes(day, end, self.site.tz))
        return Draft(
            space=space, day=day, start=f"{day.isoformat()} {hm(start)}",
            end=hm(end) if end < 1440 else "24:00", org=org, attendees=attendees,
            purpose=self.query_one("#f-purpose", Input).value.strip(),
            confidential=self.query_one("#f-confidential", Checkbox).value,
            start_at=start_at, end_at=end_at,
        )

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def check(self) -> None:
        """Check the rules that need no store as the user types; the clash check is on save."""
        check = self.query_one("#form-check", Static)
        try:
            d = self.draft()
            check_booking(space=d.space, site=self.site, org=d.org, start=d.start_at,
                          end=d.end_at, attendees=d.attendees, confidential=d.confidential,
                          now=self.cs.now())
        except CospaceError as exc:
            check.update(f"⚠ {exc.message}")
            check.set_class(True, "problem")
            return
        minutes = int((d.end_at - d.start_at).total_seconds() // 60)
        check.update(
            f"✓ {d.space.code} {d.day:%a %d %b} {d.start[-5:]}–{d.end} "
            f"({fmt_minutes(minutes)}) for {d.org.code}"
        )
        check.set_class(False, "problem")

    # ------------------------------------------------------------------ saving
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "book":
            self.action_submit()
        else:
            self.action_leave()

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        if self.saving:
            return
        try:
            d = self.draft()
        except CospaceError as exc:
            self.show_error(exc.message)
            return
        self.saving = True
        self.query_one("#form-error", Static).update("Saving…")
        self.save(d)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def save(self, d: Draft) -> None:
        try:
            view = self.cs.book(d.space.code, d.start, d.end, org=d.org.code,
                                attendees=d.attendees, purpose=d.purpose,
                                confidential=d.confidential)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a store that went away: say so, keep the form
            self.app.call_from_thread(self.show_error, f"Could not save: {exc}")
            return
        self.app.call_from_thread(self.dismiss, view)

    def show_error(self, message: str) -> None:
        self.saving = False
        err = self.query_one("#form-error", Static)
        err.update(f"✗ Not booked: {message}")
        err.add_class("problem")
