"""Recurring bookings and a booking's history: the series preview, the "which dates?" questions
when cancelling or changing a date of a series, and the audit history of one booking."""

from __future__ import annotations

import datetime as dt
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from booking.audit import AuditEntry, history
from booking.errors import CospaceError
from booking.models import BookingView
from booking.series import SeriesPlan
from booking.service import Cospace
from booking.timeutil import to_local
from tui.text import esc, plain
from tui.widgets.compact import make_compact


def _day(o: Any, tz: str) -> str:
    s, e = to_local(o.start, tz), to_local(o.end, tz)
    return f"{s:ddd D MMM YYYY HH:mm}–{e:HH:mm}"


class SeriesPreviewModal(ModalScreen[str | None]):
    """What a series would book, before anything is written. Returns ``"all"`` (no clashes:
    book every date), ``"skip"`` (book the free dates, skip the clashes) or None (back to the
    form, input kept)."""

    BINDINGS = [
        Binding("y", "confirm", "Book", id="series_preview.confirm"),
        Binding("n,escape", "back", "Back", id="series_preview.back"),
    ]

    def __init__(self, plan: SeriesPlan, skip_clashes: bool) -> None:
        super().__init__(classes="dialog-screen")
        self.plan = plan
        self.skip_clashes = skip_clashes

    def compose(self) -> ComposeResult:
        p = self.plan
        free, clashes = len(p.free), len(p.clashes)
        with Vertical(classes="dialog", id="series-preview"):
            yield Label(plain(f"{p.space} {p.description}"), classes="dialog-question")
            lines = [f"[b]Would book {free} date{'s' if free != 1 else ''}:[/b]"]
            lines += [f"  {_day(o, p.tz)}" for o in p.free] or ["  (none)"]
            if p.clashes:
                lines.append(f"[b $error]Clashes on {clashes} date"
                             f"{'s' if clashes != 1 else ''}:[/b $error]")
                lines += [f"  {esc(c.describe())}" for c in p.clashes]
            if p.skipped:
                lines.append("[b]Skipped (closed):[/b]")
                lines += [f"  {esc(s.describe())}" for s in p.skipped]
            with VerticalScroll(id="series-lines"):
                yield Static("\n".join(lines), id="series-text", markup=True)
            if p.clashes:
                note = ("Booking all or nothing is not possible while dates clash."
                        if not self.skip_clashes else
                        "The clashing dates will be left out.")
                yield Static(note, id="series-note")
            with Horizontal(classes="dialog-buttons"):
                if free:
                    label = (f"Book all {free} (y)" if not p.clashes else
                             f"Book the {free} free, skip clashes (y)")
                    yield Button(label, variant="primary", id="confirm")
                yield Button("Back to the form (n)", id="back")

    def on_mount(self) -> None:
        make_compact(self)
        buttons = self.query(Button)
        buttons.first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "confirm":
            self.action_confirm()
        else:
            self.action_back()

    def action_confirm(self) -> None:
        if not self.plan.free:
            return
        self.dismiss("skip" if self.plan.clashes else "all")

    def action_back(self) -> None:
        self.dismiss(None)


