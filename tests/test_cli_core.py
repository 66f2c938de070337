"""The CLI contract: commands, arguments, JSON fields and exit codes, as a script uses them."""

import json
import os
import subprocess
import sys

import pytest

from cli.main import main

NOW = "2026-11-23T08:00:00+00:00"


@pytest.fixture
def cli(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("COSPACE_NOW", NOW)
    monkeypatch.delenv("COSPACE_DB", raising=False)
    monkeypatch.delenv("COSPACE_USER", raising=False)

    def run(*args, login="admin"):
        code = main(["--db", db, "--as", login, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init")[0] == 0
    for args in (
        ("org", "add", "JCP", "--name", "Jobcentre Plus", "--host"),
        ("org", "add", "NCS", "--name", "National Careers Service"),
        ("site", "add", "NGT", "--name", "Northgate", "--hours",
         "mon-thu 08:30-17:00, fri 08:30-16:30"),
        ("space", "add", "IR1", "--site", "NGT", "--kind", "interview", "--capacity", "3",
         "--private", "--features", "wifi,phone"),
        ("space", "add", "D01", "--site", "NGT", "--kind", "desk", "--capacity", "1",
         "--features", "wifi,pc"),
        ("staff", "add", "admin", "--name", "Ada", "--org", "JCP", "--role", "admin"),
        ("staff", "add", "desk", "--name", "Amy", "--org", "JCP", "--role", "front-desk"),
        ("staff", "add", "ncs", "--name", "Priya", "--org", "NCS", "--role", "adviser"),
    ):
        code, out, err = run(*args)
        assert code == 0, err
    run.db = db
    return run


def test_book_json_contract(cli):
    code, out, err = cli("book", "IR1", "2026-10-29 09:00", "10:00", "--json", login="desk")
    assert code == 1 and "in the past" in err
    code, out, err = cli("book", "IR1", "2026-11-26T09:00", "10:00", "--org", "NCS",
                         "--attendees", "2", "--purpose", "CV clinic", "--json", login="desk")
    assert code == 0, err
    obj = json.loads(out)
    assert {"id", "space", "site", "org", "start", "end", "status"} <= obj.keys()
    assert obj["space"] == "IR1" and obj["site"] == "NGT" and obj["org"] == "NCS"
    assert obj["start"] == "2026-11-26T09:00:00+00:00"
    assert obj["end"] == "2026-11-26T10:00:00+00:00"
    assert obj["status"] == "confirmed"


def test_clash_exit_1_names_holder(cli):
    code, out, err = cli("book", "IR1", "2026-11-26 09:00", "10:00", "--org", "NCS",
                         login="desk")
    assert code == 0
    code, out, err = cli("book", "IR1", "2026-11-26 09:30", "10:30", login="desk")
    assert code == 1
    assert "09:00–10:00" in err and "NCS" in err and "#1" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    code, out, err = cli("book", "IR1", "2026-11-26 10:00", "11:00", login="desk")
    assert code == 0  # half-open


@pytest.mark.parametrize("args,words", [
    (("book", "NOPE", "2026-11-26 09:00", "10:00"), "no space"),
    (("book", "IR1", "26/11/2026 09:00", "10:00"), "YYYY-MM-DD HH:MM"),
    (("book", "IR1", "2026-11-26 09:00", "10:00", "--org", "XYZ"), "no organisation"),
    (("cancel", "4242"), "no booking #4242"),
    (("cancel", "abc"), "invalid int"),
    (("free", "NGT", "spaceship", "2026-11-26 09:00", "10:00"), "invalid choice"),
    (("list", "--from", "yesterday-ish"), "not a date"),
])
def test_bad_input_exit_2(cli, args, words):
    code, out, err = cli(*args, login="desk")
    assert code == 2
    assert words in err
    assert "Traceback" not in err


@pytest.mark.parametrize("args,words", [
    (("book", "IR1", "2026-11-26 07:00", "08:00"), "outside the opening hours"),
    (("book", "IR1", "2026-11-26 09:00", "13:00"), "at most 3 h"),
    (("book", "D01", "2026-11-26 09:00", "10:00", "--confidential"), "not a private room"),
    (("book", "IR1", "2026-11-26 09:00", "10:00", "--attendees", "5"), "holds 3 people"),
    (("book", "IR1", "2026-12-25 09:00", "10:00"), "Christmas Day"),
    (("book", "IR1", "2026-11-26 09:07", "10:00"), "steps of 5 minutes"),
])
def test_rule_refusals_exit_1(cli, args, words):
    code, out, err = cli(*args, login="desk")
    assert code == 1 and words in err


def test_partner_advance_window(cli):
    code, out, err = cli("book", "D01", "2027-02-25 09:00", "10:00", login="ncs")
    assert code == 1 and "8 weeks ahead" in err


def test_status_commands_and_list(cli):
    cli("book", "IR1", "2026-11-23 09:00", "10:00", login="desk")
    cli("book", "D01", "2026-11-24 09:00", "12:00", login="ncs")
    code, out, err = cli("list", "--json", login="desk")
    rows = json.loads(out)
    assert [r["space"] for r in rows] == ["IR1", "D01"]
    assert rows[1]["purpose"] is None  # NCS's details hidden from the host's front desk
    code, out, err = cli("checkin", "1", login="desk")
    assert code == 0 and "Checked in #1" in out
    code, out, err = cli("cancel", "2", login="ncs")
    assert code == 0
    code, out, err = cli("list", "--json", "--org", "NCS", login="ncs")
    assert json.loads(out)[0]["status"] == "cancelled"
    code, out, err = cli("noshow", "2", login="desk")
    assert code == 1 and "cancelled" in err
    code, out, err = cli("list", "--from", "2026-11-24", "--to", "2026-11-24", "--json")
    assert [r["id"] for r in json.loads(out)] == [2]


def test_free_json(cli):
    code, out, err = cli("free", "NGT", "desk", "2026-11-26 09:00", "12:00", "--needs", "pc",
                         "--json", login="ncs")
    assert code == 0
    rows = json.loads(out)
    assert rows == [{"space": "D01", "name": "D01", "site": "NGT", "kind": "desk",
                     "capacity": 1, "features": ["pc", "wifi"], "private": False,
                     "restricted_to": []}]
    cli("book", "D01", "2026-11-26 09:00", "12:00", login="ncs")
    code, out, err = cli("free", "NGT", "desk", "2026-11-26 09:00", "12:00", "--json",
                         login="ncs")
    assert code == 0 and json.loads(out) == []
    assert "12:00" in err  # the nearest free time is suggested


def test_console_script_runs_without_traceback(cli, tmp_path):
    env = {**os.environ, "COSPACE_NOW": NOW}
    exe = os.path.join(os.path.dirname(sys.executable), "cospace")
    proc = subprocess.run([exe, "--db", cli.db, "--as", "desk", "book", "IR1",
                           "2026-11-26 07:00", "08:00"], capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 1
    assert "outside the opening hours" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_store_is_a_clear_message(tmp_path, capsys):
    code = main(["--db", f"sqlite:///{tmp_path / 'missing.db'}", "list"])
    err = capsys.readouterr().err
    assert code == 2 and "cospace init" in err
