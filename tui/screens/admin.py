"""The admin area: view and edit sites (opening hours, closures), spaces and organisations.

Every edit goes through :mod:`booking.admin`, which checks a form exactly as ``cospace
import`` checks a file; a wrong field is marked under the field and the form keeps the typing.
"""

from __future__ import annotations

import datetime as dt

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import (
    DataTable,
    Footer,
    Static,
    TabbedContent,
    TabPane,
)

from booking import admin, closures, imports
from booking.errors import CospaceError
from booking.service import Cospace, describe_booking
from booking.timeutil import format_hours, to_local
from tui.screens.admin_forms import FORM_CSS, ClosureForm, NoticeModal, RecordForm
from tui.text import cells

#: Which form columns each tab edits (staff are managed by import or the CLI).
TABS = (("sites", "Sites"), ("spaces", "Spaces"), ("orgs", "Organisations"))


__all__ = ["FORM_CSS", "TABS", "AdminScreen", "ClosureForm", "NoticeModal", "RecordForm"]


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
