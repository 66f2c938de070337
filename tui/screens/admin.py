"""The admin area: view and edit sites (opening hours, closures), spaces and organisations.

Every edit goes through :mod:`booking.admin`, which checks a form exactly as ``cospace
import`` checks a file; a wrong field is marked under the field and the form keeps the typing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Label,
    Static,
    TabbedContent,
    TabPane,
)

from booking import admin, closures, imports
from booking.errors import CospaceError
from booking.hours_impact import Outside, bookings_outside
from booking.service import Cospace, describe_booking
from booking.timeutil import format_hours, parse_date, to_local
from tui.screens.dialogs import ConfirmModal
from tui.text import cells, plain

#: Which form columns each tab edits (staff are managed by import or the CLI).
TABS = (("sites", "Sites"), ("spaces", "Spaces"), ("orgs", "Organisations"))

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


class AdminScreen(Screen[None]):
    """Sites, spaces and organisations in tabs; Enter or e edits, n adds, c closes a site."""

    DEFAULT_CSS = """
    AdminScreen #admin-title { height: 1; padding: 0 1; background: $panel; }
    AdminScreen #admin-tabs { height: 1fr; }
    AdminScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("e,enter", "edit", "Edit"),
        Binding("n", "new", "New"),
        Binding("c", "closure", "Close site"),
        Binding("l", "closed_days", "Closed days"),
        Binding("r", "reload", "Reload"),
        Binding("s", "tab('sites')", "Sites"),
        Binding("p", "tab('spaces')", "Spaces"),
        Binding("o", "tab('orgs')", "Orgs"),
        Binding("escape", "leave", "Back"),
    ]

    def __init__(self, cospace: Cospace) -> None:
        super().__init__()
        self.cospace = cospace
        self.keys: dict[str, list[str]] = {k: [] for k, _ in TABS}

    def compose(self) -> ComposeResult:
        yield Static("[b]Set-up[/b]: sites, spaces and organisations   "
                     "(e edit · n new · c close a site)", id="admin-title",
                     classes="screen-title")
        with TabbedContent(id="admin-tabs"):
            for kind, label in TABS:
                with TabPane(label, id=f"tab-{kind}"):
                    yield DataTable(id=f"table-{kind}", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#table-sites", DataTable).add_columns(
            "Code", "Name", "Opening hours", "Time zone", "Holidays", "Next closed")
        self.query_one("#table-spaces", DataTable).add_columns(
            "Code", "Site", "Name", "Kind", "Cap.", "Features", "Private", "In use", "Only")
        self.query_one("#table-orgs", DataTable).add_columns(
            "Code", "Name", "Host", "Weeks ahead")
        self.action_reload()

    @property
    def kind(self) -> str:
        active = self.query_one(TabbedContent).active or "tab-sites"
        return active.removeprefix("tab-")

    def action_tab(self, kind: str) -> None:
        self.query_one(TabbedContent).active = f"tab-{kind}"

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="admin-load", exit_on_error=False)
    def load(self) -> None:
        cs = self.cospace
        sites = cs.sites()
        site_rows = []
        for s in sites:
            today = to_local(cs.now(), s.tz).date()
            closed = admin.closed_days(cs, s.code, today, today + dt.timedelta(days=120))
            nxt = (f"{closed[0].day:%a %d %b}: {closed[0].reason}" if closed else "-")
            site_rows.append((s.code, (s.code, s.name, format_hours(s.hours), s.tz,
                                       s.holiday_region or "none", nxt)))
        space_rows = []
        for s in sites:
            for sp in cs.spaces(s.code):
                space_rows.append((sp.code, (
                    sp.code, sp.site_code, sp.name, sp.kind, str(sp.capacity),
                    ",".join(sorted(sp.features)) or "-", "yes" if sp.private else "",
                    "yes" if sp.active else "OUT", ",".join(sorted(sp.restricted_to)))))
        org_rows = [(o.code, (o.code, o.name, "yes" if o.is_host else "",
                              str(o.advance_weeks) if o.advance_weeks is not None else
                              ("no limit" if o.is_host else "8 (default)")))
                    for o in cs.orgs()]
        self.app.call_from_thread(self.loaded, {"sites": site_rows, "spaces": space_rows,
                                                "orgs": org_rows})

    def loaded(self, data: dict[str, list[tuple[str, tuple[str, ...]]]]) -> None:
        for kind, rows in data.items():
            table = self.query_one(f"#table-{kind}", DataTable)
            row = table.cursor_row
            table.clear()
            table.add_rows([cells(r) for _, r in rows])
            self.keys[kind] = [k for k, _ in rows]
            if rows:
                table.move_cursor(row=min(row, len(rows) - 1))
        self.query_one(f"#table-{self.kind}", DataTable).focus()

    def on_tabbed_content_tab_activated(self, _event: TabbedContent.TabActivated) -> None:
        self.query_one(f"#table-{self.kind}", DataTable).focus()

    def selected(self) -> str | None:
        kind = self.kind
        table = self.query_one(f"#table-{kind}", DataTable)
        if not self.keys[kind] or table.cursor_row < 0:
            return None
        return self.keys[kind][min(table.cursor_row, len(self.keys[kind]) - 1)]

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        key = self.selected()
        if key is None:
            return
        self.open_form(self.kind, key)

    @work(thread=True, exclusive=True, group="admin-open", exit_on_error=False)
    def open_form(self, kind: str, key: str) -> None:
        try:
            values = admin.form_values(self.cospace, kind, key)
        except CospaceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        self.app.call_from_thread(self.push_form, kind, values, False)

    def action_new(self) -> None:
        self.push_form(self.kind, admin.blank_form(self.kind), True)

    def push_form(self, kind: str, values: dict[str, str], new: bool) -> None:
        self.app.push_screen(RecordForm(self.cospace, kind, values, new=new), self.saved)

    def saved(self, change: imports.Change | None) -> None:
        if change is None:
            return
        if change.action == "unchanged":
            self.notify(f"{change.key}: nothing changed.")
        else:
            fields = ", ".join(change.fields) if change.action == "updated" else "new"
            self.notify(f"{change.key} {change.action} ({fields}).")
        warnings = getattr(change, "warnings", [])
        if warnings:
            self.app.push_screen(NoticeModal(f"{change.key} saved: bookings to look at",
                                             list(warnings)))
        self.load()

    def action_closure(self) -> None:
        if self.kind != "sites":
            self.notify("Choose a site on the Sites tab to close it.", severity="warning")
            return
        key = self.selected()
        if key is not None:
            self.app.push_screen(ClosureForm(self.cospace, key), self.closed)

    def closed(self, result: closures.ClosureResult | None) -> None:
        if result is None:
            return
        days = ", ".join(f"{d:%a %d %b}" for d in result.added) or "no new days"
        lines = [f"Closed {result.site}: {days} ({result.reason})."]
        if result.already:
            lines.append("Already closed: " + ", ".join(f"{d:%a %d %b}" for d in
                                                        result.already) + ".")
        if result.affected:
            lines.append(f"{len(result.affected)} booking(s) are still on the closed days; "
                         "cancel or move each one:")
            lines.extend("  " + describe_booking(v) for v in result.affected)
        else:
            lines.append("No bookings were on those days.")
        self.app.push_screen(NoticeModal("Site closed", lines))
        self.load()

    def action_closed_days(self) -> None:
        if self.kind != "sites":
            self.notify("Choose a site on the Sites tab.", severity="warning")
            return
        key = self.selected()
        if key is not None:
            self.list_closed(key)

    @work(thread=True, exclusive=True, group="admin-closed", exit_on_error=False)
    def list_closed(self, site: str) -> None:
        try:
            days = admin.closed_days(self.cospace, site)
        except CospaceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error")
            return
        lines = [f"{d.day:%a %d %b %Y}  {d.source:<12}  {d.reason}" for d in days]
        self.app.call_from_thread(self.app.push_screen, NoticeModal(
            f"{site}: closed days in the next 12 months", lines or ["No closed days."]))

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
