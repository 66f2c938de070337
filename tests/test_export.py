"""Bookings export: another organisation's details never leave the store in a file."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from booking import export
from cli.main import main
from tests.conftest import as_user


def seed_bookings(app):  # type: ignore[no-untyped-def]
    ncs = as_user(app, "ncs")
    prob = as_user(app, "prob")
    desk = as_user(app, "desk")
    own = ncs.book("IR1", "2026-11-24 09:00", "10:00", purpose="Careers guidance Ms K",
                   attendees=2)
    other = prob.book("IR5", "2026-11-24 09:00", "10:00", purpose="Supervision for client 4471",
                      attendees=2)
    secret = prob.book("IR2", "2026-11-25 11:00", "12:00", purpose="MAPPA risk review",
                       confidential=True)
    jcp = desk.book("WS1", "2026-11-25 13:00", "15:00", org="JCP", purpose="=cmd|' /C calc'!A0",
                    attendees=8)
    outside = ncs.book("IR1", "2026-11-30 09:00", "10:00", purpose="Next week")
    return own, other, secret, jcp, outside


def test_csv_export_as_a_partner_hides_other_orgs_details(app, sqlite_url, capsys, tmp_path):
    own, other, secret, jcp, outside = seed_bookings(app)
    rc = main(["--db", sqlite_url, "--as", "ncs", "export", "bookings", "--site", "NGT",
               "--from", "2026-11-23", "--to", "2026-11-27", "--format", "csv"])
    text = capsys.readouterr().out
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["id"]) for r in rows] == [own.id, other.id, secret.id, jcp.id]
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[own.id]["purpose"] == "Careers guidance Ms K"
    assert by_id[own.id]["attendees"] == "2" and by_id[own.id]["booked_by"] == "ncs"
    for b in (other, secret, jcp):
        r = by_id[b.id]
        assert r["purpose"] == "" and r["attendees"] == "" and r["booked_by"] == ""
        assert r["org"] in ("PROB", "JCP")
    for words in ("4471", "MAPPA", "calc", "prob"):
        assert words not in text.replace("PROB", "")
    assert by_id[own.id]["date"] == "2026-11-24" and by_id[own.id]["start"] == "09:00"
    assert by_id[secret.id]["confidential"] == "yes"


def test_confidential_purpose_only_for_its_booker(app):
    own, other, secret, jcp, _ = seed_bookings(app)
    days = (dt.date(2026, 11, 23), dt.date(2026, 11, 27))
    by_prob2 = {r["id"]: r for r in export.booking_rows(as_user(app, "prob"), "NGT", *days)}
    assert by_prob2[secret.id]["purpose"] == "MAPPA risk review"  # the booker
    assert by_prob2[other.id]["purpose"] == "Supervision for client 4471"  # own org
    by_admin = {r["id"]: r for r in export.booking_rows(app, "NGT", *days)}
    assert by_admin[secret.id]["purpose"] is None  # JCP admin: not their org, confidential
    by_desk = {r["id"]: r for r in export.booking_rows(as_user(app, "desk"), "NGT", *days)}
    assert by_desk[secret.id]["purpose"] is None  # the front desk: who and how many, not why
    assert by_desk[secret.id]["booked_by"] == "prob" and by_desk[secret.id]["attendees"]
    assert by_desk[jcp.id]["purpose"] == "=cmd|' /C calc'!A0"


def test_xlsx_export_matches_privacy_and_keeps_formulas_as_text(app, sqlite_url, tmp_path,
                                                                 capsys):
    own, other, secret, jcp, _ = seed_bookings(app)
    out = tmp_path / "bookings.xlsx"
    rc = main(["--db", sqlite_url, "--as", "desk", "export", "bookings", "--site", "NGT",
               "--from", "2026-11-23", "--to", "2026-11-27", "--format", "xlsx",
               "--out", str(out)])
    assert rc == 0 and "Wrote 4 bookings" in capsys.readouterr().err
    ws = load_workbook(out).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == export.COLUMNS
    data = {r[0]: dict(zip(export.COLUMNS, r, strict=True)) for r in rows[1:]}
    assert set(data) == {own.id, other.id, secret.id, jcp.id}
    # front desk: no other organisation's purpose, confidential or not
    assert data[own.id]["purpose"] is None and data[other.id]["purpose"] is None
    assert data[secret.id]["purpose"] is None
    # a purpose that looks like a formula is kept as text, never run
    assert data[jcp.id]["purpose"] == "'=cmd|' /C calc'!A0"
    assert ws.cell(row=5, column=12).data_type == "s"

    # xlsx needs a file or a pipe; a bad range is an input error
    assert main(["--db", sqlite_url, "--as", "desk", "export", "bookings", "--site", "NGT",
                 "--from", "2026-11-27", "--to", "2026-11-23"]) == 2
    assert main(["--db", sqlite_url, "--as", "desk", "export", "bookings", "--site", "NOPE",
                 "--from", "2026-11-23", "--to", "2026-11-27"]) == 2
    capsys.readouterr()


def test_csv_keeps_formula_like_text_as_text():
    buf = io.StringIO()
    export.write_csv([{c: None for c in export.COLUMNS} | {"purpose": "=1+1", "id": 1}], buf)
    row = list(csv.DictReader(io.StringIO(buf.getvalue())))[0]
    assert row["purpose"] == "'=1+1" and row["attendees"] == ""
