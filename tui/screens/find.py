"""Find a space: kind, day, time, length, people, needs and who it is for → the free spaces
that organisation may book, best first; ``b`` books the highlighted one for it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Label, Select, Static

from booking.errors import CospaceError
from booking.models import KIND_LABELS, KINDS, KNOWN_FEATURES, FreeResult, SiteInfo
from booking.timeutil import at_minutes, hm, human_time_span, minutes_of_day, to_local, utc
from tui.data import site_today
from tui.entry import parse_count, parse_day, parse_end, parse_time
from tui.screens.booking_form import FormCheckbox, FormSelect, FormStart, booking_refusal
from tui.text import cells, esc, plain
from tui.widgets.compact import make_compact

if TYPE_CHECKING:
    from tui.app import CospaceApp


@dataclass
class Request:
    site: SiteInfo
    kind: str
    day: dt.date
    start: int
    end: int
    attendees: int
    needs: tuple[str, ...]
    confidential: bool
    org: str | None = None  # who the booking is for (None: the acting person's own)


class FindScreen(Screen[None]):
    """Search, then book the highlighted result with one key."""

    BINDINGS = [
        Binding("ctrl+f", "search", "Search"),
        Binding("b", "book_now", "Book it"),
        Binding("enter", "open_form", "Book with details", show=False),
        Binding("w", "wait_for_it", "Wait for it", show=False),
        Binding("escape", "app.switch_mode('board')", "Board"),
    ]

    def __init__(self) -> None:
        super().__init__(id="find-screen")
        self.request: Request | None = None
        self.result: FreeResult | None = None
        self.rows: list[tuple[str, int, int]] = []  # space, start, end per table row
        self.org_codes: list[str] = []  # the choices of "For"

    @property
    def cospace_app(self) -> CospaceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("[b]Find a space[/b]  fill in what you need, Enter searches",
                     classes="screen-title")
        with Horizontal(id="find-body"):
            with Vertical(id="find-form"):
                yield Label("Kind")
                yield FormSelect([(KIND_LABELS[k], k) for k in KINDS], value="interview",
                                 allow_blank=False, id="q-kind")
                yield Label("Day")
                yield Input("today", id="q-day", placeholder="today, thu, 2026-11-26")
                with Horizontal(classes="pair"):
                    with Vertical():
                        yield Label("From")
                        yield Input("", id="q-time", placeholder="HH:MM")
                    with Vertical():
                        yield Label("Length")
                        yield Input("1h", id="q-length", placeholder="45m, 1h30")
                yield Label("People")
                yield Input("1", id="q-people", type="integer")
                yield Label("Needs")
                yield Input("", id="q-needs", placeholder=", ".join(KNOWN_FEATURES[:3]))
                yield FormCheckbox("Confidential", id="q-confidential")
                yield Label("For")
                yield FormSelect([], id="q-for", prompt="own organisation")
            with Vertical(id="find-results"):
                yield Static("", id="find-message")
                yield Button("Wait for it (w)", id="find-wait", compact=True)
                yield DataTable(id="find-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.cospace_app.register_view("find", self)
        make_compact(self)
        table = self.query_one(DataTable)
        table.add_columns("Space", "Name", "Size", "When", "Features")
        self.query_one("#q-time", Input).value = self._next_quarter()
        self.query_one("#find-message", Static).update(
            f"Needs can be: {', '.join(KNOWN_FEATURES)}.")
        self.query_one("#q-kind", Select).focus()
        self.query_one("#find-wait", Button).display = False
        self.fill_orgs()

    def fill_orgs(self) -> None:
        """The organisations the acting person may book for: all of them at the front desk,
        their own otherwise (chosen already)."""
        app = self.cospace_app
        actor = app.actor
        select = self.query_one("#q-for", Select)
        if actor is None or not app.orgs:
            return
        orgs = app.orgs if actor.role in ("front-desk", "admin") else [
            o for o in app.orgs if o.id == actor.org_id]
        codes = [o.code for o in orgs]
        if codes == self.org_codes:
            return
        self.org_codes = codes
        current = select.value
        select.set_options([(plain(o.code + "  " + o.name), o.code) for o in orgs])
        if current in codes:
            select.value = current
        elif actor.org_code in codes:
            select.value = actor.org_code

    def _next_quarter(self) -> str:
        site = self.cospace_app.site
        if site is None:
            return "09:00"
        minute = minutes_of_day(self.cospace_app.cospace.now(), site.tz)
        minute += -minute % 15
        return hm(min(max(minute, 9 * 60), 23 * 60 + 45))

    def reload(self) -> None:
        """The store changed: search again so the list stays true (no new unmet demand)."""
        self.fill_orgs()
        if self.request is not None and self.result is not None and self.result.spaces:
            self.search(self.request, record=False)

    # ------------------------------------------------------------------ searching
    def read_request(self) -> Request:
        site = self.cospace_app.site
        if site is None:
            raise CospaceError("This store has no sites yet.")
        today = site_today(self.cospace_app.cospace, site.tz)
        kind = str(self.query_one("#q-kind", Select).value)
        day = parse_day(self.query_one("#q-day", Input).value, today)
        start = parse_time(self.query_one("#q-time", Input).value)
        end = parse_end(self.query_one("#q-length", Input).value, start)
        people = parse_count(self.query_one("#q-people", Input).value, "people")
        needs = tuple(n.strip().lower() for n in
                      self.query_one("#q-needs", Input).value.replace(";", ",").split(",")
                      if n.strip())
        unknown = [n for n in needs if n not in KNOWN_FEATURES]
        if unknown:
            raise CospaceError(f"Unknown need '{unknown[0]}': choose from "
                               f"{', '.join(KNOWN_FEATURES)}.")
        org = self.query_one("#q-for", Select).value
        return Request(site=site, kind=kind, day=day, start=start, end=end, attendees=people,
                       needs=needs, confidential=self.query_one("#q-confidential",
                                                                Checkbox).value,
                       org=None if org == Select.BLANK else str(org))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_search()

    def action_search(self) -> None:
        try:
            request = self.read_request()
        except CospaceError as exc:
            self._message(f"[red]{exc.message}[/red]")
            return
        self._message("Searching…")
        self.search(request, record=True)

    @work(thread=True, exclusive=True, group="find", exit_on_error=False)
    def search(self, r: Request, record: bool) -> None:
        cs = self.cospace_app.cospace
        try:
            result = cs.find_free(
                r.site.code, r.kind, utc(at_minutes(r.day, r.start, r.site.tz)),
                utc(at_minutes(r.day, r.end, r.site.tz)), attendees=r.attendees,
                needs=r.needs, confidential=r.confidential, org=r.org, record_unmet=record)
        except CospaceError as exc:
            self.app.call_from_thread(self._message, f"[red]{exc.message}[/red]")
            return
        self.app.call_from_thread(self.show_result, r, result, not record)

    def show_result(self, r: Request, result: FreeResult, quiet: bool = False) -> None:
        """Fill the table; ``quiet`` (a refresh after a change) keeps the message line."""
        self.request, self.result = r, result
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = []
        when = f"{r.day:%a %d %b} {hm(r.start)}–{hm(r.end)}"
        if r.org:
            when += f" for {esc(r.org)}"
        message = ""
        if result.spaces:
            message = (f"[b]{len(result.spaces)} free[/b] for {when}, best first. "
                       "[b]b[/b] books the highlighted one; Enter adds details.")
            for s in result.spaces:
                table.add_row(*cells((s.code, s.name, str(s.capacity),
                                      f"{hm(r.start)}–{hm(r.end)}", ", ".join(sorted(s.features)))))
                self.rows.append((s.code, r.start, r.end))
        else:
            message = (f"[b]Nothing fits[/b] {when}; noted as unmet demand. [b]w[/b] waits "
                       "for it: booked for you when a space frees.")
            if result.suggestions:
                message += " Nearest free times below ([b]b[/b] books one)."
            else:
                message += " No free time that day either: try another day."
            board = self.cospace_app.views.get("board")
            data = getattr(board, "data", None)
            sizes = {s.code: s for s in data.spaces} if data is not None else {}
            for sug in result.suggestions:
                sp = sizes.get(sug.space)
                start = minutes_of_day(sug.start, sug.tz)
                end = minutes_of_day(sug.end, sug.tz) or 1440
                table.add_row(*cells((sug.space, sp.name if sp else "",
                                      str(sp.capacity) if sp else "",
                                      human_time_span(sug.start, sug.end, sug.tz),
                                      ", ".join(sorted(sp.features)) if sp else "")))
                self.rows.append((sug.space, start, end))
        self.query_one("#find-wait", Button).display = not result.spaces
        if quiet:
            if self.rows:
                table.move_cursor(row=min(row, len(self.rows) - 1))
            return
        self._message(message)
        if self.rows:
            table.focus()
            table.move_cursor(row=0)

    def _message(self, text: str) -> None:
        self.query_one("#find-message", Static).update(text)

    # ------------------------------------------------------------------ booking
    def _chosen(self) -> tuple[str, int, int] | None:
        table = self.query_one(DataTable)
        if not self.rows or self.request is None:
            return None
        return self.rows[min(table.cursor_row, len(self.rows) - 1)]

    def action_book_now(self) -> None:
        chosen = self._chosen()
        if chosen is None:
            self.notify("Search first, then b books the highlighted space.")
            return
        app = self.cospace_app
        refusal = booking_refusal(app.actor, app.orgs) if app.actor else None
        if refusal:
            self._message(f"[red]Not booked: {esc(refusal)}[/red]")
            return
        self.book(self.request, *chosen)

    @work(thread=True, exclusive=True, group="find-book", exit_on_error=False)
    def book(self, r: Request, space: str, start: int, end: int) -> None:
        cs = self.cospace_app.cospace
        try:
            view = cs.book(space, utc(at_minutes(r.day, start, r.site.tz)),
                           utc(at_minutes(r.day, end, r.site.tz)), attendees=r.attendees,
                           confidential=r.confidential, org=r.org)
        except CospaceError as exc:
            self.app.call_from_thread(self._message, f"[red]Not booked: {exc.message}[/red]")
            return
        self.app.call_from_thread(self._booked, view)

    def _booked(self, view) -> None:  # type: ignore[no-untyped-def]
        local = to_local(view.start, view.tz)
        self._message(f"[green]Booked #{view.id}: {view.space} {local:ddd D MMM} "
                      f"{human_time_span(view.start, view.end, view.tz)} for {view.org}."
                      "[/green]")
        self.cospace_app.booking_saved(view)

    @on(Button.Pressed, "#find-wait")
    def action_wait_for_it(self) -> None:
        """Put the request that found nothing on the waitlist (tui/screens/waitlist.py)."""
        if self.request is None or self.result is None or self.result.spaces:
            self.notify("Search first: w waits for a request that finds nothing free.")
            return
        self.wait_for(self.request)

    @work(thread=True, exclusive=True, group="find-wait", exit_on_error=False)
    def wait_for(self, r: Request) -> None:
        from tui.screens.waitlist import wait_for_it

        try:
            text = wait_for_it(self.cospace_app.cospace, site=r.site.code, kind=r.kind,
                               start=utc(at_minutes(r.day, r.start, r.site.tz)),
                               end=utc(at_minutes(r.day, r.end, r.site.tz)),
                               attendees=r.attendees, needs=r.needs, org=r.org)
        except CospaceError as exc:
            self.app.call_from_thread(self._message, f"[red]{esc(exc.message)}[/red]")
            return
        self.app.call_from_thread(self._message, f"[green]{esc(text)}[/green]")
        self.app.call_from_thread(self.cospace_app.refresh_views)

    @on(DataTable.RowSelected)
    def action_open_form(self) -> None:
        if self.focused is not None and (self.focused.id or "").startswith("q-"):
            self.action_search()  # Enter in the search form searches, from any field
            return
        chosen = self._chosen()
        board = self.cospace_app.views.get("board")
        if chosen is None or self.request is None or board is None:
            return
        r = self.request
        board.open_form(FormStart(space=chosen[0], day=r.day, start=chosen[1],  # type: ignore[attr-defined]
                                  end=chosen[2], attendees=r.attendees,
                                  confidential=r.confidential, org=r.org))
