"""The HTML report pack, rendered in a real headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from cli.main import main
from tests import report_store
from tests.report_store import at

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def pack(app, clock, sqlite_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    report_store.build(app, clock)
    monkeypatch.setenv("COSPACE_NOW", at("2026-11-23T08:00").isoformat())
    out = tmp_path / "report.html"
    assert main(["--db", sqlite_url, "--as", "estates", "report", "pack", "--site", "NGT",
                 "--from", "2026-10-19", "--to", "2026-10-30", "--out", str(out),
                 "--rate", "interview=12.50,desk=4"]) == 0
    return out


def test_pack_is_self_contained_and_private(pack):
    html = pack.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    # nothing fetched: no external scripts, styles, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html)
    assert "<script" not in html and "@import" not in html
    assert "<svg" in html
    assert "secret" not in html and "night shift" not in html  # purposes never shown


def _chromium(*args: str, tmp_path) -> subprocess.CompletedProcess:  # type: ignore[no-untyped-def]
    profile = tmp_path / "profile"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install "
                    "chromium; .ci/run does)")
def test_pack_renders_in_chromium_with_headline_figures(pack, tmp_path):
    dom = _chromium("--dump-dom", pack.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = re.sub(r"<[^>]+>", " ", dom.stdout)
    text = re.sub(r"\s+", " ", text)
    # Headline figures, worked out by hand in tests/report_store.py:
    # booked 25 h of 528.5 available (4.7%); used 14.5 h (2.7%); 10.5 h booked but not used;
    # 1 no-show in 11 past bookings (9.1%); 2 unmet requests, 2.5 h; workshops shortest.
    assert "Space usage: Northgate Jobcentre (NGT)" in text
    assert "Utilisation 4.7% 25.0 of 528.5 space-hours booked" in text
    assert "Used utilisation 2.7% 14.5 h used" in text
    assert "Booked but not used 10.5 h" in text
    assert "No-show rate 9.1% 1 of 11 past bookings; 1 desk released" in text
    assert "Unmet demand 2 requests 2.5 h found no fitting space" in text
    assert "Shortest of space workshop rooms at NGT 5.5 h" in text
    assert "77.75" in text  # JCP's recharge
    shot = tmp_path / "pack.png"
    res = _chromium(f"--screenshot={shot}", "--window-size=1280,900", pack.as_uri(),
                    tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
