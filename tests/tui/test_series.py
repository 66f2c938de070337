"""Recurring bookings and a booking's history in the terminal app, driven with Pilot against a
real SQLite store."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Checkbox, Input, Select, Static

from booking.series import book_series as domain_book_series
from booking.series import parse_repeat
from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.booking_form import BookingForm
from tui.screens.series import CancelScopeModal, HistoryModal, SeriesPreviewModal
from tui.widgets.board_grid import BoardGrid

SIZE = (100, 30)
THURSDAYS = [dt.date(2026, 11, 26), dt.date(2026, 12, 3), dt.date(2026, 12, 10),
             dt.date(2026, 12, 17)]


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def ir1_on(cs: Cospace, day: dt.date) -> list:  # type: ignore[type-arg]
    return [b for b in cs.day_bookings("NGT", day) if b.space == "IR1" and b.active]


@sync
async def test_book_a_weekly_series_clash_shown_then_skip(app: Cospace) -> None:
    held = as_user(app, "ncs").book("IR1", "2026-12-03 10:30", "11:30", purpose="Careers")
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("IR1", 10 * 60)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        form.query_one("#f-date", Input).value = "2026-11-26"
        form.query_one("#f-start", Input).value = "10:00"
        form.query_one("#f-end", Input).value = "11:00"
        form.query_one("#f-purpose", Input).value = "Work coach clinic"
        form.query_one("#f-repeat", Select).value = "weekly"
        form.query_one("#f-on", Input).value = "thu"
        # a repeat needs an end: said in the form, nothing asked yet
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        assert "until date or a count" in text_of(form, "#form-error")
        form.query_one("#f-count", Input).value = "4"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(tui.screen, SeriesPreviewModal))
        preview = tui.screen
        shown = text_of(preview, "#series-text")
        assert "Would book 3 dates" in shown
        assert "Thu 26 Nov 2026 10:00–11:00" in shown and "Thu 17 Dec 2026 10:00–11:00" in shown
        assert f"held 10:30–11:30 by NCS (booking #{held.id})" in shown
        assert "Thu 3 Dec 2026 10:00–11:00" in shown
        assert ir1_on(desk, THURSDAYS[0]) == []  # nothing written before confirming
        # back to the form: input kept
        await pilot.press("n")
        await until(pilot, lambda: tui.screen is form)
        assert form.query_one("#f-count", Input).value == "4"
        assert form.query_one("#f-purpose", Input).value == "Work coach clinic"
        form.query_one("#f-skip", Checkbox).value = True
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(tui.screen, SeriesPreviewModal))
        assert "clashing dates will be left out" in text_of(tui.screen, "#series-note")
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(tui.screen, (BookingForm,
                                                               SeriesPreviewModal)))
    booked = {day: ir1_on(desk, day) for day in THURSDAYS}
    assert [b.org for b in booked[THURSDAYS[1]]] == ["NCS"]  # the clash left as it was
    mine = [booked[d][0] for d in (THURSDAYS[0], THURSDAYS[2], THURSDAYS[3])]
    assert all(len(booked[d]) == 1 for d in (THURSDAYS[0], THURSDAYS[2], THURSDAYS[3]))
    assert {b.series for b in mine} != {None} and len({b.series for b in mine}) == 1
    assert all((b.org, b.purpose) == ("JCP", "Work coach clinic") for b in mine)


def weekly(cs: Cospace, count: int = 4):  # type: ignore[no-untyped-def]
    return domain_book_series(cs, "IR1", "2026-11-26 10:00", "11:00",
                              parse_repeat("weekly", on="thu", count=count), org="NCS",
                              purpose="Careers clinic")


@sync
async def test_series_mark_on_the_board_and_cancel_this_and_following(app: Cospace) -> None:
    desk = as_user(app, "desk")
    result = weekly(desk)
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        board = tui.views["board"]
        board.show_day("NGT", THURSDAYS[1], cursor=("IR1", 10 * 60))  # type: ignore[attr-defined]
        await until(pilot, lambda: grid.current_booking is not None)
        assert grid.current_booking.series == result.series  # type: ignore[union-attr]
        lines = ["".join(s.text for s in grid.render_line(y))
                 for y in range(grid.size.height)]
        row = next(line for line in lines if line.startswith(" IR1"))
        assert "NCS↻" in row
        detail = text_of(board, "#board-detail")
        assert f"↻ series #{result.series}" in detail
        await pilot.press("c")
        await until(pilot, lambda: isinstance(tui.screen, CancelScopeModal))
        await pilot.press("f")  # this and following
        await until(pilot, lambda: not ir1_on(desk, THURSDAYS[3]))
    assert [b.id for b in ir1_on(desk, THURSDAYS[0])] == [result.booked[0].id]
    for day in THURSDAYS[1:]:
        assert ir1_on(desk, day) == []
    statuses = [b.status for b in desk.list_bookings(org="NCS") if b.series == result.series]
    assert sorted(statuses) == ["cancelled", "cancelled", "cancelled", "confirmed"]


@sync
async def test_plain_booking_keeps_the_yes_no_question(app: Cospace) -> None:
    from tui.screens.dialogs import ConfirmModal

    desk = as_user(app, "desk")
    desk.book("IR1", "2026-11-23 10:00", "11:00", purpose="New claim")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("IR1", 10 * 60)
        await settle(pilot)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(tui.screen, ConfirmModal))
        assert isinstance(tui.screen, ConfirmModal)


@sync
async def test_history_shows_create_and_cancel(app: Cospace) -> None:
    desk = as_user(app, "desk")
    result = weekly(desk, count=2)
    first = result.booked[0]
    desk.cancel(first.id)
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        board = tui.views["board"]
        grid = board.query_one(BoardGrid)
        board.show_day("NGT", THURSDAYS[0], cursor=("IR1", 10 * 60))  # type: ignore[attr-defined]
        await until(pilot, lambda: grid.data is not None and grid.data.day == THURSDAYS[0])
        await settle(pilot)
        # the cancelled booking is no longer on the board: open its history from the app
        tui.show_history(desk.list_bookings(org="NCS", statuses=("cancelled",))[0])
        await until(pilot, lambda: isinstance(tui.screen, HistoryModal))
        modal = tui.screen
        await until(pilot, lambda: bool(modal.entries))  # type: ignore[attr-defined]
        text = text_of(modal, "#history-text")
        assert [e.action for e in modal.entries] == ["create", "cancel"]  # type: ignore[attr-defined]
        assert "desk" in text and "status: confirmed → cancelled" in text
        assert f"reason: series #{result.series}" in text
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(tui.screen, HistoryModal))
        # and from the board key, on the series' second date
        board.show_day("NGT", THURSDAYS[1], cursor=("IR1", 10 * 60))  # type: ignore[attr-defined]
        await until(pilot, lambda: grid.current_booking is not None)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(tui.screen, HistoryModal)
                    and bool(tui.screen.entries))  # type: ignore[attr-defined]
        assert [e.action for e in tui.screen.entries] == ["create"]  # type: ignore[attr-defined]


@sync
async def test_mine_history_and_cancel_one_date(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    result = weekly(ncs, count=3)
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        mine = tui.views.get("mine")
        await until(pilot, lambda: mine is not None and len(mine.shown) == 3)  # type: ignore[attr-defined]
        await pilot.press("h")
        await until(pilot, lambda: isinstance(tui.screen, HistoryModal)
                    and bool(tui.screen.entries))  # type: ignore[attr-defined]
        text = text_of(tui.screen, "#history-text")
        assert "ncs" in text and "create" in text
        assert "start_at: Thu 26 Nov 2026 10:00" in text  # local time, not the stored UTC
        assert "purpose: Careers clinic" in text  # NCS's own booking: details shown
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(tui.screen, HistoryModal))
        await pilot.press("c")
        await until(pilot, lambda: isinstance(tui.screen, CancelScopeModal))
        await pilot.press("o")  # this one only
        await until(pilot, lambda: len(mine.shown) == 2)  # type: ignore[union-attr]
    assert ir1_on(ncs, THURSDAYS[0]) == []
    assert [b.id for b in ir1_on(ncs, THURSDAYS[1])] == [result.booked[1].id]
    assert [b.id for b in ir1_on(ncs, THURSDAYS[2])] == [result.booked[2].id]


@sync
async def test_history_hides_another_orgs_details(app: Cospace) -> None:
    weekly(as_user(app, "ncs"), count=1)
    prob = as_user(app, "prob")
    tui = make_app(prob, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        board = tui.views["board"]
        grid = board.query_one(BoardGrid)
        board.show_day("NGT", THURSDAYS[0], cursor=("IR1", 10 * 60))  # type: ignore[attr-defined]
        await until(pilot, lambda: grid.current_booking is not None)
        await pilot.press("h")
        await until(pilot, lambda: isinstance(tui.screen, HistoryModal)
                    and "Loading" not in text_of(tui.screen, "#history-text"))
        assert "Careers clinic" not in text_of(tui.screen, "#history-text")


@sync
async def test_a_date_taken_after_the_preview_is_said_in_the_form(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("IR1", 10 * 60)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        form.query_one("#f-date", Input).value = "2026-11-26"
        form.query_one("#f-start", Input).value = "10:00"
        form.query_one("#f-end", Input).value = "11:00"
        form.query_one("#f-repeat", Select).value = "weekly"
        form.query_one("#f-until", Input).value = "2026-12-10"
        await settle(pilot)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(tui.screen, SeriesPreviewModal))
        assert "Would book 3 dates" in text_of(tui.screen, "#series-text")
        as_user(app, "ncs").book("IR1", "2026-12-10 10:00", "11:00")  # another terminal
        await pilot.press("y")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        assert "booked meanwhile: 1 date now clash" in text_of(form, "#form-error")
        assert tui.screen is form
    assert ir1_on(desk, THURSDAYS[0]) == []  # all or nothing: nothing written
