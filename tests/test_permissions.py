"""Who may do what: every role x every action x own/other organisation, allowed or refused
with the message that says what the role may not do."""

from __future__ import annotations

import datetime as dt
import itertools
import os

import pendulum
import pytest

from booking import allocations, audit, permissions
from booking.errors import NotPermitted
from booking.service import Cospace
from cli.main import main
from tests.conftest import LONDON, NOW, as_user

UNKNOWN = "is not a cospace user: you can look at the board (busy/free) but nothing else. " \
          "Ask an administrator to add you"

#: role login -> (own organisation, another organisation)
ORGS = {
    "admin": ("JCP", "NCS"),
    "desk": ("JCP", "NCS"),
    "ncs": ("NCS", "PROB"),
    "estates": ("JCP", "NCS"),
    "nobody": ("NCS", "PROB"),
}

ADVISER_BOOKING = {
    ("book", "own"): None,
    ("book", "other"): "Advisers can book for only their own organisation (NCS), not PROB.",
    ("cancel", "own"): None,
    ("cancel", "other"):
        "Advisers can cancel only their own organisation's bookings (NCS), not PROB.",
    ("checkin", "own"): "Advisers cannot check bookings in; the front desk does that.",
    ("checkin", "other"): "Advisers cannot check bookings in; the front desk does that.",
    ("noshow", "own"): "Advisers cannot mark bookings as no-shows; the front desk does that.",
    ("noshow", "other"): "Advisers cannot mark bookings as no-shows; the front desk does that.",
}
ESTATES_BOOKING = {
    (a, w): m
    for (a, m) in (
        ("book", "Estates staff cannot book spaces (booking details are for the organisations "
                 "themselves)."),
        ("cancel", "Estates staff cannot cancel bookings."),
        ("checkin", "Estates staff cannot check bookings in; the front desk does that."),
        ("noshow", "Estates staff cannot mark bookings as no-shows; the front desk does that."),
    )
    for w in ("own", "other")
}
ANY_BOOKING = {(a, w): None for a in ("book", "cancel", "checkin", "noshow")
               for w in ("own", "other")}
UNKNOWN_BOOKING = {(a, w): UNKNOWN for a in ("book", "cancel", "checkin", "noshow")
                   for w in ("own", "other")}

ADMIN_ACTIONS = ("org-add", "site-add", "space-add", "staff-add", "allocation-set",
                 "allocation-list", "allocation-usage", "audit", "free", "list")


def admin_expect(label: str, allowed: set[str]) -> dict[str, str | None]:
    words = {
        "org-add": "manage organisations", "site-add": "manage sites",
        "space-add": "manage spaces", "staff-add": "manage staff or roles",
        "allocation-set": "set allocations", "allocation-usage": "read usage reports",
    }
    return {a: (None if a in allowed else f"{label} cannot {words[a]}.") for a in ADMIN_ACTIONS}


EXPECTED: dict[str, tuple[dict, dict]] = {
    "admin": (ANY_BOOKING, admin_expect("Administrators", set(ADMIN_ACTIONS))),
    "desk": (ANY_BOOKING, admin_expect("Front-desk staff", {
        "allocation-list", "allocation-usage", "audit", "free", "list"})),
    "ncs": (ADVISER_BOOKING, admin_expect("Advisers", {
        "allocation-list", "allocation-usage", "audit", "free", "list"})),
    "estates": (ESTATES_BOOKING, admin_expect("Estates staff", {
        "org-add", "site-add", "space-add", "allocation-set", "allocation-list",
        "allocation-usage", "audit", "free", "list"})),
    "nobody": (UNKNOWN_BOOKING, {a: (None if a == "list" else UNKNOWN) for a in ADMIN_ACTIONS}),
}

NOON = pendulum.datetime(2026, 11, 23, 12, 0, tz=LONDON)


class Slots:
    """Distinct free slots later today, one per booking the matrix needs."""

    def __init__(self) -> None:
        self._it = itertools.product(range(20), ("IR2", "IR4", "D01", "D02", "WS1"))

    def next(self) -> tuple[str, pendulum.DateTime]:
        i, space = next(self._it)
        return space, NOON.add(minutes=15 * i)


