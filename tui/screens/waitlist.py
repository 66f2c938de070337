"""The waitlist in the terminal app: "Wait for it" where Find or the form finds nothing, and
the acting person's requests (waiting, booked, expired) in Mine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from booking import waitlist
from booking.errors import CospaceError
from booking.service import Cospace
from booking.timeutil import human_time_span, to_local
from tui.text import cells

#: A request's status in words, in the Mine list.
WAIT_WORDS = {"waiting": "waiting", "booked": "booked", "expired": "expired",
              "cancelled": "cancelled"}


def wait_for_it(cs: Cospace, *, site: str, kind: str, start: dt.datetime, end: dt.datetime,
                attendees: int, needs: Sequence[str], org: str | None = None) -> str:
    """Put the request on the waitlist (call from a thread worker); the words to show.
    Raises :class:`CospaceError` with the reason when it may not wait."""
    r = waitlist.wait(cs, site, kind, start, end, attendees=attendees, needs=list(needs),
                      org=org)
    return (f"Waiting: request #{r.id} for a {kind} at {r.site}, "
            f"{to_local(r.start, r.tz):ddd D MMM} {human_time_span(r.start, r.end, r.tz)}. "
            "It is booked for you the moment a fitting space frees (see Mine).")


class WaitTable(DataTable):
    """The requests; ``c`` here cancels the highlighted waiting request."""

    BINDINGS = [Binding("c", "cancel_request", "Cancel request")]

    def action_cancel_request(self) -> None:
        panel = next((a for a in self.ancestors if isinstance(a, WaitlistPanel)), None)
        if panel is not None:
            panel.cancel_current()


class WaitlistPanel(Vertical):
    """The acting person's waitlist requests, newest state first; reloads with its screen."""

    DEFAULT_CSS = """
    WaitlistPanel { height: auto; max-height: 12; }
    WaitlistPanel WaitTable { height: auto; max-height: 10; }
    """

    def __init__(self, cs: Cospace) -> None:
        super().__init__(id="waitlist-panel")
        self.cs = cs
        self.rows: list[waitlist.WaitInfo] = []
        self.display = False  # shown once there is a request

    def compose(self) -> ComposeResult:
        yield Static("[b]Waiting for a space[/b]", id="waitlist-title")
        yield WaitTable(id="waitlist-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(WaitTable).add_columns("#", "Day", "Time", "Site", "Kind", "People",
                                              "Status")
        self.reload()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="waitlist", exit_on_error=False)
    def load(self) -> None:
        try:
            rows = waitlist.requests(self.cs)
        except CospaceError:
            rows = []
        now = self.cs.now()
        rows = [r for r in rows if r.status == "waiting" or (r.end > now
                                                            and r.status == "booked")]
        self.app.call_from_thread(self.show, rows)

    def show(self, rows: list[waitlist.WaitInfo]) -> None:
        self.rows = rows
        self.display = bool(rows)
        table = self.query_one(WaitTable)
        table.clear()
        table.add_rows(cells((
            str(r.id), f"{to_local(r.start, r.tz):ddd D MMM}",
            human_time_span(r.start, r.end, r.tz), r.site, r.kind, str(r.attendees),
            WAIT_WORDS.get(r.status, r.status)
            + (f" → #{r.booking}" if r.status == "booked" and r.booking else "")))
            for r in rows)
        self.query_one("#waitlist-title", Static).update(
            f"[b]Waiting for a space[/b]  ({len(rows)})  c on a row cancels it")

    def current(self) -> waitlist.WaitInfo | None:
        if not self.rows:
            return None
        return self.rows[min(self.query_one(WaitTable).cursor_row, len(self.rows) - 1)]

    def cancel_current(self) -> None:
        r = self.current()
        if r is None:
            return
        if r.status != "waiting":
            self.notify(f"Request #{r.id} is {r.status}; only a waiting one can be cancelled.",
                        severity="warning", markup=False)
            return
        self.cancel(r.id)

    @work(thread=True, exclusive=True, group="waitlist-cancel", exit_on_error=False)
    def cancel(self, request_id: int) -> None:
        try:
            waitlist.cancel(self.cs, request_id)
        except CospaceError as exc:
            self.app.call_from_thread(self.notify, exc.message, severity="error",
                                      markup=False)
            return
        self.app.call_from_thread(self.notify, f"Request #{request_id} cancelled.",
                                  markup=False)
        self.load()
