"""One error hierarchy, each with a message a front-desk worker can act on."""

from __future__ import annotations


class CospaceError(Exception):
    """Base of every refusal cospace reports to a person.

    ``exit_code`` is what the CLI exits with: 1 for a refusal by a rule, a clash or a
    permission; 2 for input that was not understood or names nothing known.
    """

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Conflict(CospaceError):
    """The space is already held by another booking."""

    def __init__(self, message: str, holders: list | None = None) -> None:
        super().__init__(message)
        self.holders = holders or []


class RuleViolation(CospaceError):
    """A booking rule refuses the request (hours, length, capacity, privacy, ...)."""


class NotPermitted(CospaceError):
    """The acting staff member's role or organisation does not allow this."""


class NotFound(CospaceError):
    """A code, login or id names nothing in the store."""

    exit_code = 2


class InvalidInput(CospaceError):
    """Input that could not be understood (a malformed time, an unknown kind, ...)."""

    exit_code = 2


class StoreUnavailable(CospaceError):
    """The store cannot be opened or is not initialised."""

    exit_code = 2


class RaceConflict(Conflict):
    """A clash the database caught (PostgreSQL's exclusion constraint, SQLSTATE 23P01): a
    booking made at the same moment by another terminal. ``__cause__`` is the driver's error;
    use cases may look again to name the booking that won."""
