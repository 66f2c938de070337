"""Issue 14 items 6, 8, 9: what happened stays on the board with a mark each, a legend one key
away, Mine's marks and counts, remembered settings and keymaps, and readable colours."""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
import pytest
from textual.widgets import DataTable, Input, Static

from booking.service import Cospace
from tests.conftest import LONDON, as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.colours import (
    AA,
    INACTIVE,
    MUTED_MIX,
    PALETTE,
    STATE_MARKS,
    THEME_MIX,
    block_colours,
    contrast,
    mix,
    org_style,
    readable,
)
from tui.screens.help import LegendScreen
from tui.screens.my_bookings import MyBookingsScreen
from tui.settings import Settings
from tui.widgets.board_grid import BoardGrid

SIZE = (100, 30)


def at(hh: int, mm: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(2026, 11, 23, hh, mm, tz=LONDON).in_timezone("UTC")


def line_text(grid: BoardGrid, space: str) -> str:
    """The drawn text of ``space``'s row on the board."""
    for y in range(1, grid.size.height):
        text = "".join(seg.text for seg in grid.render_line(y))
        if text.lstrip().startswith(space):
            return text
    raise AssertionError(f"{space} is not on the board")


def line_styles(grid: BoardGrid, space: str) -> list:  # type: ignore[type-arg]
    for y in range(1, grid.size.height):
        strip = grid.render_line(y)
        if "".join(s.text for s in strip).lstrip().startswith(space):
            return [s.style for s in strip if s.style is not None]
    raise AssertionError(f"{space} is not on the board")


# ---------------------------------------------------------------------- item 9: contrast
@pytest.mark.parametrize("theme", ["dark", "light"])
@pytest.mark.parametrize("hue", PALETTE)
def test_every_palette_entry_reads_at_wcag_aa_in_both_themes(hue: str, theme: str) -> None:
    towards, amount = THEME_MIX[theme]
    bg = mix(hue, towards, amount)
    for muted in (False, True):
        if muted:
            bg = mix(bg, *MUTED_MIX[theme])
        shown, fg = readable(bg)
        assert contrast(shown, fg) >= AA, (hue, theme, muted, shown, fg)


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_text_colour_is_computed_from_the_block_colour(theme: str) -> None:
    for org in ("JCP", "NCS", "CNCL", "CAB", "PROB", "ZZZ", "A1"):
        for status in ("confirmed", "checked_in", *INACTIVE):
            style = org_style(org, theme=theme, status=status)
            assert style.color is not None and style.bgcolor is not None
            fg = style.color.triplet.hex  # type: ignore[union-attr]
            bg = style.bgcolor.triplet.hex  # type: ignore[union-attr]
            assert contrast(fg, bg) >= AA, (org, theme, status)
            assert (bg, fg) == block_colours(org, theme, muted=status in INACTIVE)
    # the old hand-picked white on green read at about 3.3:1; it is black now
    assert readable("#2ca02c")[1] == "#000000"
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)


# ---------------------------------------------------------------------- item 6: states
def states_day(app: Cospace, clock) -> Cospace:  # type: ignore[no-untyped-def]
    desk = as_user(app, "desk")
    gone = desk.book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
    desk.book("IR2", "2026-11-23 09:00", "10:00", org="PROB")
    cancelled = desk.book("IR4", "2026-11-23 13:00", "14:00", org="NCS")
    clock.set(at(9, 30))
    desk.noshow(gone.id)
    desk.cancel(cancelled.id)
    desk.book("IR4", "2026-11-23 13:30", "14:00", org="PROB")  # the freed slot rebooked
    return desk


@sync
async def test_no_show_and_cancelled_stay_on_the_board_with_their_marks(app: Cospace,
                                                                        clock) -> None:  # type: ignore[no-untyped-def]
    desk = states_day(app, clock)
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=(160, 50)) as pilot:
        grid = await board_ready(pilot)
        ir1 = line_text(grid, "IR1")
        assert "✗NCS" in ir1  # the no-show: its mark first, then who
        ir4 = line_text(grid, "IR4")
        assert "⊘NCS" in ir4 and "PROB" in ir4  # cancelled half stays, the rebooking wins
        assert any(s.strike for s in line_styles(grid, "IR4"))  # struck through as well
        assert "✗" not in line_text(grid, "IR2")
        # the no-show's slot is free: Enter books there, not after it
        assert grid.data is not None and grid.data.booking_at("IR1", 9 * 60) is None
        grid.go_to("IR1", 9 * 60)
        await settle(pilot)
        assert grid.current_booking is not None and grid.current_booking.status == "no_show"
        detail = str(tui.screen.query_one("#board-detail", Static).render())
        assert "free — Enter to book" in detail and "✗ no-show" in detail


@sync
async def test_the_legend_is_one_key_away(app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    desk = states_day(app, clock)
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=(80, 24)) as pilot:
        await board_ready(pilot)
        assert any(b.binding.key == "l" and b.binding.show
                   for b in tui.screen.active_bindings.values())  # in the footer
        await pilot.press("l")
        await until(pilot, lambda: isinstance(tui.screen, LegendScreen))
        text = "\n".join(str(s.render()) for s in tui.screen.query(".legend-line"))
        assert "NCS" in text and "PROB" in text
        for status, mark in STATE_MARKS.items():
            assert mark in text, status
        assert "no-show" in text and "1 on this day" in text
        assert "National Careers Service" in text  # the organisation's name by its colour
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(tui.screen, LegendScreen))


