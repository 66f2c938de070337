"""The booking form: a modal that checks as you type and books in a thread worker.

A refusal (a clash, a rule, a permission) is shown inside the form and the input is kept, so a
mistake never costs the user their typing. Its fields are in :mod:`tui.screens.form_fields`,
its live check in :mod:`tui.screens.form_check`.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Button, Footer, Input, Label, Select, Static

from booking.change import Changes, change_booking, change_following
from booking.errors import Conflict, CospaceError
from booking.models import KINDS, Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.series import SeriesConflict, SeriesPlan, SeriesResult, book_series, plan_series
from booking.service import Cospace
from booking.timeutil import hm
from tui.screens.form_check import CheckedForm
from tui.screens.form_fields import (
    AMBIGUOUS_END,
    DEBOUNCE,
    DEFAULT_MINUTES,
    REPEATS,
    SPACE_LABEL_MAX,
    Draft,
    FormCheckbox,
    FormSelect,
    FormStart,
    booking_refusal,
    form_start_of,
    space_label,
)
from tui.text import plain
from tui.widgets.compact import make_compact

__all__ = [
    "AMBIGUOUS_END", "DEBOUNCE", "DEFAULT_MINUTES", "REPEATS", "SPACE_LABEL_MAX", "BookingForm",
    "Draft", "FormCheckbox", "FormSelect", "FormStart", "booking_refusal", "form_start_of",
    "space_label",
]



class BookingForm(CheckedForm):
    """Book one space for one time, or a repeating series; returns the saved booking (or the
    booked series), or None when left. With ``editing`` it opens on that booking and saves a
    change instead (:mod:`booking.change`), checked against the store as you type; a date of
    a series asks "this one / this and following"."""

    BINDINGS = [
        Binding("escape", "leave", "Back"),
        Binding("ctrl+s", "submit", "Book"),
        Binding("enter", "submit", "Book", show=False),
    ]

    def __init__(self, cs: Cospace, site: SiteInfo, spaces: list[SpaceInfo],
                 orgs: list[OrgInfo], actor: Actor, start: FormStart,
                 editing: BookingView | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.editing = editing
        self.cs = cs
        self.site = site
        # the board's order: interview rooms, hot desks, workshop rooms, each as stored
        self.spaces = {s.code: s for s in sorted(spaces, key=lambda s: KINDS.index(s.kind)
                                                 if s.kind in KINDS else len(KINDS))}
        self.actor = actor
        self.orgs = self._allowed_orgs(orgs, actor)
        self.start = start
        self.saving = False
        #: why this person may not book at all: the form says so instead of asking
        self.refusal = None if editing is not None else booking_refusal(actor, self.orgs)
        self._generation = 0  # the live check whose answer is still wanted
        self._timer: Timer | None = None

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
        ed = self.editing
        hidden = ed is not None and not ed.details_visible
        if self.refusal is not None:
            with Vertical(id="form", classes="dialog"):
                yield Label(plain(f"Book a space at {self.site.name}"),
                            classes="dialog-question")
                yield Static(plain(f"✗ {self.refusal}"), id="form-error", classes="problem")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Back (Esc)", id="back")
            yield Footer(compact=True, show_command_palette=False)
            return
        with Vertical(id="form", classes="dialog"):
            yield Label(plain(f"Change booking #{ed.id} ({ed.org}) at {self.site.name}" if ed
                              else f"Book a space at {self.site.name}"),
                        classes="dialog-question")
            with VerticalScroll(id="form-fields"):
                with Horizontal(classes="field"):
                    yield Label("Space", classes="field-label")
                    yield FormSelect([(plain(space_label(s)), s.code)
                                      for s in self.spaces.values()],
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
                    yield FormSelect([(plain(o.code + "  " + o.name), o.code)
                                      for o in self.orgs],
                                 value=org if org in org_codes else Select.BLANK,
                                 allow_blank=org not in org_codes, id="f-org")
                with Horizontal(classes="field"):
                    yield Label("People", classes="field-label")
                    yield Input("" if hidden else str(st.attendees), id="f-attendees",
                                type="integer",
                                placeholder="not shown" if hidden else "")
                    yield FormCheckbox("Confidential", st.confidential, id="f-confidential")
                with Horizontal(classes="field"):
                    yield Label("Purpose", classes="field-label")
                    yield Input((ed.purpose or "") if ed and not hidden else "", id="f-purpose",
                                placeholder="not shown: type to replace it" if hidden
                                else "e.g. Careers guidance")
                with Horizontal(classes="field", id="f-repeat-row"):
                    yield Label("Repeat", classes="field-label")
                    yield FormSelect(REPEATS, value="none", allow_blank=False, id="f-repeat")
                    yield Label("every", classes="field-label-mid")
                    yield Input("1", id="f-every", type="integer", classes="short")
                    yield Label("on", classes="field-label-short")
                    yield Input("", id="f-on", placeholder="thu or tue,thu")
                with Horizontal(classes="field", id="f-until-row"):
                    yield Label("Until", classes="field-label")
                    yield Input("", id="f-until", placeholder="YYYY-MM-DD")
                    yield Label("or count", classes="field-label-mid")
                    yield Input("", id="f-count", placeholder="N", type="integer",
                                classes="short")
                    yield FormCheckbox("Skip clashes", False, id="f-skip")
            yield Static("", id="form-check")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save the change (Enter)" if ed else "Book (Enter)",
                             variant="primary", id="book")
                yield Button("Back (Esc)", id="back")
                yield Button("Wait for it", id="wait")  # shown when the slot is taken
        yield Footer(compact=True, show_command_palette=False)  # this dialog's keys

    def on_mount(self) -> None:
        make_compact(self)
        if self.refusal is not None:
            self.query_one("#back", Button).focus()
            return
        self.query_one("#wait", Button).display = False
        self.show_repeat_fields(False)
        if self.editing is not None:  # a change: no repeat; start where times are typed
            self.query_one("#f-repeat-row").display = False
            self.query_one("#f-until-row").display = False
            self.query_one("#f-start", Input).focus()
        else:
            self.query_one("#f-purpose", Input).focus()
        self.check()

    # ------------------------------------------------------------------ saving
    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "wait":
            try:
                self.wait_for(self.draft())
            except CospaceError as exc:
                self.show_error(exc.message)
        elif event.button.id == "book":
            self.action_submit()
        else:
            self.action_leave()

    def action_leave(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        if self.saving or self.refusal is not None:
            return
        try:
            d = self.draft()
        except CospaceError as exc:
            self.show_error(exc.message)
            return
        self.saving = True
        if self.editing is not None:
            self.submit_change(d)
            return
        if d.repeat is not None:
            self.query_one("#form-error", Static).update("Checking every date…")
            self.plan(d)
            return
        self.query_one("#form-error", Static).update("Saving…")
        self.save(d)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def plan(self, d: Draft) -> None:
        """Work out the series' dates and clashes (writes nothing), then ask."""
        assert d.repeat is not None
        try:
            plan = plan_series(self.cs, d.space.code, d.start, d.end, d.repeat, org=d.org.code,
                               attendees=d.attendees, confidential=d.confidential)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a store that went away: say so, keep the form
            self.app.call_from_thread(self.show_error, f"Could not check: {exc}")
            return
        self.app.call_from_thread(self.ask, d, plan)

    def ask(self, d: Draft, plan: SeriesPlan) -> None:
        from tui.screens.series import SeriesPreviewModal

        def answer(choice: str | None) -> None:
            if choice is None:
                self.saving = False
                err = self.query_one("#form-error", Static)
                err.update("Not booked yet: change the form and press Book again.")
                err.set_class(False, "problem")
                return
            self.query_one("#form-error", Static).update("Saving…")
            self.save_series(d, skip=choice == "skip")

        self.app.push_screen(SeriesPreviewModal(plan, d.skip_clashes), answer)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def save_series(self, d: Draft, skip: bool) -> None:
        assert d.repeat is not None
        try:
            result = book_series(self.cs, d.space.code, d.start, d.end, d.repeat,
                                 org=d.org.code, attendees=d.attendees, purpose=d.purpose,
                                 confidential=d.confidential, skip_clashes=skip)
        except SeriesConflict as exc:  # a date was taken since the preview
            n = len(exc.plan.clash_days)
            self.app.call_from_thread(
                self.show_error, f"{d.space.code} was booked meanwhile: {n} date"
                f"{'s' if n != 1 else ''} now clash. Press Book to see them.")
            return
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:
            self.app.call_from_thread(self.show_error, f"Could not save: {exc}")
            return
        self.app.call_from_thread(self.dismiss, result)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def save(self, d: Draft) -> None:
        try:
            view = self.cs.book(d.space.code, d.start, d.end, org=d.org.code,
                                attendees=d.attendees, purpose=d.purpose,
                                confidential=d.confidential)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message, isinstance(exc, Conflict))
            return
        except Exception as exc:  # a store that went away: say so, keep the form
            self.app.call_from_thread(self.show_error, f"Could not save: {exc}")
            return
        self.app.call_from_thread(self.dismiss, view)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def wait_for(self, d: Draft) -> None:
        """The space is taken: wait for one of its kind at that time (the waitlist)."""
        from tui.screens.waitlist import wait_for_it

        try:
            text = wait_for_it(self.cs, site=self.site.code, kind=d.space.kind,
                               start=d.start_at, end=d.end_at, attendees=d.attendees,
                               needs=(), org=d.org.code)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        self.app.call_from_thread(self.app.notify, text)
        self.app.call_from_thread(self.dismiss, None)

    def show_error(self, message: str, taken: bool = False) -> None:
        self.saving = False
        self.query_one("#wait", Button).display = taken and self.editing is None
        err = self.query_one("#form-error", Static)
        err.update(plain(f"✗ Not {'changed' if self.editing else 'booked'}: {message}"))
        err.add_class("problem")

    # ------------------------------------------------------------------ changing
    def submit_change(self, d: Draft) -> None:
        """Save the change; a date of a series whose time or place changes asks which
        dates."""
        e = self.editing
        assert e is not None
        changes = self.changes(d)
        if changes.empty:
            self.saving = False
            self.dismiss(None)
            return
        if e.series is None:
            self.query_one("#form-error", Static).update("Saving…")
            self.save_change(changes, following=False)
            return
        from tui.screens.series import ChangeScopeModal

        def answer(scope: str | None) -> None:
            if scope is None:
                self.saving = False
                self.query_one("#form-error", Static).update("Not changed yet.")
                return
            self.query_one("#form-error", Static).update("Saving…")
            self.save_change(changes, following=scope == "following")

        self.app.push_screen(ChangeScopeModal(
            f"#{e.id} is a date of series #{e.series}: change this one, or this and the "
            "following dates?"), answer)

    @work(thread=True, exclusive=True, group="form", exit_on_error=False)
    def save_change(self, changes: Changes, following: bool) -> None:
        assert self.editing is not None
        try:
            result: BookingView | SeriesResult = (
                change_following(self.cs, self.editing.id, changes) if following
                else change_booking(self.cs, self.editing.id, changes))
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        except Exception as exc:  # a store that went away: say so, keep the form
            self.app.call_from_thread(self.show_error, f"Could not save: {exc}")
            return
        self.app.call_from_thread(self.dismiss, result)

