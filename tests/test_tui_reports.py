"""The reports screen, driven by Textual's Pilot in a tiny app."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt

from textual.app import App
from textual.widgets import DataTable, Input, Select, Static

from tests import report_store
from tests.conftest import as_user
from tui.screens.reports import ALL_KINDS, ExportModal, ReportsScreen


class Host(App[None]):
    def __init__(self, screen: ReportsScreen) -> None:
        super().__init__()
        self.reports = screen

    def on_mount(self) -> None:
        self.push_screen(self.reports)


def test_reports_screen_shows_heatmap_bars_shortfall_and_exports(app, clock, tmp_path):
    report_store.build(app, clock)
    files = asyncio.run(_shows_and_exports(app, tmp_path))
    assert files == [f"cospace-{n}-20261019-20261030.csv"
                     for n in ("demand", "heatmap", "share", "shortfall")]


async def _shows_and_exports(app, tmp_path):  # type: ignore[no-untyped-def]
    screen = ReportsScreen(as_user(app, "estates"), export_dir=tmp_path,
                           start=dt.date(2026, 10, 19), end=dt.date(2026, 10, 30))
    host = Host(screen)
    async with host.run_test(size=(140, 50)) as pilot:
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        screen.query_one("#kind", Select).value = ALL_KINDS
        await pilot.press("f5")
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        assert screen.data is not None and screen.shown_kind is None
        assert not screen.query_one("#body").loading
        table = screen.query_one("#shortfall", DataTable)
        assert table.row_count == 3
        assert str(table.get_row_at(0)[2]) == "workshop room"  # shortest of space first
        heat = str(screen.query_one("#heatmap", Static).render())
        assert "Mon" in heat and "09h" in heat
        share = str(screen.query_one("#share", Static).render())
        assert "JCP" in share and "12.0 h" in share
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(host.screen, ExportModal)  # it asks where, tmp_path filled in
        assert host.screen.query_one(Input).value == str(tmp_path)
        await pilot.press("enter")
        await pilot.pause()
        files = sorted(p.name for p in tmp_path.glob("*.csv"))
        rows = list(csv.DictReader((tmp_path / "cospace-shortfall-20261019-20261030.csv").open()))
        # the words the screen uses, not the stored codes
        assert rows[0]["kind"] == "workshop room" and rows[0]["shortfall_hours"] == "5.5"
        notices = [n.message for n in host._notifications]
        assert any(str(tmp_path) in n and "cospace-shortfall-20261019-20261030.csv" in n
                   for n in notices)  # it names the files it wrote
    return files


def test_reports_screen_refusal_is_a_notice_not_a_crash(app, clock):
    notices = asyncio.run(_refusal(app))
    assert any("cannot read usage reports" in n for n in notices)


async def _refusal(app):  # type: ignore[no-untyped-def]
    screen = ReportsScreen(as_user(app, "ncs"), start=dt.date(2026, 10, 19),
                           end=dt.date(2026, 10, 30))
    host = Host(screen)
    async with host.run_test(size=(140, 50)) as pilot:
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        assert screen.data is None
        assert not screen.query_one("#body").loading
        return [n.message for n in host._notifications]


def test_whatif_modal_for_the_highlighted_shortfall_row(app, clock):
    report_store.build(app, clock)
    text = asyncio.run(_whatif(app))
    # The highlighted row is the second, interview rooms at NGT; one more room meets the one
    # NCS request turned away (Tue 20 Oct 10:00-11:00); removing one leaves one unplaced.
    assert "What if at NGT: add 1 like IR1" in text[0]
    assert "turned-away requests met: 1 of 1 (1.0 of 1.0 h)" in text[0]
    assert "remove IR5" in text[1] and "bookings not fitted:      1" in text[1]


async def _whatif(app):  # type: ignore[no-untyped-def]
    from textual.widgets import Input, Select

    from tui.screens.whatif import WhatIfModal

    screen = ReportsScreen(as_user(app, "estates"), start=dt.date(2026, 10, 19),
                           end=dt.date(2026, 10, 30))
    host = Host(screen)
    out = []
    async with host.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        assert "What if" in str(host.screen.active_bindings.get("f6").binding.description)
        screen.query_one("#kind", Select).value = ALL_KINDS  # every kind in the ranking
        await pilot.press("f5")
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        table = screen.query_one("#shortfall", DataTable)
        table.focus()
        await pilot.press("down")  # row 2: interview rooms
        await pilot.press("f6")
        await pilot.pause()
        modal = host.screen
        assert isinstance(modal, WhatIfModal) and modal.kind == "interview"
        await pilot.press("enter")  # add 1 (the defaults)
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        out.append(str(modal.query_one("#result", Static).render()))
        modal.query_one("#mode", Select).value = "remove"
        modal.query_one("#n", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
        out.append(str(modal.query_one("#result", Static).render()))
        await pilot.press("escape")
        await pilot.pause()
        assert host.screen is screen
    return out
