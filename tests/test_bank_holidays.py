"""The bank-holiday cache: the same answers as the ``holidays`` library, without importing it
once the year is cached; a damaged, foreign or unwritable cache changes nothing but speed."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import holidays
import pytest

from booking import bank_holidays as bh


def library(region: str, year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("GB", subdiv=region, years=year).items())


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(bh.CACHE_ENV, str(tmp_path))
    bh.bank_holidays.cache_clear()
    yield tmp_path
    bh.bank_holidays.cache_clear()


def read_in_new_process(cache_dir, region: str, year: int) -> tuple[dict[str, str], bool]:
    code = ("import json, sys; from booking.bank_holidays import bank_holidays; "
            f"days = bank_holidays({region!r}, {year}); "
            "print(json.dumps({'days': {d.isoformat(): n for d, n in days.items()}, "
            "'imported': 'holidays' in sys.modules}))")
    env = {**os.environ, bh.CACHE_ENV: str(cache_dir)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, timeout=60).stdout
    done = json.loads(out)
    return done["days"], done["imported"]


def as_text(days: dict[dt.date, str]) -> dict[str, str]:
    return {d.isoformat(): n for d, n in days.items()}


def test_second_process_reads_the_cache_without_the_library(cache_dir):
    first, imported_first = read_in_new_process(cache_dir, "SCT", 2027)
    second, imported_second = read_in_new_process(cache_dir, "SCT", 2027)
    assert first == second == as_text(library("SCT", 2027))
    assert imported_first and not imported_second
    assert "2027-01-04" in second  # Scotland's 2 January holiday, moved to the Monday


@pytest.mark.parametrize("region", ["ENG", "WLS", "SCT", "NIR"])
def test_cached_answers_equal_the_library(cache_dir, region):
    for year in (2026, 2027):
        assert bh.bank_holidays(region, year) == library(region, year)
    bh.bank_holidays.cache_clear()  # now from the file
    for year in (2026, 2027):
        assert bh.bank_holidays(region, year) == library(region, year)


@pytest.mark.parametrize("content", [
    "not json at all {",
    json.dumps({"holidays": "holidays-0.0.dist-info",
                "calendars": {"ENG/2026": [["2026-03-03", "Made up"]]}}),
    json.dumps({"holidays": None, "calendars": {"ENG/2026": [["not a date", 1]]}}),
])
def test_a_damaged_or_foreign_cache_is_not_believed(cache_dir, content):
    if '"holidays": null' in content:  # the right version but a broken calendar
        content = content.replace("null", json.dumps(bh.library_version()))
    (cache_dir / bh.CACHE_FILE).write_text(content, encoding="utf-8")
    assert bh.bank_holidays("ENG", 2026) == library("ENG", 2026)
    written = json.loads((cache_dir / bh.CACHE_FILE).read_text(encoding="utf-8"))
    assert written["holidays"] == bh.library_version()
    assert dict(written["calendars"]["ENG/2026"]) == as_text(library("ENG", 2026))


def test_an_unwritable_cache_still_answers(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file-not-a-directory"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv(bh.CACHE_ENV, str(blocker))
    bh.bank_holidays.cache_clear()
    try:
        assert bh.bank_holidays("ENG", 2026) == library("ENG", 2026)
    finally:
        bh.bank_holidays.cache_clear()
    assert blocker.read_text(encoding="utf-8") == "x"
    assert list(tmp_path.iterdir()) == [blocker]  # no temporary file left behind
