"""Snapshots of the board, the booking form and find-a-space at fixed sizes and a fixed clock.

Update them after a deliberate change of look with ``pytest tests/tui --snapshot-update``.
"""

from __future__ import annotations

from textual.widgets import Input

from booking.service import Cospace
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, until
from tui.app import make_app


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
