"""The what-if modal: replay the report's period at one site with more or fewer spaces.

Opened from the Reports screen for the highlighted row of "Where space runs short"; the
replay (:func:`booking.estates.what_if`) runs in a thread worker and the answer is shown in
the modal, so the figures sit next to the question.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static
from textual.worker import Worker, WorkerState

from booking.estates import WhatIf, what_if
from booking.models import KIND_LABELS
from booking.service import Cospace
from tui.screens.base import error_text


class WhatIfModal(ModalScreen[None]):
    """Add or remove N spaces of one kind at one site, and see what would have happened."""

    DEFAULT_CSS = """
    WhatIfModal { align: center middle; }
    WhatIfModal #dialog { width: 76; max-width: 100%; height: auto; border: thick $primary;
                          background: $surface; padding: 1 2; }
    WhatIfModal #ask { height: auto; margin: 1 0; }
    WhatIfModal #ask Select { width: 16; }
    WhatIfModal #ask Input { width: 10; }
    WhatIfModal #ask Label { padding: 1 1 0 1; }
    WhatIfModal #result { height: auto; min-height: 3; }
    """
    BINDINGS = [Binding("escape", "dismiss_modal", "Close", id="whatif.close")]

    class Done(Message):
        """The replay finished."""

        def __init__(self, result: WhatIf) -> None:
            super().__init__()
            self.result = result

    def __init__(self, cospace: Cospace, *, site: str, kind: str, start: dt.date,
                 end: dt.date) -> None:
        super().__init__()
        self.cospace, self.site, self.kind = cospace, site, kind
        self.start, self.end = start, end
        self.result: WhatIf | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(f"What if {self.site} had more or fewer "
                             f"{KIND_LABELS[self.kind]}s, {self.start:%d %b} to "
                             f"{self.end:%d %b %Y}?", style="bold"))
            with Horizontal(id="ask"):
                yield Select([("Add", "add"), ("Remove", "remove")], value="add",
                             allow_blank=False, id="mode")
                yield Input("1", id="n", type="integer")
                yield Label(Text(f"{KIND_LABELS[self.kind]}(s)"))
                yield Button("Replay", id="go", variant="primary")
            yield Static(Text("Enter replays the period with the change; Esc closes.", style="dim"),
                         id="result")

    def on_mount(self) -> None:
        self.query_one("#n", Input).focus()

    def action_dismiss_modal(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#go")
    @on(Input.Submitted, "#n")
    def replay(self) -> None:
        text = self.query_one("#n", Input).value.strip()
        n = int(text) if text.isdigit() else 0
        if n < 1:
            self.notify("Say how many spaces: a whole number, 1 or more.", severity="error")
            return
        mode = str(self.query_one("#mode", Select).value)
        self.query_one("#result", Static).update(Text("Replaying…", style="dim"))
        self._run(mode, n)

    @work(thread=True, exclusive=True, exit_on_error=False, group="whatif")
    def _run(self, mode: str, n: int) -> None:
        res = what_if(self.cospace, site=self.site, kind=self.kind, start=self.start,
                      end=self.end, add=n if mode == "add" else 0,
                      remove=n if mode == "remove" else 0)
        self.post_message(self.Done(res))

    def on_what_if_modal_done(self, message: Done) -> None:
        self.result = message.result
        self.query_one("#result", Static).update(Text(message.result.summary()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "whatif" or event.state != WorkerState.ERROR:
            return
        text = error_text(event.worker.error)
        self.query_one("#result", Static).update(
            Text(text, style=self.app.current_theme.error or ""))
        self.notify(text, severity="error", timeout=8)
