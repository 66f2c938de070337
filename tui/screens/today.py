"""The Desk: today's bookings in time order, found by typing, one key per action.

Type ``/`` (or a booking number) to find a booking by number, organisation, space or adviser;
a booking whose start has passed without a check-in is marked overdue and not counted as "to
arrive"; a check-in hours early asks first; a walk-in is booked and checked in at once, and a
walk-in that fits nowhere keeps its input and says why each space did not fit.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from booking import permissions
from booking.models import BookingView
from booking.rules import fmt_minutes
from booking.timeutil import human_time_span, to_local
from booking.walkin import adviser_names
from tui.data import site_today
from tui.screens.dialogs import ConfirmModal, action_refusal
from tui.screens.walk_in import WalkIn, WalkInModal, parse_length
from tui.text import cells, esc

if TYPE_CHECKING:
    from tui.app import CospaceApp

__all__ = [
    "EARLY", "OVERDUE", "STATUS_WORDS", "TodayScreen", "WalkIn", "WalkInModal", "is_overdue",
    "matches", "parse_length",
]

STATUS_WORDS = {
    "confirmed": "booked", "checked_in": "checked in", "no_show": "no-show",
    "cancelled": "cancelled", "released": "released",
    "provisional": "awaiting approval", "declined": "declined",
}
#: The mark of a booking whose start has passed and nobody checked in (not only a colour).
OVERDUE = "⚠ overdue"
#: A check-in this long before the start asks first.
EARLY = dt.timedelta(hours=1)


def is_overdue(b: BookingView, now: dt.datetime) -> bool:
    """Confirmed, its start passed, not checked in."""
    return b.status == "confirmed" and b.start <= now


def matches(b: BookingView, words: str, names: dict[str, str]) -> bool:
    """Does ``b`` match what was typed (every word, in its number, organisation, space, the
    adviser's login or name)?"""
    hay = " ".join([f"#{b.id}", str(b.id), b.org, b.space, b.space_name,
                    b.booked_by or "", names.get(b.booked_by or "", "")]).lower()
    return all(w.lstrip("#") in hay for w in words.lower().split())


class TodayScreen(Screen[None]):
    """The day's bookings at the site, in time order, with their status."""

    BINDINGS = [
        Binding("slash", "find", "Find", key_display="/"),
        Binding("i", "checkin", "Check in"),
        Binding("x", "noshow", "No-show"),
        Binding("c", "cancel", "Cancel"),
        Binding("u", "undo", "Undo mark"),
        Binding("e", "change", "Change"),
        Binding("w", "walk_in", "Walk-in"),
        Binding("h", "history", "History"),
        Binding("home", "first", "First", show=False, priority=True),
        Binding("end", "last", "Last", show=False, priority=True),
        Binding("enter", "on_board", "On board", show=False),
        Binding("escape", "leave", "Board"),
    ]

    AUTO_FOCUS = "#desk-table"  # the keys act on the table; / (or a digit) finds
    DEFAULT_CSS = """
    TodayScreen #desk-find { height: 1; }
    TodayScreen #desk-search { width: 1fr; }
    TodayScreen #desk-matches { width: auto; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__(id="desk-screen")
        self.all: list[BookingView] = []
        self.bookings: list[BookingView] = []  # the rows shown (after the search)
        self.names: dict[str, str] = {}
        self.now: dt.datetime | None = None
        self._title_parts: tuple[str, dt.date] | None = None

    @property
    def cospace_app(self) -> CospaceApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static("[b]Desk today[/b]", id="desk-title", classes="screen-title")
        with Horizontal(id="desk-find"):
            yield Input("", id="desk-search", compact=True,
                        placeholder="/ find: booking number, organisation, space or adviser")
            yield Static("", id="desk-matches")
        yield DataTable(id="desk-table", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.cospace_app.register_view("desk", self)
        self.query_one(DataTable).add_columns("#", "Time", "Space", "Org", "Status",
                                              "People", "Adviser", "Purpose")
        self.query_one(DataTable).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        if self.cospace_app.site is not None:
            self.load()

    @work(thread=True, exclusive=True, group="desk", exit_on_error=False)
    def load(self) -> None:
        app = self.cospace_app
        site = app.site
        if site is None:
            return
        day = site_today(app.cospace, site.tz)
        rows = app.cospace.day_bookings(site.code, day)
        names = self.names or adviser_names(app.cospace)
        self.app.call_from_thread(self.show, site.name, day, rows, names,
                                  app.cospace.now())

    def show(self, site_name: str, day: dt.date, rows: list[BookingView],
             names: dict[str, str] | None = None, now: dt.datetime | None = None) -> None:
        self.all = sorted(rows, key=lambda b: (b.start, b.space))
        if names is not None:
            self.names = names
        self.now = now or self.cospace_app.cospace.now()
        self._title_parts = (site_name, day)
        self.fill()

    def fill(self) -> None:
        """Show the bookings that match the search, and the counts of the whole day."""
        now = self.now or self.cospace_app.cospace.now()
        words = self.query_one("#desk-search", Input).value.strip()
        self.bookings = [b for b in self.all if matches(b, words, self.names)]
        overdue = sum(1 for b in self.all if is_overdue(b, now))
        waiting = sum(1 for b in self.all if b.status == "confirmed" and b.start > now)
        if self._title_parts is not None:
            site_name, day = self._title_parts
            late = f", [b]{overdue} overdue ⚠[/b]" if overdue else ""
            self.query_one("#desk-title", Static).update(
                f"[b]Desk[/b] · {esc(site_name)} · {day:%a %d %b} · {waiting} to arrive"
                f"{late} of {len(self.all)} bookings" + self._role_note())
            self.show_matches()
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        table.add_rows(
            cells((str(b.id), human_time_span(b.start, b.end, b.tz), b.space, b.org,
                   OVERDUE if is_overdue(b, now) else STATUS_WORDS.get(b.status, b.status),
                   "" if b.attendees is None else str(b.attendees),
                   self.names.get(b.booked_by or "", b.booked_by or ""),
                   "—" if b.purpose is None else b.purpose))
            for b in self.bookings
        )
        if self.bookings:
            table.move_cursor(row=min(max(row, 0), len(self.bookings) - 1))

    def _role_note(self) -> str:
        actor = self.cospace_app.actor
        if actor is not None and not permissions.may_booking_action(actor, "checkin", 0):
            return " · check-in and no-show are the front desk's"
        return ""

    def current(self) -> BookingView | None:
        table = self.query_one(DataTable)
        if not self.bookings:
            return None
        return self.bookings[min(table.cursor_row, len(self.bookings) - 1)]

    # ------------------------------------------------------------------ finding
    @on(Input.Changed, "#desk-search")
    def search_changed(self) -> None:
        self.fill()
        if self.bookings:
            self.query_one(DataTable).move_cursor(row=0)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if event.widget is self.query_one("#desk-search", Input):
            self.show_matches()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.show_matches()

    def show_matches(self) -> None:
        """Beside the search: how many match, or (while typing there) what the keys do."""
        search = self.query_one("#desk-search", Input)
        words = search.value.strip()
        text = f"{len(self.bookings)} match" if words else ""
        if self.focused is search:
            text = (text + " · " if text else "") + "Enter: to the list · Esc: clear"
        self.query_one("#desk-matches", Static).update(text)

    @on(Input.Submitted, "#desk-search")
    def search_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one(DataTable).focus()

    def action_find(self) -> None:
        self.query_one("#desk-search", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """A digit typed on the table starts a search by booking number; down in the search
        goes to the matches; Escape in the search clears it."""
        search = self.query_one("#desk-search", Input)
        if self.focused is self.query_one(DataTable) and event.character and \
                event.character.isdigit():
            search.focus()
            search.value = event.character
            search.cursor_position = len(search.value)
            event.stop()
        elif self.focused is search and event.key == "down":
            self.query_one(DataTable).focus()
            event.stop()

    def action_leave(self) -> None:
        search = self.query_one("#desk-search", Input)
        if search.value or self.focused is search:
            search.value = ""
            self.query_one(DataTable).focus()
            return
        self.app.switch_mode("board")

    def action_first(self) -> None:
        """Home: the first booking (in the search field: its start)."""
        search = self.query_one("#desk-search", Input)
        if self.focused is search:
            search.action_home()
            return
        table = self.query_one(DataTable)
        table.focus()
        table.move_cursor(row=0)

    def action_last(self) -> None:
        """End: the last booking (in the search field: its end)."""
        search = self.query_one("#desk-search", Input)
        if self.focused is search:
            search.action_end()
            return
        table = self.query_one(DataTable)
        table.focus()
        table.move_cursor(row=max(0, len(self.bookings) - 1))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys the acting role may not use are shown disabled (the title says why)."""
        actor = self.cospace_app.actor
        if action in ("checkin", "noshow", "undo") and actor is not None:
            return True if permissions.may_booking_action(actor, action, 0) else None
        if action == "walk_in" and actor is not None and not actor.known:
            return None
        return True

    # ------------------------------------------------------------------ actions
    def change(self, action: str, booking_id: int) -> None:
        self.cospace_app.change_booking(action, booking_id)

    def refused(self, action: str, b: BookingView) -> bool:
        """Say why now, before any question, when the role may not do ``action``."""
        app = self.cospace_app
        why = action_refusal(app.actor, action, b.org, app.orgs)
        if why:
            self.notify(why, severity="warning", timeout=8)
        return why is not None

    def action_checkin(self) -> None:
        b = self.current()
        if b is None or self.refused("checkin", b):
            return
        now = self.cospace_app.cospace.now()
        if b.status == "confirmed" and b.start - now > EARLY:
            early = fmt_minutes(int((b.start - now).total_seconds() // 60))
            local = to_local(b.start, b.tz)

            def answer(yes: bool | None) -> None:
                if yes:
                    self.change("checkin", b.id)

            self.app.push_screen(ConfirmModal(
                f"#{b.id} {b.space} {b.org} starts at {local:HH:mm}, in {early}. "
                "Check in now anyway?", yes="Check in"), answer)
            return
        self.change("checkin", b.id)

    def action_noshow(self) -> None:
        b = self.current()
        if b is not None and not self.refused("noshow", b):
            self.change("noshow", b.id)

    def action_cancel(self) -> None:
        b = self.current()
        if b is not None and not self.refused("cancel", b):
            self.cospace_app.confirm_cancel(b)

    def action_history(self) -> None:
        self.cospace_app.show_history(self.current())

    def action_change(self) -> None:
        b = self.current()
        if b is not None and self.refused("move", b):
            return
        self.cospace_app.open_change(b)

    def action_undo(self) -> None:
        self.cospace_app.undo_mark(self.current())

    def action_on_board(self) -> None:
        b = self.current()
        if b is not None:
            self.cospace_app.show_on_board(b)

    def action_walk_in(self) -> None:
        app = self.cospace_app
        actor = app.actor
        site = app.site
        if site is None:
            return
        orgs = [o.code for o in app.orgs]
        if actor is not None and actor.role not in ("front-desk", "admin") and actor.org_code:
            orgs = [actor.org_code]

        def done(view: BookingView | None) -> None:
            if view is not None:
                self.walked_in(view)

        self.app.push_screen(WalkInModal(app.cospace, site.code, orgs,
                                         actor.org_code if actor else None), done)

    def walked_in(self, view: BookingView) -> None:
        checked = " and checked in" if view.status == "checked_in" else ""
        self.notify(f"Walk-in #{view.id}: {view.space} "
                    f"{human_time_span(view.start, view.end, view.tz)} for {view.org}, "
                    f"booked{checked}.", title="Saved")
        self.cospace_app.refresh_views()
