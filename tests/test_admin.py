"""Admin use cases: one-row imports with the same validation, audit and permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from booking import admin
from booking.errors import NotPermitted
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import as_user


def test_edit_space_fields_with_import_validation(app):
    change = admin.update_space(app, "IR4", capacity="3", features="wifi,step-free",
                                private="yes", restricted_to="NCS")
    assert change.action == "updated"
    assert set(change.fields) == {"capacity", "features", "private", "restricted_to"}
    sp = app.space("IR4")
    assert (sp.capacity, sp.private, sp.restricted_to) == (3, True, {"NCS"})
    assert sp.name == "Interview Booth 4"  # untouched
    with pytest.raises(admin.FormInvalid) as err:
        admin.update_space(app, "IR4", capacity="ten", kind="office", site="NOPE")
    assert err.value.problems == {
        "capacity": "'ten' is not a number",
        "kind": "'office' is not a kind of space (interview, desk, workshop)",
        "site": "there is no site 'NOPE'"}
    assert app.space("IR4").capacity == 3
    with pytest.raises(admin.FormInvalid) as err:
        admin.update_space(app, "IR4", site="NOPE")
    assert err.value.problems == {"site": "there is no site 'NOPE'"}
    assert admin.update_space(app, "IR4", active="no").fields == {"active": ("yes", "no")}
    assert not app.space("IR4").active


def test_edit_site_hours_org_and_new_space(app):
    assert admin.update_site_hours(app, "NGT", "mon-fri 09:00-16:00").action == "updated"
    assert app.site("NGT").hours[4] == (540, 960)
    with pytest.raises(admin.FormInvalid, match="hours"):
        admin.update_site_hours(app, "NGT", "weekdays nine to five")
    assert admin.update_site(app, "NGT", holidays="none").fields == {
        "holidays": ("ENG", "")}
    # a site with no bank holidays stays so when another field is saved
    assert admin.update_site(app, "NGT", name="Northgate").fields == {
        "name": ("Northgate Jobcentre", "Northgate")}
    assert app.site("NGT").holiday_region == ""
    assert admin.update_org(app, "NCS", advance_weeks="4").fields == {
        "advance_weeks": ("", "4")}
    form = admin.blank_form("spaces") | {"code": "IR9", "site": "NGT", "kind": "interview",
                                         "capacity": "2"}
    assert admin.check(app, "spaces", form).action == "added"
    assert admin.save(app, "spaces", form).action == "added"
    assert app.space("IR9").name == "IR9" and app.space("IR9").active
    assert admin.form_values(app, "spaces", "IR9")["capacity"] == "2"
    with read_tx(app.engine) as conn:
        rows = conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.reason == "import spaces from admin screen")).all()
    assert len(rows) == 1 and rows[0].action == "create"


def test_partners_cannot_edit_set_up(app):
    with pytest.raises(NotPermitted):
        admin.update_space(as_user(app, "ncs"), "IR4", capacity="1")
    assert app.space("IR4").capacity == 2
