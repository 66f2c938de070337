"""The board: spaces down the side, 15-minute columns across, bookings as coloured blocks.

Drawn line by line as Rich segments (``render_line``), so a 60-space day costs a few thousand
characters per frame whatever the store holds; the time row stays fixed while the spaces scroll.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from booking.limits import visible
from booking.models import KIND_LABELS, KINDS, BookingView, SpaceInfo
from booking.timeutil import hm
from tui.colours import INACTIVE, SERIES_MARK, org_style, status_mark, theme_kind
from tui.widgets.board_data import SLOT, BoardData

__all__ = ["KIND_TITLES", "SLOT", "BoardData", "BoardGrid"]

KIND_TITLES = {k: KIND_LABELS[k].capitalize() + "s" for k in KINDS}


class BoardGrid(Widget, can_focus=True):
    """A cursor over space × time; posts :class:`CursorMoved` and :class:`SlotChosen`."""

    BINDINGS = [
        Binding("up", "move(0, -1)", "Up", show=False, id="grid.up"),
        Binding("down", "move(0, 1)", "Down", show=False, id="grid.down"),
        Binding("left", "move(-1, 0)", "Earlier", show=False, id="grid.earlier"),
        Binding("right", "move(1, 0)", "Later", show=False, id="grid.later"),
        Binding("home", "edge(0)", "Opening", show=False, id="grid.home"),
        Binding("end", "edge(1)", "Closing", show=False, id="grid.end"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="grid.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="grid.page_down"),
        Binding("enter", "choose", "Book", id="grid.choose"),
    ]

    cursor_row: reactive[int] = reactive(0, always_update=True)
    cursor_slot: reactive[int] = reactive(0, always_update=True)

    class CursorMoved(Message):
        def __init__(self, space: SpaceInfo | None, minute: int,
                     booking: BookingView | None) -> None:
            super().__init__()
            self.space = space
            self.minute = minute
            self.booking = booking

    class SlotChosen(Message):
        def __init__(self, space: SpaceInfo, minute: int, booking: BookingView | None) -> None:
            super().__init__()
            self.space = space
            self.minute = minute
            self.booking = booking

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: BoardData | None = None
        self._rows: list[SpaceInfo | str] = []  # a kind title or a space
        self._space_rows: list[int] = []  # indexes into _rows of the spaces
        self._top = 0
        self._cells: dict[str, list[BookingView | None]] = {}
        #: drawn rows by (space, cursor column on it or -1, width, base style); a cursor move
        #: redraws two rows, the rest come from here
        self._line_cache: dict[tuple, Strip] = {}
        self._base: tuple[str, Style] | None = None
        #: what shows before there is a day to draw
        self.empty_text = "Loading the board…"

    # ------------------------------------------------------------------ data
    def show(self, data: BoardData, *, keep_cursor: bool = True) -> None:
        """Draw ``data``; the cursor stays on the same space and time where it can."""
        old_space = self.current_space.code if (keep_cursor and self.current_space) else None
        old_minute = self.current_minute if keep_cursor and self.data else None
        self.data = data
        self._rows = []
        for kind in KINDS:
            group = [s for s in data.spaces if s.kind == kind]
            if group:
                self._rows.append(KIND_TITLES[kind])
                self._rows.extend(group)
        self._space_rows = [i for i, r in enumerate(self._rows) if isinstance(r, SpaceInfo)]
        self._cells = {s.code: data.cells(s.code) for s in data.spaces}
        self._line_cache.clear()
        row, slot = self.cursor_row, self.cursor_slot
        if old_space is not None:
            codes = self._codes()
            row = codes.index(old_space) if old_space in codes else 0
        if old_minute is not None:
            slot = (old_minute - data.opens) // SLOT
        elif data.now_minutes is not None:
            slot = (data.now_minutes - data.opens) // SLOT
        self.cursor_row = max(0, min(row, len(self._space_rows) - 1))
        self.cursor_slot = max(0, min(slot, data.slots - 1))
        self.refresh()

    def go_to(self, space: str, minute: int) -> None:
        """Put the cursor on ``space`` at ``minute`` (local minutes after midnight)."""
        if self.data is None:
            return
        codes = self._codes()
        if space in codes:
            self.cursor_row = codes.index(space)
        self.cursor_slot = max(0, min((minute - self.data.opens) // SLOT, self.data.slots - 1))

    def _codes(self) -> list[str]:
        """The space codes in board order (one per cursor row)."""
        return [r.code for r in self._rows if isinstance(r, SpaceInfo)]

    @property
    def current_space(self) -> SpaceInfo | None:
        if not self._space_rows:
            return None
        row = self._rows[self._space_rows[min(self.cursor_row, len(self._space_rows) - 1)]]
        return row if isinstance(row, SpaceInfo) else None

    @property
    def current_minute(self) -> int:
        return (self.data.opens if self.data else 0) + self.cursor_slot * SLOT

    @property
    def current_booking(self) -> BookingView | None:
        space = self.current_space
        if space is None or self.data is None:
            return None
        return self._cells[space.code][self.cursor_slot]

    # ------------------------------------------------------------------ cursor
    def watch_cursor_row(self) -> None:
        self._scroll_to_cursor()
        self._moved()

    def watch_cursor_slot(self) -> None:
        self._moved()

    def _moved(self) -> None:
        if self.data is None:
            return
        self.refresh()
        self.post_message(self.CursorMoved(self.current_space, self.current_minute,
                                           self.current_booking))

    def _visible_rows(self) -> int:
        return max(1, self.size.height - 1)

    def _scroll_to_cursor(self) -> None:
        if not self._space_rows:
            return
        row = self._space_rows[min(self.cursor_row, len(self._space_rows) - 1)]
        want_top = row - 1 if row > 0 and isinstance(self._rows[row - 1], str) else row
        if want_top < self._top:
            self._top = want_top
        elif row >= self._top + self._visible_rows():
            self._top = row - self._visible_rows() + 1

    def on_resize(self) -> None:
        self._scroll_to_cursor()

    def action_move(self, dx: int, dy: int) -> None:
        if self.data is None or not self._space_rows:
            return
        if dy:
            self.cursor_row = max(0, min(self.cursor_row + dy, len(self._space_rows) - 1))
        if dx:
            self.cursor_slot = max(0, min(self.cursor_slot + dx, self.data.slots - 1))

    def action_edge(self, end: int) -> None:
        if self.data is not None:
            self.cursor_slot = self.data.slots - 1 if end else 0

    def action_page(self, direction: int) -> None:
        self.action_move(0, direction * max(1, self._visible_rows() - 2))

    def action_choose(self) -> None:
        space = self.current_space
        if space is not None and self.data is not None:
            self.post_message(self.SlotChosen(space, self.current_minute, self.current_booking))

    # ------------------------------------------------------------------ mouse
    def on_click(self, event: events.Click) -> None:
        if self.data is None:
            return
        label_w, slot_w = self._layout()
        row = self._top + event.y - 1
        if event.y < 1 or row >= len(self._rows) or row not in self._space_rows:
            return
        slot = (event.x - label_w) // slot_w if event.x >= label_w else self.cursor_slot
        slot = max(0, min(slot, self.data.slots - 1))
        same = self._space_rows.index(row) == self.cursor_row and slot == self.cursor_slot
        self.cursor_row = self._space_rows.index(row)
        self.cursor_slot = slot
        if same or event.chain >= 2:
            self.action_choose()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._top = max(0, min(self._top + 2, len(self._rows) - self._visible_rows()))
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._top = max(0, self._top - 2)
        self.refresh()

    # ------------------------------------------------------------------ drawing
    def _layout(self) -> tuple[int, int]:
        """Width of the space labels and of one 15-minute column."""
        width = self.size.width
        slots = self.data.slots if self.data else 34
        label_w = 24 if width >= 120 else 6
        slot_w = max(1, min(4, (width - label_w - 1) // slots))
        if label_w > 6:  # give the columns' leftover to the names
            label_w = max(label_w, min(36, width - slots * slot_w - 1))
        return label_w, slot_w

    def _base_style(self) -> Style:
        """The widget's own colours, computed once per theme (``rich_style`` walks the DOM)."""
        theme = self.app.theme
        if self._base is None or self._base[0] != theme:
            self._base = (theme, self.rich_style)
        return self._base[1]

    def notify_style_update(self) -> None:
        self._base = None
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        base = self._base_style()
        width = self.size.width
        if self.data is None:
            text = f" {self.empty_text}" if y == 0 else ""
            return Strip([Segment(text.ljust(width), base)]).crop(0, width)
        if y == 0:
            return self._time_line(base, width)
        index = self._top + y - 1
        if index >= len(self._rows):
            return Strip([Segment(" " * width, base)])
        row = self._rows[index]
        if isinstance(row, str):
            title = f" {visible(row)} "
            return Strip([Segment(title, base + Style(bold=True)),
                          Segment("─" * max(0, width - len(title)), base + Style(dim=True))]
                         ).crop(0, width)
        on_row = bool(self._space_rows) and self._space_rows[self.cursor_row] == index
        key = (row.code, self.cursor_slot if on_row else -1, width, base)
        strip = self._line_cache.get(key)
        if strip is None:
            if len(self._line_cache) > 4000:
                self._line_cache.clear()
            strip = self._line_cache[key] = self._space_line(row, index, base, width)
        return strip

    def _time_line(self, base: Style, width: int) -> Strip:
        data = self.data
        assert data is not None
        label_w, slot_w = self._layout()
        chars = [" "] * (data.slots * slot_w)
        for i in range(data.slots):
            minute = data.opens + i * SLOT
            if minute % 60 == 0:
                text = hm(minute) if slot_w * 4 >= 6 else f"{minute // 60:02d}"
                for j, ch in enumerate(text):
                    if i * slot_w + j < len(chars):
                        chars[i * slot_w + j] = ch
        segs = []
        if data.closed_reason:
            head = "closed"[:label_w].ljust(label_w)
            segs.append(Segment(head, base + self._accent("error", bold=True)))
        else:
            above = self._top
            below = max(0, len(self._rows) - self._top - self._visible_rows())
            more = (f"↑{above}" if above else "") + (f"↓{below}" if below else "")
            segs.append(Segment((" " + more)[:label_w].ljust(label_w), base + Style(dim=True)))
        now_col = self._now_column(slot_w)
        cursor_col = self.cursor_slot * slot_w
        for col, ch in enumerate(chars):
            style = base + Style(bold=True)
            if now_col is not None and col == now_col:
                accent = getattr(self.app.current_theme, "error", None) or "red"
                style = base + Style(color="#ffffff", bgcolor=accent, bold=True)
                ch = "▼" if ch == " " else ch
            if cursor_col <= col < cursor_col + slot_w:
                style = style + Style(underline=True)
            segs.append(Segment(ch, style))
        return Strip(segs).crop(0, width).extend_cell_length(width, base)

    def _now_column(self, slot_w: int) -> int | None:
        data = self.data
        if data is None or data.now_minutes is None:
            return None
        if not data.opens <= data.now_minutes < data.closes:
            return None
        return (data.now_minutes - data.opens) * slot_w // SLOT

    def _space_line(self, space: SpaceInfo, index: int, base: Style, width: int) -> Strip:
        """One space's row: its label, then runs of free columns and of bookings."""
        data = self.data
        assert data is not None
        label_w, slot_w = self._layout()
        on_row = self._space_rows.index(index) == self.cursor_row if self._space_rows else False
        segs = [self._label(space, label_w, base, on_row)]
        cells = self._cells[space.code]
        i = col = 0
        while i < data.slots:
            booking = cells[i]
            j = i
            while j + 1 < data.slots and cells[j + 1] is booking:
                j += 1
            if booking is None:
                segs.extend(self._free_run(i, j, col, slot_w, base, on_row))
            else:
                starts_here = i == 0 or cells[i - 1] is not booking
                segs.extend(self._booking_run(booking, i, j, slot_w, starts_here, on_row))
            col += (j - i + 1) * slot_w
            i = j + 1
        return Strip(Segment.simplify(segs)).crop(0, width).extend_cell_length(width, base)

    def _label(self, space: SpaceInfo, label_w: int, base: Style, on_row: bool) -> Segment:
        label = visible(space.code if label_w < 10 or space.name == space.code else (
            f"{space.code} {space.name}"))
        label = (" " + label)[: label_w - 1].ljust(label_w)
        return Segment(label, base + Style(bold=on_row, reverse=on_row))

    def _free_run(self, first: int, last: int, col: int, slot_w: int, base: Style,
                  on_row: bool) -> list[Segment]:
        """Free columns ``first..last``: hour ticks, the now mark, the cursor, or closed."""
        data = self.data
        assert data is not None
        now_col = self._now_column(slot_w)
        grid_style = base + Style(dim=True)
        segs = []
        for k in range(first, last + 1):
            minute = data.opens + k * SLOT
            for c in range(slot_w):
                abs_col = col + (k - first) * slot_w + c
                ch, style = " ", base
                if data.closed_reason is not None:
                    ch, style = "░", grid_style
                elif c == 0 and minute % 60 == 0:
                    ch, style = "┊", grid_style
                if now_col is not None and abs_col == now_col:
                    ch, style = "│", base + self._accent("error", bold=True)
                if on_row and k == self.cursor_slot:
                    style = style + Style(reverse=True)
                    if ch == " ":
                        ch = "▒"
                segs.append(Segment(ch, style))
        return segs

    @staticmethod
    def block_text(booking: BookingView, run_w: int, starts_here: bool) -> str:
        """The text of a booking's block: its organisation, then its marks (status, series)
        while they fit; a block that no longer holds its slot puts its mark first."""
        org = visible(booking.org or "")
        mark = status_mark(booking.status)
        series = SERIES_MARK if booking.series is not None and starts_here else ""
        text = (mark + org if booking.status in INACTIVE else org + mark) if starts_here \
            else (mark if booking.status in INACTIVE else org)
        if series and len(text) + 1 < run_w:
            text += series
        text = " " + text if starts_here and run_w > len(text) + 1 else text
        return text[:run_w].ljust(run_w)

    def _booking_run(self, booking: BookingView, first: int, last: int, slot_w: int,
                     starts_here: bool, on_row: bool) -> list[Segment]:
        run_w = (last - first + 1) * slot_w
        text = self.block_text(booking, run_w, starts_here)
        style = org_style(booking.org, bold=True, theme=self._theme_kind(),
                          status=booking.status)
        segs = []
        for k in range(run_w):
            s = style
            if on_row and first + k // slot_w == self.cursor_slot:
                s = style + Style(reverse=True)
            segs.append(Segment(text[k], s))
        return segs

    def _theme_kind(self) -> str:
        theme = self.app.current_theme
        return theme_kind(theme.name, theme.dark)

    def _accent(self, name: str, *, bold: bool = False) -> Style:
        """A theme colour (``error``, ``warning``, ...) as a Rich style."""
        colour = getattr(self.app.current_theme, name, None) or "red"
        return Style(color=colour, bold=bold)
