"""The reports screen: where space runs short, when it is booked, who uses it.

Pick sites, a period and a kind of space; the screen shows a weekday x hour heatmap of
utilisation, bars of organisation share and of unmet demand, and the shortfall ranking. The
queries run in a thread worker behind a loading indicator; F2 exports what is shown to
CSV (Enter in a field or F5 runs the report again); F6 (or w) asks "what if" for the
highlighted row of "Where space runs short" (:mod:`tui.screens.whatif`).
Self-contained (styles in ``DEFAULT_CSS``) so the main app can push it as it is:
``app.push_screen(ReportsScreen(cospace))``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from booking.errors import CospaceError, InvalidInput
from booking.limits import visible
from booking.models import KIND_LABELS, KINDS
from booking.reports import WEEKDAY_SHORT, Report, Reports, write_csv
from booking.service import Cospace
from booking.timeutil import parse_date
from tui.text import cells

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
            ink = "white" if u > 0.5 else "black"
            text.append(f"{min(999, round(u * 100)):>3} ", style=f"{ink} on {shade}")
        text.append("\n")
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
    return text


class ReportsScreen(Screen[None]):
    """Usage reports for estates, administrators and the front desk."""

    DEFAULT_CSS = """
    ReportsScreen #controls { height: auto; padding: 0 1; }
    ReportsScreen #controls Input { width: 17; }
    ReportsScreen #controls #sites { width: 24; }
    ReportsScreen #controls Select { width: 24; }
    ReportsScreen #controls Label { padding: 1 1 0 1; }
    ReportsScreen #body { padding: 0 1; }
    ReportsScreen .panel { border: round $primary; height: auto; padding: 0 1; }
    ReportsScreen #charts { height: auto; }
    ReportsScreen #charts > .panel { width: 1fr; }
    ReportsScreen #shortfall { height: auto; max-height: 16; }
    """
    BINDINGS = [
        Binding("f5", "run", "Run report"),
        Binding("f2", "export", "Export CSV"),
        Binding("f6", "whatif", "What if…"),
        Binding("w", "whatif", "What if…", show=False),
        Binding("escape", "app.pop_screen", "Back"),
    ]

    class Loaded(Message):
        """The worker finished: the reports to show."""

        def __init__(self, data: ReportSet) -> None:
            super().__init__()
            self.data = data

    def __init__(self, cospace: Cospace, *, export_dir: Path | None = None,
                 start: dt.date | None = None, end: dt.date | None = None) -> None:
        super().__init__()
        self.cospace = cospace
        self.export_dir = export_dir or Path.cwd()
        today = cospace.now().date()
        # The last four weeks up to today: recent enough to act on, long enough to show a
        # weekly pattern.
        self.start = start or today - dt.timedelta(days=27)
        self.end = end or today
        self.data: ReportSet | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="controls"):
            yield Label("Sites")
            yield Input(placeholder="all sites", id="sites")
            yield Label("From")
            yield Input(self.start.isoformat(), id="from")
            yield Label("To")
            yield Input(self.end.isoformat(), id="to")
            yield Select([(KIND_LABELS[k], k) for k in KINDS], value="interview",
                         allow_blank=False, id="kind")
            yield Button("Run", id="run", variant="primary")
        with VerticalScroll(id="body"):
            with Vertical(classes="panel", id="heat-panel") as panel:
                panel.border_title = "Utilisation by weekday and hour (%)"
                yield Static("", id="heatmap")
            with Horizontal(id="charts"):
                with Vertical(classes="panel") as panel:
                    panel.border_title = "Booked hours by organisation"
                    yield Static("", id="share")
                with Vertical(classes="panel") as panel:
                    panel.border_title = "Unmet demand by kind"
                    yield Static("", id="demand")
            with Vertical(classes="panel") as panel:
                panel.border_title = "Where space runs short"
                yield DataTable(id="shortfall", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Usage reports"
        table = self.query_one("#shortfall", DataTable)
        table.add_columns("Rank", "Site", "Kind", "Spaces", "Utilisation", "Peak",
                          "Saturated h", "Unmet", "Unmet h", "Shortfall h")
        self.action_run()

    # ------------------------------------------------------------------ running
    def _params(self) -> tuple[list[str] | None, dt.date, dt.date, str]:
        sites = [s.strip() for s in self.query_one("#sites", Input).value.split(",")
                 if s.strip()] or None
        start = parse_date(self.query_one("#from", Input).value)
        end = parse_date(self.query_one("#to", Input).value)
        kind = str(self.query_one("#kind", Select).value)
        return sites, start, end, kind

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def action_run(self) -> None:
        try:
            params = self._params()
        except InvalidInput as exc:
            self.notify(exc.message, severity="error")
            return
        self.query_one("#body").loading = True
        self._load(*params)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports")
    def _load(self, sites: list[str] | None, start: dt.date, end: dt.date, kind: str) -> None:
        reports = Reports(self.cospace)

        def run(report: str, by: str, **kw: Any) -> Report:
            return reports.run(report, sites=sites, start=start, end=end, by=by, **kw)

        data = ReportSet(heat=run("utilisation", "weekday,hour", space_kind=kind),
                         share=run("share", "org"), demand=run("demand", "kind"),
                         shortfall=run("shortfall", "site,kind"))
        self.post_message(self.Loaded(data))

    def on_reports_screen_loaded(self, message: Loaded) -> None:
        self.data = message.data
        d = message.data
        self.query_one("#heatmap", Static).update(heatmap_text(d.heat))
        self.query_one("#share", Static).update(
            bars_text([(r["org"] or "-", r["booked_hours"]) for r in d.share.rows], "h"))
        self.query_one("#demand", Static).update(
            bars_text([(KIND_LABELS[r["kind"]], r["hours"]) for r in d.demand.rows], "h"))
        table = self.query_one("#shortfall", DataTable)
        table.clear()
        table.add_rows(
            cells((r["rank"], r["site"], KIND_LABELS[r["kind"]], r["spaces"],
             f"{r['utilisation'] * 100:.1f}%", r["peak_occupancy"], f"{r['saturated_hours']:.1f}",
             r["unmet_requests"], f"{r['unmet_hours']:.1f}", f"{r['shortfall_hours']:.1f}"))
            for r in d.shortfall.rows)
        self.query_one("#body").loading = False
        self.sub_title = (f"{', '.join(d.shortfall.sites)} · {d.heat.start:%d %b %Y} to "
                          f"{d.heat.end:%d %b %Y}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "reports" or event.state != WorkerState.ERROR:
            return
        self.query_one("#body").loading = False
        error = event.worker.error
        text = error.message if isinstance(error, CospaceError) else f"Report failed: {error}"
        self.notify(text, severity="error", timeout=8)

    # ------------------------------------------------------------------ what if
    def action_whatif(self) -> None:
        """Open the what-if modal for the highlighted row of "Where space runs short"."""
        if self.data is None or not self.data.shortfall.rows:
            self.notify("Run the report first: the what-if replays a row of "
                        "'Where space runs short'.", severity="warning")
            return
        from tui.screens.whatif import WhatIfModal

        table = self.query_one("#shortfall", DataTable)
        row = self.data.shortfall.rows[min(max(table.cursor_row, 0),
                                           len(self.data.shortfall.rows) - 1)]
        report = self.data.shortfall
        self.app.push_screen(WhatIfModal(self.cospace, site=row["site"], kind=row["kind"],
                                         start=report.start, end=report.end))

    # ------------------------------------------------------------------ export
    def action_export(self) -> list[Path]:
        """Write each report shown to its own CSV file in ``export_dir``."""
        if self.data is None:
            self.notify("Nothing to export yet.", severity="warning")
            return []
        written = []
        for name, report in (("heatmap", self.data.heat), ("share", self.data.share),
                             ("demand", self.data.demand), ("shortfall", self.data.shortfall)):
            path = self.export_dir / (f"cospace-{name}-{report.start:%Y%m%d}-"
                                      f"{report.end:%Y%m%d}.csv")
            try:
                with path.open("w", newline="", encoding="utf-8") as fh:
                    write_csv(report, fh)
            except OSError as exc:
                self.notify(f"Cannot write {path}: {exc.strerror}", severity="error")
                return written
            written.append(path)
        self.notify(f"Exported {len(written)} CSV files to {self.export_dir}.")
        return written
