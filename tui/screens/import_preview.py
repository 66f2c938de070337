"""Import a CSV file from the terminal app: preview every change first, then apply.

The preview is ``cospace import --dry-run``; applying runs the same all-or-nothing import.
A file with problems lists each one by line and column, and cannot be applied.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, Static

from booking import imports
from booking.errors import CospaceError
from booking.service import Cospace
from tui.text import cells, plain


class ImportPreviewScreen(Screen[None]):
    """Choose what to import and the file; Enter or F5 previews, ctrl+s applies a clean
    preview."""

    DEFAULT_CSS = """
    ImportPreviewScreen #import-title { height: 1; padding: 0 1; background: $panel; }
    ImportPreviewScreen #import-form { height: auto; padding: 0 1; }
    ImportPreviewScreen #import-form Label { padding: 0 1 0 0; }
    ImportPreviewScreen #import-kind { width: 16; }
    ImportPreviewScreen #import-file { width: 1fr; }
    ImportPreviewScreen #import-form Button { margin: 0 0 0 1; }
    ImportPreviewScreen #import-summary { height: auto; padding: 0 1; background: $boost; }
    ImportPreviewScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("f5", "preview", "Preview", id="import.preview"),
        Binding("ctrl+s", "apply", "Apply", id="import.apply"),
        Binding("escape", "leave", "Back", id="import.back"),
    ]

    def __init__(self, cospace: Cospace, kind: str = "spaces", path: str = "") -> None:
        super().__init__()
        self.cospace = cospace
        self.initial = (kind, path)
        #: The (kind, path) of the last clean preview: only that may be applied.
        self.previewed: tuple[str, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("[b]Import[/b] organisations, sites, spaces or staff from CSV",
                     id="import-title", classes="screen-title")
        with Horizontal(id="import-form"):
            yield Label("import")
            yield Select([(k, k) for k in imports.IMPORT_ORDER], value=self.initial[0],
                         allow_blank=False, id="import-kind", compact=True)
            yield Label(" from ")
            yield Input(self.initial[1], placeholder="path/to/file.csv", id="import-file",
                        compact=True)
            yield Button("Preview (enter/F5)", id="preview", compact=True)
            yield Button("Apply (ctrl+s)", id="apply", variant="primary", disabled=True,
                         compact=True)
        yield Static("Choose a file and preview it: nothing is written until you apply.",
                     id="import-summary", markup=False)
        yield DataTable(id="import-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#import-file", Input).focus()

    def request(self) -> tuple[str, str]:
        return (str(self.query_one("#import-kind", Select).value),
                self.query_one("#import-file", Input).value.strip())

    def on_input_changed(self, _event: Input.Changed) -> None:
        self.forget_preview()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self.forget_preview()

    def forget_preview(self) -> None:
        self.previewed = None
        self.query_one("#apply", Button).disabled = True

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_preview()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "preview":
            self.action_preview()
        elif event.button.id == "apply":
            self.action_apply()

    def action_preview(self) -> None:
        kind, path = self.request()
        if not path:
            self.query_one("#import-summary", Static).update("Type the path of a CSV file.")
            return
        self.run_import(kind, path, True)

    def action_apply(self) -> None:
        if self.previewed is None or self.previewed != self.request():
            self.notify("Preview the file first.", severity="warning")
            return
        self.run_import(*self.previewed, False)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def run_import(self, kind: str, path: str, dry_run: bool) -> None:
        try:
            result = imports.import_file(self.cospace, kind, path, dry_run=dry_run)
        except imports.ImportRejected as exc:
            self.app.call_from_thread(self.show_problems, exc.problems)
            return
        except CospaceError as exc:
            self.app.call_from_thread(self.show_error, exc.message)
            return
        self.app.call_from_thread(self.show_result, result, (kind, path))

    def show_problems(self, problems: list[imports.Problem]) -> None:
        self.forget_preview()
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Line", "Column", "Problem")
        table.add_rows([cells((str(p.line), p.column or "", p.message)) for p in problems])
        n = len(problems)
        self.query_one("#import-summary", Static).update(
            f"{n} problem{'s' if n != 1 else ''}: nothing can be imported until the file is "
            "fixed.")

    def show_error(self, message: str) -> None:
        self.forget_preview()
        self.query_one(DataTable).clear(columns=True)
        self.query_one("#import-summary", Static).update(plain(message))

    def show_result(self, result: imports.ImportResult, request: tuple[str, str]) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Change", "Key", "Line", "Fields")
        rows = []
        for c in result.changes:
            if c.action == "updated":
                fields = "; ".join(f"{k}: {a or '-'} → {b or '-'}"
                                   for k, (a, b) in c.fields.items())
            elif c.action == "added":
                fields = ", ".join(f"{k}={b}" for k, (_, b) in c.fields.items() if b)
            else:
                fields = ""
            rows.append((c.action, c.key, str(c.line), fields))
        order = {"added": 0, "updated": 1, "unchanged": 2}
        table.add_rows([cells(r) for r in sorted(rows, key=lambda r: (order[r[0]], int(r[2])))])
        summary = self.query_one("#import-summary", Static)
        notes = "".join(f"\nNote: {w}" for w in result.warnings)
        if result.applied:
            self.forget_preview()
            summary.update(plain(f"Imported: {result.summary}.{notes}"))
            self.notify(f"Imported {result.kind}: {result.summary}.")
        else:
            changes = any(c.action != "unchanged" for c in result.changes)
            self.previewed = request if changes else None
            self.query_one("#apply", Button).disabled = not changes
            summary.update(plain(f"Preview: {result.summary}. " + (
                "Press ctrl+s to apply." if changes else "Nothing to change.") + notes))

    def action_leave(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
