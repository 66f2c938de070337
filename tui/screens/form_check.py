"""The booking form's live check: it reads the fields into a draft and says, as you type,
whether Book (or saving a change) would go through, without writing anything."""

from __future__ import annotations

from textual import on, work
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Select, Static

from booking.change import Changes, check_change
from booking.errors import CospaceError
from booking.models import Actor, BookingView, OrgInfo, SiteInfo, SpaceInfo
from booking.precheck import Verdict, precheck
from booking.rules import check_booking, fmt_minutes
from booking.series import Repeat, SeriesResult, parse_repeat
from booking.service import Cospace
from booking.timeutil import at_minutes, hm, minutes_of_day, to_local, utc
from tui.entry import parse_count, parse_day, parse_end, parse_time
from tui.screens.form_fields import AMBIGUOUS_END, DEBOUNCE, Draft, FormStart
from tui.text import plain


class CheckedForm(ModalScreen[BookingView | SeriesResult | None]):
    """The reading and checking half of :class:`tui.screens.booking_form.BookingForm` (which
    sets these attributes and composes the fields read here)."""

    cs: Cospace
    site: SiteInfo
    spaces: dict[str, SpaceInfo]
    actor: Actor
    orgs: list[OrgInfo]
    start: FormStart
    editing: BookingView | None
    saving: bool
    refusal: str | None
    _generation: int
    _timer: Timer | None


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
