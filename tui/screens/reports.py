"""The reports screen: where space runs short, when it is booked, who uses it.

Pick sites, a period and a kind of space (or all kinds); the screen shows a weekday x hour
heatmap of utilisation, bars of organisation share and of unmet demand, and the shortfall
ranking, each panel titled with the kind it counts. The queries run in a thread worker behind
a loading indicator; after any change of the choices the panels say their figures are stale
until F5 (or Enter in a field) runs the report again. F2 asks where to export (the user's
documents or downloads directory by default) and names the CSV files it wrote, in the words
the screen uses ("hot desk"); F6 (or w) asks "what if" for the highlighted row of "Where space
runs short" (:mod:`tui.screens.whatif`). Fits 80x24: the controls wrap onto two lines, the
charts stack, and the wide table scrolls sideways with ← →. The choices are remembered per
user (:mod:`tui.settings`). Self-contained (styles in ``DEFAULT_CSS``) so the main app can
push it as it is: ``app.push_screen(ReportsScreen(cospace))``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from booking.errors import InvalidInput
from booking.models import KIND_LABELS, KINDS
from booking.reports import Report, Reports, write_csv
from booking.service import Cospace
from booking.timeutil import parse_date
from tui.screens.base import ShowsWorkerErrors
from tui.screens.report_parts import (
    ALL_KINDS,
    SCREEN_WORDS,
    ExportModal,
    ReportSet,
    bars_text,
    heatmap_text,
    in_screen_words,
    kind_title,
)
from tui.settings import Settings, default_export_dir

__all__ = ["ALL_KINDS", "SCREEN_WORDS", "ExportModal", "ReportSet", "ReportsScreen",
           "bars_text", "heatmap_text", "in_screen_words", "kind_title"]
from tui.text import cells
from tui.widgets.compact import make_compact


class ReportsScreen(ShowsWorkerErrors, Screen[None]):
    """Usage reports for estates, administrators and the front desk."""

    #: the panels, not a field, have the focus when the screen opens: q and the screen's
    #: keys work at once
    AUTO_FOCUS = "#body"
    DEFAULT_CSS = """
    ReportsScreen #controls { height: auto; padding: 0 1; }
    ReportsScreen #controls Horizontal { height: auto; width: auto; }
    ReportsScreen #controls Input { width: 14; }
    ReportsScreen #controls #sites { width: 18; }
    ReportsScreen #controls Select { width: 22; }
    ReportsScreen #controls Label { padding: 0 1; }
    ReportsScreen #controls Button { margin: 0 1; }
    ReportsScreen #controls-1, ReportsScreen #controls-2 { height: 1; }
    ReportsScreen #body { padding: 0 1; }
    ReportsScreen .panel { border: round $primary; height: auto; padding: 0 1; }
    ReportsScreen .panel.stale { border: round $warning; }
    ReportsScreen #charts { height: auto; }
    ReportsScreen #charts > .panel { width: 1fr; }
    ReportsScreen.narrow #charts { layout: vertical; }
    ReportsScreen #shortfall { height: auto; max-height: 16; width: 100%; }
    """
    BINDINGS = [
        Binding("f5", "run", "Run report", id="reports.run"),
        Binding("f2", "export", "Export CSV", id="reports.export"),
        Binding("f6", "whatif", "What if…", id="reports.whatif"),
        Binding("w", "whatif", "What if…", show=False, id="reports.whatif_letter"),
        Binding("escape", "app.pop_screen", "Back", id="reports.back"),
    ]
    #: the panels, by id: their title (the kind is added) and their report
    PANELS = {"heat-panel": "Utilisation by weekday and hour (%)",
              "share-panel": "Booked hours by organisation",
              "demand-panel": "Unmet demand",
              "shortfall-panel": "Where space runs short (← → scroll)"}

    class Loaded(Message):
        """The worker finished: the reports to show."""

        def __init__(self, data: ReportSet, kind: str | None) -> None:
            super().__init__()
            self.data = data
            self.kind = kind

    def __init__(self, cospace: Cospace, *, export_dir: Path | None = None,
                 start: dt.date | None = None, end: dt.date | None = None,
                 settings: Settings | None = None) -> None:
        super().__init__()
        self.cospace = cospace
        self.settings = settings
        self.login = cospace.login or ""
        remembered = settings.reports(self.login) if settings is not None else {}
        self.export_dir = export_dir or Path(remembered.get("export_dir") or
                                             default_export_dir())
        today = cospace.now().date()
        # The last four weeks up to today (or the remembered length): recent enough to act
        # on, long enough to show a weekly pattern.
        days = remembered.get("days", 28)
        days = days if isinstance(days, int) and 1 <= days <= 3660 else 28
        self.start = start or today - dt.timedelta(days=days - 1)
        self.end = end or today
        self.sites_text = str(remembered.get("sites") or "")
        kind = remembered.get("kind", "interview")
        self.kind = kind if kind in (*KINDS, ALL_KINDS) else "interview"
        self.data: ReportSet | None = None
        #: the kind the figures shown were counted for (None: all kinds)
        self.shown_kind: str | None = None
        self.stale = False
        #: the files the last export wrote
        self.written: list[Path] = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="controls"):
            with Horizontal(id="controls-1"):
                yield Label("Sites")
                yield Input(self.sites_text, placeholder="all sites", id="sites")
                yield Label("From")
                yield Input(self.start.isoformat(), id="from")
                yield Label("To")
                yield Input(self.end.isoformat(), id="to")
            with Horizontal(id="controls-2"):
                yield Label("Kind")
                yield Select([(KIND_LABELS[k], k) for k in KINDS]
                             + [("all kinds", ALL_KINDS)], value=self.kind,
                             allow_blank=False, id="kind")
                yield Button("Run (F5)", id="run", variant="primary")
                yield Button("Export (F2)", id="export-button")
        with VerticalScroll(id="body"):
            with Vertical(classes="panel", id="heat-panel"):
                yield Static("", id="heatmap")
            with Horizontal(id="charts"):
                with Vertical(classes="panel", id="share-panel"):
                    yield Static("", id="share")
                with Vertical(classes="panel", id="demand-panel"):
                    yield Static("", id="demand")
            with Vertical(classes="panel", id="shortfall-panel"):
                yield DataTable(id="shortfall", zebra_stripes=True, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "Usage reports"
        make_compact(self.query_one("#controls"))
        self._titles()
        table = self.query_one("#shortfall", DataTable)
        table.add_columns("Rank", "Site", "Kind", "Spaces", "Utilisation", "Peak",
                          "Saturated h", "Unmet", "Unmet h", "Shortfall h")
        # not a field: q and the screen's keys work at once, ↑ ↓ scroll the panels
        self.query_one("#body").focus()
        self.action_run()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 110, "narrow")

    # ------------------------------------------------------------------ titles
    def _titles(self) -> None:
        """Each panel's title says the kind it counts, and that it is stale after a change."""
        kind = kind_title(self.shown_kind if self.data is not None else
                          self._kind_choice())
        for panel_id, title in self.PANELS.items():
            panel = self.query_one(f"#{panel_id}", Vertical)
            panel.border_title = f"{title} · {kind}"
            panel.border_subtitle = "stale: F5 runs it again" if self.stale else ""
            panel.set_class(self.stale, "stale")

    def _kind_choice(self) -> str | None:
        value = str(self.query_one("#kind", Select).value)
        return None if value == ALL_KINDS else value

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        """A choice changed: the figures shown no longer answer it."""
        if self.data is not None and not self.stale:
            self.stale = True
            self._titles()

    # ------------------------------------------------------------------ running
    def _params(self) -> tuple[list[str] | None, dt.date, dt.date, str | None]:
        sites = [s.strip() for s in self.query_one("#sites", Input).value.split(",")
                 if s.strip()] or None
        start = parse_date(self.query_one("#from", Input).value)
        end = parse_date(self.query_one("#to", Input).value)
        return sites, start, end, self._kind_choice()

    @on(Button.Pressed, "#run")
    @on(Input.Submitted)
    def action_run(self) -> None:
        try:
            params = self._params()
        except InvalidInput as exc:
            self.notify(exc.message, severity="error")
            return
        self._remember(params)
        body = self.query_one("#body")
        # the loading indicator may take the focus from the panels: give it back after
        focused = self.focused
        self.refocus_body = focused is None or body in focused.ancestors_with_self
        body.loading = True
        self._load(*params)

    def _remember(self, params: tuple[list[str] | None, dt.date, dt.date, str | None]
                  ) -> None:
        if self.settings is None or not self.cospace.actor.known:
            return
        sites, start, end, kind = params
        choice = dict(self.settings.reports(self.login))
        choice.update(sites=",".join(sites or []), kind=kind or ALL_KINDS,
                      days=max(1, (end - start).days + 1))
        self.settings.put(self.login, "reports", choice)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reports")
    def _load(self, sites: list[str] | None, start: dt.date, end: dt.date,
              kind: str | None) -> None:
        reports = Reports(self.cospace)

        def run(report: str, by: str, **kw: Any) -> Report:
            return reports.run(report, sites=sites, start=start, end=end, by=by,
                               space_kind=kind, **kw)

        data = ReportSet(heat=run("utilisation", "weekday,hour"),
                         share=run("share", "org"), demand=run("demand", "kind"),
                         shortfall=run("shortfall", "site,kind"))
        self.post_message(self.Loaded(data, kind))

    def on_reports_screen_loaded(self, message: Loaded) -> None:
        self.data, self.shown_kind, self.stale = message.data, message.kind, False
        d = message.data
        narrow = self.size.width < 110
        self.query_one("#heatmap", Static).update(heatmap_text(d.heat))
        self.query_one("#share", Static).update(
            bars_text([(r["org"] or "-", r["booked_hours"]) for r in d.share.rows], "h",
                      width=20 if narrow else 30))
        self.query_one("#demand", Static).update(
            bars_text([(KIND_LABELS[r["kind"]], r["hours"]) for r in d.demand.rows], "h",
                      width=20 if narrow else 30))
        table = self.query_one("#shortfall", DataTable)
        table.clear()
        table.add_rows(
            cells((r["rank"], r["site"], KIND_LABELS[r["kind"]], r["spaces"],
             f"{r['utilisation'] * 100:.1f}%", r["peak_occupancy"], f"{r['saturated_hours']:.1f}",
             r["unmet_requests"], f"{r['unmet_hours']:.1f}", f"{r['shortfall_hours']:.1f}"))
            for r in d.shortfall.rows)
        self.query_one("#body").loading = False
        if getattr(self, "refocus_body", False):
            self.query_one("#body").focus()
        self._titles()
        self.sub_title = (f"{', '.join(d.shortfall.sites)} · {d.heat.start:%d %b %Y} to "
                          f"{d.heat.end:%d %b %Y} · {kind_title(message.kind)}")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed run takes the loading indicator away; the app's one error handler
        says what went wrong."""
        if event.worker.group == "reports" and event.state == WorkerState.ERROR:
            self.query_one("#body").loading = False
        super().on_worker_state_changed(event)

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
    def _files(self) -> list[tuple[str, Report]]:
        assert self.data is not None
        return [(f"cospace-{name}-{report.start:%Y%m%d}-{report.end:%Y%m%d}.csv", report)
                for name, report in (("heatmap", self.data.heat), ("share", self.data.share),
                                     ("demand", self.data.demand),
                                     ("shortfall", self.data.shortfall))]

    @on(Button.Pressed, "#export-button")
    def action_export(self) -> None:
        """Ask where, then write each report shown to its own CSV file there."""
        if self.data is None:
            self.notify("Nothing to export yet: run the report first.", severity="warning")
            return
        files = self._files()

        def chosen(directory: Path | None) -> None:
            if directory is not None:
                self.export_to(directory, files)

        self.app.push_screen(ExportModal(self.export_dir, [n for n, _ in files]), chosen)

    def export_to(self, directory: Path, files: list[tuple[str, Report]]) -> list[Path]:
        """Write ``files`` into ``directory``; say which files were written (and which not)."""
        written: list[Path] = []
        for name, report in files:
            path = directory / name
            try:
                with path.open("w", newline="", encoding="utf-8") as fh:
                    write_csv(in_screen_words(report), fh)
            except OSError as exc:
                done = f" (wrote {', '.join(p.name for p in written)})" if written else ""
                self.notify(f"Cannot write {path}: {exc.strerror}{done}.", severity="error",
                            timeout=10)
                break
            written.append(path)
        self.written = written
        if written:
            self.export_dir = directory
            if self.settings is not None and self.cospace.actor.known:
                choice = dict(self.settings.reports(self.login), export_dir=str(directory))
                self.settings.put(self.login, "reports", choice)
            self.notify(f"Wrote {len(written)} CSV files to {directory}: "
                        + ", ".join(p.name for p in written) + ".", title="Exported",
                        timeout=12)
        return written
