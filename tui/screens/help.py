"""Help: the keys of the screen underneath, with what each does."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from booking.limits import visible

ABOUT = {
    "board-screen": "The board: spaces down the side, the day across in 15-minute columns. "
                    "Arrow keys move the cursor; Enter books there. Coloured blocks are "
                    "bookings, labelled with the organisation (✓ checked in, ↻ a date of a "
                    "repeating series, ? waiting for approval); no-shows (✗), releases (○) "
                    "and cancellations (⊘) stay in view, muted; l shows the legend. The red "
                    "mark is now. To "
                    "change the booking at the cursor: e opens its form; + and - extend or "
                    "shorten it by 15 minutes, Shift+arrows move it to the space above or "
                    "below or 15 minutes earlier or later, checked at once; Enter saves, Esc "
                    "drops. u undoes the last check-in, no-show or cancellation.",
    "find-screen": "Find a space: fill in the form, Enter searches; then b books the "
                   "highlighted space, Enter opens the form to add details.",
    "desk-screen": "Desk today: every booking today in time order, with its status. "
                   "e changes the booking (its form, prefilled); u undoes a mistaken "
                   "check-in, no-show or cancellation.",
    "mine-screen": "Your organisation's bookings from now on, whoever booked them (Booked "
                   "by: you, or e.g. the front desk); ↻ marks a date of a series. / filters "
                   "and the title says how many are shown. e changes the booking at the "
                   "cursor (its form, prefilled).",
}
EXTRA = {
    "board-screen": [("↑ ↓ ← →", "Move over spaces and 15-minute times"),
                     ("Home / End", "Opening / closing time"),
                     ("PgUp / PgDn", "Scroll the spaces")],
}


MOVES = {"up", "down", "left", "right", "home", "end", "pageup", "pagedown"}


def key_name(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"question_mark": "?", "slash": "/", "escape": "Esc", "enter": "Enter"}
    return " / ".join(names.get(k, k.replace("ctrl+", "Ctrl+")) for k in
                      binding.key.split(","))


class HelpScreen(ModalScreen[None]):
    """Lists the keys of ``screen`` (its own, its focused widget's, and the app's)."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close", id="help.close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__(classes="dialog-screen")
        seen: set[str] = set()
        self.lines: list[tuple[str, str]] = list(EXTRA.get(screen.id or "", []))
        for active in screen.active_bindings.values():
            b = active.binding
            if not b.description or b.description in seen:
                continue
            own = {x.action for x in getattr(type(active.node), "BINDINGS", [])
                   if isinstance(x, Binding)}
            if b.key in MOVES and screen.id in EXTRA:
                continue  # explained above in one line
            if not type(active.node).__module__.startswith("tui.") or b.action not in own:
                continue  # the generic keys of Textual's own widgets (tables, inputs)
            seen.add(b.description)
            self.lines.append((key_name(b), b.description))
        self.lines.append(("Ctrl+P", "Command palette: screens and main actions"))
        self.about = ABOUT.get(screen.id or "", "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Label("Keys on this screen", classes="dialog-question")
            if self.about:
                yield Static(self.about, id="help-about")
            with VerticalScroll():
                for key, what in self.lines:
                    yield Static(f"[b]{key:>12}[/b]  {what}", classes="help-line")
            yield Static("Esc closes this help", classes="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)


def legend_lines(orgs: list[str], counts: dict[str, int], theme: str,
                 names: dict[str, str] | None = None) -> list[Text]:
    """One line per organisation (its colour, with its code in the computed text colour)
    and one per mark, each saying what it means and how many there are on the day shown."""
    from tui.colours import INACTIVE, SERIES_MARK, STATE_MARKS, org_style

    lines: list[Text] = []
    for org in orgs:
        line = Text("  ")
        line.append(f" {visible(org):<6} ", style=org_style(org, bold=True, theme=theme))
        line.append(f"  {visible((names or {}).get(org, org))}")
        lines.append(line)
    if not orgs:
        lines.append(Text("  No bookings on this day."))
    lines.append(Text(""))
    meaning = {"checked_in": "checked in", "no_show": "no-show, free again",
               "released": "released: not checked in, free again",
               "cancelled": "cancelled (struck through)",
               "provisional": "waits for approval, holds the slot (italic)",
               "declined": "declined: approval refused (struck through)"}
    sample = orgs[0] if orgs else "ORG"
    for status, mark in STATE_MARKS.items():
        n = counts.get(status, 0)
        line = Text("  ")
        text = f"{mark}{sample}" if status in INACTIVE else f"{sample}{mark}"
        line.append(f" {visible(text):<7}", style=org_style(sample, theme=theme, status=status))
        line.append(f" {meaning[status]}" + (f" · {n} on this day" if n else ""))
        lines.append(line)
    lines.append(Text(f"  {SERIES_MARK:<8} a date of a repeating series"))
    lines.append(Text("  │ ┊ ▒    now (red); each hour; the cursor on a free slot"))
    return lines


class LegendScreen(ModalScreen[None]):
    """What the board's colours and marks mean (``l`` on the board)."""

    BINDINGS = [Binding("escape,l,q", "close", "Close", id="legend.close")]

    def __init__(self, orgs: list[str], counts: dict[str, int],
                 names: dict[str, str] | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.orgs = orgs
        self.counts = counts
        self.names = names or {}

    def compose(self) -> ComposeResult:
        from tui.colours import theme_kind

        theme = self.app.current_theme
        kind = theme_kind(theme.name, theme.dark)
        with Vertical(classes="dialog", id="legend"):
            yield Label("Legend: colours and marks", classes="dialog-question")
            with VerticalScroll(id="legend-lines"):
                for line in legend_lines(self.orgs, self.counts, kind, self.names):
                    yield Static(line, classes="legend-line")
            yield Static("Esc closes the legend", classes="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
