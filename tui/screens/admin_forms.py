"""The admin area's forms: edit one site, space or organisation (:class:`RecordForm`), close a
site for some days (:class:`ClosureForm`), and show a list of lines (:class:`NoticeModal`).

Every edit goes through :mod:`booking.admin`, which checks a form exactly as ``cospace
import`` checks a file; a wrong field is marked under the field and the form keeps the typing.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from booking import admin, closures, imports
from booking.errors import CospaceError
from booking.hours_impact import Outside, bookings_outside
from booking.service import Cospace
from booking.timeutil import parse_date
from tui.screens.dialogs import ConfirmModal
from tui.text import plain

FORM_CSS = """
RecordForm, ClosureForm, NoticeModal { align: center middle; background: $background 60%; }
RecordForm > Vertical, ClosureForm > Vertical, NoticeModal > Vertical {
    width: 84; max-width: 100%; height: auto; max-height: 100%;
    border: round $primary; background: $surface; padding: 0 1;
}
RecordForm .form-title, ClosureForm .form-title, NoticeModal .form-title {
    text-style: bold; padding: 0 0 1 0;
}
RecordForm VerticalScroll { height: auto; max-height: 20; }
RecordForm .form-row, ClosureForm .form-row { height: auto; }
RecordForm .form-label, ClosureForm .form-label { width: 16; padding: 0 1 0 0; }
RecordForm Input, ClosureForm Input { width: 1fr; }
RecordForm .form-error, ClosureForm .form-error {
    color: $error; height: auto; padding: 0 0 0 16;
}
RecordForm .form-buttons, ClosureForm .form-buttons, NoticeModal .form-buttons {
    height: auto; align-horizontal: right;
}
RecordForm .form-buttons Button, ClosureForm .form-buttons Button,
NoticeModal .form-buttons Button { margin: 0 0 0 1; min-width: 12; }
NoticeModal VerticalScroll { height: auto; max-height: 18; }
"""


def _compact(root: Any) -> None:
    for widget in root.query("Input, Button"):
        widget.compact = True


class NoticeModal(ModalScreen[None]):
    """A few lines to read (e.g. the bookings still on a newly closed day); any key closes."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape,enter", "close", "Close")]

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(self.title_text), classes="form-title")
            with VerticalScroll():
                for line in self.lines:
                    yield Static(plain(line))
            with Horizontal(classes="form-buttons"):
                yield Button("OK", id="ok", variant="primary")

    def on_mount(self) -> None:
        _compact(self)
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, _event: Button.Pressed) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)


