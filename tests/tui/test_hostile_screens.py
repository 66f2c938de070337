"""Markup-laden and control-laden user text on every screen (issue 15): shown as typed, never
run as markup, never crashing the app, never reaching the terminal as a control character."""

from __future__ import annotations

import re

import pytest
from rich.text import Text
from sqlalchemy import update
from textual.widgets import DataTable, Input, Static

from booking.service import Cospace
from db.tables import Booking, Organisation, Site, Space
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.booking_form import BookingForm
from tui.screens.reports import ReportsScreen

SIZES = ((80, 24), (160, 50))
PURPOSE = "[/b] swap rooms [@click=app.quit]click here[/]"
SPACE_NAME = "[@click=app.quit]Room[/] [b"
ORG_NAME = "[b]Careers[/b] [red]"
SITE_NAME = "[/] North [link=x]"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def poison(app: Cospace) -> int:
    """Names with markup through the use cases (brackets are allowed text), and control
    characters written by SQL (as an older version could have left them)."""
    app.add_org("MKP", ORG_NAME)
    view = app.book("IR1", "2026-11-23 10:00", "11:00", org="JCP", purpose=PURPOSE)
    app.book("IR2", "2026-11-23 10:00", "11:00", org="MKP", purpose="\x1b[2Jbell\x07")
    with app.engine.begin() as conn:
        conn.execute(update(Space.__table__).where(Space.__table__.c.code == "IR1").values(
            name=SPACE_NAME))
        conn.execute(update(Site.__table__).where(Site.__table__.c.code == "NGT").values(
            name=SITE_NAME))
        conn.execute(update(Organisation.__table__).where(
            Organisation.__table__.c.code == "NCS").values(name="NCS\x1b]0;pwned\x07"))
        conn.execute(update(Booking.__table__).where(Booking.__table__.c.id == view.id).values(
            purpose=PURPOSE + "\x1b[31m"))
    return view.id


def screen_text(tui) -> str:  # type: ignore[no-untyped-def]
    """Everything the current screen shows, as text."""
    parts = []
    for w in tui.screen.query("*"):
        if isinstance(w, Static):
            parts.append(str(w.render()))
        elif isinstance(w, DataTable):
            for i in range(w.row_count):
                # as the table shows them: a str cell is read as Rich markup
                parts.extend(Text.from_markup(c).plain if isinstance(c, str) else str(c)
                             for c in w.get_row_at(i))
    return "\n".join(parts)


def still_running(tui) -> None:  # type: ignore[no-untyped-def]
    assert tui.is_running and tui.return_code is None


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x50"])
@sync
async def test_markup_and_controls_on_every_screen(app: Cospace, size) -> None:  # type: ignore[no-untyped-def]
    poison(app)
    admin = as_user(app, "admin")
    tui = make_app(admin, poll=False)
    async with tui.run_test(size=size) as pilot:
        grid = await board_ready(pilot)
        # the board, its title (the site's name) and the detail line at the booking
        grid.go_to("IR1", 10 * 60)
        await settle(pilot)
        detail = str(tui.screen.query_one("#board-detail", Static).render())
        assert "[/b] swap rooms" in detail and "click here" in detail
        assert "[@click=app.quit]" in detail and SPACE_NAME.split()[0] in detail
        assert SITE_NAME.strip() in str(tui.screen.query_one("#board-title",
                                                              Static).render())
        for x in range(0, size[0], 4):  # clicking the text runs nothing
            await pilot.click("#board-detail", offset=(x, 1))
            await pilot.click("#board-detail", offset=(x, 0))
        await settle(pilot)
        still_running(tui)
        grid.go_to("IR2", 10 * 60)
        await settle(pilot)
        assert not CONTROL.search(screen_text(tui))
        # history of the booking at the cursor
        grid.go_to("IR1", 10 * 60)
        await pilot.press("h")
        await settle(pilot)
        await until(pilot, lambda: "Loading" not in screen_text(tui))
        assert "swap rooms" in screen_text(tui)
        await pilot.press("escape")
        await settle(pilot)
        # the booking form at a free cell, with a markup purpose typed
        grid.go_to("IR4", 12 * 60)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(tui.screen, BookingForm)
        tui.screen.query_one("#f-purpose", Input).value = PURPOSE
        await settle(pilot)
        assert not CONTROL.search(screen_text(tui))
        await pilot.press("escape")
        await settle(pilot)
        still_running(tui)
        # Desk, Mine and Find
        for key, wanted in (("d", "swap rooms"), ("m", "swap rooms")):
            await pilot.press(key)
            await until(pilot, lambda w=wanted: w in screen_text(tui))
            text = screen_text(tui)
            assert "[@click=app.quit]click here[/]" in text
            assert not CONTROL.search(text)
            still_running(tui)
        await pilot.press("f")
        await settle(pilot)
        find = tui.screen
        find.query_one("#q-needs", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: find.query_one(DataTable).row_count > 0)
        assert not CONTROL.search(screen_text(tui))
        still_running(tui)
        await pilot.press("escape")
        await settle(pilot)
        # reports and admin
        await pilot.press("r")
        await until(pilot, lambda: isinstance(tui.screen, ReportsScreen)
                    and tui.screen.data is not None, tries=200)
        assert not CONTROL.search(screen_text(tui))
        still_running(tui)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")
        await until(pilot, lambda: "Careers" in screen_text(tui), tries=200)
        text = screen_text(tui)
        assert ORG_NAME in text and SITE_NAME.strip() in text and SPACE_NAME in text
        assert not CONTROL.search(text)
        still_running(tui)
