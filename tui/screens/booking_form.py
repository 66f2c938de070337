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
from textual.timer import Timer
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from booking import permissions
from booking.change import Changes, change_booking, change_following, check_change
from booking.errors import Conflict, CospaceError
from booking.models import KINDS, Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.precheck import Verdict, precheck
from booking.rules import check_booking, fmt_minutes
from booking.series import (
    Repeat,
    SeriesConflict,
    SeriesPlan,
    SeriesResult,
    book_series,
    parse_repeat,
    plan_series,
)
from booking.service import Cospace
from booking.timeutil import at_minutes, hm, minutes_of_day, to_local, utc
from tui.entry import parse_count, parse_day, parse_end, parse_time
from tui.text import plain
from tui.widgets.compact import make_compact

DEFAULT_MINUTES = {"interview": 60, "workshop": 120, "desk": 240}
#: Seconds of quiet typing before the form asks the store (the clash check).
DEBOUNCE = 0.3
#: A space's line in the list stays on one line of the form at 80 columns.
SPACE_LABEL_MAX = 54
#: A bare number up to this in End could be an hour or a length: it is refused.
AMBIGUOUS_END = 24


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox that toggles with space only: Enter submits the form it is in."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]


class FormSelect(Select, inherit_bindings=False):
    """A select that opens with space (or down/up): Enter submits the form it is in."""

    BINDINGS = [Binding("space,down,up", "show_overlay", "Choose", show=False)]


def booking_refusal(actor: Actor, orgs: list[OrgInfo]) -> str | None:
    """Why ``actor`` may not book at all (before any field is filled), or None."""
    if not actor.known:
        return (f"'{actor.login}' is not a cospace user: you can look at the board but not "
                "book. Start with --as LOGIN (e.g. --as frontdesk).")
    if not any(permissions.may_booking_action(actor, "book", o.id) for o in orgs):
        try:
            permissions.require_booking_action(actor, "book", -1, "")
        except CospaceError as exc:
            return exc.message
        return f"{permissions.role_label(actor)} cannot book for any organisation here."
    return None


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


def form_start_of(view: BookingView) -> FormStart:
    """The form's opening values for changing ``view``."""
    end = minutes_of_day(view.end, view.tz) or 1440
    return FormStart(space=view.space, day=to_local(view.start, view.tz).date(),
                     start=minutes_of_day(view.start, view.tz), end=end,
                     attendees=view.attendees or 1, confidential=view.confidential,
                     org=view.org)


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
    repeat: Repeat | None = None
    skip_clashes: bool = False


def space_label(s: SpaceInfo) -> str:
    """``IR2  Interview Room 2 (4, private) wifi, step-free``: size, privacy, features and
    who may book it, so the choice is made from the list."""
    extra = ", private" if s.private else ""
    text = f"{s.code}  {s.name} ({s.capacity}{extra})"
    if s.features:
        text += " " + ", ".join(sorted(s.features))
    if s.restricted_to:
        text += f" · only {', '.join(sorted(s.restricted_to))}"
    return text if len(text) <= SPACE_LABEL_MAX else text[:SPACE_LABEL_MAX - 1] + "…"


REPEATS = [("no repeat", "none"), ("weekly", "weekly"), ("monthly", "monthly")]


