"""Issue 14 item 7: an estates user runs and exports every report at 80x24, by keyboard."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from textual.widgets import Button, DataTable, Input, Select

from booking.service import Cospace
from tests import report_store
from tests.conftest import as_user
from tests.tui.helpers import board_ready, settle, sync, until
from tui.app import make_app
from tui.screens.reports import ALL_KINDS, ExportModal, ReportsScreen, in_screen_words
from tui.settings import Settings, default_export_dir


async def open_reports(pilot, tui) -> ReportsScreen:  # type: ignore[no-untyped-def]
    await board_ready(pilot)
    await pilot.press("r")
    await until(pilot, lambda: isinstance(tui.screen, ReportsScreen)
                and tui.screen.data is not None)
    return tui.screen  # type: ignore[no-any-return]


async def run_again(pilot, screen: ReportsScreen) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f5")
    await until(pilot, lambda: not screen.stale and not screen.query_one("#body").loading)


@sync
async def test_every_report_control_is_reachable_and_titled_at_80x24(app: Cospace, clock,
                                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report_store.build(app, clock)
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot, tui)
        # every control is on screen and in the focus chain (Tab reaches it)
        chain = {w.id for w in screen.focus_chain}
        assert {"sites", "from", "to", "kind", "run", "export-button", "body",
                "shortfall"} <= chain
        for wid in ("sites", "from", "to", "kind", "run", "export-button"):
            region = screen.query_one(f"#{wid}").region
            assert region.right <= 80 and region.bottom <= 24 and region.width > 0, wid
        # focus is not in a field: q would not type anywhere
        assert not isinstance(tui.focused, Input)
        # each panel says which kind it counts; "all kinds" is a choice
        titles = [screen.query_one(f"#{p}").border_title for p in screen.PANELS]
        assert all("interview rooms" in str(t) for t in titles), titles
        kind = screen.query_one("#kind", Select)
        kind.focus()
        kind.value = ALL_KINDS
        screen.query_one("#from", Input).value = report_store.START.isoformat()
        screen.query_one("#to", Input).value = report_store.END.isoformat()
        await settle(pilot)
        # changed, not re-run: every panel is marked stale
        assert screen.stale
        assert all("stale" in str(screen.query_one(f"#{p}").border_subtitle)
                   for p in screen.PANELS)
        await run_again(pilot, screen)
        assert screen.shown_kind is None
        assert all("all kinds" in str(screen.query_one(f"#{p}").border_title)
                   for p in screen.PANELS)
        assert not any(screen.query_one(f"#{p}").border_subtitle for p in screen.PANELS)
        # the wide table scrolls sideways by keyboard
        table = screen.query_one("#shortfall", DataTable)
        table.focus()
        await settle(pilot)
        assert table.virtual_size.width > table.size.width
        before = table.scroll_x
        await pilot.press("right", "right", "right")
        await settle(pilot)
        assert table.scroll_x > before
        # the buttons are keyboard controls too: Enter on Export asks where
        screen.query_one("#export-button", Button).focus()
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(tui.screen, ExportModal))
        modal = tui.screen
        assert isinstance(modal, ExportModal)
        modal.query_one(Input).value = str(tmp_path)
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.written) == 4)
        names = sorted(p.name for p in tmp_path.glob("*.csv"))
        assert names == sorted(p.name for p in screen.written)
        notices = " ".join(n.message for n in tui._notifications)
        assert all(name in notices for name in names) and str(tmp_path) in notices
        kinds = {r["kind"] for r in csv.DictReader(
            (tmp_path / "cospace-demand-20261019-20261030.csv").open())}
        assert kinds and kinds <= {"interview room", "hot desk", "workshop room"}


@sync
async def test_export_refuses_a_directory_that_is_not_there(app: Cospace, clock,
                                                           tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report_store.build(app, clock)
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot, tui)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(tui.screen, ExportModal))
        modal = tui.screen
        modal.query_one(Input).value = str(tmp_path / "nowhere")
        await pilot.press("enter")
        await settle(pilot)
        assert tui.screen is modal and "not a directory" in str(
            modal.query_one("#export-error").render())
        await pilot.press("escape")
        await until(pilot, lambda: tui.screen is screen)
        assert screen.written == [] and not list(tmp_path.glob("*.csv"))


@sync
async def test_report_choices_are_remembered(app: Cospace, clock, config_dir: Path) -> None:  # type: ignore[no-untyped-def]
    tui = make_app(as_user(app, "estates"), poll=False)
    async with tui.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot, tui)
        screen.query_one("#kind", Select).value = "desk"
        screen.query_one("#sites", Input).value = "NGT"
        screen.query_one("#from", Input).value = (screen.end - dt.timedelta(days=6)).isoformat()
        await run_again(pilot, screen)
    saved = Settings.load(config_dir).reports("estates")
    assert saved["kind"] == "desk" and saved["sites"] == "NGT" and saved["days"] == 7
    again = make_app(as_user(app, "estates"), poll=False)
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await open_reports(pilot, again)
        assert screen.query_one("#kind", Select).value == "desk"
        assert screen.query_one("#sites", Input).value == "NGT"
        assert screen.shown_kind == "desk" and (screen.end - screen.start).days == 6
        assert "hot desks" in str(screen.query_one("#heat-panel").border_title)


def test_csv_uses_the_screens_words_and_the_default_directory_exists(app: Cospace,
                                                                      clock) -> None:  # type: ignore[no-untyped-def]
    from booking.reports import Reports

    report_store.build(app, clock)
    report = Reports(as_user(app, "estates")).run(
        "demand", sites=None, start=dt.date(2026, 10, 19), end=dt.date(2026, 10, 30), by="kind")
    assert {r["kind"] for r in report.rows} <= {"interview", "desk", "workshop"}
    words = in_screen_words(report)
    assert {r["kind"] for r in words.rows} <= {"interview room", "hot desk", "workshop room"}
    assert [r["hours"] for r in words.rows] == [r["hours"] for r in report.rows]
    assert default_export_dir().is_dir()
