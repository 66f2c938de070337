"""Booking for someone else from Find (issue 14): a "For" organisation, results without the
rooms it may not book, ``b`` books for it, and the same failed search counted once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Select, Static

from booking.service import Cospace
from db.tables import UnmetDemand
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app

SIZE = (80, 24)
THURSDAY = dt.date(2026, 11, 26)


def spaces_listed(find) -> list[str]:  # type: ignore[no-untyped-def]
    table = find.query_one(DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def search(pilot, find, org: str) -> None:  # type: ignore[no-untyped-def]
    find.query_one("#q-for", Select).value = org
    find.query_one("#q-time", Input).focus()
    find.query_one("#find-message", Static).update("")
    await pilot.press("enter")
    await until(pilot, lambda: "free" in str(find.query_one("#find-message").render())
                or "Nothing" in str(find.query_one("#find-message").render()))


@sync
async def test_find_for_an_organisation_leaves_out_its_restricted_rooms_and_books_for_it(
        app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        assert find.query_one("#q-for", Select).value == "JCP"  # the desk's own, to start
        find.query_one("#q-day", Input).value = "thu"
        find.query_one("#q-time", Input).value = "10:00"
        find.query_one("#q-confidential").value = True  # type: ignore[attr-defined]
        await search(pilot, find, "NCS")
        assert "IR5" not in spaces_listed(find) and spaces_listed(find)  # PROB, JCP only
        assert "for NCS" in str(find.query_one("#find-message").render())
        await search(pilot, find, "PROB")
        assert "IR5" in spaces_listed(find)
        table = find.query_one(DataTable)
        table.move_cursor(row=spaces_listed(find).index("IR5"))
        await pilot.press("b")
        await until(pilot, lambda: "Booked #" in str(find.query_one("#find-message").render()))
    booked = [b for b in desk.day_bookings("NGT", THURSDAY)]
    assert [(b.space, b.org, b.confidential) for b in booked] == [("IR5", "PROB", True)]


@sync
async def test_the_same_failed_search_again_is_unmet_demand_once(app: Cospace) -> None:
    desk = as_user(app, "desk")
    desk.book("WS1", "2026-11-26 10:00", "12:00", org="JCP")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        find.query_one("#q-kind", Select).value = "workshop"
        find.query_one("#q-day", Input).value = "thu"
        find.query_one("#q-time", Input).value = "10:00"
        find.query_one("#q-length", Input).value = "2h"
        for _ in range(3):
            await search(pilot, find, "NCS")
            assert "Nothing fits" in str(find.query_one("#find-message").render())
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(UnmetDemand.__table__)
                            ).scalar() == 1
