"""Changing bookings in the terminal app (issue 13), driven with Pilot against a real SQLite
store: the board's keys (extend, shorten, move, checked live), the prefilled form on the
board, Desk and Mine, a series date's "this one / this and following", and undoing a mark."""

from __future__ import annotations

import datetime as dt

from textual.widgets import DataTable, Input, Static

from booking import series as S
from booking.recurrence import Repeat
from booking.service import Cospace
from booking.timeutil import to_local
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.board import BoardScreen
from tui.screens.booking_form import BookingForm
from tui.screens.help import HelpScreen
from tui.screens.series import ChangeScopeModal

SIZE = (100, 30)
THURSDAY = dt.date(2026, 11, 26)


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def span(cs: Cospace, booking_id: int) -> str:
    v = cs.get(booking_id)
    return f"{v.space} {to_local(v.start, v.tz):HH:mm}–{to_local(v.end, v.tz):HH:mm}"


@sync
async def test_board_keys_extend_shorten_and_move_checked_live(app: Cospace) -> None:
    desk = as_user(app, "desk")
    b = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    desk.book("IR2", "2026-11-23 09:30", "10:30", org="PROB")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        board = tui.screen
        assert isinstance(board, BoardScreen)
        grid.go_to("IR1", 9 * 60)
        await pilot.press("shift+right", "plus", "plus", "minus")
        await until(pilot, lambda: board.pending is not None and board.pending.ok)
        detail = text_of(board, "#board-detail")
        assert "IR1 09:00–10:00 → IR1 09:15–10:30" in detail and "Enter saves" in detail
        assert span(desk, b.id) == "IR1 09:00–10:00", "nothing is saved before Enter"
        await pilot.press("enter")
        await until(pilot, lambda: span(desk, b.id) == "IR1 09:15–10:30")
        await until(pilot, lambda: board.pending is None)
        grid.go_to("IR1", 9 * 60 + 15)
        await pilot.press("shift+down")  # IR2, where PROB is booked 09:30-10:30
        await until(pilot, lambda: board.pending is not None
                    and board.pending.verdict not in ("checking…",))
        detail = text_of(board, "#board-detail")
        assert "→ IR2 09:15–10:30" in detail
        assert "IR2 is taken 09:30–10:30 by PROB (booking #" in detail
        assert "Not possible" in detail
        await pilot.press("enter")
        await settle(pilot)
        assert span(desk, b.id) == "IR1 09:15–10:30", "a clash is never saved"
        await pilot.press("escape")
        await settle(pilot)
        assert board.pending is None and "→" not in text_of(board, "#board-detail")
        grid.go_to("IR1", 9 * 60 + 15)
        await pilot.press("less_than_sign", "enter")  # < moves 15 minutes earlier too
        await until(pilot, lambda: span(desk, b.id) == "IR1 09:00–10:15")


