"""The app's start-up half (:class:`tui.app.CospaceApp`): the loading board is up first, then
a thread imports the core, opens the store and reads the first board, and the real board
replaces the loading one. A key that switches screens meanwhile is kept for then; a store that
cannot be opened ends the app (:func:`tui.app.run` then says why)."""

from __future__ import annotations

import gc
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App

from tui import boot

if TYPE_CHECKING:
    from booking.models import Actor, OrgInfo, SiteInfo
    from booking.service import Cospace
    from tui.settings import Settings
    from tui.widgets.board_grid import BoardData


class StartUp(App[int]):
    """Opening the store behind the loading board."""

    cospace: Cospace
    settings: Settings
    actor: Actor | None
    open_error: BaseException | None
    _opener: Callable[[], Cospace] | None
    _given: Cospace | None
    _preload: Future | None
    _wanted_mode: str

    def booted(self, actor: Actor, sites: list[SiteInfo], orgs: list[OrgInfo],
               counter: int, first: BoardData | None = None) -> None:
        raise NotImplementedError

    def _begin(self) -> None:
        """Start the start-up thread (import the core, open the store, read the first board)
        and the worker that waits for it."""
        preloader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preload")
        self._preload = preloader.submit(self._start, self._opener, self._given)
        preloader.shutdown(wait=False)  # the thread ends once the read is done
        self.boot()

    def _start(self, opener: Callable[[], Cospace] | None,
               cospace: Cospace | None) -> tuple[Any, ...] | None:
        """In the start-up thread: import the core, open the store (None if it cannot be
        opened: :attr:`open_error` says why), then read the first data."""
        collecting = gc.isenabled()
        gc.disable()  # the core's imports make many objects and free few (as cospace.entry)
        try:
            self.cospace = boot.open_core(opener, cospace)
        except Exception as exc:  # noqa: BLE001 - shown by run() once the terminal is back
            self.open_error = exc
            return None
        finally:
            if collecting:
                gc.freeze()  # what was imported stays: later passes need not visit it
                gc.enable()
        return self._first_data()

    def _first_data(self) -> tuple[Actor, list[SiteInfo], list[OrgInfo], int,
                                   BoardData | None]:
        """Who is acting, the sites, the organisations and the remembered (else first) site's
        board for today: everything the first useful frame needs, read while Textual starts."""
        from tui.data import load_board, site_today

        cs = self.cospace
        actor, sites, orgs = cs.actor, cs.sites(), cs.orgs()
        counter = cs.change_counter()
        site = self._start_site(actor, sites)
        board = load_board(cs, site.code, site_today(cs, site.tz)) if site else None
        return actor, sites, orgs, counter, board

    def _start_site(self, actor: Actor, sites: list[SiteInfo]) -> SiteInfo | None:
        remembered = self.settings.site(actor.login)
        return next((s for s in sites if s.code == remembered), sites[0] if sites else None)

    @work(thread=True, exclusive=True, group="boot", exit_on_error=False)
    def boot(self) -> None:
        assert self._preload is not None
        first = self._preload.result()
        if first is None:
            self.call_from_thread(self._open_failed)
            return
        self.call_from_thread(self._swap, first)  # type: ignore[arg-type]  # awaited there

    async def _swap(self, first: tuple[Any, ...]) -> None:
        """The store is open: the real board replaces the loading one, then shows its data
        (or the screen a key asked for meanwhile comes up, the board behind it)."""
        if not self.is_running:
            return  # quit while the store was opening
        await self.switch_mode("board")
        if not self.is_running:
            return
        await self.remove_mode("loading")
        self.booted(*first)
        if self._wanted_mode != "board":
            self.switch_mode(self._wanted_mode)
        # then, once the board is painted, the other screens' modules, off the UI thread
        self.call_after_refresh(lambda: self.run_worker(
            boot.warm_up, thread=True, group="warm-up", exit_on_error=False))

    @property
    def loading(self) -> bool:
        """Whether the loading board is still up (the store is being opened)."""
        return self.current_mode == "loading"

    async def action_switch_mode(self, mode: str) -> None:
        self.go(mode)

    def go(self, mode: str) -> None:
        """Show ``mode``; asked for while the store is opening, it comes up once it is open."""
        if self.loading:
            self._wanted_mode = mode
        else:
            self.switch_mode(mode)

    def _open_failed(self) -> None:
        error = self.open_error
        self.exit(return_code=getattr(error, "exit_code", 3))

    def _starting(self, again: str) -> bool:
        """Whether the store is still opening (then say so, and what to do: ``again``)."""
        if self.actor is None:
            self.notify(f"Still starting: {again} in a moment.")
        return self.actor is None