def _matches(want: str | None, got: str | None) -> bool:
    """Allowed when expected; else the refusal contains the whole expected message."""
    return got is None if want is None else (got is not None and want in got)


def _run(fn, *args, **kwargs) -> str | None:  # type: ignore[no-untyped-def]
    try:
        fn(*args, **kwargs)
    except NotPermitted as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("login", list(EXPECTED))
def test_permission_matrix(app, clock, login):
    clock.set(NOON.in_timezone("UTC"))
    admin = app
    me = as_user(app, login)
    own, other = ORGS[login]
    slots = Slots()
    booking_expect, admin_expected = EXPECTED[login]
    got: dict = {}

    def booking_of(org: str) -> int:
        space, start = slots.next()
        return admin.book(space, start, start.add(minutes=15), org=org).id

    for which, org in (("own", own), ("other", other)):
        space, start = slots.next()
        got[("book", which)] = _run(me.book, space, start, start.add(minutes=15), org=org)
        bid = booking_of(org)
        got[("cancel", which)] = _run(me.cancel, bid)
        bid2 = booking_of(org)
        got[("checkin", which)] = _run(me.checkin, bid2)
        space, start = slots.next()
        bid3 = admin.book(space, start, start.add(minutes=15), org=org).id
        clock.set(start.in_timezone("UTC"))
        got[("noshow", which)] = _run(me.noshow, bid3)
        clock.set(NOON.in_timezone("UTC"))
    problems = [f"{k}: expected {booking_expect[k]!r}, got {v!r}"
                for k, v in got.items() if not _matches(booking_expect[k], v)]

    n = iter(range(100))
    actions = {
        "org-add": lambda: me.add_org(f"O{next(n)}", "Org"),
        "site-add": lambda: me.add_site(f"S{next(n)}", "Site"),
        "space-add": lambda: me.add_space(f"X{next(n)}", site="NGT", kind="desk", capacity=1),
        "staff-add": lambda: me.add_staff(f"u{next(n)}", name="U", org="NCS", role="adviser"),
        "allocation-set": lambda: allocations.set_allocation(me, "NCS", site="NGT",
                                                             kind="desk", max_at_once=5),
        "allocation-list": lambda: allocations.list_allocations(me),
        "allocation-usage": lambda: allocations.usage(me, site="NGT", week="2026-11-23"),
        "audit": lambda: audit.trail(me),
        "free": lambda: me.find_free("NGT", "interview", "2026-11-24 09:00", "10:00"),
        "list": lambda: me.list_bookings(site="NGT"),
    }
    for name, fn in actions.items():
        result = _run(fn)
        want = admin_expected[name]
        if not _matches(want, result):
            problems.append(f"{name}: expected {want!r}, got {result!r}")
    today = permissions.may_admin_action(me.actor, "today")
    if today != (login in ("admin", "desk")):
        problems.append(f"today screen: {today}")
    assert not problems, "\n".join(problems)


def test_unknown_login_is_told_how_to_get_access_by_every_cli_command(app, capsys, sqlite_url):
    commands = [
        ["book", "IR1", "2026-11-26 09:00", "10:00", "--org", "NCS"],
        ["free", "NGT", "interview", "2026-11-26 09:00", "10:00"],
        ["cancel", "1"], ["checkin", "1"], ["noshow", "1"],
        ["org", "add", "X", "--name", "X"],
        ["site", "add", "X", "--name", "X"],
        ["space", "add", "X", "--site", "NGT", "--kind", "desk", "--capacity", "1"],
        ["staff", "add", "x", "--name", "x", "--org", "JCP", "--role", "admin"],
        ["allocation", "set", "NCS", "--site", "NGT", "--kind", "desk", "--max-at-once", "1"],
        ["allocation", "list"],
        ["allocation", "usage", "--site", "NGT", "--week", "2026-11-23"],
        ["audit"], ["audit", "--json"],
        ["list", "--org", "NCS"],
    ]
    as_user(app, "desk").book("IR1", "2026-11-26 09:00", "10:00", org="NCS")
    for argv in commands:
        code = main(["--db", sqlite_url, "--as", "stranger", *argv])
        err = capsys.readouterr().err
        assert code == 1, (argv, err)
        assert "'stranger' is not a cospace user" in err, (argv, err)
        assert "cospace staff add stranger" in err, (argv, err)


