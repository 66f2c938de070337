"""A purpose is for the booking's own organisation (a confidential one for its booker only);
attendees and who booked for the organisation and the front desk; everyone else sees
organisation, space, time and status.
Checked over ``list --json``, the board's day view and the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from booking import audit
from cli.main import main
from tests.conftest import as_user

DAY = dt.date(2026, 11, 26)
SECRETS = {
    "ncs": "NCS-careers-plan",
    "ncs-conf": "NCS-confidential-disclosure",
    "prob": "PROB-licence-meeting",
    "prob-conf": "PROB-confidential-risk",
    "jcp": "JCP-work-search-review",
}

#: login -> the secrets it may read
MAY_SEE = {
    "admin": {"jcp"},  # administrators follow their organisation's rule too
    "desk": {"jcp"},  # front desk: own org's purposes only; never a confidential one
    "ncs": {"ncs", "ncs-conf"},  # ncs booked the confidential NCS one
    "ncs2": {"ncs"},  # same organisation, but not the booker of the confidential one
    "prob": {"prob", "prob-conf"},
    "estates": set(),  # organisation, space and time only, even for JCP
    "stranger": set(),
}


@pytest.fixture
def booked(any_app):
    ncs, ncs2, prob, desk = (as_user(any_app, x) for x in ("ncs", "ncs2", "prob", "desk"))
    ids = {
        "ncs": ncs2.book("IR4", f"{DAY} 09:00", "10:00", purpose=SECRETS["ncs"],
                         attendees=2).id,
        "ncs-conf": ncs.book("IR1", f"{DAY} 09:00", "10:00", purpose=SECRETS["ncs-conf"],
                             confidential=True).id,
        "prob": prob.book("IR5", f"{DAY} 09:00", "10:00", purpose=SECRETS["prob"]).id,
        "prob-conf": prob.book("IR2", f"{DAY} 09:00", "10:00", purpose=SECRETS["prob-conf"],
                               confidential=True).id,
        "jcp": desk.book("D01", f"{DAY} 09:00", "12:00", purpose=SECRETS["jcp"]).id,
    }
    desk.cancel(ids["jcp"])  # a change after creation: its audit carries the values too
    return any_app, ids


def _secrets_in(text: str) -> set[str]:
    return {k for k, v in SECRETS.items() if v in text}


def test_day_view_shows_details_only_to_those_allowed(booked):
    seen = {login: _day_view(*booked, login) for login in MAY_SEE}
    assert seen == MAY_SEE


def _day_view(app, ids, login):  # type: ignore[no-untyped-def]
    views = as_user(app, login).day_bookings("NGT", DAY)
    seen = {k for k, bid in ids.items() for v in views if v.id == bid and v.purpose}
    for v in views:
        if not v.details_visible:
            assert v.purpose is None and v.attendees is None and v.booked_by is None
        if login != "stranger":
            assert v.org in ("NCS", "PROB", "JCP")  # organisation, space and time for all staff
    return seen


def test_list_json_shows_details_only_to_those_allowed(booked, capsys):
    seen = {login: _list_json(*booked, login, capsys) for login in MAY_SEE}
    assert seen == MAY_SEE


def _list_json(app, ids, login, capsys):  # type: ignore[no-untyped-def]
    url = app.engine.url.render_as_string(hide_password=False)
    code = main(["--db", url, "--as", login, "list", "--from", str(DAY), "--to", str(DAY),
                 "--json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = {r["id"]: r for r in json.loads(out)}
    for key, bid in ids.items():
        if key in MAY_SEE[login]:
            assert rows[bid]["booked_by"] is not None
        elif login == "desk":  # to direct a customer: who and how many, never why
            assert rows[bid]["purpose"] is None
            assert rows[bid]["booked_by"] is not None and rows[bid]["attendees"] is not None
        elif bid in rows:
            assert rows[bid]["purpose"] is None and rows[bid]["booked_by"] is None
            assert rows[bid]["attendees"] is None
    return _secrets_in(out)


def test_audit_never_leaks_another_organisations_details(booked, capsys):
    logins = ("estates", "admin", "desk", "ncs", "ncs2", "prob")
    leaked = {login: _audit(*booked, login, capsys) - MAY_SEE[login] for login in logins}
    assert leaked == {login: set() for login in logins}


def _audit(app, ids, login, capsys):  # type: ignore[no-untyped-def]
    url = app.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "--as", login, "audit", "--json"]) == 0
    out = capsys.readouterr().out
    records = json.loads(out)
    about = {r["entity_id"] for r in records if r["entity"] == "booking"}
    if login in ("estates", "admin"):
        assert set(ids.values()) <= about  # they read the whole trail ...
        assert any(r["entity"] == "staff" for r in records)
    else:  # ... others their organisation's bookings and their own changes
        assert not any(r["entity"] == "staff" for r in records)
    if login == "ncs2":
        assert about == {ids["ncs"], ids["ncs-conf"]}
        conf = [r for r in records if r["entity_id"] == ids["ncs-conf"]]
        assert conf and all(r["after"]["purpose"] is None for r in conf)
        assert all(r["actor"] == "NCS staff" for r in conf)  # who booked it is a detail too
    if login == "estates":  # who acted, yes (accountability); what it was for, no
        assert {r["actor"] for r in records if r["entity"] == "booking"} == {
            "ncs", "ncs2", "prob", "desk"}
        assert all(r["after"]["purpose"] is None and r["after"]["booked_by_id"] is None
                   for r in records if r["entity"] == "booking" and r["action"] == "create")
    return _secrets_in(out)


def test_booking_history_for_the_tui(booked):
    app, ids = booked
    hist = audit.history(as_user(app, "desk"), ids["jcp"])
    assert [(e.action, e.before, e.after["status"]) for e in hist][1:] == [
        ("cancel", {"status": "confirmed"}, "cancelled")]
    assert hist[0].action == "create" and hist[0].after["purpose"] == SECRETS["jcp"]
    assert audit.history(as_user(app, "ncs"), ids["jcp"]) == []
