"""Changing a booking on the board with its keys: extend, shorten, move by one step, each
checked against the store at once and saved with Enter (Esc drops it)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.widgets import Static

from booking.change import Changes, change_booking, change_following, check_change
from booking.errors import Conflict, CospaceError
from booking.models import KINDS, BookingView
from booking.series import SeriesResult
from booking.timeutil import hm, human_time_span, minutes_of_day, to_local
from tui.screens.base import LoadedScreen
from tui.widgets.board_data import BoardData
from tui.widgets.board_grid import BoardGrid


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


class KeyChanges(LoadedScreen[BoardData]):
    """The board's change-by-keys half: the pending change, its check and its saving."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: BoardData | None = None
        #: a move, extension or shortening made with the keys, checked but not saved yet
        self.pending: Pending | None = None

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
