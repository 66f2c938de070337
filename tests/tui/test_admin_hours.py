"""Opening hours in Admin ask before the work (issue 14): the bookings new hours would leave
outside are shown first, and nothing is saved unless the answer is yes."""

from __future__ import annotations

import asyncio

from textual.widgets import Input, Static

from booking.service import Cospace
from tests.conftest import as_user
from tests.test_tui_admin import SIZE, Host, settle
from tui.screens.admin import AdminScreen, RecordForm
from tui.screens.dialogs import ConfirmModal

THURSDAY_LATE = ("IR1", "2026-11-26 16:00", "17:00")
OLD = (8 * 60 + 30, 17 * 60)


def test_new_hours_show_the_bookings_left_outside_and_ask_before_saving(
        app: Cospace) -> None:
    late = as_user(app, "desk").book(*THURSDAY_LATE, org="NCS", purpose="Private matter")
    estates = as_user(app, "estates")

    async def go() -> None:
        host = Host(lambda: AdminScreen(estates))
        async with host.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("e")  # the site NGT
            await settle(pilot)
            form = host.screen
            assert isinstance(form, RecordForm)
            form.query_one("#f-hours", Input).value = "mon-fri 08:30-16:00"
            await pilot.press("ctrl+s")
            await settle(pilot)
            ask = host.screen
            assert isinstance(ask, ConfirmModal)
            question = str(ask.query_one(".dialog-question", Static).render())
            assert f"#{late.id} IR1 " in question and "16:00–17:00 NCS" in question
            assert "Private matter" not in question
            assert app.site("NGT").hours[3] == OLD  # asked before, not saved yet
            await pilot.press("n")
            await settle(pilot)
            assert host.screen is form and app.site("NGT").hours[3] == OLD
            assert "Not saved" in str(form.query_one("#e-row", Static).render())
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(host.screen, ConfirmModal)
            await pilot.press("y")
            await settle(pilot)
            assert app.site("NGT").hours[3] == (8 * 60 + 30, 16 * 60)
            assert isinstance(host.screen, AdminScreen)  # asked once: no second notice
        assert estates.get(late.id).status == "confirmed"  # it stays booked, to move

    asyncio.run(go())
