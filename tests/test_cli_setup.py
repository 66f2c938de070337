"""The set-up on the command line: init's messages, ``org|site|space|staff list`` and
``... set`` with ``--json``, and their refusals: the same validation as ``cospace import``."""

import json
import shutil
import sqlite3

import pytest

from booking import admin
from booking.service import Cospace
from cli.main import main

NOW = "2026-11-23T08:00:00+00:00"


SETUP = (
    ("org", "add", "JCP", "--name", "Jobcentre Plus", "--host"),
    ("org", "add", "NCS", "--name", "National Careers Service", "--advance-weeks", "6"),
    ("site", "add", "NGT", "--name", "Northgate", "--hours",
     "mon-thu 08:30-17:00, fri 08:30-16:30"),
    ("site", "add", "EDN", "--name", "Leith", "--holidays", "SCT"),
    ("space", "add", "IR1", "--site", "NGT", "--kind", "interview", "--capacity", "3",
     "--private", "--features", "wifi,phone", "--name", "Interview Room 1"),
    ("space", "add", "D01", "--site", "NGT", "--kind", "desk", "--capacity", "1",
     "--only", "NCS"),
    ("space", "add", "WS1", "--site", "EDN", "--kind", "workshop", "--capacity", "12"),
    ("staff", "add", "admin", "--name", "Ada", "--org", "JCP", "--role", "admin"),
    ("staff", "add", "desk", "--name", "Amy", "--org", "JCP", "--role", "front-desk"),
    ("staff", "add", "est", "--name", "Eve", "--org", "JCP", "--role", "estates"),
    ("staff", "add", "ncs", "--name", "Priya", "--org", "NCS", "--role", "adviser"),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The set-up above, made once through the CLI (each command must succeed)."""
    db = tmp_path_factory.mktemp("setup") / "template.db"
    mp = pytest.MonkeyPatch()
    mp.setenv("COSPACE_NOW", NOW)
    try:
        for args in (("init",), *SETUP):
            assert main(["--db", str(db), "--as", "admin", *args]) == 0, args
    finally:
        mp.undo()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db


@pytest.fixture
def cli(template, tmp_path, monkeypatch, capsys):
    db = str(tmp_path / "setup.db")
    shutil.copy(template, db)
    monkeypatch.setenv("COSPACE_NOW", NOW)
    monkeypatch.delenv("COSPACE_DB", raising=False)
    monkeypatch.delenv("COSPACE_USER", raising=False)
    capsys.readouterr()

    def run(*args, login="admin"):
        code = main(["--db", db, "--as", login, *args])
        out, err = capsys.readouterr()
        return code, out, err

    run.db = db
    return run


# ------------------------------------------------------------------------ init
def test_init_messages(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW)
    db = str(tmp_path / "fresh.db")
    assert main(["--db", db, "--as", "boss", "init"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Created the store at sqlite:///") and "boss is its administrator" in out
    assert main(["--db", db, "--as", "boss", "init"]) == 0
    out = capsys.readouterr().out
    assert "is up to date; nothing changed." in out and "Upgraded" not in out


def test_init_upgrade_says_upgraded(tmp_path, capsys, monkeypatch):
    from db.engine import make_engine
    from db.migrate import upgrade

    monkeypatch.setenv("COSPACE_NOW", NOW)
    db = tmp_path / "old.db"
    upgrade(make_engine(f"sqlite:///{db}"), "0001")  # a store of the first release
    assert main(["--db", str(db), "--as", "boss", "init"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Upgraded the store at sqlite:///") and "keeping its data" in out
    assert main(["--db", str(db), "--as", "boss", "init"]) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_init_demo_ends_with_a_try_line_naming_the_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW)
    db = str(tmp_path / "my demo.db")
    assert main(["--db", db, "--as", "boss", "init", "--demo"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"Try: cospace --db '{db}' --as frontdesk"
    # and the line works: frontdesk is a staff member of that store
    assert main(["--db", db, "--as", "frontdesk", "list", "--site", "NGT", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------------ list
def test_org_list(cli):
    code, out, err = cli("org", "list", "--json", login="ncs")
    assert code == 0, err
    assert json.loads(out) == [
        {"code": "JCP", "name": "Jobcentre Plus", "host": True, "advance_weeks": None,
         "active": True},
        {"code": "NCS", "name": "National Careers Service", "host": False, "advance_weeks": 6,
         "active": True},
    ]
    code, out, err = cli("org", "list", login="ncs")
    assert code == 0 and out.splitlines()[0].split()[:2] == ["code", "name"]
    assert "National Careers Service" in out


def test_site_list(cli):
    code, out, err = cli("site", "list", "--json", login="desk")
    assert code == 0, err
    sites = json.loads(out)
    assert [s["code"] for s in sites] == ["EDN", "NGT"]
    ngt = sites[1]
    assert ngt == {"code": "NGT", "name": "Northgate",
                   "hours": "mon-thu 08:30-17:00, fri 08:30-16:30", "tz": "Europe/London",
                   "holidays": "ENG"}
    assert sites[0]["holidays"] == "SCT"


def test_space_list_by_site(cli):
    code, out, err = cli("space", "list", "--site", "NGT", "--json", login="ncs")
    assert code == 0, err
    spaces = json.loads(out)
    assert [s["code"] for s in spaces] == ["D01", "IR1"]
    ir1 = spaces[1]
    assert ir1 == {"code": "IR1", "site": "NGT", "kind": "interview", "capacity": 3,
                   "name": "Interview Room 1", "features": ["phone", "wifi"], "private": True,
                   "active": True, "restricted_to": [], "approval": False}
    assert spaces[0]["restricted_to"] == ["NCS"] and spaces[0]["name"] == "D01"
    code, out, err = cli("space", "list", "--json")
    assert [s["code"] for s in json.loads(out)] == ["D01", "IR1", "WS1"]
    code, out, err = cli("space", "list", "--site", "NOPE")
    assert code == 2 and "no site 'NOPE'" in err


def test_staff_list_admin_sees_everyone_others_their_organisation(cli):
    code, out, err = cli("staff", "list", "--json")
    assert code == 0, err
    assert [s["login"] for s in json.loads(out)] == ["admin", "desk", "est", "ncs"]
    code, out, err = cli("staff", "list", "--org", "NCS", "--json")
    assert json.loads(out) == [{"login": "ncs", "name": "Priya", "org": "NCS",
                                "role": "adviser", "active": True}]
    # an adviser sees only their own organisation's staff, and is told so when asking more
    code, out, err = cli("staff", "list", "--json", login="ncs")
    assert [s["login"] for s in json.loads(out)] == ["ncs"]
    code, out, err = cli("staff", "list", "--org", "JCP", login="ncs")
    assert code == 1 and out == ""
    assert "Advisers can list only their own organisation's staff (NCS), not JCP." in err
    code, out, err = cli("staff", "list", "--org", "XYZ")
    assert code == 2 and "no organisation 'XYZ'" in err


@pytest.mark.parametrize("command", ["org", "site", "space", "staff"])
def test_lists_refuse_a_login_that_is_not_staff(cli, command):
    code, out, err = cli(command, "list", "--json", login="stranger")
    assert code == 1 and out == ""
    assert "'stranger' is not a cospace user" in err


# ------------------------------------------------------------------------ set
def test_space_set_json_and_audit(cli):
    code, out, err = cli("space", "set", "IR1", "--capacity", "6", "--features",
                         "wifi,step-free", "--json", login="est")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["key"] == "IR1" and obj["action"] == "updated"
    assert obj["fields"] == {"capacity": {"from": "3", "to": "6"},
                             "features": {"from": "phone,wifi", "to": "step-free,wifi"}}
    assert obj["record"]["capacity"] == 6 and obj["record"]["features"] == ["step-free", "wifi"]
    assert obj["record"]["private"] is True and obj["warnings"] == []
    code, out, err = cli("audit", "--json")
    last = json.loads(out)[-1]
    assert last["entity"] == "space" and last["actor"] == "est" and last["action"] == "update"
    assert last["before"]["capacity"] == "3" and last["after"]["capacity"] == "6"
    # the same values again: nothing changes
    code, out, err = cli("space", "set", "IR1", "--capacity", "6", login="est")
    assert code == 0 and "No change to space IR1" in out


def test_space_set_out_of_use_and_restriction(cli):
    code, out, err = cli("space", "set", "D01", "--active", "no", "--only", "", login="est")
    assert code == 0, err
    assert "active 'yes' -> 'no'" in out and "restricted_to 'NCS' -> '-'" in out
    code, out, err = cli("space", "list", "--json")
    d01 = next(s for s in json.loads(out) if s["code"] == "D01")
    assert d01["active"] is False and d01["restricted_to"] == []


def test_site_set_hours_names_stranded_bookings(cli):
    code, out, err = cli("book", "IR1", "2026-11-26 16:00", "16:30", "--org", "NCS",
                         login="desk")
    assert code == 0, err
    code, out, err = cli("site", "set", "NGT", "--hours", "mon-fri 09:00-15:00", login="est")
    assert code == 0, err
    assert "hours 'mon-thu 08:30-17:00, fri 08:30-16:30' -> 'mon-fri 09:00-15:00'" in out
    assert "leave out 1 booking (#1)" in out
    code, out, err = cli("site", "set", "EDN", "--holidays", "", "--json", login="est")
    assert json.loads(out)["record"]["holidays"] == ""


def test_org_and_staff_set(cli):
    code, out, err = cli("org", "set", "NCS", "--advance-weeks", "10", "--name", "NCS North",
                         "--json", login="est")
    assert code == 0, err
    assert json.loads(out)["record"] == {"code": "NCS", "name": "NCS North", "host": False,
                                         "advance_weeks": 10, "active": True}
    code, out, err = cli("staff", "set", "ncs", "--role", "estates", "--json")
    assert code == 0, err
    assert json.loads(out)["record"]["role"] == "estates"
    code, out, err = cli("staff", "set", "desk", "--active", "no")
    assert code == 0 and "active 'yes' -> 'no'" in out
    # a retired login is no longer staff
    code, out, err = cli("org", "list", login="desk")
    assert code == 1 and "not a cospace user" in err


@pytest.mark.parametrize("args,login,exit_code,words", [
    (("space", "set", "IR1", "--capacity", "ten"), "est", 2, "capacity: 'ten' is not a number"),
    (("space", "set", "IR1", "--capacity", "0"), "est", 2, "a space holds at least 1"),
    (("space", "set", "IR1", "--features", "wi fi"), "est", 2, "'wi fi' is not a feature name"),
    (("space", "set", "IR1", "--kind", "spaceship"), "est", 2, "not a kind of space"),
    (("space", "set", "IR1", "--site", "NOPE"), "est", 2, "there is no site 'NOPE'"),
    (("space", "set", "IR1", "--only", "XYZ"), "est", 2, "there is no organisation 'XYZ'"),
    (("space", "set", "IR1", "--private", "maybe"), "est", 2, "'maybe' is not yes or no"),
    (("space", "set", "IR9", "--capacity", "2"), "est", 2, "There is no space 'IR9'"),
    (("space", "set", "IR1"), "est", 2, "Nothing to change"),
    (("space", "set", "IR1", "--capacity", "4"), "ncs", 1, "Advisers cannot manage spaces"),
    (("space", "set", "IR1", "--capacity", "4"), "desk", 1,
     "Front-desk staff cannot manage spaces"),
    (("site", "set", "NGT", "--hours", "mon-fri 9-5"), "est", 2, "hours"),
    (("site", "set", "NGT", "--tz", "Mars/Olympus"), "est", 2, "not a known time zone"),
    (("site", "set", "NGT", "--holidays", "FRA"), "est", 2, "not a UK nation"),
    (("site", "set", "NGT", "--name", "x"), "ncs", 1, "Advisers cannot manage sites"),
    (("org", "set", "NCS", "--advance-weeks", "500"), "est", 2, "out of range"),
    (("org", "set", "NCS", "--name", ""), "est", 2, "name: is empty"),
    (("org", "set", "NOPE", "--name", "x"), "est", 2, "There is no organisation 'NOPE'"),
    (("staff", "set", "ncs", "--role", "boss"), "admin", 2, "'boss' is not a role"),
    (("staff", "set", "ncs", "--role", "front-desk"), "admin", 2,
     "front-desk staff work for the host organisation"),
    (("staff", "set", "ncs", "--org", "XYZ"), "admin", 2, "there is no organisation 'XYZ'"),
    (("staff", "set", "ncs", "--name", "P"), "est", 1, "Estates staff cannot manage staff"),
    (("staff", "set", "admin", "--role", "adviser"), "admin", 1,
     "cannot change your own role"),
    (("staff", "set", "admin", "--active", "no"), "admin", 1, "retire yourself"),
    (("staff", "set", "nobody", "--name", "x"), "admin", 2, "There is no staff member"),
])
def test_set_refusals(cli, args, login, exit_code, words):
    before = cli(args[0], "list", "--json")[1]
    code, out, err = cli(*args, "--json", login=login)
    assert code == exit_code, err
    assert words in err and "Traceback" not in err
    assert cli(args[0], "list", "--json")[1] == before  # nothing written


# ------------------------------------------------------------------------ add agrees
@pytest.mark.parametrize("args,words", [
    (("org", "add", "N/C+S:ORGANISATION_X", "--name", "x"), "is not a usable code"),
    (("space", "add", "IR7", "--site", "NGT", "--kind", "interview", "--capacity", "2",
      "--features", "wi fi"), "'wi fi' is not a feature name"),
    (("space", "add", "IR7", "--site", "NGT", "--kind", "interview", "--capacity", "0"),
     "a space holds at least 1"),
    (("site", "add", "X Y", "--name", "x"), "is not a usable code"),
    (("site", "add", "ABC", "--name", "x", "--hours", "sometimes"), "hours"),
    (("staff", "add", "x y", "--name", "x", "--org", "JCP", "--role", "adviser"),
     "is not a usable login"),
    (("org", "add", "NCS", "--name", "again"), "There is already an organisation 'NCS'."),
    (("space", "add", "IR1", "--site", "NGT", "--kind", "desk", "--capacity", "1"),
     "There is already a space 'IR1'."),
])
def test_add_uses_the_import_validators(cli, args, words):
    code, out, err = cli(*args)
    assert code == 2 and words in err, err


def test_add_set_import_and_admin_screen_agree(cli):
    """A feature 'wi fi' and a code with '/' are refused by every way in."""
    from booking import imports

    app = Cospace.open(f"sqlite:///{cli.db}", "admin")
    with pytest.raises(admin.FormInvalid, match="wi fi"):
        admin.save(app, "spaces", {"code": "IR1", "features": "wi fi"})
    with pytest.raises(imports.ImportRejected, match="not a usable code"):
        imports.import_text(app, "orgs", "code,name\nN/C+S:ORGANISATION_X,x\n")
    assert cli("space", "set", "IR1", "--features", "wi fi")[0] == 2
    assert cli("org", "add", "N/C+S:ORGANISATION_X", "--name", "x")[0] == 2


def test_add_is_audited_as_a_set_up_change(cli):
    code, out, err = cli("audit", "--json")
    entries = [e for e in json.loads(out) if e["entity"] == "space"]
    assert entries and all(e["actor"] == "admin" and e["action"] == "create" for e in entries)
    assert entries[0]["reason"] == "set-up change on the command line"


def test_names_with_terminal_control_are_refused_and_old_ones_printed_as_text(cli):
    """A name with terminal control is refused at input (issue 15); one already in the store
    (written by an older version, or by SQL) is printed with the control made harmless."""
    code, out, err = cli("org", "add", "EVIL", "--name", "Evil\x1b[2J Org")
    assert code == 2 and "control characters" in err and "\x1b" not in err
    code, out, err = cli("org", "list", "--json")
    assert all(o["code"] != "EVIL" for o in json.loads(out))  # nothing written
    from sqlalchemy import create_engine, text

    eng = create_engine(f"sqlite:///{cli.db}")
    with eng.begin() as conn:
        conn.execute(text("UPDATE organisation SET name = :n WHERE code = 'NCS'"),
                      {"n": "Evil\x1b[2J Org"})
    eng.dispose()
    code, out, err = cli("org", "list")
    assert code == 0 and "\x1b" not in out and "[2J Org" in out
    code, out, err = cli("org", "list", "--json")
    evil = next(o for o in json.loads(out) if o["code"] == "NCS")
    assert evil["name"] == "Evil\x1b[2J Org"  # the data itself is kept
