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
        screen = term.wait_for("Desk today", "to arrive")
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


def test_a_missing_store_is_a_clear_message_in_tmux(tmp_path: Path) -> None:
    if not COSPACE.exists():
        pytest.skip(f"{COSPACE} is not installed")
    term = Terminal(f"{COSPACE} --db sqlite:///{tmp_path / 'nothing.db'}; sleep 5")
    try:
        screen = term.wait_for("cospace init")
        assert "Traceback" not in screen
    finally:
        term.close()
