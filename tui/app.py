"""The cospace terminal app (a first board; the full app is issue #3)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Header

from booking.errors import CospaceError
from booking.service import Cospace
from booking.timeutil import human_time_span, to_local


class CospaceApp(App[None]):
    TITLE = "cospace"
    BINDINGS = [("q", "quit", "Quit")]

    def __init__(self, cospace: Cospace) -> None:
        super().__init__()
        self.cospace = cospace

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="today")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Time", "Space", "Org", "Status", "Purpose")
        sites = self.cospace.sites()
        if not sites:
            self.notify("No sites yet: run 'cospace init --demo'.", severity="warning")
            return
        site = sites[0]
        day = to_local(self.cospace.now(), site.tz).date()
        self.sub_title = f"{site.name} — {day:%A %d %B %Y}"
        table.add_rows(
            (human_time_span(b.start, b.end, b.tz), b.space, b.org,
             b.status.replace("_", "-"), b.purpose or "")
            for b in self.cospace.day_bookings(site.code, day)
        )


def make_app(url: str, login: str) -> CospaceApp:
    return CospaceApp(Cospace.open(url, login))


def run(url: str, login: str) -> int:
    try:
        app = make_app(url, login)
    except CospaceError as exc:
        print(f"cospace: {exc.message}")
        return exc.exit_code
    app.run()
    return 0
