"""The booking form tells the truth while typing (issue 14): the clash before saving, one
current verdict, Enter from any field, the repeat's end fields in view at 80×24, an
ambiguous end refused, and refusals before the work (a role that may not act)."""

from __future__ import annotations

import datetime as dt

from textual.widgets import Input, Select, Static

from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.booking_form import BookingForm
from tui.screens.dialogs import ConfirmModal

SMALL = (80, 24)
LARGE = (160, 50)
MONDAY = dt.date(2026, 11, 23)


def text_of(screen, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(screen.query_one(selector, Static).render())


def notices(app) -> str:  # type: ignore[no-untyped-def]
    return " | ".join(str(n.message) for n in app._notifications)


async def open_form(pilot) -> BookingForm:  # type: ignore[no-untyped-def]
    await board_ready(pilot)
    await pilot.press("enter")  # IR1 at 08:30
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, BookingForm)
    return form


@sync
async def test_the_clash_is_shown_before_saving_with_who_and_what_is_free(
        app: Cospace) -> None:
    as_user(app, "prob").book("IR1", "2026-11-23 10:00", "11:00", purpose="Supervision X")
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=LARGE) as pilot:
        form = await open_form(pilot)
        form.query_one("#f-start", Input).value = "10:00"
        form.query_one("#f-end", Input).value = "11:00"
        await until(pilot, lambda: "held" in text_of(form, "#form-check"))
        line = text_of(form, "#form-check")
        assert line.startswith("✗") and "PROB" in line and "✓" not in line
        assert "Supervision" not in line  # another organisation's purpose: never
        assert "Free instead:" in line and "IR5" not in line
        # a free time: one current verdict, the ✗ gone
        form.query_one("#f-start", Input).value = "12:00"
        form.query_one("#f-end", Input).value = "13:00"
        await until(pilot, lambda: text_of(form, "#form-check").startswith("✓"))
        assert "✗" not in text_of(form, "#form-check") + text_of(form, "#form-error")
    assert [b for b in ncs.day_bookings("NGT", MONDAY) if b.org == "NCS"] == []


@sync
async def test_a_refusal_on_book_is_cleared_by_the_next_change(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=LARGE) as pilot:
        form = await open_form(pilot)
        form.query_one("#f-start", Input).value = "10:00"
        form.query_one("#f-end", Input).value = "11:00"
        await settle(pilot)
        as_user(app, "prob").book("IR1", "2026-11-23 10:00", "11:00")  # taken meanwhile
        form.query_one("#f-purpose", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: "Not booked" in text_of(form, "#form-error"))
        form.query_one("#f-start", Input).value = "11:00"
        form.query_one("#f-end", Input).value = "12:00"
        await until(pilot, lambda: text_of(form, "#form-check").startswith("✓"))
        assert text_of(form, "#form-error") == ""


@sync
async def test_enter_on_a_checkbox_books_and_space_toggles_it(app: Cospace) -> None:
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SMALL) as pilot:
        form = await open_form(pilot)
        form.query_one("#f-confidential").focus()
        await pilot.press("space")
        assert form.query_one("#f-confidential").value is True  # type: ignore[attr-defined]
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(tui.screen, BookingForm))
    saved = desk.day_bookings("NGT", MONDAY)
    assert len(saved) == 1 and saved[0].confidential and saved[0].space == "IR1"


@sync
async def test_the_repeat_end_fields_show_as_soon_as_a_repeat_is_chosen_at_80x24(
        app: Cospace) -> None:
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=SMALL) as pilot:
        form = await open_form(pilot)
        until_input = form.query_one("#f-until", Input)
        assert not form.query_one("#f-until-row").display
        form.query_one("#f-repeat", Select).value = "weekly"
        await settle(pilot)
        await pilot.pause()
        scroll = form.query_one("#form-fields").region
        region = until_input.region
        assert region.height >= 1 and scroll.y <= region.y and region.bottom <= scroll.bottom
        assert form.query_one("#f-count", Input).region.height >= 1
        # the footer is the dialog's: Book and Back, not the board's keys
        footer = " ".join(str(w.render()) for w in form.query("FooterKey"))
        assert "Book" in footer and "Next day" not in footer


@sync
async def test_an_end_of_5_is_refused_not_read_as_five_minutes(app: Cospace) -> None:
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=LARGE) as pilot:
        form = await open_form(pilot)
        form.query_one("#f-end", Input).value = "5"
        await settle(pilot)
        line = text_of(form, "#form-check")
        assert "ambiguous" in line and "17:00" in line and "5m" in line
        form.query_one("#f-end", Input).value = "90"
        await until(pilot, lambda: text_of(form, "#form-check").startswith("✓"))
        assert "read as a length: 1 h 30 min" in text_of(form, "#form-check")


@sync
async def test_estates_is_told_before_filling_the_form(app: Cospace) -> None:
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=SMALL) as pilot:
        form = await open_form(pilot)
        assert "cannot book" in text_of(form, "#form-error")
        assert not form.query("#f-purpose")  # no fields to fill in vain
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(tui.screen, BookingForm)


@sync
async def test_an_adviser_is_not_asked_to_confirm_cancelling_another_orgs_booking(
        app: Cospace) -> None:
    held = as_user(app, "prob").book("IR1", "2026-11-23 08:30", "09:30")
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=LARGE) as pilot:
        await board_ready(pilot)
        await pilot.press("c")  # the PROB booking under the cursor
        await settle(pilot)
        assert not isinstance(tui.screen, ConfirmModal)
        assert "cancel only their own organisation's bookings (NCS), not PROB" in notices(tui)
        await pilot.press("e")  # nor open a form to change it
        await settle(pilot)
        assert not isinstance(tui.screen, BookingForm)
    assert ncs.get(held.id).status == "confirmed"
