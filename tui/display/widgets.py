"""The display's two views: the reception list of every space, and the door sign of one.

Each is one widget created once and drawn from the newest :class:`DisplayState`: nothing is
added or removed while the display runs, so it can run for weeks without growing.
"""

from __future__ import annotations

import re

from rich.align import Align
from rich.console import Group, RenderableType
from rich.text import Text
from textual.message import Message
from textual.renderables.digits import Digits as DigitsRenderable
from textual.widget import Widget

from booking.display import BUSY, CLOSED, FREE, OUT, SOON_STATE, DisplayState, SpaceState
from tui.display import strip as strip_

STATE_CLASS = {FREE: "free", SOON_STATE: "soon", BUSY: "busy", CLOSED: "closed", OUT: "closed"}
LEGEND = "✓ free   ◐ booked soon   ● in use   ✕ closed"
_TIME_AT_END = re.compile(r"^(.*?)\s*(\d\d:\d\d)$")


def _fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` cells, cut with an ellipsis when too long."""
    if width <= 0:
        return ""
    if len(text) > width:
        return text[: max(width - 1, 0)] + "…"
    return text.ljust(width)


class _StateWidget(Widget):
    """A widget drawn from the display state, with the state colours as component classes
    (styled in display.tcss, so they follow the theme)."""

    COMPONENT_CLASSES = {
        "state--free", "state--soon", "state--busy", "state--closed", "state--head",
        "strip--busy", "strip--free", "strip--tick", "state--muted",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state: DisplayState | None = None

    def show(self, state: DisplayState) -> None:
        self.state = state
        self.refresh()

    def _style(self, name: str):  # type: ignore[no-untyped-def]
        return self.get_component_rich_style(name, partial=False)

    def _strip(self, space: SpaceState, width: int) -> tuple[Text, Text]:
        state = self.state
        assert state is not None
        span = strip_.window(state.minute, state.opens, state.closes)
        if span is None or width < 4:
            return Text(""), Text("")
        return strip_.render(space.slots, span[0], span[1], width,
                             busy=self._style("strip--busy"),
                             free=self._style("strip--free"), tick=self._style("strip--tick"))


class SpaceList(_StateWidget):
    """Every space of the site, one a line: name, state, next booking, the rest of the day.
    When they do not all fit, pages turn by themselves (:meth:`next_page`)."""

    class PagesChanged(Message):
        """The page shown or the number of pages changed (the legend says which)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.page = 0

    def on_resize(self) -> None:
        self.page = min(self.page, self.pages - 1)
        self.post_message(self.PagesChanged())

    @property
    def spaced(self) -> bool:
        """A blank line between spaces, where the screen has room for all of them so."""
        n = len(self.state.spaces) if self.state is not None else 0
        return self.size.height >= 2 * n + 1 and self.size.height >= 30

    @property
    def per_page(self) -> int:
        return max(1, self.size.height - 1)

    @property
    def pages(self) -> int:
        if self.state is None:
            return 1
        return max(1, -(-len(self.state.spaces) // self.per_page))

    def next_page(self) -> None:
        if self.pages > 1:
            self.page = (self.page + 1) % self.pages
            self.refresh()
            self.post_message(self.PagesChanged())

    def render(self) -> RenderableType:
        state = self.state
        if state is None:
            return Text("Reading the store…")
        if not state.spaces:
            return Text("No spaces to show at this site.")
        width = self.size.width
        name_w = max(10, min(36, width // 4 if width < 120 else width // 5))
        state_w = 21
        next_w = 11 if width >= 60 else 0
        org_w = 7 if state.show_org and width >= 70 else 0
        strip_w = width - name_w - state_w - next_w - org_w - 3
        page = min(self.page, self.pages - 1)
        rows = state.spaces[page * self.per_page:(page + 1) * self.per_page]
        head = self._style("state--head")
        muted = self._style("state--muted")
        lines: list[Text] = []
        ticks = self._strip(rows[0], strip_w)[0] if strip_w >= 8 else Text("")
        header = Text(no_wrap=True, overflow="crop")
        header.append(_fit("Space", name_w), head)
        header.append(" ")
        header.append(_fit("Now", state_w), head)
        header.append(" ")
        if org_w:
            header.append(_fit("By", org_w - 1), head)
            header.append(" ")
        if next_w:
            header.append(_fit("Next", next_w), head)
            header.append(" ")
        header.append_text(ticks)
        lines.append(header)
        for space in rows:
            line = Text(no_wrap=True, overflow="crop")
            line.append(_fit(space.name, name_w))
            line.append(" ")
            line.append(_fit(f" {space.mark} {space.label}", state_w),
                        self._style(f"state--{STATE_CLASS[space.state]}"))
            line.append(" ")
            if org_w:
                line.append(_fit(space.org or "", org_w - 1), muted)
                line.append(" ")
            if next_w:
                line.append(_fit(space.next_label, next_w), muted)
                line.append(" ")
            if strip_w >= 8:
                line.append_text(self._strip(space, strip_w)[1])
            if self.spaced:
                lines.append(Text(""))
            lines.append(line)
        return Group(*lines)


class DoorSign(_StateWidget):
    """One space, large: its name, its state as a band of colour with a word and a mark,
    the next booking, the rest of the day as a strip and the times still to come."""

    def render(self) -> RenderableType:
        state = self.state
        if state is None:
            return Text("Reading the store…", justify="center")
        if not state.spaces:
            return Text("This space is not shown here.", justify="center")
        space = state.spaces[0]
        width = self.size.width
        tall = self.size.height >= 16
        band = self._style(f"state--{STATE_CLASS[space.state]}")
        parts: list[RenderableType] = [
            Text(space.name, style="bold", justify="center", no_wrap=True,
                 overflow="ellipsis"),
            Text(""),
        ]
        time = _TIME_AT_END.match(space.label)
        if tall:
            parts.append(Text(" ", band, justify="center"))
        if tall and time and width >= 40:  # the time in large digits under the words
            parts.append(Text(f"{space.mark}  {time.group(1).upper()}", band,
                              justify="center"))
            parts.append(Align.center(DigitsRenderable(time.group(2), band), style=band))
        else:
            parts.append(Text(f"{space.mark}  {space.label.upper()}", band, justify="center"))
        if tall:
            parts.append(Text(" ", band, justify="center"))
        if space.org:
            parts.append(Text(f"by {space.org}", "bold", justify="center"))
        parts.append(Text(""))
        parts.append(Text(space.next_label or "Nothing else booked today",
                          self._style("state--muted"), justify="center"))
        ticks, strip = self._strip(space, min(width - 4, 96))
        if strip.plain:
            parts += [Text(""), ticks.copy(), strip.copy()]
            for t in parts[-2:]:
                t.justify = "center"  # type: ignore[union-attr]
        later = [s.label for s in space.later]
        if later and self.size.height >= 12:
            text = "Later today: " + ", ".join(later)
            parts += [Text(""), Text(text, self._style("state--muted"), justify="center")]
        return Group(*parts)
