"""The pieces of the reports screen: its charts as Rich text, the export dialog, and the
screen's words for stored codes (for CSV files people read)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from booking.limits import visible
from booking.models import KIND_LABELS
from booking.reports import WEEKDAY_SHORT, Report
from tui.colours import STATUS_WORDS, text_on
from tui.text import plain
from tui.widgets.compact import make_compact

#: the Select's value for "every kind of space"
ALL_KINDS = "all"
#: the words the screens use for stored values, by column, for what people read (CSV)
SCREEN_WORDS: dict[str, dict[str, str]] = {
    "kind": dict(KIND_LABELS),
    "status": dict(STATUS_WORDS),
}


def kind_title(kind: str | None) -> str:
    """"interview rooms", "hot desks", or "all kinds" for a panel's title."""
    return KIND_LABELS[kind] + "s" if kind in KIND_LABELS else "all kinds"


def in_screen_words(report: Report) -> Report:
    """``report`` with its stored codes in the words the screens use ("hot desk", not
    "desk"; "no-show", not "no_show"), for a CSV file people open in a spreadsheet."""
    rows = [{c: SCREEN_WORDS.get(c, {}).get(v, v) if isinstance(v, str) else v
             for c, v in row.items()} for row in report.rows]
    return dataclasses.replace(report, rows=rows)

SHADES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
          "#08519c", "#08306b")


@dataclass(frozen=True)
class ReportSet:
    """Everything the screen shows, computed together off the UI thread."""

    heat: Report
    share: Report
    demand: Report
    shortfall: Report


def heatmap_text(report: Report) -> Text:
    """A weekday x hour grid, each cell its utilisation in per cent on a blue scale."""
    cells = {(r["weekday"], r["hour"]): r["utilisation"] for r in report.rows
             if r["available_hours"] > 0}
    text = Text()
    if not cells:
        return Text("No opening hours in this period.")
    hours = sorted({h for _, h in cells})
    days = [d for d in WEEKDAY_SHORT if any(k[0] == d for k in cells)]
    text.append("     " + "".join(f"{h:02d}h " for h in hours) + "\n", style="bold")
    for d in days:
        text.append(f"{d}  ", style="bold")
        for h in hours:
            u = cells.get((d, h))
            if u is None:
                text.append(" -- ", style="dim")
                continue
            shade = SHADES[min(len(SHADES) - 1, int(max(0.0, u) * (len(SHADES) - 1) + 0.5))]
            ink = text_on(shade)
            text.append(f"{min(999, round(u * 100)):>3} ", style=f"{ink} on {shade}")
        text.append("\n")
    text.rstrip()
    return text


def bars_text(items: list[tuple[str, float]], unit: str, width: int = 30) -> Text:
    """Horizontal bars of block characters, longest = ``width``."""
    if not items:
        return Text("Nothing recorded.", style="dim")
    peak = max(v for _, v in items) or 1.0
    label_w = max(len(label) for label, _ in items)
    text = Text()
    for label, value in items:
        n = value / peak * width
        full = int(n)
        bar = "█" * full + ("▌" if n - full >= 0.5 else "")
        text.append(visible(f"{label:<{label_w}} "))
        text.append(bar, style="#4292c6")
        text.append(f" {value:,.1f} {unit}\n")
    text.rstrip()
    return text


class ExportModal(ModalScreen[Path | None]):
    """Where to write the CSV files: a directory, the last one used (or the user's documents
    or downloads directory) already filled in; Enter exports, Esc does not."""

    BINDINGS = [Binding("escape", "leave", "Back", id="export.back")]

    def __init__(self, directory: Path, names: list[str]) -> None:
        super().__init__(classes="dialog-screen")
        self.directory = directory
        self.names = names

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export"):
            yield Label("Export the reports shown as CSV files, into which directory?",
                        classes="dialog-question")
            yield Input(str(self.directory), id="export-dir")
            yield Static(plain("Files: " + ", ".join(self.names)), id="export-names")
            yield Static("", id="export-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (Enter)", variant="primary", id="go")
                yield Button("Back (Esc)", id="back")

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#export-dir", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "go":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        text = self.query_one("#export-dir", Input).value.strip()
        path = Path(text).expanduser() if text else None
        if path is None or not path.is_dir():
            self.query_one("#export-error", Static).update(
                plain(f"'{text}' is not a directory here: type one that exists."))
            return
        self.dismiss(path)

    def action_leave(self) -> None:
        self.dismiss(None)
