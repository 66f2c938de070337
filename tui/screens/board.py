"""The board (home screen): one site, one day, every space; book at the cursor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static

from booking.change import Changes, change_booking, change_following, check_change
from booking.errors import Conflict, CospaceError
from booking.models import KINDS, BookingView
from booking.series import SeriesResult
from booking.timeutil import hm, human_time_span, minutes_of_day, to_local
from tui import messages
from tui.colours import status_mark
from tui.data import load_board, site_today
from tui.entry import parse_day
from tui.screens.base import LoadedScreen
from tui.screens.booking_form import BookingForm, FormStart
from tui.screens.dialogs import AskModal, PickModal
from tui.text import esc
from tui.widgets.board_grid import BoardData, BoardGrid


@dataclass
class Pending:
    """A change of ``booking`` being made with the board's keys: where and when it would be
    (local minutes on the board's day), and what the store's check said."""

    booking: BookingView
    space: str
    start: int
    end: int
    verdict: str = "checking…"
    ok: bool = False

    @property
    def changes(self) -> Changes:
        b = self.booking
        moved = (self.start, self.end) != (minutes_of_day(b.start, b.tz),
                                           minutes_of_day(b.end, b.tz) or 1440)
        day = to_local(b.start, b.tz).date()
        return Changes(start=f"{day.isoformat()} {hm(self.start)}" if moved else None,
                       end=(hm(self.end) if self.end < 1440 else "24:00") if moved else None,
                       space=self.space if self.space != b.space else None)


class BoardScreen(LoadedScreen[BoardData]):
    """Spaces down the side, the day across; bookings coloured by organisation."""

    RELOAD_ON_RESUME = False  # the poll and the minute timer keep it current
    BINDINGS = [
        Binding("b", "book", "Book", show=False, id="board.book"),
        Binding("p", "shift_day(-1)", "Prev", key_display="p", id="board.prev_day"),
        Binding("n", "shift_day(1)", "Next day", id="board.next_day"),
        Binding("t", "today", "Today", id="board.today"),
        Binding("g", "go_to_day", "Day…", id="board.go_to_day"),
        Binding("s", "switch_site", "Site", id="board.site"),
        Binding("l", "legend", "Legend", id="board.legend"),
        Binding("i", "check_in", "Check in the booking here", show=False,
                id="board.check_in"),
        Binding("x", "no_show", "No-show for the booking here", show=False,
                id="board.no_show"),
        Binding("c", "cancel", "Cancel the booking here", show=False, id="board.cancel"),
        Binding("h", "history", "History of the booking here", show=False,
                id="board.history"),
        Binding("e", "change", "Change", id="board.change"),
        Binding("u", "undo", "Undo mark", id="board.undo"),
        Binding("plus,equals_sign", "nudge('extend')", "Extend the booking here by 15 min",
                key_display="+", show=False, id="board.extend"),
        Binding("minus", "nudge('shorten')", "Shorten the booking here by 15 min",
                key_display="-", show=False, id="board.shorten"),
        Binding("shift+up", "nudge('up')", "Move the booking here to the space above",
                key_display="Shift+↑", show=False, id="board.move_up"),
        Binding("shift+down", "nudge('down')", "Move the booking here to the space below",
                key_display="Shift+↓", show=False, id="board.move_down"),
        Binding("shift+left,less_than_sign", "nudge('earlier')",
                "Move the booking here 15 min earlier", key_display="Shift+← / <", show=False,
                id="board.earlier"),
        Binding("shift+right,greater_than_sign", "nudge('later')",
                "Move the booking here 15 min later", key_display="Shift+→ / >", show=False,
                id="board.later"),
        Binding("escape", "drop_change", "Drop the change not saved yet", show=False,
                id="board.drop_change"),
    ]

    def __init__(self) -> None:
        super().__init__(id="board-screen")
        self.site_code: str | None = None
        self.day: dt.date | None = None
        self.data: BoardData | None = None
        self._pending_cursor: tuple[str, int] | None = None
        #: a move, extension or shortening made with the keys, checked but not saved yet
        self.pending: Pending | None = None

    def compose(self) -> ComposeResult:
        yield Static("cospace", id="board-title", classes="screen-title")
        yield BoardGrid(id="board")
        yield Static("", id="board-detail")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(BoardGrid).focus()
        self.set_interval(60, self.reload)  # move the "now" mark as the day goes on

    # ------------------------------------------------------------------ loading
    def ready(self) -> bool:
        return bool(self.site_code and self.day)

    def fetch(self) -> BoardData:
        assert self.site_code is not None and self.day is not None
        return load_board(self.cospace_app.cospace, self.site_code, self.day)

    def show_day(self, site_code: str, day: dt.date, cursor: tuple[str, int] | None = None
                 ) -> None:
        if site_code != self.site_code:
            self.cospace_app.remember("site", site_code)
        self.site_code, self.day = site_code, day
        self._pending_cursor = cursor
        self.pending = None  # a change not saved is dropped with the day it was on
        self.reload()

    def show_loaded(self, data: BoardData) -> None:
        """Show a day read elsewhere (the app's start-up)."""
        self.site_code, self.day = data.site.code, data.day
        self.show_data(data)

    def show_data(self, data: BoardData) -> None:
        if (data.site.code, data.day) != (self.site_code, self.day):
            return  # a newer day was asked for meanwhile
        self.data = data
        grid = self.query_one(BoardGrid)
        grid.show(data)
        if self._pending_cursor:
            grid.go_to(*self._pending_cursor)
            self._pending_cursor = None
        self._title()
        self.cospace_app.board_ready()

    def _title(self) -> None:
        data = self.data
        if data is None:
            return
        today = site_today(self.cospace_app.cospace, data.site.tz)
        when = "today" if data.day == today else (
            "tomorrow" if data.day == today + dt.timedelta(days=1) else
            "yesterday" if data.day == today - dt.timedelta(days=1) else "")
        text = f"[b]{esc(data.site.name)}[/b] · {data.day:%a %d %b %Y}"
        if when:
            text += f" ([b]{when}[/b])"
        if data.closed_reason:
            text += f" · [$error]closed: {esc(data.closed_reason)}[/]"
        else:
            text += f" · {hm(data.opens)}–{hm(data.closes)}"
        actor = self.cospace_app.actor
        if actor is not None:
            who = actor.name or actor.login
            text += f" · {esc(who)}" + (f" ({esc(actor.org_code)})" if actor.org_code else "")
        self.query_one("#board-title", Static).update(text)

    # ------------------------------------------------------------------ cursor
    def on_board_grid_cursor_moved(self, event: BoardGrid.CursorMoved) -> None:
        if self.pending is not None:
            self.show_pending()
            return
        self.query_one("#board-detail", Static).update(
            self.describe(event.space, event.minute, event.booking))

    def describe(self, space, minute: int, booking: BookingView | None) -> str:  # type: ignore[no-untyped-def]
        if space is None:
            return ""
        feats = esc(", ".join(sorted(space.features)) or "no extras")
        about = (f"[b]{esc(space.code)}[/b] {esc(space.name)} · {space.capacity} "
                 f"{'person' if space.capacity == 1 else 'people'} · {feats}"
                 f"{' · private' if space.private else ''}")
        if space.restricted_to:
            about += f" · only {esc(', '.join(sorted(space.restricted_to)))}"
        if booking is None:
            return f"{about}\n{hm(minute)} free — Enter to book"
        span = human_time_span(booking.start, booking.end, booking.tz)
        mark = status_mark(booking.status)
        line = (f"{span} [b]{esc(booking.org)}[/b] #{booking.id} "
                f"{(mark + ' ') if mark else ''}{booking.status.replace('_', '-')}")
        if not booking.active:
            line = f"{hm(minute)} free — Enter to book · was: {line}"
        if booking.series is not None:
            line += f" · ↻ series #{booking.series}"
        if booking.details_visible:
            purpose = ("(purpose not shown)" if booking.purpose is None
                       else booking.purpose or "(no purpose given)")
            line += f" · {booking.attendees} · {esc(purpose)}"
            if booking.confidential:
                line += " · confidential"
        return f"{about}\n{line}"

    def on_board_grid_slot_chosen(self, event: BoardGrid.SlotChosen) -> None:
        if self.pending is not None:  # Enter saves the change made with the keys
            self.save_pending()
            return
        minute = event.minute
        if self.data is not None and self.data.closed_reason:
            self.notify(f"{self.data.site.name} is closed that day: "
                        f"{self.data.closed_reason}.", severity="warning")
            return
        if event.booking is not None and event.booking.active and self.data is not None:
            # book straight after the booking under the cursor
            b = event.booking
            minute = minutes_of_day(b.end, b.tz)
            while minute < self.data.closes and self.data.booking_at(event.space.code,
                                                                      minute):
                nxt = self.data.booking_at(event.space.code, minute)
                minute = minutes_of_day(nxt.end, nxt.tz) if nxt else minute
            if minute >= self.data.closes:
                self.notify(f"{event.space.code} is booked for the rest of the day.",
                            severity="warning")
                return
        self.open_form(FormStart(space=event.space.code, day=self.day or dt.date.today(),
                                 start=minute))

    def open_form(self, start: FormStart) -> None:
        app = self.cospace_app
        if self.data is None or app.actor is None:
            return
        now = self.data.now_minutes
        if now is not None and start.start <= now < start.start + 15 and start.end is None:
            start.start = now - now % 5  # walk-ins: from the current 5-minute slot
        kind = next((s.kind for s in self.data.spaces if s.code == start.space), "interview")
        default = {"interview": 60, "workshop": 120, "desk": 240}[kind]
        end = min(start.start + default, self.data.closes)
        if start.end is None:
            start.end = self._stop_before_next(start.space, start.start, end)
        app.push_screen(
            BookingForm(app.cospace, self.data.site, self.data.spaces, app.orgs, app.actor,
                        start),
            self.saved,
        )

    def _stop_before_next(self, space: str, start: int, end: int) -> int:
        """``end``, or the start of the space's next booking if that comes sooner."""
        assert self.data is not None
        starts = self.data.start_minutes(space)
        return min([end, *(m for m in starts if start < m < end)])

    def saved(self, view: BookingView | SeriesResult | None) -> None:
        if view is None:
            return
        if isinstance(view, SeriesResult):
            self.cospace_app.series_saved(view)
            return
        self.cospace_app.booking_saved(view)

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The site key shows only where there is more than one site."""
        if action == "switch_site":
            return len(self.cospace_app.sites) > 1
        return True

    def action_book(self) -> None:
        self.query_one(BoardGrid).action_choose()

    @property
    def at_cursor(self) -> BookingView | None:
        return self.query_one(BoardGrid).current_booking

    def action_check_in(self) -> None:
        self.post_message(messages.CheckIn(self.at_cursor))

    def action_no_show(self) -> None:
        self.post_message(messages.NoShow(self.at_cursor))

    def action_cancel(self) -> None:
        self.post_message(messages.CancelBooking(self.at_cursor))

    def action_history(self) -> None:
        self.post_message(messages.ShowHistory(self.at_cursor))

    def action_legend(self) -> None:
        """What the colours and marks mean: the organisations on this day and each mark."""
        from tui.screens.help import LegendScreen

        orgs = sorted({b.org for b in self.data.bookings if b.org} if self.data else set())
        counts = self.data.counts() if self.data else {}
        names = {o.code: o.name for o in self.cospace_app.orgs}
        self.app.push_screen(LegendScreen(orgs, counts, names))

    # ------------------------------------------------------------------ changing
    def action_change(self) -> None:
        """Open the booking form on the booking at the cursor; saving changes it."""
        self.post_message(messages.ChangeBooking(self.pending.booking if self.pending else
                                                 self.at_cursor))

    def action_undo(self) -> None:
        self.post_message(messages.UndoMark(self.at_cursor))

    def action_nudge(self, how: str) -> None:
        """Extend, shorten or move the booking at the cursor by one step; the result is
        checked against the store at once and saved with Enter (Esc drops it)."""
        if self.data is None:
            return
        p = self.pending
        if p is None:
            b = self.query_one(BoardGrid).current_booking
            if b is None:
                self.notify("There is no booking at the cursor to change.", severity="warning")
                return
            if not b.active:
                self.notify(f"#{b.id} is {b.status.replace('_', '-')}: only a confirmed "
                            "booking can be moved (u undoes a mark).", severity="warning")
                return
            p = Pending(b, b.space, minutes_of_day(b.start, b.tz),
                        minutes_of_day(b.end, b.tz) or 1440)
        order = [s.code for k in KINDS for s in self.data.spaces if s.kind == k]
        space, start, end = p.space, p.start, p.end
        if how == "extend":
            end += 15
        elif how == "shorten":
            if end - 15 <= start:
                self.notify("It cannot be shorter than that.", severity="warning")
                return
            end -= 15
        elif how in ("earlier", "later"):
            step = -15 if how == "earlier" else 15
            start, end = start + step, end + step
        elif how in ("up", "down") and space in order:
            i = order.index(space) + (-1 if how == "up" else 1)
            if not 0 <= i < len(order):
                return
            space = order[i]
        if start < 0 or end > 1440:
            return
        self.pending = Pending(p.booking, space, start, end)
        self.query_one(BoardGrid).go_to(space, start)
        self.show_pending()
        if self.pending.changes.empty:
            self.pending.verdict, self.pending.ok = "as it was", False
            self.show_pending()
            return
        self.check_pending(self.pending)

    @work(thread=True, exclusive=True, group="board-check", exit_on_error=False)
    def check_pending(self, p: Pending) -> None:
        try:
            check_change(self.cospace_app.cospace, p.booking.id, p.changes)
        except Conflict as exc:  # short enough for the board's detail line
            h = exc.holders[0] if exc.holders else None
            words = exc.message if h is None else (
                f"{p.space} is taken {human_time_span(h.start_at, h.end_at, p.booking.tz)} "
                f"by {h.org_code} (booking #{h.id})")
            self.app.call_from_thread(self.checked, p, False, words)
            return
        except CospaceError as exc:
            self.app.call_from_thread(self.checked, p, False, exc.message)
            return
        self.app.call_from_thread(self.checked, p, True, "free")

    def checked(self, p: Pending, ok: bool, verdict: str) -> None:
        if self.pending is not p:
            return  # a newer step was taken meanwhile
        p.ok, p.verdict = ok, verdict
        self.show_pending()

    def show_pending(self) -> None:
        p = self.pending
        if p is None:
            return
        b = p.booking
        line = Text(f"Change #{b.id} {b.org}: {b.space} {human_time_span(b.start, b.end, b.tz)}"
                    f" → {p.space} {hm(p.start)}–{hm(p.end)}", style="bold")
        if p.ok:
            line.append("  Enter saves · Esc drops", style="not bold")
            verdict = Text(f"✓ {p.verdict}", style=self._accent("success"))
        elif p.verdict in ("checking…", "as it was"):
            line.append("  Esc drops", style="not bold")
            verdict = Text(p.verdict)
        else:
            line.append("  Esc drops", style="not bold")
            verdict = Text(f"✗ Not possible: {p.verdict}", style=f"bold {self._accent('error')}")
        self.query_one("#board-detail", Static).update(Text("\n").join([line, verdict]))

    def _accent(self, name: str) -> str:
        """A theme colour by name (``success``, ``error``, ...), for Rich text."""
        return str(getattr(self.app.current_theme, name, None) or "")

    def action_drop_change(self) -> None:
        if self.pending is None:
            return
        self.pending = None
        grid = self.query_one(BoardGrid)
        self.query_one("#board-detail", Static).update(
            self.describe(grid.current_space, grid.current_minute, grid.current_booking))

    def save_pending(self) -> None:
        p = self.pending
        if p is None:
            return
        if not p.ok:
            self.notify(f"Not saved: {p.verdict}" if p.verdict not in ("checking…", "as it was")
                        else "Nothing to save yet.", severity="warning")
            return
        if p.booking.series is None:
            self.save_change(p, following=False)
            return
        from tui.screens.series import ChangeScopeModal

        def answer(scope: str | None) -> None:
            if scope:
                self.save_change(p, following=scope == "following")

        self.app.push_screen(ChangeScopeModal(
            f"#{p.booking.id} is a date of series #{p.booking.series}: change this one, or "
            "this and the following dates?"), answer)

    @work(thread=True, exclusive=True, group="board-save", exit_on_error=False)
    def save_change(self, p: Pending, following: bool) -> None:
        cs = self.cospace_app.cospace
        try:
            result = (change_following(cs, p.booking.id, p.changes) if following else
                      change_booking(cs, p.booking.id, p.changes))
        except CospaceError as exc:
            self.app.call_from_thread(self.checked, p, False, exc.message)
            self.app.call_from_thread(self.notify, f"Not saved: {exc.message}",
                                      severity="error", timeout=8)
            return
        self.app.call_from_thread(self.saved_change, p, result)

    def saved_change(self, p: Pending, result: BookingView | SeriesResult) -> None:
        if self.pending is p:
            self.pending = None
        self.cospace_app.booking_changed(result)

    def action_shift_day(self, days: int) -> None:
        if self.site_code and self.day:
            self.show_day(self.site_code, self.day + dt.timedelta(days=days))

    def action_today(self) -> None:
        if self.site_code and self.data:
            self.show_day(self.site_code, site_today(self.cospace_app.cospace, self.data.site.tz))

    def action_go_to_day(self) -> None:
        def go(answer: str | None) -> None:
            if not answer or not self.site_code or not self.data:
                return
            try:
                day = parse_day(answer, site_today(self.cospace_app.cospace, self.data.site.tz))
            except CospaceError as exc:
                self.notify(exc.message, severity="error")
                return
            self.show_day(self.site_code, day)

        self.app.push_screen(AskModal("Go to which day?", placeholder="YYYY-MM-DD, tomorrow, thu"
                                      ", +7"), go)

    def action_switch_site(self) -> None:
        sites = self.cospace_app.sites

        def pick(code: str | None) -> None:
            if code and self.day:
                self.show_day(code, self.day)

        self.app.push_screen(PickModal("Which site?", [(s.code, f"{s.code}  {s.name}")
                                                       for s in sites]), pick)
