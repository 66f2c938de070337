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


@pytest.fixture
def district(app, clock, sqlite_url, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """tests/report_store.py's NGT and a second site, SGT, whose one desk was booked all of
    Tue 20 Oct (8.5 h saturated): SGT is the shorter of space, NGT wastes more (10.5 h
    booked but not used against none)."""
    from db import queries as q
    from db.engine import write_tx

    report_store.build(app, clock)
    app.add_site("SGT", "Southgate Jobcentre", hours="mon-thu 08:30-17:00, fri 08:30-16:30")
    app.add_space("SGT-D1", site="SGT", kind="desk", capacity=1)
    with write_tx(app.engine) as conn:
        q.insert_booking(conn, dict(
            space_id=app.space("SGT-D1").id, org_id=q.org_row(conn, code="JCP").id,
            booked_by_id=None, start_at=at("2026-10-20T08:30"), end_at=at("2026-10-20T17:00"),
            status="checked_in", attendees=1, purpose="", confidential=False,
            created_at=at("2026-10-01T09:00"), updated_at=at("2026-10-01T09:00")))
    monkeypatch.setenv("COSPACE_NOW", at("2026-11-23T08:00").isoformat())
    out = tmp_path / "district.html"
    assert main(["--db", sqlite_url, "--as", "estates", "report", "pack", "--from", "2026-10-19",
                 "--to", "2026-10-30", "--out", str(out)]) == 0  # no --site: every site
    return out


PROBE = """<script>
const r = document.getElementById('rank-shortfall').getBoundingClientRect();
const u = document.getElementById('rank-unused').getBoundingClientRect();
const p = document.createElement('div'); p.id = 'probe';
p.textContent = [r.top, r.bottom, r.width, u.bottom, innerHeight,
                 getComputedStyle(document.getElementById('rank-shortfall')).visibility].join(',');
document.body.appendChild(p);
</script>"""


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install "
                    "chromium; .ci/run does)")
def test_district_pack_ranks_sites_on_its_first_page_in_chromium(district, tmp_path):
    html = district.read_text(encoding="utf-8")
    assert "<script" not in html and not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""",
                                                   html)
    assert "@media print" in html and "break-before:page" in html
    dom = _chromium("--dump-dom", district.as_uri(), tmp_path=tmp_path)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", dom.stdout))
    assert "Space usage across 2 sites" in text
    # Shortfall: SGT 8.5 h (its desk saturated all Tuesday) above NGT 7.5 h (workshop 5.5 +
    # interview 2.0); booked but not used: NGT 10.5 h (b3 no-show 2 h, b5 released 8.5 h)
    # above SGT 0.
    assert re.search(r"Where space runs short, site by site .*? 1 Southgate Jobcentre \(SGT\) "
                     r"8\.5 hot desks \(8\.5 h\) 0 .*? 2 Northgate Jobcentre \(NGT\) 7\.5 "
                     r"workshop rooms \(5\.5 h\) 2 ", text)
    assert re.search(r"Booked but not used, site by site .*? 1 Northgate Jobcentre \(NGT\) "
                     r"10\.5 42\.0% 25\.0 .*? 2 Southgate Jobcentre \(SGT\) 0\.0", text)
    # then one section per site, in the ranking's site order of the pack (by code)
    assert text.index("Space usage: Northgate Jobcentre (NGT)") < text.index(
        "Space usage: Southgate Jobcentre (SGT)")
    assert "Interview rooms by week" in text  # the trend chart
    # The ranking is on the first screen, laid out and visible.
    probe_page = tmp_path / "probe.html"
    probe_page.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _chromium("--window-size=1280,900", "--dump-dom", probe_page.as_uri(),
                    tmp_path=tmp_path)
    m = re.search(r'<div id="probe">([^<]*)</div>', dom.stdout)
    assert m, dom.stdout[-500:]
    top, bottom, width, unused_bottom, screen, visibility = m.group(1).split(",")
    assert 0 < float(top) < float(bottom) <= float(screen) and float(width) > 300
    assert visibility == "visible" and float(unused_bottom) <= 1.5 * float(screen)
    # Printed: the first page for the district, then a page (or more) per site.
    pdf = tmp_path / "district.pdf"
    res = _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", district.as_uri(),
                    tmp_path=tmp_path)
    assert res.returncode == 0, res.stderr[-2000:]
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
    assert pages >= 4  # district, NGT, SGT, glossary
