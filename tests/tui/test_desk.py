"""The Desk handles arrivals (issue 14): find by typing (number, organisation, space or the
adviser's name), overdue marked and not counted as to arrive, Home/End, an early check-in
asks, and a walk-in is checked in or says why each space did not fit, keeping its input."""

from __future__ import annotations

import datetime as dt

import pendulum
from textual.widgets import DataTable, Input, Select, Static

from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.dialogs import ConfirmModal
from tui.screens.today import OVERDUE, TodayScreen, WalkInModal

SIZE = (100, 30)
MONDAY = dt.date(2026, 11, 23)


def at(hh: int, mm: int = 0) -> dt.datetime:
    return pendulum.datetime(2026, 11, 23, hh, mm, tz="Europe/London").in_timezone("UTC")


@sync
async def test_find_by_advisers_name_overdue_marked_and_an_early_checkin_asks(
        app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    late = as_user(app, "ncs").book("IR1", "2026-11-23 08:30", "09:30")
    later = as_user(app, "prob").book("IR2", "2026-11-23 10:00", "11:00")
    as_user(app, "desk").book("IR4", "2026-11-23 11:00", "12:00", org="JCP")
    clock.set(at(8, 45))
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        screen = tui.screen
        assert isinstance(screen, TodayScreen)
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        title = str(screen.query_one("#desk-title", Static).render())
        assert "2 to arrive" in title and "1 overdue" in title
        assert table.get_row_at(0)[4] == OVERDUE and table.get_row_at(1)[4] == "booked"
        await pilot.press("end")
        assert table.cursor_row == 2
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("slash", *"mo prob")  # part of the adviser's name
        await settle(pilot)
        assert table.row_count == 1 and table.get_row_at(0)[0] == str(later.id)
        await pilot.press("enter", "i")  # to the match, check in: 1 h 15 min early
        await settle(pilot)
        assert isinstance(tui.screen, ConfirmModal)
        await pilot.press("y")
        await until(pilot, lambda: desk.get(later.id).status == "checked_in")
        await pilot.press("escape")  # clears the search
        await until(pilot, lambda: table.row_count == 3)
        screen.query_one("#desk-search", Input).value = str(late.id)
        await settle(pilot)
        assert table.row_count == 1 and table.get_row_at(0)[2] == "IR1"
        screen.query_one("#desk-search", Input).value = "ir4"
        await settle(pilot)
        assert [table.get_row_at(i)[2] for i in range(table.row_count)] == ["IR4"]


@sync
async def test_a_walk_in_that_fits_nowhere_keeps_its_input_and_says_why(
        app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    for code in ("IR1", "IR2", "IR4"):
        desk.book(code, "2026-11-23 10:00", "11:00", org="JCP")
    clock.set(at(10, 2))
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        modal = tui.screen
        assert isinstance(modal, WalkInModal)
        modal.query_one("#w-length", Input).value = "30m"
        modal.query_one("#w-org", Select).value = "NCS"
        await pilot.press("enter")
        await until(pilot, lambda: "IR5 is only for JCP, PROB" in
                    str(modal.query_one("#walkin-error", Static).render()))
        assert tui.screen is modal and modal.query_one("#w-length", Input).value == "30m"
        modal.query_one("#w-org", Select).value = "PROB"
        modal.query_one("#w-length", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(tui.screen, WalkInModal))
    walk = next(b for b in desk.day_bookings("NGT", MONDAY) if b.space == "IR5")
    assert (walk.space, walk.org, walk.status) == ("IR5", "PROB", "checked_in")


@sync
async def test_an_adviser_sees_the_desks_check_in_disabled_and_why(
        app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    held = as_user(app, "ncs").book("IR1", "2026-11-23 08:30", "09:30")
    clock.set(at(8, 35))
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        screen = tui.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1)
        assert "check-in and no-show are the front desk's" in str(
            screen.query_one("#desk-title", Static).render())
        assert screen.check_action("checkin", ()) is None  # shown disabled
        await pilot.press("i")
        await settle(pilot)
    assert ncs.get(held.id).status == "confirmed"