class BookingForm(ModalScreen[BookingView | SeriesResult | None]):
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
        end = self.read_end(start)
        org_code = self.query_one("#f-org", Select).value
        org = next((o for o in self.orgs if o.code == org_code), None)
        if org is None:
            raise CospaceError("Choose the organisation the booking is for.")
        typed = self.query_one("#f-attendees", Input).value
        # another organisation's attendees are not shown: left empty, they stay as they are
        attendees = (0 if self.editing is not None and not typed.strip()
                     and not self.editing.details_visible else parse_count(typed))
        start_at = utc(at_minutes(day, start, self.site.tz))
        end_at = utc(at_minutes(day, end, self.site.tz))
        return Draft(
            space=space, day=day, start=f"{day.isoformat()} {hm(start)}",
            end=hm(end) if end < 1440 else "24:00", org=org, attendees=attendees,
            purpose=self.query_one("#f-purpose", Input).value.strip(),
            confidential=self.query_one("#f-confidential", Checkbox).value,
            start_at=start_at, end_at=end_at,
            repeat=self.repeat() if self.editing is None else None,
            skip_clashes=self.query_one("#f-skip", Checkbox).value,
        )

    def read_end(self, start: int) -> int:
        """The End field: a time (``11:00``) or a length (``45m``, ``1h30``, ``90``). A bare
        number that could be an hour (``5``: 05:00, 17:00 or 5 minutes?) is refused."""
        text = self.query_one("#f-end", Input).value.strip()
        if text.isdigit() and int(text) <= AMBIGUOUS_END:
            n = int(text)
            hour = n if n >= 7 or n == 0 else n + 12
            raise CospaceError(
                f"End '{text}' is ambiguous: write {hour:02d}:00 for a time, or {n}m / {n}h "
                "for a length.")
        return parse_end(text, start)

    def end_words(self, d: Draft) -> str:
        """How a typed length was read, so ``90`` is never silently a time: ``90 read as
        1 h 30 min``."""
        text = self.query_one("#f-end", Input).value.strip()
        if ":" in text or not text:
            return ""
        minutes = int((d.end_at - d.start_at).total_seconds() // 60)
        return f" (End '{text}' read as a length: {fmt_minutes(minutes)}, to {d.end})"

    @on(Select.Changed, "#f-repeat")
    def repeat_chosen(self) -> None:
        """Choosing a repeat shows its fields at once (and scrolls them into view)."""
        on = str(self.query_one("#f-repeat", Select).value) in ("weekly", "monthly")
        self.show_repeat_fields(on)
        if on:
            row = self.query_one("#f-until-row")
            self.call_after_refresh(row.scroll_visible, animate=False)

    def show_repeat_fields(self, on: bool) -> None:
        for selector in ("#f-until-row", "#f-every", "#f-on", "#f-repeat-row .field-label-mid",
                         "#f-repeat-row .field-label-short"):
            for w in self.query(selector):
                w.display = on

    def repeat(self) -> Repeat | None:
        """The repeat rule from the repeat fields, or None for a single booking."""
        freq = str(self.query_one("#f-repeat", Select).value)
        if freq not in ("weekly", "monthly"):
            return None
        every_text = self.query_one("#f-every", Input).value.strip() or "1"
        count_text = self.query_one("#f-count", Input).value.strip()
        until = self.query_one("#f-until", Input).value.strip()
        if not every_text.isdigit() or int(every_text) < 1:
            raise CospaceError("Every: a whole number of weeks or months, 1 or more.")
        if count_text and (not count_text.isdigit() or int(count_text) < 1):
            raise CospaceError("Count: how many dates, 1 or more.")
        if not until and not count_text:
            raise CospaceError("A repeat needs an end: an until date or a count.")
        if until and count_text:
            raise CospaceError("Give an until date or a count, not both.")
        return parse_repeat(freq, every=int(every_text),
                            on=self.query_one("#f-on", Input).value.strip() or None,
                            until=until or None, count=int(count_text) if count_text else None)

    @on(Input.Changed, "#f-start")
    def keep_length(self) -> None:
        """Changing a booking's start keeps its length while its end is not typed over."""
        e = self.editing
        if e is None:
            return
        end_input = self.query_one("#f-end", Input)
        length = int((e.end - e.start).total_seconds() // 60)
        try:
            start = parse_time(self.query_one("#f-start", Input).value)
        except CospaceError:
            return
        if end_input.value == getattr(self, "_auto_end", hm(minutes_of_day(e.end, e.tz))):
            new = start + length
            if new <= 1440:
                self._auto_end = hm(new) if new < 1440 else "24:00"
                end_input.value = self._auto_end

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def check(self) -> None:
        """One current verdict for what is in the form: the rules that need no store at
        once, then (after a pause in typing, in a worker) the same rules and the clash check
        Book runs (:func:`booking.precheck.precheck`; for a change,
        :func:`booking.change.check_change`). Until that answers the line says "checking",
        never ✓; an older answer arriving late is dropped."""
        if self.refusal is not None:
            return
        self._generation += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.saving:  # the last refusal was about other input: one verdict only
            err = self.query_one("#form-error", Static)
            err.update("")
            err.set_class(False, "problem")
        try:
            d = self.draft()
            if self.editing is not None:
                changes = self.changes(d)
            else:
                check_booking(space=d.space, site=self.site, org=d.org, start=d.start_at,
                              end=d.end_at, attendees=d.attendees,
                              confidential=d.confidential, now=self.cs.now())
        except CospaceError as exc:
            self.show_check(f"⚠ {exc.message}", True)
            return
        if self.editing is not None and changes.empty:
            self.show_check("Nothing changed yet.", False)
            return
        self.show_check(f"… {self.summary(d)}: checking…", False)
        generation = self._generation
        if self.editing is not None:
            self._timer = self.set_timer(
                DEBOUNCE, lambda: self.live_check(d, changes, generation))
        else:
            self._timer = self.set_timer(DEBOUNCE, lambda: self.store_check(d, generation))

    def summary(self, d: Draft) -> str:
        """``D01 Thu 10 Dec 10:00–11:00 (1 h) for NCS, weekly 6 times``."""
        minutes = int((d.end_at - d.start_at).total_seconds() // 60)
        repeat = ""
        if d.repeat is not None:
            until = (f"until {d.repeat.until:%d %b %Y}" if d.repeat.until else
                     f"{d.repeat.count} times")
            repeat = f", {d.repeat.freq} {until}"
        return (f"{d.space.code} {d.day:%a %d %b} {d.start[-5:]}–{d.end} "
                f"({fmt_minutes(minutes)}) for {d.org.code}{repeat}")

    @work(thread=True, exclusive=True, group="form-check", exit_on_error=False)
    def store_check(self, d: Draft, generation: int) -> None:
        """The booking as Book would check it, read-only (:mod:`booking.precheck`)."""
        try:
            verdict = precheck(self.cs, space=d.space, site=self.site, org=d.org,
                               start=d.start_at, end=d.end_at, attendees=d.attendees,
                               confidential=d.confidential, spaces=list(self.spaces.values()))
        except Exception as exc:  # a store that went away: say so, keep the form
            verdict = Verdict(False, f"Could not check: {exc}")
        self.app.call_from_thread(self.show_verdict, d, verdict, generation)

    def show_verdict(self, d: Draft, verdict: Verdict, generation: int) -> None:
        if generation != self._generation or not self.is_attached:
            return  # the form changed since: a newer check is on its way
        if verdict.ok:
            first = " (first date)" if d.repeat is not None else ""
            then = "Enter checks every date" if d.repeat is not None else "Enter books"
            self.show_check(f"✓ {self.summary(d)}: free{first}, {then}"
                            f"{self.end_words(d)}", False)
        else:
            self.show_check(verdict.line, True)

    def changes(self, d: Draft) -> Changes:
        """What the form changes in the booking being edited (only what differs)."""
        e = self.editing
        assert e is not None
        moved = d.start_at != e.start or d.end_at != e.end
        purpose = d.purpose if (e.details_visible and d.purpose != (e.purpose or "")) or (
            not e.details_visible and d.purpose) else None
        attendees = d.attendees if d.attendees and (
            not e.details_visible or d.attendees != e.attendees) else None
        return Changes(
            start=d.start if moved else None, end=d.end if moved else None,
            space=d.space.code if d.space.code != e.space else None,
            org=d.org.code if d.org.code != e.org else None, attendees=attendees,
            purpose=purpose,
            confidential=d.confidential if d.confidential != e.confidential else None)

    @work(thread=True, exclusive=True, group="form-check", exit_on_error=False)
    def live_check(self, d: Draft, changes: Changes, generation: int) -> None:
        """The change as saving would check it (rules, allocation, clashes), writing nothing."""
        assert self.editing is not None
        try:
            s, e, space = check_change(self.cs, self.editing.id, changes)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_check, f"✗ {exc.message}", True, generation)
            return
        except Exception as exc:  # a store that went away: say so, keep the form
            self.app.call_from_thread(self.show_check, f"⚠ Could not check: {exc}", True,
                                      generation)
            return
        minutes = int((e - s).total_seconds() // 60)
        self.app.call_from_thread(
            self.show_check, f"✓ {space} {to_local(s, self.site.tz):ddd D MMM HH:mm}–"
            f"{to_local(e, self.site.tz):HH:mm} ({fmt_minutes(minutes)}) for {d.org.code}: "
            "free, Enter saves the change", False, generation)

    def show_check(self, text: str, problem: bool, generation: int | None = None) -> None:
        if generation is not None and (generation != self._generation
                                       or not self.is_attached):
            return  # an older answer: the form changed since
        check = self.query_one("#form-check", Static)
        check.update(plain(text))
        check.set_class(problem, "problem")

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
