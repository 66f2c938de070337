"""The one way a screen shows store data: load in a thread worker, show, reload on change.

A screen subclasses :class:`LoadedScreen`, says what to read in :meth:`~LoadedScreen.fetch`
(it runs in a thread worker, so it may call ``booking``; it must not touch widgets) and how to
draw it in :meth:`~LoadedScreen.show_data` (on the UI thread). The base class subscribes to the
app's :attr:`~tui.app.CospaceApp.store_changed` signal when mounted, so the screen reloads
whenever any terminal changes the store, and reloads when it comes back into view. A failed
read is not caught here: it reaches the one worker-error handler (:class:`ShowsWorkerErrors`),
which shows it.

Adopting it in a screen written the old way (``register_view`` + ``reload`` + a ``load``
worker)::

    class TodayScreen(LoadedScreen[DeskDay]):
        def ready(self) -> bool:              # was the guard in reload()
            return self.cospace_app.site is not None

        def fetch(self) -> DeskDay:           # was the body of the load() worker
            ...

        def show_data(self, data: DeskDay) -> None:   # was show()
            ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from tui.app import CospaceApp

T = TypeVar("T")


def error_text(error: BaseException | None) -> str:
    """What a person is told when a worker failed: the domain's own words for a refusal,
    else that something went wrong (never a traceback)."""
    from booking.errors import CospaceError  # light, but not needed for the first frame

    if isinstance(error, CospaceError):
        return error.message
    return f"Something went wrong: {error.__class__.__name__}: {error}"


class ShowsWorkerErrors:
    """The one place a failed thread worker becomes an error notice, mixed into the app and
    into every screen that runs workers (Textual does not bubble ``Worker.StateChanged``:
    it reaches only the node that started the worker). Workers raise (a refusal is a
    :class:`CospaceError`); they do not catch and notify themselves."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            # a mixin: the App or Screen it is mixed into has notify()
            self.notify(error_text(event.worker.error),  # type: ignore[attr-defined]
                        severity="error", timeout=8)


class StoreChanged(Message):
    """The store changed (here or at another terminal): screens showing its data reload.
    Published through :attr:`tui.app.CospaceApp.store_changed`, not bubbled."""


class LoadedScreen(ShowsWorkerErrors, Screen[None], Generic[T]):
    """A screen whose data is read in a worker and shown, and read again on every change."""

    #: reload each time the screen comes back into view (switching back to it)
    RELOAD_ON_RESUME = True

    @property
    def cospace_app(self) -> CospaceApp:
        return cast("CospaceApp", self.app)

    def on_mount(self) -> None:
        self.cospace_app.store_changed.subscribe(self, self._store_changed, immediate=True)

    def _store_changed(self, _: StoreChanged) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        if self.RELOAD_ON_RESUME:
            self.reload()

    # ------------------------------------------------------------------ to override
    def ready(self) -> bool:
        """Whether there is anything to load yet (e.g. the app knows who is acting)."""
        return self.cospace_app.actor is not None

    def fetch(self) -> T:
        """Read what the screen shows (in a thread worker: call ``booking``, no widgets)."""
        raise NotImplementedError

    def show_data(self, data: T) -> None:
        """Draw ``data`` (on the UI thread)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ the loop
    def reload(self) -> None:
        """Read again and show, if there is something to read."""
        if self.ready():
            self._load()

    @work(thread=True, exclusive=True, group="screen-load", exit_on_error=False)
    def _load(self) -> None:
        data = self.fetch()
        self.app.call_from_thread(self.show_data, data)
