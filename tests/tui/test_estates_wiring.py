"""The estates screens (reports, admin, import) open from the main app by key and palette."""

from __future__ import annotations

from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.admin import AdminScreen
from tui.screens.import_preview import ImportPreviewScreen
from tui.screens.reports import ReportsScreen

SIZE = (100, 30)


@sync
async def test_reports_and_admin_open_by_key_and_close_with_escape(app: Cospace) -> None:
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(tui.screen, ReportsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(tui.screen, ReportsScreen))
        await pilot.press("a")
        await until(pilot, lambda: isinstance(tui.screen, AdminScreen))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(tui.screen, AdminScreen))
        assert tui.current_mode == "board" and not isinstance(tui.screen, AdminScreen)


@sync
async def test_palette_offers_the_estates_screens(app: Cospace) -> None:
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        titles = [c.title for c in tui.get_system_commands(tui.screen)]
        assert {"Usage reports", "Admin", "Import a CSV file"} <= set(titles)
        tui.action_import()
        await settle(pilot)
        assert isinstance(tui.screen, ImportPreviewScreen)
