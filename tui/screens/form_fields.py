"""The booking form's fields: the widgets that leave Enter to the form, its opening values,
what it reads (the draft) and how a space is named in its list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from textual.binding import Binding
from textual.widgets import Checkbox, Select

from booking import permissions
from booking.errors import CospaceError
from booking.models import Actor, BookingView, OrgInfo, SpaceInfo
from booking.series import Repeat
from booking.timeutil import minutes_of_day, to_local

DEFAULT_MINUTES = {"interview": 60, "workshop": 120, "desk": 240}
#: Seconds of quiet typing before the form asks the store (the clash check).
DEBOUNCE = 0.3
#: A space's line in the list stays on one line of the form at 80 columns.
SPACE_LABEL_MAX = 54
#: A bare number up to this in End could be an hour or a length: it is refused.
AMBIGUOUS_END = 24


class FormCheckbox(Checkbox, inherit_bindings=False):
    """A checkbox that toggles with space only: Enter submits the form it is in."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]


class FormSelect(Select, inherit_bindings=False):
    """A select that opens with space (or down/up): Enter submits the form it is in."""

    BINDINGS = [Binding("space,down,up", "show_overlay", "Choose", show=False)]


def booking_refusal(actor: Actor, orgs: list[OrgInfo]) -> str | None:
    """Why ``actor`` may not book at all (before any field is filled), or None."""
    if not actor.known:
        return (f"'{actor.login}' is not a cospace user: you can look at the board but not "
                "book. Start with --as LOGIN (e.g. --as frontdesk).")
    if not any(permissions.may_booking_action(actor, "book", o.id) for o in orgs):
        try:
            permissions.require_booking_action(actor, "book", -1, "")
        except CospaceError as exc:
            return exc.message
        return f"{permissions.role_label(actor)} cannot book for any organisation here."
    return None


@dataclass
class FormStart:
    """What the form opens with (from the board cursor, a search result, ...)."""

    space: str
    day: dt.date
    start: int  # minutes after local midnight
    end: int | None = None
    attendees: int = 1
    confidential: bool = False
    org: str | None = None


def form_start_of(view: BookingView) -> FormStart:
    """The form's opening values for changing ``view``."""
    end = minutes_of_day(view.end, view.tz) or 1440
    return FormStart(space=view.space, day=to_local(view.start, view.tz).date(),
                     start=minutes_of_day(view.start, view.tz), end=end,
                     attendees=view.attendees or 1, confidential=view.confidential,
                     org=view.org)


@dataclass
class Draft:
    space: SpaceInfo
    day: dt.date
    start: str
    end: str
    org: OrgInfo
    attendees: int
    purpose: str
    confidential: bool
    start_at: dt.datetime
    end_at: dt.datetime
    repeat: Repeat | None = None
    skip_clashes: bool = False


def space_label(s: SpaceInfo) -> str:
    """``IR2  Interview Room 2 (4, private) wifi, step-free``: size, privacy, features and
    who may book it, so the choice is made from the list."""
    extra = ", private" if s.private else ""
    text = f"{s.code}  {s.name} ({s.capacity}{extra})"
    if s.features:
        text += " " + ", ".join(sorted(s.features))
    if s.restricted_to:
        text += f" · only {', '.join(sorted(s.restricted_to))}"
    return text if len(text) <= SPACE_LABEL_MAX else text[:SPACE_LABEL_MAX - 1] + "…"


REPEATS = [("no repeat", "none"), ("weekly", "weekly"), ("monthly", "monthly")]