@sync
async def test_board_e_opens_the_form_prefilled_and_saves_a_change(app: Cospace) -> None:
    desk = as_user(app, "desk")
    b = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    desk.book("IR1", "2026-11-23 11:00", "12:00", org="PROB")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("IR1", 9 * 60 + 30)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(tui.screen, BookingForm))
        form = tui.screen
        assert form.query_one("#f-start", Input).value == "09:00"
        assert form.query_one("#f-end", Input).value == "10:00"
        assert "Change booking #" in str(form.query_one(".dialog-question").render())
        assert not form.query_one("#f-repeat-row").display
        form.query_one("#f-end", Input).value = "11:30"
        await until(pilot, lambda: "already booked" in text_of(form, "#form-check"))
        assert "by PROB" in text_of(form, "#form-check")
        form.query_one("#f-end", Input).value = "10:45"
        await until(pilot, lambda: "free" in text_of(form, "#form-check"))
        form.query_one("#f-end", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
    assert span(desk, b.id) == "IR1 09:00–10:45"
    assert desk.get(b.id).purpose is None  # NCS's details stayed NCS's, untouched


@sync
async def test_desk_check_in_then_u_undoes_it_and_e_changes(app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    b = desk.book("IR1", "2026-11-23 08:30", "09:30", org="NCS")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        table = tui.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("i")
        await until(pilot, lambda: desk.get(b.id).status == "checked_in")
        await pilot.press("u")
        await until(pilot, lambda: desk.get(b.id).status == "confirmed")
        await until(pilot, lambda: table.get_row_at(0)[4] == "booked")
        await pilot.press("e")
        await until(pilot, lambda: isinstance(tui.screen, BookingForm))
        form = tui.screen
        form.query_one("#f-start", Input).value = "10:00"
        form.query_one("#f-end", Input).value = "11:00"
        await until(pilot, lambda: "free" in text_of(form, "#form-check"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
    assert span(desk, b.id) == "IR1 10:00–11:00"


@sync
async def test_mine_e_changes_an_advisers_own_booking(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    b = ncs.book("IR4", "2026-11-24 09:00", "10:00", purpose="CV review")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        table = tui.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 1)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(tui.screen, BookingForm))
        form = tui.screen
        assert form.query_one("#f-purpose", Input).value == "CV review"
        form.query_one("#f-end", Input).value = "10:15"
        form.query_one("#f-attendees", Input).value = "2"
        await until(pilot, lambda: "free" in text_of(form, "#form-check"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
    v = ncs.get(b.id)
    assert (span(ncs, b.id), v.attendees, v.purpose) == ("IR4 09:00–10:15", 2, "CV review")


@sync
async def test_a_series_date_asks_this_one_or_this_and_following(app: Cospace) -> None:
    desk = as_user(app, "desk")
    result = S.book_series(desk, "IR1", "2026-11-26 09:00", "10:00",
                           Repeat("weekly", count=4), org="NCS")
    ids = [v.id for v in result.booked]
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        board = tui.screen
        assert isinstance(board, BoardScreen)
        board.show_day("NGT", THURSDAY, cursor=("IR1", 9 * 60))
        await until(pilot, lambda: grid.data is not None and grid.data.day == THURSDAY)
        await pilot.press("shift+right")
        await until(pilot, lambda: board.pending is not None and board.pending.ok)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(tui.screen, ChangeScopeModal))
        await pilot.press("f")
        await until(pilot, lambda: all(span(desk, i) == "IR1 09:15–10:15" for i in ids))
        board.show_day("NGT", THURSDAY + dt.timedelta(days=7), cursor=("IR1", 9 * 60 + 15))
        await until(pilot, lambda: grid.data is not None
                    and grid.data.day == THURSDAY + dt.timedelta(days=7))
        await pilot.press("e")
        await until(pilot, lambda: isinstance(tui.screen, BookingForm))
        form = tui.screen
        form.query_one("#f-start", Input).value = "13:00"
        form.query_one("#f-end", Input).value = "14:00"
        await until(pilot, lambda: "free" in text_of(form, "#form-check"))
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(tui.screen, ChangeScopeModal))
        await pilot.press("o")
        await until(pilot, lambda: span(desk, ids[1]) == "IR1 13:00–14:00")
    assert [span(desk, i) for i in ids] == ["IR1 09:15–10:15", "IR1 13:00–14:00",
                                            "IR1 09:15–10:15", "IR1 09:15–10:15"]
    assert desk.get(ids[1]).moved_from is not None and desk.get(ids[1]).series is not None


@sync
async def test_the_keys_are_in_the_footer_and_the_help(app: Cospace) -> None:
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=(160, 50)) as pilot:
        await board_ready(pilot)
        footer = " ".join(str(b.binding.description) for b in
                          tui.screen.active_bindings.values() if b.binding.show)
        assert "Change" in footer and "Undo mark" in footer
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(tui.screen, HelpScreen)
        keys = " ".join(f"{k} {w}" for k, w in tui.screen.lines)
        for words in ("+ Extend", "- Shorten", "Shift+↑ Move the booking here to the space "
                      "above", "Shift+→ / > Move the booking here 15 min later", "u Undo mark",
                      "e Change"):
            assert words in keys, (words, keys)
