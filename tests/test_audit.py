"""The audit trail: a scripted day of actions produces exactly the expected records; refusals
write nothing; nothing in cospace edits or deletes a record."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pendulum
import pytest

from booking import allocations, audit
from booking.errors import CospaceError
from tests.conftest import LONDON, as_user

ROOT = Path(__file__).resolve().parents[1]


def at(hour: int, minute: int = 0):  # type: ignore[no-untyped-def]
    return pendulum.datetime(2026, 11, 23, hour, minute, tz=LONDON).in_timezone("UTC")


def test_a_scripted_day_produces_exactly_the_expected_records(any_app, clock):
    admin = any_app
    ncs, ncs2, prob, desk, estates = (as_user(admin, x)
                                      for x in ("ncs", "ncs2", "prob", "desk", "estates"))
    start = max(e.id for e in audit.trail(admin))

    def refused(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        with pytest.raises(CospaceError):
            fn(*args, **kwargs)

    a = ncs.book("IR4", "2026-11-23 10:00", "11:00", purpose="CV review")
    b = desk.book("IR1", "2026-11-23 09:00", "10:00", org="PROB", confidential=True,
                  purpose="Licence check")
    allocations.set_allocation(estates, "NCS", site="NGT", kind="interview", hours_per_week=2)
    refused(ncs2.book, "IR2", "2026-11-23 10:00", "12:00")  # 1 + 2 > 2 hours
    refused(estates.book, "IR2", "2026-11-23 10:00", "12:00", org="NCS")
    c = desk.book("IR2", "2026-11-23 10:00", "12:00", org="NCS", override="Group session")
    ncs.cancel(a.id)
    refused(prob.cancel, a.id)
    clock.set(at(9, 5))
    desk.checkin(b.id)
    refused(prob.cancel, b.id)  # checked in: no longer cancellable
    clock.set(at(10, 30))
    desk.noshow(c.id)
    result = ncs2.find_free("NGT", "workshop", "2026-11-23 13:00", "14:00", attendees=40)
    assert result.unmet_demand_id is not None
    admin.add_staff("newbie", name="New Adviser", org="NCS", role="adviser")
    refused(ncs.add_staff, "other", name="X", org="NCS", role="admin")

    records = [e for e in audit.trail(admin) if e.id > start]
    assert [(e.actor, e.action, e.entity, e.entity_id) for e in records] == [
        ("ncs", "create", "booking", a.id),
        ("desk", "create", "booking", b.id),
        ("estates", "create", "allocation", records[2].entity_id),
        ("desk", "create", "booking", c.id),
        ("desk", "override", "booking", c.id),
        ("ncs", "cancel", "booking", a.id),
        ("desk", "checkin", "booking", b.id),
        ("desk", "noshow", "booking", c.id),
        ("ncs2", "unmet-demand", "unmet_demand", result.unmet_demand_id),
        ("admin", "create", "staff", records[9].entity_id),
    ]
    by_action = {(e.action, e.entity_id): e for e in records if e.entity == "booking"}
    assert by_action[("cancel", a.id)].before == {"status": "confirmed"}
    assert by_action[("cancel", a.id)].after == {"status": "cancelled"}
    assert by_action[("checkin", b.id)].after == {"status": "checked_in"}
    assert by_action[("noshow", c.id)].after == {"status": "no_show"}
    created = by_action[("create", a.id)].after
    assert (created["space"], created["org"], created["status"]) == ("IR4", "NCS", "confirmed")
    assert by_action[("create", c.id)].reason == "Group session"
    assert [e.at for e in records][-3:] == [at(10, 30)] * 3
    assert records[0].at == at(8)


def test_audit_command_filters(app, clock, capsys, sqlite_url, monkeypatch):
    from cli.main import main

    ncs = as_user(app, "ncs")
    first = ncs.book("IR4", "2026-11-26 10:00", "11:00", purpose="CV review")
    clock.set(pendulum.datetime(2026, 11, 24, 9, tz=LONDON).in_timezone("UTC"))
    ncs.cancel(first.id)
    as_user(app, "prob").book("IR4", "2026-11-26 10:00", "11:00")
    db = ["--db", sqlite_url]
    assert main([*db, "--as", "ncs", "audit", "--booking", str(first.id), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["action"], r["entity_id"]) for r in rows] == [("create", first.id),
                                                            ("cancel", first.id)]
    assert rows[0]["after"]["purpose"] == "CV review" and rows[0]["at"].startswith("2026-11-23")
    assert main([*db, "--as", "ncs", "audit", "--from", "2026-11-24", "--to", "2026-11-24",
                 "--json"]) == 0
    assert [r["action"] for r in json.loads(capsys.readouterr().out)] == ["cancel"]
    assert main([*db, "--as", "ncs", "audit", "--from", "2026-11-24"]) == 0
    text = capsys.readouterr().out
    assert "cancel" in text and "PROB" not in text  # another organisation's booking is not shown
    assert main([*db, "--as", "ncs", "audit", "--booking", "999"]) == 2
    assert main([*db, "--as", "ncs", "audit", "--from", "2026-11-25", "--to", "2026-11-24"]) == 2
    assert main([*db, "--as", "ncs", "audit", "--from", "yesterday"]) == 2


def test_nothing_updates_or_deletes_audit_records():
    """Append-only by construction: no module of cospace issues UPDATE or DELETE on audit."""
    pattern = re.compile(r"(update|delete)\(\s*(Audit|AU)\b|(UPDATE|DELETE FROM)\s+audit\b")
    offenders = [
        str(p.relative_to(ROOT))
        for d in ("booking", "db", "cli", "tui")
        for p in (ROOT / d).rglob("*.py")
        if pattern.search(p.read_text())
    ]
    assert offenders == []