@sync
async def test_mine_shows_series_mark_who_booked_and_counts_after_filtering(
        app: Cospace, clock) -> None:  # type: ignore[no-untyped-def]
    from booking.series import book_series, parse_repeat

    desk = as_user(app, "desk")
    desk.book("IR2", "2026-11-24 10:00", "11:00", org="NCS", purpose="Booked at the desk")
    ncs = as_user(app, "ncs")
    ncs.book("IR1", "2026-11-25 10:00", "11:00", purpose="Own booking")
    book_series(ncs, "IR4", "2026-11-26 09:00", "10:00", parse_repeat("weekly", count=2),
                purpose="Weekly")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=(160, 50)) as pilot:
        await board_ready(pilot)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(tui.screen, MyBookingsScreen)
                    and len(tui.screen.all) == 4)
        screen = tui.screen
        assert isinstance(screen, MyBookingsScreen)
        table = screen.query_one(DataTable)
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        by_purpose = {r[-1]: r for r in rows}
        assert by_purpose["Booked at the desk"][6] == "desk"  # the front desk made it
        assert by_purpose["Own booking"][6] == "you"
        assert "↻" in by_purpose["Weekly"][0] and "↻" not in by_purpose["Own booking"][0]
        assert "(4)" in str(screen.query_one("#mine-title", Static).render())
        await pilot.press("slash", *"desk")
        await until(pilot, lambda: len(screen.shown) == 1)
        assert "1 of 4 shown" in str(screen.query_one("#mine-title", Static).render())


# ---------------------------------------------------------------------- item 8: settings
@sync
async def test_theme_and_site_are_remembered_per_user(app: Cospace, config_dir: Path) -> None:
    app.add_site("STH", "Southgate", hours="mon-fri 09:00-17:00")
    app.add_space("S1", site="STH", kind="interview", capacity=2)
    desk = as_user(app, "desk")
    tui = make_app(desk, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        board = await board_ready(pilot)
        assert tui.site is not None and tui.site.code == "NGT"
        tui.theme = "textual-light"
        assert tui.board is not None
        tui.board.show_day("STH", tui.board.day)  # type: ignore[arg-type]
        await until(pilot, lambda: board.data is not None and board.data.site.code == "STH")
    saved = json.loads((config_dir / "settings.json").read_text())
    assert saved["users"]["desk"]["theme"] == "textual-light"
    assert saved["users"]["desk"]["site"] == "STH"
    again = make_app(as_user(app, "desk"), poll=False)
    async with again.run_test(size=SIZE) as pilot:
        board = await board_ready(pilot)
        assert again.theme == "textual-light"
        assert board.data is not None and board.data.site.code == "STH"
    other = make_app(as_user(app, "ncs"), poll=False)  # another login keeps its own
    async with other.run_test(size=SIZE) as pilot:
        board = await board_ready(pilot)
        assert other.theme != "textual-light"
        assert board.data is not None and board.data.site.code == "NGT"


@sync
async def test_a_keymap_in_the_settings_file_moves_a_key(app: Cospace, config_dir: Path) -> None:
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "settings.json").write_text(json.dumps({"keymap": {"board.legend": "k"}}))
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert not isinstance(tui.screen, LegendScreen)
        await pilot.press("k")
        await until(pilot, lambda: isinstance(tui.screen, LegendScreen))


def test_an_unreadable_settings_file_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    settings = Settings.load(tmp_path)
    assert settings.theme("desk") is None and settings.keymap == {}
    settings.put("desk", "theme", "textual-light")
    assert Settings.load(tmp_path).theme("desk") == "textual-light"


@sync
async def test_q_types_in_a_field_and_the_footer_always_shows_how_to_quit(app: Cospace) -> None:
    tui = make_app(as_user(app, "ncs"), poll=False)
    async with tui.run_test(size=(80, 24)) as pilot:
        await board_ready(pilot)
        for mode in ("board", "mine", "desk", "find"):
            tui.switch_mode(mode)
            await settle(pilot)
            shown = [b.binding for b in tui.screen.active_bindings.values() if b.binding.show]
            assert any(b.action == "quit" for b in shown), mode
        tui.switch_mode("mine")
        await settle(pilot)
        await pilot.press("slash", "q")
        await settle(pilot)
        assert tui.screen.query_one("#mine-filter", Input).value == "q"
        assert tui.is_running


# ---------------------------------------------------------------------- issue 16 item 7
async def wait_for(pilot, check, tries: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Pause until ``check()``; unlike ``until`` it does not re-raise a failed or cancelled
    worker (here a failure, or a reload replacing another, is what happens)."""
    for _ in range(tries):
        await pilot.pause(0.05)
        if check():
            return
    assert check()

@sync
async def test_a_screen_workers_refusal_reaches_the_one_error_path(app: Cospace) -> None:
    tui = make_app(as_user(app, "desk"), poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        await board_ready(pilot)
        assert tui.board is not None and tui.board.day is not None
        tui.board.show_day("NOPE", tui.board.day)  # the board's own worker fails
        await wait_for(pilot, lambda: any("NOPE" in n.message for n in tui._notifications))
        notice = next(n for n in tui._notifications if "NOPE" in n.message)
        assert notice.severity == "error" and "Traceback" not in notice.message


@sync
async def test_a_change_elsewhere_reloads_every_loaded_screen(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    tui = make_app(ncs, poll=False)
    async with tui.run_test(size=SIZE) as pilot:
        board = await board_ready(pilot)
        await pilot.press("m")
        await until(pilot, lambda: isinstance(tui.screen, MyBookingsScreen))
        mine = tui.screen
        assert isinstance(mine, MyBookingsScreen) and mine.all == []
        as_user(app, "desk").book("IR1", "2026-11-23 09:00", "10:00", org="NCS")
        tui.refresh_views()  # what the poll does when the store's change counter moves
        await wait_for(pilot, lambda: len(mine.all) == 1)
        await wait_for(pilot, lambda: board.data is not None and board.data.booking_at(
            "IR1", 9 * 60) is not None)
