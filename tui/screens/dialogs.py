"""Small typed modals: a yes/no confirmation, a pick-one list, a one-line question."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from booking import permissions
from booking.errors import CospaceError
from booking.models import Actor, OrgInfo
from tui.text import plain
from tui.widgets.compact import make_compact


class ConfirmModal(ModalScreen[bool]):
    """Ask before doing something that cannot be undone; ``y``/Enter yes, ``n``/Escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str, yes: str = "Yes") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")
        yield Footer(compact=True, show_command_palette=False)  # this dialog's keys

    def on_mount(self) -> None:
        make_compact(self)
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PickModal(ModalScreen[str | None]):
    """Choose one of a few named things (a site, ...)."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back")]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.title_text), classes="dialog-question")
            yield OptionList(*[Option(plain(label), id=key) for key, label in self.choices])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class AskModal(ModalScreen[str | None]):
    """One line of text, e.g. a date to go to."""

    BINDINGS = [Binding("escape", "dismiss_none", "Back")]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(plain(self.question), classes="dialog-question")
            yield Input(self.value, placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def action_refusal(actor: Actor | None, action: str, org_code: str,
                   orgs: list[OrgInfo]) -> str | None:
    """Why ``actor`` may not do ``action`` (``cancel``, ``checkin``, ...) on a booking of
    ``org_code``, in the words the store would refuse with; None when allowed. Asked before
    a confirmation is shown, so nobody confirms something only to be refused."""
    if actor is None:
        return "Still loading: try again in a moment."
    org = next((o for o in orgs if o.code == org_code), None)
    try:
        permissions.require_booking_action(actor, action, org.id if org else -1,
                                           org_code or "another organisation")
    except CospaceError as exc:
        return exc.message
    return None
