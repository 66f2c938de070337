"""The admin and import screens, each pushed in a tiny app and driven with Pilot against a
real SQLite store."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App
from textual.widgets import Button, DataTable, Input, Select, Static, TabbedContent

from booking.service import Cospace
from tests.conftest import as_user
from tui.screens.admin import AdminScreen, ClosureForm, NoticeModal, RecordForm
from tui.screens.import_preview import ImportPreviewScreen

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SIZE = (110, 34)


class Host(App[None]):
    """Pushes one screen on start, as the main app will."""

    def __init__(self, screen_factory) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.screen_factory = screen_factory

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())


async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def text(widget: Static) -> str:
    return str(widget.render())


def test_admin_edit_space_keeps_typing_on_error_then_saves(app: Cospace) -> None:
    estates = as_user(app, "estates")

    async def go() -> None:
        host = Host(lambda: AdminScreen(estates))
        async with host.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = host.screen
            assert isinstance(screen, AdminScreen)
            sites = screen.query_one("#table-sites", DataTable)
            assert sites.row_count == 1 and sites.get_row_at(0)[0] == "NGT"
            await pilot.press("p")
            await settle(pilot)
            assert screen.query_one(TabbedContent).active == "tab-spaces"
            spaces = screen.query_one("#table-spaces", DataTable)
            codes = [spaces.get_row_at(i)[0] for i in range(spaces.row_count)]
            spaces.move_cursor(row=codes.index("IR4"))
            await pilot.press("e")
            await settle(pilot)
            form = host.screen
            assert isinstance(form, RecordForm)
            assert form.query_one("#f-code", Input).disabled
            cap = form.query_one("#f-capacity", Input)
            assert cap.value == "2"
            cap.value = "ten"
            form.query_one("#f-features", Input).value = "wifi,step-free"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert host.screen is form  # still open, typing kept
            assert text(form.query_one("#e-capacity", Static)) == "'ten' is not a number"
            assert form.query_one("#f-features", Input).value == "wifi,step-free"
            assert app.space("IR4").capacity == 2
            form.query_one("#f-capacity", Input).value = "3"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert host.screen is screen
            sp = app.space("IR4")
            assert sp.capacity == 3 and sp.features == {"wifi", "step-free"}
            row = spaces.get_row_at(codes.index("IR4"))
            assert row[4] == "3"

    asyncio.run(go())


def test_admin_closure_lists_bookings_still_on_the_day(app: Cospace) -> None:
    b = as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00", org="NCS")

    async def go() -> None:
        host = Host(lambda: AdminScreen(app))
        async with host.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            form = host.screen
            assert isinstance(form, ClosureForm)
            form.query_one("#c-from", Input).value = "2026-11-26"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "Say why" in text(form.query_one("#c-error", Static))
            form.query_one("#c-reason", Input).value = "Boiler repair"
            await pilot.press("ctrl+s")
            await settle(pilot)
            notice = host.screen
            assert isinstance(notice, NoticeModal)
            lines = "\n".join(notice.lines)
            assert f"#{b.id} IR1" in lines and "cancel or move" in lines
            await pilot.press("enter")
            await settle(pilot)
            row = host.screen.query_one("#table-sites", DataTable).get_row_at(0)
            assert row[5] == "Thu 26 Nov: Boiler repair"
            await pilot.press("l")
            await settle(pilot)
            listed = host.screen
            assert isinstance(listed, NoticeModal)
            assert listed.lines[0] == "Thu 26 Nov 2026  closure       Boiler repair"
            assert "Fri 25 Dec 2026  bank holiday  Christmas Day" in listed.lines

    asyncio.run(go())
    assert app.get(b.id).status == "confirmed"


def test_import_preview_then_apply(sqlite_url, clock) -> None:  # type: ignore[no-untyped-def]
    cs, _ = Cospace.init(sqlite_url, "setup", clock)

    async def go() -> None:
        host = Host(lambda: ImportPreviewScreen(cs, "orgs", str(EXAMPLES / "orgs.csv")))
        async with host.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = host.screen
            apply = screen.query_one("#apply", Button)
            assert apply.disabled
            await pilot.press("f5")
            await settle(pilot)
            table = screen.query_one(DataTable)
            assert table.row_count == 7 and table.get_row_at(0)[:2] == ["added", "JCP"]
            assert "Preview: 7 added" in text(screen.query_one("#import-summary", Static))
            assert cs.orgs() == []  # nothing written by the preview
            assert not apply.disabled
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert len(cs.orgs()) == 7
            assert "Imported: 7 added" in text(screen.query_one("#import-summary", Static))
            assert apply.disabled

            # a bad file: every problem listed, nothing to apply
            bad = Path(sqlite_url.removeprefix("sqlite:///")).parent / "bad.csv"
            bad.write_text("code,site,kind,capacity\nX1,NOPE,desk,ten\n")
            screen.query_one("#import-file", Input).value = str(bad)
            screen.query_one("#import-kind", Select).value = "spaces"
            await pilot.press("f5")
            await settle(pilot)
            rows = [table.get_row_at(i) for i in range(table.row_count)]
            assert rows == [["2", "site", "there is no site 'NOPE' (import the sites first)"],
                            ["2", "capacity", "'ten' is not a number"]]
            assert apply.disabled

    asyncio.run(go())
