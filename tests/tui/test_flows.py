"""Each flow of the terminal app, driven with Pilot against a real SQLite store."""

from __future__ import annotations

import datetime as dt

import pendulum
from sqlalchemy import func, select
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from booking.service import Cospace
from db.tables import UnmetDemand
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app, run
from tui.screens.booking_form import BookingForm
from tui.screens.dialogs import ConfirmModal
from tui.screens.help import HelpScreen

SIZE = (100, 30)
MONDAY = dt.date(2026, 11, 23)
THURSDAY = dt.date(2026, 11, 26)


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return pendulum.datetime(day.year, day.month, day.day, hh, mm, tz="Europe/London")


@sync
async def test_book_from_board(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        assert grid.current_space.code == "IR1"  # type: ignore[union-attr]
        assert grid.current_minute == 8 * 60 + 30  # before opening: the cursor starts at 08:30
        await pilot.press("right", "right", "down")  # IR2 at 09:00
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert form.query_one("#f-start", Input).value == "09:00"
        assert form.query_one("#f-end", Input).value == "10:00"
        await pilot.press(*"Benefits check")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
        await until(pilot, lambda: grid.data is not None
                    and grid.data.booking_at("IR2", 9 * 60) is not None)
    saved = [b for b in desk.day_bookings("NGT", MONDAY) if b.space == "IR2"]
    assert len(saved) == 1
    b = saved[0]
    assert (b.org, b.purpose, b.status) == ("JCP", "Benefits check", "confirmed")
    assert b.start == local(MONDAY, 9).in_timezone("UTC")


@sync
async def test_clash_is_shown_in_the_form_and_input_kept(app: Cospace) -> None:
    as_user(app, "ncs").book("IR1", "2026-11-23 09:00", "10:00", purpose="Careers")
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("enter")  # IR1 at 08:30: the form stops before the NCS booking
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert form.query_one("#f-end", Input).value == "09:00"
        await pilot.press(*"Housing options")
        end = form.query_one("#f-end", Input)
        end.value = "09:30"
        await pilot.press("enter")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        error = text_of(form, "#form-error")
        assert "already booked 09:00–10:00" in error and "NCS" in error
        assert tui.screen is form  # still open, input kept
        assert form.query_one("#f-purpose", Input).value == "Housing options"
        assert form.query_one("#f-end", Input).value == "09:30"
        # fix the end and save: the same form books
        end.value = "09:00"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: tui.screen is not form)
    ir1 = [b for b in desk.day_bookings("NGT", MONDAY) if b.space == "IR1" and b.active]
    assert sorted(b.org for b in ir1) == ["JCP", "NCS"]


