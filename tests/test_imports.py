"""Import of orgs, sites, spaces and staff from CSV: all or nothing, idempotent, audited."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from booking import imports
from booking.errors import NotPermitted
from booking.service import Cospace
from cli.main import main
from db import queries as q
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import as_user

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def audit_rows(app: Cospace) -> list:
    with read_tx(app.engine) as conn:
        return conn.execute(select(Audit.__table__).order_by(Audit.__table__.c.id)).all()


def import_examples(app: Cospace) -> dict[str, imports.ImportResult]:
    return {k: imports.import_file(app, k, str(EXAMPLES / f"{k}.csv"))
            for k in imports.IMPORT_ORDER}


def test_example_files_into_empty_store_then_again_changes_nothing(any_url, clock):
    app, _ = Cospace.init(any_url, "setup", clock)
    first = import_examples(app)
    assert {k: len(r.of("added")) for k, r in first.items()} == {
        "orgs": 7, "sites": 4, "spaces": 20, "staff": 11}
    assert all(not r.of("updated") for r in first.values())
    counts = app.counts()
    assert counts["organisations"] == 7 and counts["sites"] == 4 and counts["spaces"] == 20
    assert counts["staff"] == 12  # the importing administrator too
    audits = len(audit_rows(app))

    again = import_examples(app)
    assert all(not r.of("added") and not r.of("updated") for r in again.values())
    assert sum(len(r.of("unchanged")) for r in again.values()) == 42
    assert app.counts() == counts
    assert len(audit_rows(app)) == audits

    # The imported values are the ones the booking rules use.
    site = app.site("HLB")
    assert site.hours[4] == (8 * 60 + 30, 16 * 60 + 30) and 5 not in site.hours
    assert app.site("DUN").holiday_region == "SCT"
    secure = app.space("HLB-IR5")
    assert secure.private and secure.restricted_to == {"PROB", "JCP"}
    assert secure.features == {"wifi", "phone", "step-free"}
    assert not app.space("HLB-D06").active
    assert app.space("HLB-WS2").capacity == 24
    desk = as_user(app, "hlb.frontdesk").book("HLB-IR1", "2026-11-26 09:00", "10:00",
                                              org="NCS")
    assert desk.org == "NCS"


BAD_SPACES = """code,site,name,kind,capacity,features,private,active,restricted_to
IR9,NGT,Good Room,interview,2,wifi,yes,yes,
IR10,NGT,Broom cupboard,interview,ten,,maybe,yes,
IR11,NOPE,,office,0,Wi Fi,,,
IR9,NGT,Twice,interview,3,,,,
D09,NGT,,desk,1,,,,"PROB,ZZZ"
"""


def test_several_bad_rows_all_reported_and_nothing_written(app):
    before = app.counts()
    audits = len(audit_rows(app))
    with pytest.raises(imports.ImportRejected) as err:
        imports.import_text(app, "spaces", BAD_SPACES, source="spaces.csv")
    lines = [str(p) for p in err.value.problems]
    assert lines == [
        "line 3, column capacity: 'ten' is not a number",
        "line 3, column private: 'maybe' is not yes or no",
        "line 4, column site: there is no site 'NOPE' (import the sites first)",
        "line 4, column kind: 'office' is not a kind of space (interview, desk, workshop)",
        "line 4, column capacity: 0 is not a capacity: a space holds at least 1 person",
        "line 4, column features: 'Wi Fi' is not a feature name (lower-case words joined by "
        "'-', e.g. step-free)",
        "line 5, column code: 'IR9' is also on line 2",
        "line 6, column restricted_to: there is no organisation 'ZZZ' (import the orgs first)",
    ]
    assert "8 problems, nothing was imported" in err.value.message
    assert app.counts() == before  # the good row on line 2 was not written either
    assert len(audit_rows(app)) == audits


def test_cli_bad_file_exits_2_listing_problems(app, sqlite_url, tmp_path, capsys):
    bad = tmp_path / "spaces.csv"
    bad.write_text(BAD_SPACES)
    rc = main(["--db", sqlite_url, "--as", "admin", "import", "spaces", str(bad)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "line 3, column capacity: 'ten' is not a number" in err
    assert "Traceback" not in err
    assert main(["--db", sqlite_url, "--as", "admin", "import", "spaces",
                 str(tmp_path / "missing.csv")]) == 2
    assert "There is no file" in capsys.readouterr().err
    rc = main(["--db", sqlite_url, "--as", "admin", "import", "spaces", str(bad), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 2 and out["problems"][0] == {
        "line": 3, "column": "capacity", "message": "'ten' is not a number"}


def test_update_and_dry_run_show_fields_and_write_one_audit_each(app, sqlite_url, tmp_path,
                                                                   capsys):
    csv_text = ("code,site,kind,capacity,features,private,restricted_to\n"
                "IR1,NGT,interview,4,\"wifi,phone,pc\",yes,\n"   # capacity + features change
                "IR5,NGT,interview,3,,yes,PROB\n"                  # features + restriction
                "IR2,NGT,interview,4,\"wifi,step-free,hearing-loop\",yes,\n")  # unchanged
    path = tmp_path / "spaces.csv"
    path.write_text(csv_text)
    audits = len(audit_rows(app))
    rc = main(["--db", sqlite_url, "--as", "admin", "import", "spaces", str(path),
               "--dry-run", "--json"])
    dry = json.loads(capsys.readouterr().out)
    assert rc == 0 and dry["dry_run"] is True
    assert dry["updated"][0] == {"line": 2, "key": "IR1", "fields": {
        "capacity": {"from": "3", "to": "4"},
        "features": {"from": "phone,wifi", "to": "pc,phone,wifi"}}}
    assert dry["updated"][1]["fields"]["restricted_to"] == {"from": "JCP,PROB", "to": "PROB"}
    assert dry["unchanged"] == ["IR2"]
    assert app.space("IR1").capacity == 3 and len(audit_rows(app)) == audits

    result = imports.import_file(app, "spaces", str(path))
    assert [c.key for c in result.of("updated")] == ["IR1", "IR5"]
    assert app.space("IR1").capacity == 4 and "pc" in app.space("IR1").features
    assert app.space("IR5").restricted_to == {"PROB"}
    assert app.space("IR5").name == "Secure Room"  # a column left out is left alone
    new = audit_rows(app)[audits:]
    assert [(a.action, a.entity) for a in new] == [("update", "space")] * 2
    assert json.loads(new[0].before) == {"capacity": "3", "features": "phone,wifi"}
    assert "import spaces" in new[0].reason
    assert imports.import_file(app, "spaces", str(path)).of("updated") == []


def test_sites_hours_and_holidays_update(app):
    text = ('code,name,hours,tz,holidays\n'
            'NGT,Northgate Jobcentre,"mon-fri 09:00-16:00",Europe/London,SCT\n'
            'ABD,Aberdeen Jobcentre,"mon-thu 09:00-17:00",,\n')
    result = imports.import_text(app, "sites", text)
    assert [c.key for c in result.of("added")] == ["ABD"]
    assert result.of("updated")[0].fields == {
        "hours": ("mon-thu 08:30-17:00, fri 08:30-16:30", "mon-fri 09:00-16:00"),
        "holidays": ("ENG", "SCT")}
    site = app.site("NGT")
    assert site.hours == {d: (540, 960) for d in range(5)} and site.holiday_region == "SCT"
    abd = app.site("ABD")
    assert abd.tz == "Europe/London" and abd.holiday_region == "ENG" and 4 not in abd.hours


def test_header_problems_are_reported(app):
    with pytest.raises(imports.ImportRejected) as err:
        imports.import_text(app, "spaces", "code,site,colour\nX,NGT,red\n")
    text = [str(p) for p in err.value.problems]
    assert text[0].startswith("line 1, column colour: is not a column of a spaces file")
    assert "line 1, column kind: is missing from the header (it is required)" in text
    assert "line 1, column capacity: is missing from the header (it is required)" in text
    with pytest.raises(imports.ImportRejected, match="line 1: the file is empty"):
        imports.import_text(app, "orgs", "")


def test_staff_and_orgs_rules(app):
    text = ("login,name,org,role\n"
            "ncs3,Kim Careers,NCS,adviser\n"
            "ncs4,Lou Careers,NCS,front-desk\n"
            "zed,Zed,NOPE,adviser\n"
            "admin,Ada Admin,JCP,adviser\n")
    with pytest.raises(imports.ImportRejected) as err:
        imports.import_text(app, "staff", text)
    assert [str(p) for p in err.value.problems] == [
        "line 3, column role: front-desk staff work for the host organisation; NCS is a "
        "partner",
        "line 4, column org: there is no organisation 'NOPE' (import the orgs first)",
        "line 5, column role: you cannot change your own role or retire yourself in an import",
    ]
    orgs = ("code,name,host,advance_weeks\n"
            "NCS,National Careers Service,no,10\n"
            "CAB,Citizens Advice,no,\n")
    result = imports.import_text(app, "orgs", orgs)
    assert result.of("updated")[0].fields == {"advance_weeks": ("", "10")}
    assert {o.code: o.advance_weeks for o in app.orgs()} == {
        "CAB": None, "JCP": None, "NCS": 10, "PROB": None}


def test_only_estates_and_admins_import(app, sqlite_url, tmp_path, capsys):
    with pytest.raises(NotPermitted):
        imports.import_text(as_user(app, "ncs"), "spaces", BAD_SPACES)
    path = tmp_path / "orgs.csv"
    path.write_text("code,name\nCOLL,Hillbrook College\n")
    assert main(["--db", sqlite_url, "--as", "ncs", "import", "orgs", str(path)]) == 1
    assert "Advisers cannot manage organisations" in capsys.readouterr().err
    with read_tx(app.engine) as conn:
        assert q.org_row(conn, code="COLL") is None
    assert main(["--db", sqlite_url, "--as", "estates", "import", "orgs", str(path)]) == 0
    assert "1 added" in capsys.readouterr().out


def test_validators_are_shared_with_forms():
    values, problems = imports.validate("spaces", {
        "code": "IR7", "site": "NGT", "kind": "interview", "capacity": "ten"})
    assert [str(p) for p in problems] == ["line 2, column capacity: 'ten' is not a number"]
    values, problems = imports.validate("spaces", {
        "code": "IR7", "site": "NGT", "kind": "Interview", "capacity": "3",
        "features": "WiFi, step-free"})
    assert not problems and values["kind"] == "interview"
    assert values["features"] == {"wifi", "step-free"}


def test_stranded_bookings_are_named_not_dropped(app):
    desk = as_user(app, "desk")
    d = desk.book("D02", "2026-11-24 09:00", "17:00", org="NCS")
    late = desk.book("IR1", "2026-11-26 16:00", "17:00", org="NCS")
    early = desk.book("IR2", "2026-11-27 09:00", "10:00", org="JCP")
    result = imports.import_text(app, "spaces", "code,site,kind,capacity,active\n"
                                 "D02,NGT,desk,1,no\n", dry_run=True)
    assert result.warnings == [f"D02 goes out of use with 1 booking (#{d.id}) still on it: "
                               "cancel or move them."]
    imports.import_text(app, "spaces", "code,site,kind,capacity,active\nD02,NGT,desk,1,no\n")
    assert app.get(d.id).status == "confirmed" and not app.space("D02").active
    result = imports.import_text(app, "sites", 'code,name,hours\n'
                                 'NGT,Northgate Jobcentre,"mon-thu 08:30-16:00"\n')
    assert result.warnings == [f"NGT's new opening hours leave out 3 bookings (#{d.id}, "
                               f"#{late.id}, #{early.id}): cancel or move them."]
    assert {app.get(b.id).status for b in (d, late, early)} == {"confirmed"}
