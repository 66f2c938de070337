"""Drive the real ``cospace`` in tmux as a person would, and read the screen.

Skips only when tmux is not installed. The clock is pinned with ``COSPACE_NOW`` so the demo
site and the board are the same on every run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
COSPACE = Path(sys.executable).parent / "cospace"
NOW = "2026-11-23T10:05:00+00:00"  # Monday, 10:05 in London

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


class Terminal:
    def __init__(self, command: str, width: int = 100, height: int = 30) -> None:
        self.name = f"cospace-test-{uuid.uuid4().hex[:8]}"
        subprocess.run([TMUX, "new-session", "-d", "-s", self.name, "-x", str(width),
                        "-y", str(height), command], check=True)

    def screen(self) -> str:
        out = subprocess.run([TMUX, "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True)
        return out.stdout

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run([TMUX, "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def slowly(self, *keys: str) -> None:
        """Keys that move focus or open a list: each given time to land on a busy machine."""
        for key in keys:
            self.keys(key)
            time.sleep(0.8)

    def type(self, text: str) -> None:
        subprocess.run([TMUX, "send-keys", "-t", self.name, "-l", text], check=True)
        time.sleep(0.2)

    def wait_for(self, *texts: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"never saw {texts!r}; the screen was:\n{screen}")

    def wait_gone(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = self.screen()
        while text in screen and time.monotonic() < deadline:
            time.sleep(0.2)
            screen = self.screen()
        assert text not in screen, f"{text!r} stayed on screen:\n{screen}"
        return screen

    def close(self) -> None:
        subprocess.run([TMUX, "kill-session", "-t", self.name], capture_output=True)


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    if not COSPACE.exists():
        pytest.skip(f"{COSPACE} is not installed (pip install -e .)")
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    env = {**os.environ, "COSPACE_NOW": NOW}
    subprocess.run([str(COSPACE), "--db", url, "init", "--demo"], check=True, env=env,
                   capture_output=True)
    return url


def test_front_desk_books_checks_finds_in_tmux(demo_db: str) -> None:
    env = f"env COSPACE_NOW={NOW} TERM=xterm-256color"
    term = Terminal(f"{env} {COSPACE} --db {demo_db} --as frontdesk; sleep 5")
    try:
        screen = term.wait_for("Northgate Jobcentre", "Interview rooms", "Book")
        assert "Mon 23 Nov 2026" in screen and "(today)" in screen
        assert "Traceback" not in screen
        # book where the cursor is (now; after the booking there if the room is taken)
        term.keys("Down", "Down", "Enter")
        term.wait_for("Book a space at Northgate Jobcentre", "Purpose")
        term.type("Tmux walk-up")
        term.keys("Enter")
        term.wait_for("Booked #")
        # the front desk's day
        term.keys("d")
        screen = term.wait_for("Desk ·", "to arrive")
        # help lists this screen's keys
        term.keys("?")
        screen = term.wait_for("Keys on this screen", "Check in", "No-show", "Walk-in")
        term.keys("Escape")  # (a key straight after Escape would read as Alt+key)
        term.wait_gone("Keys on this screen")
        # find a space: search from the form with Enter
        term.keys("f")
        term.wait_for("Find a space")
        term.keys("Tab", "Tab")
        term.keys("Enter")
        screen = term.wait_for("for Mon 23 Nov")
        assert "free" in screen or "Nothing fits" in screen
        term.keys("Escape")
        term.wait_for("Interview rooms")
        time.sleep(0.5)
        term.keys("q")
        time.sleep(1.0)
        assert "Traceback" not in term.screen()
    finally:
        term.close()
    out = subprocess.run([str(COSPACE), "--db", demo_db, "--as", "frontdesk", "list",
                          "--from", "2026-11-23", "--to", "2026-11-23", "--json"],
                         capture_output=True, text=True, env={**os.environ, "COSPACE_NOW": NOW})
    rows = json.loads(out.stdout)
    mine = [r for r in rows if r["purpose"] == "Tmux walk-up"]
    assert len(mine) == 1
    assert mine[0]["start"] == "2026-11-23T10:05:00+00:00" and mine[0]["org"] == "JCP"


def cli_list(demo_db: str, login: str, *args: str) -> list[dict]:  # type: ignore[type-arg]
    out = subprocess.run([str(COSPACE), "--db", demo_db, "--as", login, "list", *args,
                          "--json"], capture_output=True, text=True,
                         env={**os.environ, "COSPACE_NOW": NOW})
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def test_front_desk_arrival_found_by_the_advisers_name_in_tmux(demo_db: str) -> None:
    """A customer says "I'm seeing Dan, at half ten": the front desk types part of the
    adviser's name on the Desk and checks the booking in, reading it all from the screen."""
    env = f"env COSPACE_NOW={NOW} TERM=xterm-256color"
    term = Terminal(f"{env} {COSPACE} --db {demo_db} --as frontdesk; sleep 5", 80, 24)
    try:
        term.wait_for("Northgate Jobcentre", "Interview rooms", timeout=60)
        term.keys("d")
        screen = term.wait_for("Desk ·", "to arrive", "/ find")
        before = screen.split(" to arrive")[0].split()[-1]
        time.sleep(1.0)
        term.keys("/")
        try:
            term.wait_for("Enter: to the list", timeout=10)  # the search has the keys now
        except AssertionError:  # a key lost while the machine was busy: once more
            term.keys("/")
            term.wait_for("Enter: to the list")
        term.type("dan hou")
        screen = term.wait_for("2 match", "Dan Housing")
        rows = [line for line in screen.splitlines() if "Dan Housing" in line]
        assert len(rows) == 2 and "checked in" in rows[0] and "booked" in rows[1]
        assert "10:30" in rows[1] and "CNCL" in rows[1]
        time.sleep(0.5)
        term.keys("Enter", "Down", "i")  # the 10:30 one: 25 minutes ahead, no question
        screen = term.wait_for("checked in (u undoes")
        assert "Check in now anyway" not in screen
        screen = term.wait_for(f"{int(before) - 1} to arrive")
        assert "Traceback" not in screen
    finally:
        term.close()
    rows = cli_list(demo_db, "frontdesk", "--from", "2026-11-23", "--to", "2026-11-23",
                    "--org", "CNCL")
    arrived = [r for r in rows if r["start"] == "2026-11-23T10:30:00+00:00"]
    assert [r["status"] for r in arrived] == ["checked_in"]