@sync
async def test_confidential_booking_refused_for_an_open_desk(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("D01", 10 * 60)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert form.query_one("#f-space", Select).value == "D01"
        form.query_one("#f-confidential", Checkbox).value = True
        await settle(pilot)
        assert "not a private room" in text_of(form, "#form-check")  # checked as you type
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        assert "not a private room" in text_of(form, "#form-error")
        assert tui.screen is form
    assert [b for b in desk.day_bookings("NGT", MONDAY) if b.space == "D01"] == []


@sync
async def test_find_a_space_then_book(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        find.query_one("#q-day", Input).value = "thu"
        find.query_one("#q-time", Input).value = "10:00"
        find.query_one("#q-length", Input).value = "1h"
        find.query_one("#q-needs", Input).value = "step-free"
        find.query_one("#q-needs", Input).focus()
        await pilot.press("enter")
        table = find.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0)
        assert "1 free" in text_of(find, "#find-message")
        assert table.get_row_at(0)[0] == "IR2"
        await pilot.press("enter")  # Enter opens the form, prefilled, to add details
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert (form.query_one("#f-space", Select).value, form.query_one("#f-date", Input).value,
                form.query_one("#f-start", Input).value, form.query_one("#f-end", Input).value
                ) == ("IR2", "2026-11-26", "10:00", "11:00")
        await pilot.press("escape")
        await settle(pilot)
        assert tui.screen is find
        await pilot.press("b")
        await until(pilot, lambda: "Booked #" in text_of(find, "#find-message"))
        # nothing fits: said plainly, with nearby times, and recorded as unmet demand
        find.query_one("#q-needs", Input).value = "projector"
        find.query_one("#q-needs", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Nothing fits" in text_of(find, "#find-message"))
    booked = [b for b in ncs.day_bookings("NGT", THURSDAY) if b.space == "IR2"]
    assert [(b.org, b.start) for b in booked] == [("NCS", local(THURSDAY, 10).in_timezone(
        "UTC"))]
    with app.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(UnmetDemand.__table__)
                            ).scalar() == 1


@sync
async def test_find_suggests_free_times_and_books_one(app: Cospace) -> None:
    desk = as_user(app, "desk")
    desk.book("WS1", "2026-11-26 10:00", "12:00", purpose="Jobs fair")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        find.query_one("#q-kind", Select).value = "workshop"
        find.query_one("#q-day", Input).value = "2026-11-26"
        find.query_one("#q-time", Input).value = "10:45"
        find.query_one("#q-length", Input).value = "1h"
        find.query_one("#q-time", Input).focus()
        await pilot.press("enter")
        table = find.query_one(DataTable)
        await until(pilot, lambda: table.row_count > 0)
        assert "Nothing fits" in text_of(find, "#find-message")
        assert table.get_row_at(0)[3] == "12:00–13:00"
        await pilot.press("b")
        await until(pilot, lambda: "Booked #" in text_of(find, "#find-message"))
    ws1 = sorted((b.start, b.end) for b in desk.day_bookings("NGT", THURSDAY)
                 if b.space == "WS1")
    assert ws1[-1] == (local(THURSDAY, 12).in_timezone("UTC"),
                       local(THURSDAY, 13).in_timezone("UTC"))


@sync
async def test_today_checkin_noshow_cancel(app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    first = desk.book("IR1", "2026-11-23 08:30", "09:30", org="NCS")
    second = desk.book("IR2", "2026-11-23 08:30", "09:30", org="PROB")
    third = desk.book("IR4", "2026-11-23 11:00", "12:00", org="JCP")
    clock.set(local(MONDAY, 8, 45).in_timezone("UTC"))
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        today = tui.screen
        table = today.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        assert [table.get_row_at(i)[2] for i in range(3)] == ["IR1", "IR2", "IR4"]
        await pilot.press("i")
        await until(pilot, lambda: desk.get(first.id).status == "checked_in")
        await until(pilot, lambda: table.get_row_at(0)[4] == "checked in")
        await pilot.press("down", "x")
        await until(pilot, lambda: desk.get(second.id).status == "no_show")
        await pilot.press("down", "c")
        await settle(pilot)
        assert isinstance(tui.screen, ConfirmModal)
        await pilot.press("y")
        await until(pilot, lambda: desk.get(third.id).status == "cancelled")
        await until(pilot, lambda: table.get_row_at(2)[4] == "cancelled")


@sync
async def test_walk_in_books_first_free_fitting_space_now(app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    desk.book("IR1", "2026-11-23 10:00", "11:00", org="NCS")
    clock.set(local(MONDAY, 10, 7).in_timezone("UTC"))
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        tui.screen.query_one("#w-length", Input).value = "30m"
        await pilot.press("enter")
        await until(pilot, lambda: any(b.purpose == "Walk-in" for b in
                                       desk.day_bookings("NGT", MONDAY)))
    walk = next(b for b in desk.day_bookings("NGT", MONDAY) if b.purpose == "Walk-in")
    # IR1 is taken; IR4 (2 people, fewest extras) is the best free fit
    assert walk.space == "IR4"
    assert (walk.start, walk.end) == (local(MONDAY, 10, 5).in_timezone("UTC"),
                                      local(MONDAY, 10, 35).in_timezone("UTC"))


@sync
async def test_my_bookings_cancel_and_jump_to_board(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    keep = ncs.book("IR2", "2026-11-26 14:00", "15:00", purpose="CV clinic")
    drop = ncs.book("D01", "2026-11-24 09:00", "12:00", purpose="Drop-in")
    as_user(app, "prob").book("IR5", "2026-11-24 09:00", "10:00")  # not NCS's: not listed
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        mine = tui.screen
        table = mine.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 2)
        assert [table.get_row_at(i)[3] for i in range(2)] == ["D01", "IR2"]
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("y")
        await until(pilot, lambda: ncs.get(drop.id).status == "cancelled")
        await until(pilot, lambda: table.row_count == 1)
        # filter, then Enter shows it on the board
        await pilot.press("slash", *"thu")
        await settle(pilot)
        assert table.row_count == 1
        await pilot.press("enter")  # leaves the filter for the table
        await pilot.press("enter")
        grid = await board_ready(pilot)
        await until(pilot, lambda: grid.data is not None and grid.data.day == THURSDAY)
        assert grid.current_space.code == "IR2"  # type: ignore[union-attr]
        assert grid.current_minute == 14 * 60
        assert grid.current_booking.id == keep.id  # type: ignore[union-attr]


@sync
async def test_board_days_privacy_and_help(app: Cospace) -> None:
    as_user(app, "ncs").book("IR1", "2026-11-24 09:00", "10:00", purpose="Secret careers")
    prob = as_user(app, "prob")
    tui = make_app(prob, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        await pilot.press("n")
        await until(pilot, lambda: grid.data is not None
                    and grid.data.day == MONDAY + dt.timedelta(days=1))
        grid.go_to("IR1", 9 * 60)
        await settle(pilot)
        detail = text_of(tui.screen, "#board-detail")
        assert "NCS" in detail and "09:00–10:00" in detail
        assert "Secret" not in detail  # another organisation's purpose stays hidden
        await pilot.press("p")
        await until(pilot, lambda: grid.data is not None and grid.data.day == MONDAY)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(tui.screen, HelpScreen)
        keys = " ".join(f"{k} {w}" for k, w in tui.screen.lines)
        assert "Next day" in keys and "Find" in keys and "Book" in keys
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(tui.screen, HelpScreen)


@sync
async def test_live_update_from_another_terminal_keeps_open_form(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=True)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        await pilot.press(*"Typing")
        as_user(app, "ncs").book("IR2", "2026-11-23 11:00", "12:00")  # another terminal
        await until(pilot, lambda: grid.data is not None
                    and grid.data.booking_at("IR2", 11 * 60) is not None)
        assert tui.screen is form
        assert form.query_one("#f-purpose", Input).value == "Typing"


def test_a_store_that_cannot_be_opened_is_a_message(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    code = run(f"sqlite:///{tmp_path / 'none.db'}", "desk")
    err = capsys.readouterr().err
    assert code == 2
    assert "cospace init" in err and "Traceback" not in err


@sync
async def test_board_checks_in_and_cancels_the_booking_at_the_cursor(app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    first = desk.book("IR1", "2026-11-23 08:30", "09:30", org="NCS")
    later = desk.book("IR4", "2026-11-23 14:00", "15:00", org="PROB")
    clock.set(local(MONDAY, 8, 40).in_timezone("UTC"))
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        assert grid.current_booking.id == first.id  # type: ignore[union-attr]
        await pilot.press("i")
        await until(pilot, lambda: desk.get(first.id).status == "checked_in")
        grid.go_to("IR4", 14 * 60 + 30)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(tui.screen, ConfirmModal)
        await pilot.press("y")
        await until(pilot, lambda: desk.get(later.id).status == "cancelled")
        # the space is free again; the cancellation stays in view, muted, with its mark
        await until(pilot, lambda: grid.data is not None
                    and grid.data.booking_at("IR4", 14 * 60 + 30) is None)
        assert grid.current_booking is not None
        assert grid.current_booking.status == "cancelled"


@sync
async def test_an_empty_store_says_what_to_do(sqlite_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    cs, _ = Cospace.init(sqlite_url, "admin", clock)
    tui = make_app(cs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = tui.views["board"].query_one("#board")
        await until(pilot, lambda: "no sites yet" in grid.empty_text)
        assert "cospace init --demo" in str(grid.render_line(0).text)


@sync
async def test_mouse_click_moves_the_cursor_and_a_second_click_books(app: Cospace) -> None:
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        label_w, slot_w = grid._layout()
        where = (label_w + 2 * slot_w, 3)  # row 3: IR2 (under the time row and the title)
        await pilot.click("#board", offset=where)
        await settle(pilot)
        assert grid.current_space.code == "IR2"  # type: ignore[union-attr]
        assert grid.current_minute == 9 * 60
        await pilot.click("#board", offset=where)
        await settle(pilot)
        assert isinstance(tui.screen, BookingForm)
        assert tui.screen.query_one("#f-start", Input).value == "09:00"


@sync
async def test_command_palette_offers_screens(app: Cospace) -> None:
    from tui.screens.find import FindScreen

    tui = make_app(as_user(app, "ncs"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Find a space")
        await settle(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(tui.screen, FindScreen))
        assert isinstance(tui.screen, FindScreen)


@sync
async def test_site_switcher(app: Cospace) -> None:
    app.add_site("EST", "Eastgate Jobcentre", hours="mon-fri 09:00-16:00")
    app.add_space("E1", site="EST", kind="interview", capacity=2, name="East Room")
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        assert grid.data is not None and grid.data.site.code == "EST"  # sites by code
        assert [s.code for s in grid.data.spaces] == ["E1"]
        assert grid.data.opens == 9 * 60
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("down", "enter")
        await until(pilot, lambda: grid.data is not None and grid.data.site.code == "NGT")
        assert grid.data.opens == 8 * 60 + 30
        assert "Northgate Jobcentre" in text_of(tui.screen, "#board-title")


@sync
async def test_book_and_clash_on_each_backend(any_app: Cospace) -> None:
    desk = as_user(any_app, "desk")
    as_user(any_app, "ncs").book("IR1", "2026-11-23 10:00", "11:00")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        grid.go_to("IR1", 9 * 60 + 30)
        await pilot.press("enter")
        await settle(pilot)
        form = tui.screen
        assert isinstance(form, BookingForm)
        assert form.query_one("#f-end", Input).value == "10:00"  # stops before NCS
        form.query_one("#f-end", Input).value = "10:30"
        await pilot.press(*"Review", "enter")
        await until(pilot, lambda: "already booked" in text_of(form, "#form-error"))
        form.query_one("#f-end", Input).value = "10:00"
        await pilot.press("enter")
        await until(pilot, lambda: tui.screen is not form)
        await until(pilot, lambda: grid.data is not None
                    and grid.data.booking_at("IR1", 9 * 60 + 30) is not None)
    ir1 = sorted((b.org, b.purpose) for b in desk.day_bookings("NGT", MONDAY)
                 if b.space == "IR1")
    assert ir1 == [("JCP", "Review"), ("NCS", None)]


@sync
async def test_my_bookings_mark_several_and_cancel_together(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    first = ncs.book("D01", "2026-11-24 09:00", "12:00")
    second = ncs.book("D02", "2026-11-25 09:00", "12:00")
    third = ncs.book("IR2", "2026-11-26 14:00", "15:00")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        table = tui.screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        await pilot.press("C")  # nothing marked: nothing happens
        await settle(pilot)
        assert not isinstance(tui.screen, ConfirmModal)
        await pilot.press("space", "space")  # marks the first two rows
        await settle(pilot)
        assert str(table.get_row_at(0)[0]).startswith("●")
        assert str(table.get_row_at(1)[0]).startswith("●")
        await pilot.press("C")
        await until(pilot, lambda: isinstance(tui.screen, ConfirmModal))
        await pilot.press("y")
        await until(pilot, lambda: ncs.get(second.id).status == "cancelled")
        await until(pilot, lambda: table.row_count == 1)
    assert ncs.get(first.id).status == "cancelled"
    assert ncs.get(third.id).status == "confirmed"


@sync
async def test_an_adviser_is_refused_check_in_before_the_store_is_asked(app: Cospace, clock):  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    first = desk.book("IR1", "2026-11-23 08:30", "09:30", org="NCS")
    clock.set(local(MONDAY, 8, 40).in_timezone("UTC"))
    adviser = as_user(app, "ncs")
    tui = make_app(adviser, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        grid = await board_ready(pilot)
        assert grid.current_booking is not None and grid.current_booking.id == first.id
        await until(pilot, lambda: tui.actor is not None)
        await pilot.press("i", "x")
        await settle(pilot)
        notes = [(str(n.message), n.severity) for n in tui._notifications]
        # a warning said at once, not the store's refusal (an error from the worker)
        assert [sev for text, sev in notes if "front desk does that" in text] == \
            ["warning", "warning"], notes
        assert desk.get(first.id).status == "confirmed"
