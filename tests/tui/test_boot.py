"""Issue 17 item 6: the first frame paints with only Textual imported (the loading board, with
the site the user saw last), then the start-up thread opens the store and the real board with
its data replaces it; a store that cannot be opened still ends in its message and exit code."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from textual.widgets import Static

from booking.errors import CospaceError
from booking.service import Cospace
from tests.conftest import Clock
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import CospaceApp, opening_app
from tui.boot import LOADING_TEXT, LoadingBoard
from tui.screens.board import BoardScreen
from tui.screens.find import FindScreen

ROOT = Path(__file__).resolve().parents[2]
SIZE = (100, 30)

#: what must not be imported before the first frame: the core and what it stands on
CORE = ("booking", "db", "sqlalchemy", "sqlmodel", "pendulum", "psycopg", "holidays")


def test_the_app_and_its_first_screen_import_none_of_the_core() -> None:
    code = ("import sys, tui.app, tui.boot\n"
            f"core = sorted(m for m in sys.modules if m.split('.')[0] in {CORE!r})\n"
            "print(core)\n"
            "assert not core, core")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "[]"


def gated_opener(url: str, login: str, clock: Clock, gate: threading.Event):  # type: ignore[no-untyped-def]
    """Open the real store, once the test has looked at the loading board."""

    def open_store() -> Cospace:
        assert gate.wait(30), "the test never let the store open"
        return Cospace.open(url, login, clock)

    return open_store


def title(app: CospaceApp) -> str:
    return str(app.screen.query_one("#board-title", Static).render())


@sync
async def test_the_loading_board_turns_into_the_board(app: Cospace, sqlite_url: str,
                                                      clock: Clock, config_dir: Path) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text(json.dumps(
        {"users": {"desk": {"site_name": "Northgate Jobcentre", "theme": "textual-light"}}}))
    gate = threading.Event()
    tui = CospaceApp(opener=gated_opener(sqlite_url, "desk", clock, gate), poll=False,
                     login_hint="desk")
    async with tui.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(tui.screen, LoadingBoard) and tui.loading
        assert tui.board is None and tui.actor is None
        assert "Northgate Jobcentre" in title(tui) and "loading" in title(tui)
        assert LOADING_TEXT in str(tui.screen.query_one("#board", Static).render())
        assert tui.theme == "textual-light"  # the remembered theme from the first frame
        await pilot.press("r")  # nothing to report on yet: said, not crashed
        assert isinstance(tui.screen, LoadingBoard)
        gate.set()
        grid = await board_ready(pilot)
        assert isinstance(tui.screen, BoardScreen) and not tui.loading
        assert "loading" not in tui.views and "loading" not in tui._modes
        assert grid.data is not None and grid.data.site.code == "NGT"
        assert "Amy Reception" in title(tui) and "loading" not in title(tui)
        await pilot.press("n")  # the board's keys work on the real board
        await until(pilot, lambda: grid.data is not None and grid.data.day.day == 24)


@sync
async def test_a_key_pressed_while_loading_is_kept(app: Cospace, sqlite_url: str,
                                                    clock: Clock) -> None:
    gate = threading.Event()
    tui = CospaceApp(opener=gated_opener(sqlite_url, "desk", clock, gate), poll=False,
                     login_hint="desk")
    async with tui.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "cospace" in title(tui)  # nothing remembered yet: the app's name
        await pilot.press("f")  # Find, asked for before the store is open
        assert isinstance(tui.screen, LoadingBoard)
        gate.set()
        await until(pilot, lambda: isinstance(tui.screen, FindScreen))
        assert tui.current_mode == "find" and tui.first_data_shown  # the board, behind it
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(tui.screen, BoardScreen))


@sync
async def test_the_board_remembers_its_site_name_for_the_next_first_frame(
        app: Cospace, sqlite_url: str, clock: Clock, config_dir: Path) -> None:
    tui = opening_app(sqlite_url, "desk", poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
    saved = json.loads((config_dir / "settings.json").read_text())
    assert saved["users"]["desk"]["site_name"] == "Northgate Jobcentre"
    gate = threading.Event()
    again = CospaceApp(opener=gated_opener(sqlite_url, "desk", clock, gate), poll=False,
                       login_hint="desk")
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, LoadingBoard)
        assert "Northgate Jobcentre" in title(again)
        gate.set()
        await board_ready(pilot)


@sync
async def test_a_store_that_cannot_be_opened_ends_the_app_with_its_reason(
        tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such.db"
    tui = opening_app(f"sqlite:///{missing}", "desk", poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        for _ in range(100):
            if tui.open_error is not None and tui.return_code is not None:
                break
            await settle(pilot, 1)
    assert isinstance(tui.open_error, CospaceError)
    assert "cospace init" in tui.open_error.message
    assert tui.return_code == tui.open_error.exit_code == 2
    assert not missing.parent.exists()  # reading created nothing
