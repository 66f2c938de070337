"""One validator for set-up records: the Python API (``Cospace.add_*``), the command line,
``import`` and the Admin screen all refuse the same values with the same words
(:mod:`booking.import_format`)."""

from __future__ import annotations

import pytest

from booking import admin, imports
from booking.errors import InvalidInput
from booking.service import Cospace

BAD = [
    ("orgs", {"code": "N/C+S:ORGANISATION_X", "name": "x"}, "is not a usable code",
     lambda app: app.add_org("N/C+S:ORGANISATION_X", "x")),
    ("spaces", {"code": "IR9", "site": "NGT", "kind": "interview", "capacity": "2",
                "features": "wi fi"}, "'wi fi' is not a feature name",
     lambda app: app.add_space("IR9", site="NGT", kind="interview", capacity=2,
                               features="wi fi")),
    ("spaces", {"code": "IR9", "site": "NGT", "kind": "interview", "capacity": "0"},
     "a space holds at least 1",
     lambda app: app.add_space("IR9", site="NGT", kind="interview", capacity=0)),
    ("sites", {"code": "ABC", "name": "x", "hours": "sometimes"}, "hours",
     lambda app: app.add_site("ABC", "x", hours="sometimes")),
    ("staff", {"login": "x y", "name": "x", "org": "JCP", "role": "adviser"},
     "is not a usable login",
     lambda app: app.add_staff("x y", name="x", org="JCP", role="adviser")),
]


@pytest.mark.parametrize("kind,values,words,add", BAD, ids=[b[2] for b in BAD])
def test_every_way_in_refuses_the_same_value(app: Cospace, kind, values, words, add) -> None:  # type: ignore[no-untyped-def]
    before = app.counts()
    with pytest.raises(InvalidInput, match=words):
        add(app)
    with pytest.raises(admin.FormInvalid, match=words):
        admin.save(app, kind, values)
    header = ",".join(values)
    with pytest.raises(imports.ImportRejected, match=words):
        imports.import_text(app, kind, header + "\n" + ",".join(
            f'"{v}"' for v in values.values()) + "\n")
    assert app.counts() == before  # nothing written by any of them


def test_the_api_keeps_its_answers(app: Cospace) -> None:
    org = app.add_org("NEW", "New Partner", advance_weeks=4)
    assert (org.code, org.is_host, org.advance_weeks) == ("NEW", False, 4)
    space = app.add_space("IR9", site="NGT", kind="interview", capacity=2,
                          features=["wifi", "PC"], restricted_to=["NEW"])
    assert space.features == frozenset({"wifi", "pc"}) and space.restricted_to == {"NEW"}
    staff = app.add_staff("newbie", name="New Adviser", org="NEW", role="adviser")
    assert (staff.login, staff.org_code, staff.role) == ("newbie", "NEW", "adviser")
    with pytest.raises(InvalidInput, match="There is already an organisation 'NEW'"):
        app.add_org("NEW", "Again")
