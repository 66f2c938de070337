"""``cospace report``: JSON, CSV and table output, refusals and exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cli.main import main
from tests import report_store
from tests.report_store import at


@pytest.fixture
def url(app, clock, sqlite_url, monkeypatch):  # type: ignore[no-untyped-def]
    report_store.build(app, clock)
    monkeypatch.setenv("COSPACE_NOW", at("2026-11-23T08:00").isoformat())
    return sqlite_url


def run(url: str, *args: str, login: str = "estates") -> int:
    return main(["--db", url, "--as", login, *args])


PERIOD = ("--from", "2026-10-19", "--to", "2026-10-30")


def test_json_utilisation_rows(url, capsys):
    assert run(url, "report", "utilisation", "--site", "NGT", *PERIOD, "--by", "kind",
               "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    interview = next(r for r in rows if r["kind"] == "interview")
    assert set(interview) >= {"kind", "available_hours", "booked_hours", "used_hours",
                              "utilisation", "used_utilisation"}
    assert interview["booked_hours"] == 9.5 and interview["available_hours"] == 302.0
    assert 0 <= interview["utilisation"] <= 1
    assert all(isinstance(r["utilisation"], float) for r in rows)


def test_json_attendance_fields(url, capsys):
    assert run(url, "report", "attendance", *PERIOD, "--by", "org", "--format", "json") == 0
    rows = {r["org"]: r for r in json.loads(capsys.readouterr().out)}
    # NCS: b1 and b6 checked in, b3 no-show, b8 and b10 unmarked
    assert rows["NCS"] == {"org": "NCS", "bookings": 5, "checked_in": 2, "no_shows": 1,
                           "released": 0, "unmarked": 2, "no_show_rate": 0.2,
                           "released_rate": 0.0}
    assert rows["JCP"]["released"] == 1


def test_csv_opens_as_a_table(url, capsys):
    assert run(url, "report", "utilisation", "--site", "NGT", *PERIOD, "--by",
               "weekday,hour", "--format", "csv") == 0
    out = capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0])[:3] == ["weekday", "hour", "available_hours"]
    mon9 = next(r for r in rows if r["weekday"] == "Mon" and r["hour"] == "9")
    assert float(mon9["booked_hours"]) == 2.5
    assert "\r\n" in out  # spreadsheet line ends


def test_share_with_rates_table(url, capsys):
    assert run(url, "report", "share", *PERIOD, "--rate", "interview=12.50,desk=4") == 0
    out = capsys.readouterr().out
    assert "Share report, NGT" in out and "charge" in out
    line = next(ln for ln in out.splitlines() if ln.startswith("JCP"))
    assert "77.75" in line and "48.0%" in line


def test_table_for_every_report(url, capsys):
    for kind in ("utilisation", "occupancy", "demand", "attendance", "share", "shortfall"):
        assert run(url, "report", kind, "--site", "NGT", *PERIOD) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{kind.capitalize()} report, NGT")
        assert "secret" not in out


def test_refusals_and_exit_codes(url, capsys):
    assert run(url, "report", "utilisation", *PERIOD, login="ncs") == 1
    assert "cannot read usage reports" in capsys.readouterr().err
    assert run(url, "report", "utilisation", "--site", "NOPE", *PERIOD) == 2
    assert "no site 'NOPE'" in capsys.readouterr().err
    assert run(url, "report", "utilisation", "--from", "2026-10-30", "--to", "2026-10-01") == 2
    assert run(url, "report", "utilisation", *PERIOD, "--by", "colour") == 2
    assert run(url, "report", "share", *PERIOD, "--rate", "desk=cheap") == 2
    assert run(url, "report", "utilisation", "--from", "someday", "--to", "2026-10-01") == 2
    assert run(url, "report", "everything", *PERIOD) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
