"""``cospace display``: a full-screen, read-only view for a wall screen at reception or a small
terminal by a door.

A timer ticks twice a second; each tick asks the store, in a thread worker, whether anything
changed (a cheap poll: :meth:`DisplaySource.changed`) and reads it again only then or when the
minute turns. The widgets are made once and redrawn, so memory stays flat over weeks; when the
store cannot be reached the last picture stays up, marked "stale since HH:MM", until it can.
"""

from __future__ import annotations

import datetime as dt
import sys

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Digits, Static

from booking.display import DisplaySource, DisplayState
from booking.errors import CospaceError
from booking.timeutil import wall
from tui.display.widgets import LEGEND, DoorSign, SpaceList

TICK_SECONDS = 0.5
#: Pages of a long reception list turn every this many ticks (8 s).
PAGE_TICKS = 16


class DisplayApp(App[int]):
    """The reception list, or a door sign when the source names one space."""

    TITLE = "cospace display"
    CSS_PATH = "display.tcss"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),
        Binding("t", "toggle_theme", "Light/dark", show=False),
    ]

    def __init__(self, source: DisplaySource, *, poll: bool = True) -> None:
        super().__init__()
        self.source = source
        self.poll_enabled = poll
        self.state: DisplayState | None = None
        self.stale_since: dt.datetime | None = None
        self.stale_reason = ""
        self.loads = 0  # how many times the store was read (tests, soak)
        self._loaded_minute: dt.datetime | None = None
        self._busy = False
        self._ticks = 0
        self._tz: str | None = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="header"):
            with Vertical(id="titles"):
                yield Static(id="site-name")
                yield Static(id="site-status")
            yield Static(id="clock-text")
            yield Digits("", id="clock")
        if self.source.door:
            yield DoorSign(id="door")
        else:
            yield SpaceList(id="spaces")
        yield Static(id="legend")

    def on_mount(self) -> None:
        self._fit_to_size()
        self.tick()
        if self.poll_enabled:
            self.set_interval(TICK_SECONDS, self.tick)

    def on_resize(self) -> None:
        self._fit_to_size()

    def _fit_to_size(self) -> None:
        """Large digits for the time where the terminal has room for them."""
        size = self.size
        self.set_class(size.width >= 50 and size.height >= 12, "-roomy")
        self.set_class(size.width >= 150 and size.height >= 45, "-large")

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    # ------------------------------------------------------------------ polling
    def tick(self) -> None:
        self._ticks += 1
        if self._ticks % PAGE_TICKS == 0 and not self.source.door:
            self.query_one(SpaceList).next_page()
        self._show_clock()  # the time goes on even while the store cannot be read
        if not self._busy:  # never more than one read in flight, however slow the store
            self._busy = True
            self.poll_store()

    @work(thread=True, group="poll", exit_on_error=False)
    def poll_store(self) -> None:
        try:
            now = self.source.now()
            minute = now.replace(second=0, microsecond=0)
            changed = self.source.changed()
            if changed or minute != self._loaded_minute or self.stale_since is not None:
                state = self.source.load(now)
                self.call_from_thread(self.show_state, state, minute)
        except CospaceError as exc:
            self.source.forget()
            self.call_from_thread(self.show_stale, exc.message)
        except Exception as exc:  # the display stays up whatever the store does
            self.source.forget()
            self.call_from_thread(self.show_stale, f"{exc.__class__.__name__}: {exc}")
        finally:
            self._busy = False

    def show_state(self, state: DisplayState, minute: dt.datetime) -> None:
        self.loads += 1
        self._loaded_minute = minute
        was_stale = self.stale_since is not None
        self.stale_since = None
        self._tz = state.tz
        if state == self.state and not was_stale:
            return
        self.state = state
        self.query_one("#site-name", Static).update(Text(state.site_name))
        self.query_one("#site-status", Static).update(
            Text(f"{state.date_text} · {state.status_text}"))
        self._show_clock(state.time_text)
        view = self.query_one(DoorSign if self.source.door else SpaceList)
        view.show(state)
        self._show_legend()

    def show_stale(self, reason: str) -> None:
        if self.stale_since is None:
            self.stale_since = self.state.now if self.state is not None else self.source.now()
        self.stale_reason = reason
        self._show_clock()
        self._show_legend()

    def _show_clock(self, text: str | None = None) -> None:
        if text is None:
            if self._tz is None:
                return
            now = wall(self.source.now(), self._tz)
            text = f"{now.hour:02d}:{now.minute:02d}"
        clock = self.query_one("#clock", Digits)
        if clock.value != text:
            clock.update(text)
            self.query_one("#clock-text", Static).update(Text(text))

    def on_space_list_pages_changed(self) -> None:
        self._show_legend()

    def _show_legend(self) -> None:
        legend = self.query_one("#legend", Static)
        self.set_class(self.stale_since is not None, "-stale")
        if self.stale_since is not None:
            since = wall(self.stale_since, self._tz) if self._tz else self.stale_since
            legend.update(Text(f"⚠ STALE since {since.hour:02d}:{since.minute:02d}: "
                               "cannot read the store; trying again every second", no_wrap=True,
                               overflow="ellipsis"))
            return
        text = LEGEND
        if not self.source.door:
            spaces = self.query_one(SpaceList)
            if spaces.pages > 1:
                text += f"   page {spaces.page + 1} of {spaces.pages}"
        legend.update(Text(text, no_wrap=True, overflow="ellipsis"))


def make_display_app(source: DisplaySource, *, poll: bool = True) -> DisplayApp:
    """The one factory, for the CLI and the tests."""
    return DisplayApp(source, poll=poll)


def run(source: DisplaySource) -> int:
    app = make_display_app(source)
    try:
        app.run()
    finally:
        source.close()
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run it as: cospace display SITE")
