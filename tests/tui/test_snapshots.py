"""Snapshots of the board, the booking form and find-a-space at fixed sizes and a fixed clock;
and (issue 14) the board with what happened, the form with a repeat, the Desk and Reports at
80x24 and 160x50 in both themes.

Update them after a deliberate change of look with ``pytest tests/tui --snapshot-update``,
then look at the SVGs in ``tests/tui/__snapshots__``.
"""

from __future__ import annotations

import pendulum
import pytest
from textual.widgets import Input, Select

from booking.service import Cospace
from tests import report_store
from tests.conftest import LONDON, as_user
from tests.tui.helpers import board_ready, settle, until
from tui.app import make_app
from tui.screens.reports import ReportsScreen

SIZES = {"80x24": (80, 24), "160x50": (160, 50)}
THEMES = {"dark": "textual-dark", "light": "textual-light"}


def busy_monday(app: Cospace) -> Cospace:
    """A few bookings on the tests' Monday, from three organisations."""
    desk = as_user(app, "desk")
    as_user(app, "ncs").book("IR1", "2026-11-23 09:00", "10:30", purpose="Careers guidance")
    as_user(app, "prob").book("IR5", "2026-11-23 10:00", "12:00", purpose="Supervision",
                              confidential=True)
    desk.book("IR2", "2026-11-23 13:00", "14:00", purpose="New claim")
    desk.book("D01", "2026-11-23 08:30", "17:00", org="NCS", purpose="Drop-in")
    desk.book("WS1", "2026-11-23 10:00", "12:00", attendees=8, purpose="Jobs club")
    return desk


def test_board_80x24(app: Cospace, snap_compare) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(busy_monday(app), poll=False)

    async def ready(pilot):  # type: ignore[no-untyped-def]
        await board_ready(pilot)
        await pilot.press("right", "right", "right", "right")

    assert snap_compare(tui, terminal_size=(80, 24), run_before=ready)


def test_board_160x50(app: Cospace, snap_compare) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(busy_monday(app), poll=False)

    async def ready(pilot):  # type: ignore[no-untyped-def]
        await board_ready(pilot)
        await pilot.press("down", "right", "right")

    assert snap_compare(tui, terminal_size=(160, 50), run_before=ready)


def test_booking_form(app: Cospace, snap_compare) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(busy_monday(app), poll=False)

    async def form(pilot):  # type: ignore[no-untyped-def]
        await board_ready(pilot)
        await pilot.press("down", "right", "right", "enter")
        await settle(pilot)
        await pilot.press(*"Benefits check")
        await settle(pilot)
        # the live check answers after a pause in typing (a timer, then a worker)
        await until(pilot, lambda: "checking" not in str(
            tui.screen.query_one("#form-check").render()))

    assert snap_compare(tui, terminal_size=(80, 24), run_before=form)


def test_find_a_space(app: Cospace, snap_compare) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(busy_monday(app), poll=False)

    async def find(pilot):  # type: ignore[no-untyped-def]
        await board_ready(pilot)
        await pilot.press("f")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#q-time", Input).value = "10:00"
        screen.query_one("#q-needs", Input).value = "wifi"
        screen.query_one("#q-needs", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: bool(screen.rows))

    assert snap_compare(tui, terminal_size=(100, 30), run_before=find)


def test_board_light_theme(app: Cospace, snap_compare) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(busy_monday(app), poll=False)

    async def ready(pilot):  # type: ignore[no-untyped-def]
        pilot.app.theme = "textual-light"
        await board_ready(pilot)
        await pilot.press("down", "down", "down", "right", "right", "right", "right")

    assert snap_compare(tui, terminal_size=(80, 24), run_before=ready)