def test_unknown_login_sees_busy_free_only(app, capsys, sqlite_url):
    desk = as_user(app, "desk")
    kept = desk.book("IR1", "2026-11-26 09:00", "10:00", org="NCS", purpose="Careers chat",
                     attendees=2)
    gone = desk.book("IR2", "2026-11-26 09:00", "10:00", org="NCS", purpose="Gone")
    desk.cancel(gone.id)
    import json

    assert main(["--db", sqlite_url, "--as", "stranger", "list", "--from", "2026-11-26",
                 "--to", "2026-11-26", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in rows] == [kept.id]  # cancelled bookings are not "busy"
    row = rows[0]
    assert row["org"] is None and row["purpose"] is None and row["booked_by"] is None
    assert row["attendees"] is None and row["space"] == "IR1" and row["status"] == "confirmed"
    assert main(["--db", sqlite_url, "--as", "stranger", "list", "--from", "2026-11-26",
                 "--to", "2026-11-26"]) == 0
    out = capsys.readouterr().out
    assert "busy" in out and "NCS" not in out and "Careers" not in out
    board = as_user(app, "stranger").day_bookings("NGT", dt.date(2026, 11, 26))
    assert [(v.space, v.org, v.purpose) for v in board] == [("IR1", "", None)]


def test_os_login_and_env_choose_the_actor(app, capsys, sqlite_url, monkeypatch):
    """--as beats COSPACE_USER, which beats the operating-system login."""
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())  # the CLI reads the clock; pin it
    monkeypatch.setenv("COSPACE_USER", "estates")
    code = main(["--db", sqlite_url, "book", "IR1", "2026-11-26 09:00", "10:00", "--org", "NCS"])
    assert code == 1 and "Estates staff cannot book" in capsys.readouterr().err
    code = main(["--db", sqlite_url, "--as", "desk", "book", "IR1", "2026-11-26 09:00",
                 "10:00", "--org", "NCS"])
    assert code == 0
    monkeypatch.delenv("COSPACE_USER")
    monkeypatch.setenv("USER", "someone-unknown")
    monkeypatch.setenv("LOGNAME", "someone-unknown")
    code = main(["--db", sqlite_url, "cancel", "1"])
    assert code == 1 and "not a cospace user" in capsys.readouterr().err


def test_inactive_staff_are_unknown(app):
    from sqlalchemy import update

    from db.engine import write_tx
    from db.tables import Staff

    with write_tx(app.engine) as conn:
        conn.execute(update(Staff.__table__).where(Staff.__table__.c.login == "ncs2")
                     .values(active=False))
    with pytest.raises(NotPermitted, match="'ncs2' is not a cospace user"):
        as_user(app, "ncs2").book("IR4", "2026-11-26 09:00", "10:00")


def test_only_an_admin_upgrades_a_store(app, sqlite_url):
    from sqlalchemy import text

    from db.engine import write_tx

    before = app.counts()
    again, was_new = Cospace.init(sqlite_url, "stranger", app.clock)  # up to date: no change
    assert not was_new and again.counts() == before and not again.actor.known
    with write_tx(app.engine) as conn:  # a store written by an older cospace
        conn.execute(text("UPDATE alembic_version SET version_num = '0000_older'"))
    with pytest.raises(NotPermitted, match="Estates staff cannot upgrade the store"):
        Cospace.init(sqlite_url, "estates", app.clock)
    with pytest.raises(NotPermitted, match="'stranger' is not a cospace user"):
        Cospace.init(sqlite_url, "stranger", app.clock)


def test_sqlite_store_is_created_owner_only(tmp_path, clock):
    path = tmp_path / "sub" / "store.db"
    app, _ = Cospace.init(f"sqlite:///{path}", "admin", clock)
    app.add_org("JCP", "Jobcentre", host=True)
    assert os.stat(path).st_mode & 0o777 == 0o600
    for extra in (path.with_name("store.db-wal"), path.with_name("store.db-shm")):
        if extra.exists():
            assert os.stat(extra).st_mode & 0o077 == 0, extra
