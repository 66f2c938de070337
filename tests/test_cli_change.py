"""The CLI contract of ``cospace change`` and ``cospace undo``: arguments, JSON and exit codes
(0 changed, 1 refused with the booking unchanged, 2 not understood or not found)."""

from __future__ import annotations

import json

from tests.test_cli_core import cli  # noqa: F401  (the fixture)


def _book(run, *args, login="desk"):  # type: ignore[no-untyped-def]
    code, out, err = run("book", *args, "--json", login=login)
    assert code == 0, err
    return json.loads(out)["id"]


def test_change_json_and_exit_codes(cli) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    bid = _book(cli, "IR1", "2026-11-26 09:00", "10:00", "--org", "NCS")
    other = _book(cli, "D01", "2026-11-26 09:00", "12:00", "--org", "NCS")
    code, out, err = cli("change", str(bid), "--start", "2026-11-26 11:00", "--json",
                         login="desk")
    assert code == 0, err
    obj = json.loads(out)
    assert obj["id"] == bid and obj["start"] == "2026-11-26T11:00:00+00:00"
    assert obj["end"] == "2026-11-26T12:00:00+00:00"
    assert set(obj) == {"id", "space", "site", "kind", "org", "start", "end", "status",
                        "attendees", "purpose", "confidential", "series", "booked_by"}
    code, out, err = cli("change", str(bid), "--end", "12:30", "--attendees", "2",
                         login="ncs")
    assert code == 0 and f"Changed #{bid}" in out and "attendees 1 → 2" in out, err
    code, out, err = cli("change", str(bid), "--end", "15:00", login="ncs")
    assert code == 1 and "at most 3 h" in err and out == ""
    code, out, err = cli("change", str(bid), "--space", "D01", login="ncs")
    assert code == 1 and "hot desk" not in out
    code, out, err = cli("change", str(other), "--start", "2026-11-26 11:00", "--end",
                         "12:30", "--space", "IR1", login="ncs")
    assert code == 1 and f"(booking #{bid})" in err
    code, out, err = cli("change", str(bid), "--confidential", "--not-confidential")
    assert code == 2
    code, out, err = cli("change", "9999", "--end", "10:00")
    assert code == 2 and "no booking #9999" in err
    code, out, err = cli("change", str(bid), "--start", "tomorrow")
    assert code == 2 and "YYYY-MM-DD HH:MM" in err
    code, out, err = cli("change", str(bid))
    assert code == 2 and "Say what to change" in err
    code, out, err = cli("list", "--json", login="ncs")
    mine = next(b for b in json.loads(out) if b["id"] == bid)
    assert (mine["start"], mine["end"], mine["attendees"]) == (
        "2026-11-26T11:00:00+00:00", "2026-11-26T12:30:00+00:00", 2), "refusals changed nothing"


def test_change_following_json_has_the_book_repeat_shape(cli) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    code, out, err = cli("book", "IR1", "2026-11-26 09:00", "10:00", "--org", "NCS",
                         "--repeat", "weekly", "--count", "4", "--json", login="desk")
    assert code == 0, err
    ids = [b["id"] for b in json.loads(out)["booked"]]
    blocker = _book(cli, "IR1", "2026-12-17 10:30", "11:30", "--org", "JCP")
    code, out, err = cli("change", str(ids[1]), "--start", "2026-12-03 10:00", "--following",
                         "--json", login="desk")
    assert code == 1
    refusal = json.loads(out)
    assert refusal["series"] is None and refusal["booked"] == []
    assert [c["booking"] for c in refusal["clashes"]] == [blocker]
    assert "Thu 17 Dec 2026 10:00–11:00: held 10:30–11:30 by JCP" in err
    code, out, err = cli("change", str(ids[1]), "--start", "2026-12-03 11:30", "--end",
                         "12:30", "--following", "--json", login="desk")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"series", "booked", "clashes", "skipped"}
    assert [b["id"] for b in result["booked"]] == ids[1:]
    assert {b["start"][11:16] for b in result["booked"]} == {"11:30"}
    assert result["clashes"] == []
    code, out, err = cli("change", str(blocker), "--end", "12:00", "--following")
    assert code == 2 and "not part of a series" in err


def test_undo(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    bid = _book(cli, "IR1", "2026-11-23 09:00", "10:00", "--org", "NCS")
    assert cli("checkin", str(bid), login="desk")[0] == 0
    code, out, err = cli("undo", str(bid), login="ncs")
    assert code == 1 and "Advisers cannot undo" in err
    code, out, err = cli("undo", str(bid), login="desk")
    assert code == 0 and f"Undid the check-in of #{bid}" in out and "confirmed again" in out
    code, out, err = cli("undo", str(bid), "--json", login="desk")
    assert code == 1 and "no check-in, no-show, release or cancellation" in err
    assert cli("cancel", str(bid), login="ncs")[0] == 0
    code, out, err = cli("undo", str(bid), "--json", login="ncs")
    assert code == 0 and json.loads(out)["status"] == "confirmed"
    assert cli("undo", "777", login="desk")[0] == 2
    code, out, err = cli("audit", "--booking", str(bid), "--json")
    actions = [a["action"] for a in json.loads(out)]
    assert actions == ["create", "checkin", "undo", "cancel", "undo"]