def what_happened(app: Cospace, clock) -> Cospace:  # type: ignore[no-untyped-def]
    """The busy Monday at 09:20, with a check-in, a no-show, a cancellation (its slot partly
    rebooked) and a weekly series."""
    from booking.series import book_series, parse_repeat

    desk = busy_monday(app)
    late = as_user(app, "ncs").book("IR4", "2026-11-23 09:00", "10:00", purpose="Careers")
    gone = desk.book("IR2", "2026-11-23 10:00", "11:00", org="PROB", purpose="Review")
    book_series(as_user(app, "ncs"), "IR2", "2026-11-23 15:00", "16:00",
                parse_repeat("weekly", count=3), purpose="Weekly clinic")
    desk.cancel(gone.id)
    desk.book("IR2", "2026-11-23 10:30", "11:00", org="NCS", purpose="Walk-in")
    clock.set(pendulum.datetime(2026, 11, 23, 9, 20, tz=LONDON).in_timezone("UTC"))
    first = next(b for b in desk.day_bookings("NGT", pendulum.date(2026, 11, 23))
                 if b.space == "IR1")
    desk.checkin(first.id)
    desk.noshow(late.id)
    return desk


def themed(name: str):  # type: ignore[no-untyped-def]
    async def apply(pilot):  # type: ignore[no-untyped-def]
        pilot.app.theme = THEMES[name]
        await board_ready(pilot)
    return apply


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_board_what_happened(app: Cospace, clock, snap_compare, size: str,  # type: ignore[no-untyped-def]
                             theme: str) -> None:
    tui = make_app(what_happened(app, clock), poll=False)

    async def ready(pilot):  # type: ignore[no-untyped-def]
        await themed(theme)(pilot)
        await pilot.press("down", "down")  # IR4, on the no-show

    assert snap_compare(tui, terminal_size=SIZES[size], run_before=ready)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_board_legend(app: Cospace, clock, snap_compare, size: str,  # type: ignore[no-untyped-def]
                      theme: str) -> None:
    tui = make_app(what_happened(app, clock), poll=False)

    async def ready(pilot):  # type: ignore[no-untyped-def]
        await themed(theme)(pilot)
        await pilot.press("l")
        await settle(pilot)

    assert snap_compare(tui, terminal_size=SIZES[size], run_before=ready)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_form_with_a_repeat(app: Cospace, snap_compare, size: str,  # type: ignore[no-untyped-def]
                            theme: str) -> None:
    tui = make_app(busy_monday(app), poll=False)

    async def form(pilot):  # type: ignore[no-untyped-def]
        await themed(theme)(pilot)
        await pilot.press("down", "right", "right", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#f-purpose", Input).value = "Work coach clinic"
        screen.query_one("#f-repeat", Select).value = "weekly"
        screen.query_one("#f-count", Input).value = "4"
        screen.query_one("#f-count", Input).focus()  # one place for the focus and scroll
        # the live check (debounced, in a worker) has spoken about the repeat
        await until(pilot, lambda: "4 times" in (text := str(
            screen.query_one("#form-check").render())) and "checking" not in text)
        await settle(pilot)

    assert snap_compare(tui, terminal_size=SIZES[size], run_before=form)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_desk(app: Cospace, clock, snap_compare, size: str,  # type: ignore[no-untyped-def]
              theme: str) -> None:
    tui = make_app(what_happened(app, clock), poll=False)

    async def desk(pilot):  # type: ignore[no-untyped-def]
        await themed(theme)(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(tui, terminal_size=SIZES[size], run_before=desk)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_reports(app: Cospace, clock, snap_compare, size: str,  # type: ignore[no-untyped-def]
                 theme: str) -> None:
    report_store.build(app, clock)
    tui = make_app(as_user(app, "estates"), poll=False)

    async def reports(pilot):  # type: ignore[no-untyped-def]
        await themed(theme)(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReportsScreen)
                    and pilot.app.screen.data is not None)
        screen = pilot.app.screen
        screen.query_one("#from", Input).value = report_store.START.isoformat()
        screen.query_one("#to", Input).value = report_store.END.isoformat()
        await pilot.press("f5")
        await until(pilot, lambda: not screen.stale and not screen.query_one("#body").loading)

    assert snap_compare(tui, terminal_size=SIZES[size], run_before=reports)