class RecordForm(ModalScreen[imports.Change | None]):
    """Add or edit one organisation, site or space; returns what changed, or None."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, cospace: Cospace, kind: str, values: dict[str, str], *,
                 new: bool) -> None:
        super().__init__()
        self.cospace = cospace
        self.kind = kind
        self.values = values
        self.new = new
        self.fmt = imports.FORMATS[kind]

    def compose(self) -> ComposeResult:
        what = admin.WHAT[self.kind]
        title = f"New {what}" if self.new else f"Edit {what} {self.values[self.fmt.key]}"
        with Vertical():
            yield Label(plain(title), classes="form-title")
            with VerticalScroll():
                for col in self.fmt.columns:
                    with Horizontal(classes="form-row"):
                        yield Label(col.name.replace("_", " "), classes="form-label")
                        yield Input(self.values.get(col.name, ""), placeholder=col.help,
                                    id=f"f-{col.name}",
                                    disabled=(col.name == self.fmt.key and not self.new),
                                    tooltip=col.help)
                    yield Static("", id=f"e-{col.name}", classes="form-error", markup=False)
            yield Static("", id="e-row", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        _compact(self)
        for inp in self.query(Input):
            if not inp.disabled:
                inp.focus()
                break

    def texts(self) -> dict[str, str]:
        return {c.name: self.query_one(f"#f-{c.name}", Input).value for c in self.fmt.columns}

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        self.save(self.texts())

    @work(thread=True, exclusive=True, group="admin-form", exit_on_error=False)
    def save(self, texts: dict[str, str], asked: bool = False) -> None:
        """Save; new opening hours that leave bookings outside them first show those
        bookings and ask (:func:`booking.hours_impact.bookings_outside`)."""
        try:
            if not asked and self.hours_changed(texts):
                admin.check(self.cospace, self.kind, texts)  # a wrong field: say so first
                outside = bookings_outside(self.cospace, texts["code"], texts["hours"])
                if outside:
                    self.app.call_from_thread(self.ask_hours, texts, outside)
                    return
            change = admin.save(self.cospace, self.kind, texts)
            if asked:  # the bookings left outside were shown and the answer was yes
                change = dataclasses.replace(change, warnings=[])
        except admin.FormInvalid as exc:
            self.app.call_from_thread(self.show_problems, exc.problems)
            return
        except CospaceError as exc:
            self.app.call_from_thread(self.show_problems, {"row": exc.message})
            return
        self.app.call_from_thread(self.dismiss, change)

    def hours_changed(self, texts: dict[str, str]) -> bool:
        return (self.kind == "sites" and not self.new and "hours" in texts
                and texts["hours"].strip() != self.values.get("hours", "").strip())

    def ask_hours(self, texts: dict[str, str], outside: list[Outside]) -> None:
        """Show the bookings the new hours leave out, and save only on yes."""
        shown = [o.words for o in outside[:8]]
        more = f"\n… and {len(outside) - 8} more" if len(outside) > 8 else ""
        n = len(outside)

        def answer(yes: bool | None) -> None:
            if yes:
                self.save(texts, asked=True)
            else:
                self.query_one("#e-row", Static).update(
                    "Not saved: the opening hours are as they were.")

        self.app.push_screen(ConfirmModal(
            f"The new hours leave {n} upcoming booking{'s' if n != 1 else ''} outside them "
            "(they stay booked; cancel or move them after):\n" + "\n".join(shown) + more
            + "\nSave the new hours anyway?", yes="Save the hours"), answer)

    def show_problems(self, problems: dict[str, str]) -> None:
        names = {c.name for c in self.fmt.columns}
        for col in [*names, "row"]:
            self.query_one(f"#e-{col}", Static).update("")
        for col, message in problems.items():
            target = col if col in names else "row"
            self.query_one(f"#e-{target}", Static).update(plain(message))
        first = next((c for c in problems if c in names), None)
        if first:
            self.query_one(f"#f-{first}", Input).focus()


class ClosureForm(ModalScreen[closures.ClosureResult | None]):
    """Close a site for a day or a run of days, with a reason."""

    DEFAULT_CSS = FORM_CSS
    BINDINGS = [Binding("escape", "close", "Back"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, cospace: Cospace, site: str) -> None:
        super().__init__()
        self.cospace = cospace
        self.site = site

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(plain(f"Close {self.site}"), classes="form-title")
            for key, label, hint in (("from", "first day", "YYYY-MM-DD"),
                                     ("to", "last day", "YYYY-MM-DD (blank: one day)"),
                                     ("reason", "reason", "e.g. Staff training day")):
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(placeholder=hint, id=f"c-{key}")
            yield Static("", id="c-error", classes="form-error", markup=False)
            with Horizontal(classes="form-buttons"):
                yield Button("Close the site (ctrl+s)", id="save", variant="error")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        _compact(self)
        self.query_one("#c-from", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.dismiss(None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        get = {k: self.query_one(f"#c-{k}", Input).value.strip() for k in
               ("from", "to", "reason")}
        self.save(get)

    @work(thread=True, exclusive=True, group="admin-closure", exit_on_error=False)
    def save(self, get: dict[str, str]) -> None:
        try:
            first = parse_date(get["from"])
            last = parse_date(get["to"]) if get["to"] else first
            result = admin.add_closure(self.cospace, self.site, first, last,
                                       reason=get["reason"])
        except CospaceError as exc:
            self.app.call_from_thread(self.query_one("#c-error", Static).update, exc.message)
            return
        self.app.call_from_thread(self.dismiss, result)
