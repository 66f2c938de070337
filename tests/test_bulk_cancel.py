"""Bulk cancel: one confirmation, one audit entry per booking, all or nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from booking import bulk
from booking.errors import NotPermitted, RuleViolation
from cli.main import main
from db.engine import read_tx
from db.tables import Audit
from tests.conftest import NOW, as_user

WEEK = dict(first=dt.date(2026, 11, 23), last=dt.date(2026, 11, 27))


def cancel_audits(app):  # type: ignore[no-untyped-def]
    with read_tx(app.engine) as conn:
        return conn.execute(select(Audit.__table__).where(
            Audit.__table__.c.action == "cancel").order_by(Audit.__table__.c.id)).all()


def leave_week(app):  # type: ignore[no-untyped-def]
    """ncs has three bookings this week and one next week; ncs2 and prob one each."""
    ncs, ncs2, prob = (as_user(app, u) for u in ("ncs", "ncs2", "prob"))
    mine = [ncs.book("IR1", "2026-11-24 09:00", "10:00"),
            ncs.book("D01", "2026-11-25 09:00", "12:00"),
            ncs.book("IR2", "2026-11-27 14:00", "15:00")]
    later = ncs.book("IR1", "2026-11-30 09:00", "10:00")
    colleague = ncs2.book("IR4", "2026-11-24 09:00", "10:00")
    theirs = prob.book("IR5", "2026-11-24 09:00", "10:00")
    return mine, later, colleague, theirs


def test_cancel_a_staff_members_week(any_app):
    mine, later, colleague, theirs = leave_week(any_app)
    ncs = as_user(any_app, "ncs")
    preview = bulk.find_cancellable(ncs, staff="ncs", **WEEK)
    assert [v.id for v in preview] == [b.id for b in mine]
    done = bulk.cancel_matching(ncs, org="NCS", staff="ncs", **WEEK)
    assert [v.id for v in done] == [b.id for b in mine]
    assert {v.status for v in done} == {"cancelled"}
    for b in (later, colleague, theirs):
        assert any_app.get(b.id).status == "confirmed"
    audits = cancel_audits(any_app)
    assert sorted(a.entity_id for a in audits) == sorted(b.id for b in mine)
    assert {a.actor for a in audits} == {"ncs"}
    # nothing left to cancel: the same command does nothing the second time
    assert bulk.cancel_matching(ncs, staff="ncs", **WEEK) == []


def test_all_or_nothing_when_one_is_refused(any_app):
    mine, later, colleague, theirs = leave_week(any_app)
    ncs = as_user(any_app, "ncs")
    # an adviser may cancel only their own organisation's bookings: PROB's stops them all
    with pytest.raises(NotPermitted) as err:
        bulk.cancel_many(ncs, [mine[0].id, theirs.id, mine[1].id])
    assert f"#{theirs.id}" in err.value.message and "Nothing was cancelled" in err.value.message
    desk = as_user(any_app, "desk")
    # a booking already cancelled, or already checked in, stops the set too
    desk.cancel(colleague.id)
    here = desk.book("IR4", "2026-11-23 09:00", "10:00", org="NCS")
    desk.checkin(here.id)
    with pytest.raises(RuleViolation) as err:
        bulk.cancel_many(desk, [mine[0].id, colleague.id, here.id])
    assert f"#{colleague.id} is cancelled" in err.value.message
    assert f"#{here.id} is checked-in" in err.value.message
    assert "2 of the 3 bookings cannot be" in err.value.message
    for b in (*mine, theirs):
        assert any_app.get(b.id).status == "confirmed"
    assert [a.entity_id for a in cancel_audits(any_app)] == [colleague.id]
    with pytest.raises(NotPermitted):
        bulk.cancel_matching(ncs, org="PROB", **WEEK)
    assert any_app.get(theirs.id).status == "confirmed"
    assert len(bulk.cancel_many(desk, [mine[0].id, theirs.id])) == 2


def test_cli_bulk_cancel_needs_confirmation(app, sqlite_url, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())  # the CLI reads the clock; pin it
    mine, later, colleague, theirs = leave_week(app)
    base = ["--db", sqlite_url, "--as", "ncs", "cancel", "--staff", "ncs", "--from",
            "2026-11-23", "--to", "2026-11-27"]
    assert main(base + ["--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "3 bookings would be cancelled" in out and f"#{mine[0].id}" in out
    assert main(base + ["--dry-run", "--json"]) == 0
    assert [v["id"] for v in json.loads(capsys.readouterr().out)] == [b.id for b in mine]
    # no --yes and no terminal to ask at: refused, nothing cancelled (stdin is not a tty here)
    assert main(base) == 2
    assert "add --yes" in capsys.readouterr().err
    assert app.get(mine[0].id).status == "confirmed"
    assert main(base + ["--yes", "--json"]) == 0
    assert [v["status"] for v in json.loads(capsys.readouterr().out)] == ["cancelled"] * 3
    assert app.get(later.id).status == "confirmed"
    # a single cancel still works exactly as before
    assert main(["--db", sqlite_url, "--as", "ncs", "cancel", str(later.id)]) == 0
    assert f"Cancelled #{later.id}" in capsys.readouterr().out
    assert main(["--db", sqlite_url, "--as", "ncs", "cancel", "--from", "2026-11-23",
                 "--to", "2026-11-27", "--yes"]) == 2
    assert "--org ORG, --staff LOGIN" in capsys.readouterr().err
    assert main(["--db", sqlite_url, "--as", "ncs", "cancel", str(later.id), "--org",
                 "NCS"]) == 2
    assert main(["--db", sqlite_url, "--as", "ncs", "cancel", str(mine[0].id),
                 "--dry-run"]) == 2
    assert main(["--db", sqlite_url, "--as", "ncs", "cancel", "--org", "PROB", "--from",
                 "2026-11-23", "--to", "2026-11-27", "--yes"]) == 1
    assert app.get(theirs.id).status == "confirmed"
    capsys.readouterr()