def test_a_partners_weekly_desk_in_tmux(demo_db: str) -> None:
    """A partner's adviser books a hot desk every Monday at 80×24: the repeat's count field
    shows as soon as weekly is chosen, the live line checks the first date, the preview names
    the clashing date and who holds it."""
    env = f"env COSPACE_NOW={NOW} TERM=xterm-256color"
    term = Terminal(f"{env} {COSPACE} --db {demo_db} --as ncs.adviser; sleep 5", 80, 24)
    try:
        term.wait_for("Northgate Jobcentre", "Interview rooms", "Priya Careers", timeout=60)
        for _ in range(6):  # IR1 → D02
            term.keys("Down")
        term.wait_for("D02 Hot Desk 2")
        term.keys("Enter")
        term.wait_for("Book a space at Northgate Jobcentre", "Purpose")
        term.type("NCS weekly desk")
        term.wait_for("free, Enter books")
        term.slowly("Tab", "Space")  # the repeat list opens with space
        term.wait_for("monthly")
        term.slowly("Down", "Enter")
        screen = term.wait_for("weekly", "Until", "or count")
        term.slowly("Tab", "Tab", "Tab", "Tab")
        term.type("4")
        screen = term.wait_for("weekly 4 times: free (first", timeout=40)
        assert "✗" not in screen
        term.keys("Enter")
        screen = term.wait_for("D02 every Monday", "Would book")
        assert "by PROB" in screen  # the clashing Monday, and who holds it
        term.keys("y")
        screen = term.wait_for("Booked series")
        assert "Traceback" not in screen
    finally:
        term.close()
    rows = cli_list(demo_db, "ncs.adviser", "--from", "2026-11-23", "--to", "2026-12-21",
                    "--org", "NCS", "--space", "D02")
    weekly = [r for r in rows if r["purpose"] == "NCS weekly desk"]
    assert len(weekly) == 3 and len({r["series"] for r in weekly}) == 1


def test_a_missing_store_is_a_clear_message_in_tmux(tmp_path: Path) -> None:
    if not COSPACE.exists():
        pytest.skip(f"{COSPACE} is not installed")
    term = Terminal(f"{COSPACE} --db sqlite:///{tmp_path / 'nothing.db'}; sleep 5")
    try:
        screen = term.wait_for("cospace init")
        assert "Traceback" not in screen
    finally:
        term.close()


def test_a_store_that_cannot_be_opened_is_a_message_and_exit_code_in_tmux(
        tmp_path: Path) -> None:
    """The app opens the store behind its loading board: a store that is not there still ends
    in the CLI's message (once the terminal is back) and exit code 2, creating nothing."""
    if not COSPACE.exists():
        pytest.skip(f"{COSPACE} is not installed (pip install -e .)")
    missing = tmp_path / "no" / "such.db"
    term = Terminal(f"{COSPACE} --db sqlite:///{missing} --as frontdesk; echo rc=$?; sleep 30")
    try:
        screen = term.wait_for("rc=")
        flat = screen.replace("\n", "")
        assert "cospace: There is no cospace store at" in flat and "cospace init" in flat
        assert "rc=2" in screen and "Traceback" not in screen
    finally:
        term.close()
    assert not missing.parent.exists()
