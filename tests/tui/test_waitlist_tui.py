"""The waitlist and approvals in the terminal app, driven with Pilot on a real SQLite store:
"Wait for it" in Find and in the form, the waitlist in Mine, the approvals queue, and the
board's mark for a provisional booking."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Button, DataTable, Input, Select, Static

from booking import approvals, waitlist
from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.approvals import ApprovalsScreen
from tui.screens.booking_form import BookingForm
from tui.screens.dialogs import AskModal
from tui.screens.waitlist import WaitlistPanel, WaitTable

SIZE = (110, 34)
THU = "2026-11-26"


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def _desks_taken(app: Cospace) -> list[int]:
    desk = as_user(app, "desk")
    return [desk.book(code, f"{THU} 09:00", "12:00", org="PROB").id for code in ("D01", "D02")]


@sync
async def test_adviser_waits_from_find_and_sees_it_booked_in_mine(app: Cospace) -> None:
    taken = _desks_taken(app)
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        find.query_one("#q-kind", Select).value = "desk"
        find.query_one("#q-day", Input).value = THU
        find.query_one("#q-time", Input).value = "10:00"
        find.query_one("#q-length", Input).value = "1h"
        find.query_one("#q-time", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Nothing fits" in text_of(find, "#find-message"))
        assert "w waits for it" in text_of(find, "#find-message")
        button = find.query_one("#find-wait", Button)
        assert button.display
        button.press()
        await until(pilot, lambda: "Waiting: request #" in text_of(find, "#find-message"))
        (req,) = waitlist.requests(ncs)
        assert (req.kind, req.status, req.org) == ("desk", "waiting", "NCS")
        await pilot.press("escape", "m")
        await settle(pilot)
        panel = tui.screen.query_one(WaitlistPanel)
        table = panel.query_one(WaitTable)
        await until(pilot, lambda: table.row_count == 1)
        assert "waiting" in str(table.get_row_at(0)[-1])
        as_user(app, "desk").cancel(taken[0])  # a desk frees: booked for NCS at once
        tui.refresh_views()
        await until(pilot, lambda: table.row_count == 1
                    and "booked" in str(table.get_row_at(0)[-1]))
        mine = tui.screen.query_one("#mine-table", DataTable)
        await until(pilot, lambda: mine.row_count == 1)
        assert mine.get_row_at(0)[3] == "D01"


@sync
async def test_a_waiting_request_is_cancelled_from_mine(app: Cospace) -> None:
    _desks_taken(app)
    ncs = as_user(app, "ncs")
    req = waitlist.wait(ncs, "NGT", "desk", f"{THU} 10:00", "11:00")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        await settle(pilot)
        table = tui.screen.query_one(WaitTable)
        await until(pilot, lambda: table.row_count == 1)
        table.focus()
        await pilot.press("c")
        await until(pilot, lambda: [r.status for r in waitlist.requests(ncs)] == ["cancelled"])
        await until(pilot, lambda: not tui.screen.query_one(WaitlistPanel).display)
    assert req.id == waitlist.requests(ncs)[0].id


@sync
async def test_the_form_offers_to_wait_when_the_space_is_taken(app: Cospace) -> None:
    for code in ("IR1", "IR2", "IR4"):  # every interview room NCS may use is taken at 09:00
        as_user(app, "prob").book(code, "2026-11-23 09:00", "10:00")
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert not form.query_one("#wait", Button).display
        form.query_one("#f-end", Input).value = "09:30"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        assert form.query_one("#wait", Button).display
        form.query_one("#wait", Button).press()
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
    (req,) = waitlist.requests(ncs)
    assert (req.kind, req.status, req.site) == ("interview", "waiting", "NGT")


@sync
async def test_front_desk_approves_and_declines_from_the_queue(app: Cospace) -> None:
    approvals.set_requires_approval(app, "WS1", True)
    ncs = as_user(app, "ncs")
    first = ncs.book("WS1", f"{THU} 09:00", "10:00")
    second = ncs.book("WS1", f"{THU} 11:00", "12:00")
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        board = tui.views["board"]
        board.show_day("NGT", dt.date(2026, 11, 26))  # type: ignore[attr-defined]
        await until(pilot, lambda: grid.data is not None and grid.data.day
                    == dt.date(2026, 11, 26))
        rendered = "\n".join(grid.render_line(y).text for y in range(grid.size.height))
        assert "NCS?" in rendered  # provisional: marked, not only coloured
        await pilot.press("v")
        await settle(pilot)
        queue = tui.screen
        assert isinstance(queue, ApprovalsScreen)
        table = queue.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        await pilot.press("a")
        await until(pilot, lambda: table.row_count == 1)
        assert desk.get(first.id).status == "confirmed"
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(tui.screen, AskModal)
        await pilot.press(*"jobs fair", "enter")
        await until(pilot, lambda: table.row_count == 0)
        assert "declined" in text_of(queue, "#approvals-message")
    assert desk.get(second.id).status == "declined"


@sync
async def test_an_adviser_is_told_the_queue_is_not_theirs(app: Cospace) -> None:
    tui = make_app(as_user(app, "ncs"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert not isinstance(tui.screen, ApprovalsScreen)
        notices = [n.message for n in tui._notifications]
        assert any("Only the front desk, estates or an administrator" in m for m in notices)