class CancelScopeModal(ModalScreen[str | None]):
    """Cancel a date of a series: ``"one"``, ``"following"`` or ``"all"``; None keeps it."""

    BINDINGS = [
        Binding("o", "answer('one')", "This one", id="cancel_scope.one"),
        Binding("f", "answer('following')", "This and following", id="cancel_scope.following"),
        Binding("a", "answer('all')", "All", id="cancel_scope.all"),
        Binding("n,escape", "answer('')", "Keep", id="cancel_scope.back"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-question")
            yield Static("Dates that have started are never changed.")
            with Horizontal(classes="dialog-buttons"):
                yield Button("This one (o)", variant="error", id="one")
                yield Button("This and following (f)", variant="error", id="following")
                yield Button("All (a)", variant="error", id="all")
                yield Button("Keep (n)", id="keep")

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#keep", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer("" if event.button.id == "keep" else str(event.button.id))

    def action_answer(self, scope: str) -> None:
        self.dismiss(scope or None)


class ChangeScopeModal(ModalScreen[str | None]):
    """Change a date of a series: ``"one"`` (it stays in its series, marked as moved) or
    ``"following"`` (this date and the later ones, each on its own date); None goes back."""

    BINDINGS = [
        Binding("o", "answer('one')", "This one", id="change_scope.one"),
        Binding("f", "answer('following')", "This and following", id="change_scope.following"),
        Binding("n,escape", "answer('')", "Back", id="change_scope.back"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-question")
            yield Static("This and following: every later date takes the new times on its "
                         "own day; all or nothing.")
            with Horizontal(classes="dialog-buttons"):
                yield Button("This one (o)", variant="primary", id="one")
                yield Button("This and following (f)", variant="primary", id="following")
                yield Button("Back (n)", id="back")

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#one", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_answer("" if event.button.id == "back" else str(event.button.id))

    def action_answer(self, scope: str) -> None:
        self.dismiss(scope or None)


def _value(v: Any, tz: str) -> str:
    if v is None or v == "":
        return "—"  # not recorded, or not yours to see
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] in " T":
        try:
            when = dt.datetime.fromisoformat(v)
        except ValueError:
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)  # the store keeps UTC
            return f"{to_local(when, tz):ddd D MMM YYYY HH:mm}"
    return esc(str(v))


def describe_entry(e: AuditEntry, tz: str) -> str:
    """``Mon 23 Nov 08:00  desk  cancel  status: confirmed → cancelled``."""
    head = f"{to_local(e.at, tz):ddd D MMM YYYY HH:mm}  [b]{esc(e.actor)}[/b]  {e.action}"
    if e.entity != "booking":
        head += f" {e.entity} #{e.entity_id}"
    before, after = e.before or {}, e.after or {}
    changes = []
    skip = {"id", "created_at", "updated_at", "space_id", "org_id", "booked_by_id", "series_id"}
    if e.before is None and after:  # a creation: the values it was made with
        keep = ("space", "org", "start_at", "end_at", "status", "attendees", "purpose")
        changes = [f"{k}: {_value(after[k], tz)}" for k in keep if k in after]
    else:
        for k in sorted(set(before) | set(after)):
            if k in skip or before.get(k) == after.get(k):
                continue
            changes.append(f"{k}: {_value(before.get(k), tz)} → {_value(after.get(k), tz)}")
    text = head
    if changes:
        text += "\n    " + "; ".join(changes)
    if e.reason:
        text += f"\n    reason: {esc(e.reason)}"
    return text


class HistoryModal(ModalScreen[None]):
    """The audit history of one booking: who, when (local time), what, before → after."""

    BINDINGS = [Binding("escape,q,h", "close", "Close", id="history.close")]

    def __init__(self, cs: Cospace, view: BookingView) -> None:
        super().__init__(classes="dialog-screen")
        self.cs = cs
        self.view = view
        self.entries: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        v = self.view
        with Vertical(classes="dialog", id="history"):
            yield Label(plain(f"History of #{v.id}: {v.space} "
                              f"{to_local(v.start, v.tz):ddd D MMM HH:mm} {v.org}"),
                        classes="dialog-question")
            with VerticalScroll(id="history-lines"):
                yield Static("Loading…", id="history-text")
            yield Static("Esc closes", classes="help-hint")

    def on_mount(self) -> None:
        make_compact(self)
        self.load()

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def load(self) -> None:
        try:
            entries = history(self.cs, self.view.id)
        except CospaceError as exc:
            self.app.call_from_thread(self.show_text, f"✗ {esc(exc.message)}")
            return
        self.app.call_from_thread(self.show, entries)

    def show(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        if not entries:
            self.show_text("No history recorded for this booking (or none you may see).")
            return
        self.show_text("\n".join(describe_entry(e, self.view.tz) for e in entries))

    def show_text(self, text: str) -> None:
        self.query_one("#history-text", Static).update(text)  # markup, user values escaped

    def action_close(self) -> None:
        self.dismiss(None)
