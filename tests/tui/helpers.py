"""Helpers for driving the app with Textual's Pilot against a real SQLite store."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tui.app import CospaceApp
from tui.widgets.board_grid import BoardGrid


async def settle(pilot: Pilot, rounds: int = 3) -> None:
    """Let workers finish and their results reach the screen."""
    app = pilot.app
    for _ in range(rounds):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive reload replaced an older one: that is normal
            pass
        await pilot.pause()


async def board_ready(pilot: Pilot) -> BoardGrid:
    app: CospaceApp = pilot.app  # type: ignore[assignment]
    for _ in range(100):
        await settle(pilot, 1)
        if app.first_data_shown:
            break
        await asyncio.sleep(0.05)
    assert app.first_data_shown, "the board never showed its data"
    return app.views["board"].query_one(BoardGrid)


async def until(pilot: Pilot, check, tries: int = 100) -> None:  # type: ignore[no-untyped-def]
    """Wait (politely) until ``check()`` is true; fail if it never is."""
    for _ in range(tries):
        await settle(pilot, 1)
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


def sync(test):  # type: ignore[no-untyped-def]
    """Run an async test in its own event loop (no asyncio plugin needed)."""
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        return asyncio.run(test(*args, **kwargs))

    return run
