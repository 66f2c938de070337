"""Issue 12: who you are is proven, and privacy is enforced by the store itself.

On PostgreSQL each person signs in as their own database login (created by ``staff add``) and
the store's privileges, row-level security and security-barrier views decide what that login
reads and writes, whatever SQL it sends; cospace shows the same through every output. The
audit trail is append-only on both backends. Roles are the whole server's, so every login made
here carries this test's unique suffix, and the session fixture drops them afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from booking import permissions
from booking.models import Actor
from booking.service import Cospace
from cli.main import main
from tests.conftest import NOW, as_user

DAY = dt.date(2026, 11, 26)


def _url_as(url: str, login: str) -> str:
    return make_url(url).set(username=login).render_as_string(hide_password=False)


class Deployment:
    """A seeded PostgreSQL store and its staff, each signing in as themselves."""

    def __init__(self, url: str, clock) -> None:  # type: ignore[no-untyped-def]
        self.url = url
        self.suffix = uuid.uuid4().hex[:6]
        self.owner, _ = Cospace.init(url, None, clock)  # the superuser owner: the admin
        owner = self.owner
        owner.add_org("JCP", "Jobcentre Plus", host=True)
        owner.add_org("NCS", "National Careers Service")
        owner.add_org("PROB", "Probation Service")
        owner.add_site("NGT", "Northgate", hours="mon-fri 08:30-17:00")
        for code, private in (("IR1", True), ("IR2", True), ("IR4", False), ("IR5", True)):
            owner.add_space(code, site="NGT", kind="interview", capacity=4, private=private)
        owner.add_space("D01", site="NGT", kind="desk", capacity=1)
        # Dots in logins: role names must be quoted identifiers everywhere.
        self.login = {k: f"{k}.{self.suffix}" for k in ("ncs", "ncs2", "prob", "desk",
                                                        "estates", "adm")}
        for key, org, role in (("ncs", "NCS", "adviser"), ("ncs2", "NCS", "adviser"),
                               ("prob", "PROB", "adviser"), ("desk", "JCP", "front-desk"),
                               ("estates", "JCP", "estates"), ("adm", "JCP", "admin")):
            owner.add_staff(self.login[key], name=f"{key} person", org=org, role=role)
        self.clock = clock

    def url_of(self, key: str) -> str:
        return _url_as(self.url, self.login[key])

    def app(self, key: str) -> Cospace:
        """cospace as that person, signed in to the database as themselves (no --as)."""
        return Cospace.open(self.url_of(key), None, self.clock)

    def cli(self, key: str, *args: str) -> int:
        return main(["--db", self.url_of(key), *args])


SECRETS = {
    "ncs": "NCS-careers-plan-7731",
    "ncs-conf": "NCS-confidential-disclosure-7732",
    "prob": "PROB-licence-meeting-7733",
    "prob-conf": "PROB-confidential-risk-7734",
    "jcp": "JCP-work-search-review-7735",
}
#: who may read which purpose: own organisation; a confidential one only its booker
MAY_READ = {"ncs": {"ncs", "ncs-conf"}, "ncs2": {"ncs"}, "prob": {"prob", "prob-conf"},
            "desk": {"jcp"}, "estates": set()}


@pytest.fixture
def deployment(pg_url, clock):  # type: ignore[no-untyped-def]
    d = Deployment(pg_url, clock)
    d.ids = {
        "ncs": d.app("ncs2").book("IR4", f"{DAY} 09:00", "10:00", purpose=SECRETS["ncs"],
                                  attendees=2).id,
        "ncs-conf": d.app("ncs").book("IR1", f"{DAY} 09:00", "10:00",
                                      purpose=SECRETS["ncs-conf"], confidential=True).id,
        "prob": d.app("prob").book("IR5", f"{DAY} 09:00", "10:00",
                                   purpose=SECRETS["prob"]).id,
        "prob-conf": d.app("prob").book("IR2", f"{DAY} 09:00", "10:00",
                                        purpose=SECRETS["prob-conf"], confidential=True).id,
        "jcp": d.app("desk").book("D01", f"{DAY} 09:00", "12:00", purpose=SECRETS["jcp"]).id,
    }
    d.app("desk").cancel(d.ids["jcp"])  # a change: its audit record carries values too
    return d


def _found(text_: str) -> set[str]:
    return {k for k, v in SECRETS.items() if v in text_}


def _everything_readable(url: str) -> str:
    """Every column of every table and view this login may SELECT, as one text."""
    eng = create_engine(url)
    chunks: list[str] = []
    try:
        with eng.connect() as conn:
            rels = conn.execute(text(
                "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                "AND c.relkind IN ('r', 'v', 'm')")).all()
            for oid, name in rels:
                cols = conn.execute(text(
                    "SELECT attname FROM pg_attribute WHERE attrelid = :o AND attnum > 0 "
                    "AND NOT attisdropped AND has_column_privilege(:o, attnum, 'SELECT')"),
                    {"o": oid}).scalars().all()
                if not cols:
                    continue
                sel = ", ".join(f'CAST("{c}" AS TEXT)' for c in cols)
                for row in conn.execute(text(f'SELECT {sel} FROM "{name}"')):
                    chunks.append(f"{name}: " + " | ".join(str(v) for v in row))
    finally:
        eng.dispose()
    return "\n".join(chunks)


# ------------------------------------------------------------------ reading
@pytest.mark.postgres
@pytest.mark.parametrize("who", ["ncs", "ncs2", "prob", "desk", "estates"])
def test_each_role_reads_exactly_what_the_rule_allows_by_any_means(deployment, who, capsys,
                                                                   monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    d = deployment
    allowed = MAY_READ[who]
    # cospace's outputs: list --json, export, iCal and the audit trail
    assert d.cli(who, "list", "--from", str(DAY), "--to", str(DAY), "--json") == 0
    listed = capsys.readouterr().out
    rows = {r["id"]: r for r in json.loads(listed)}
    assert _found(listed) == allowed
    assert {r["org"] for r in rows.values()} == {"NCS", "PROB", "JCP"}  # org for all staff
    assert set(rows) == set(d.ids.values())
    own_org = {"ncs": "ncs", "ncs2": "ncs", "prob": "prob", "desk": "jcp"}.get(who)
    for key, bid in d.ids.items():
        r = rows[bid]
        booker = key in allowed and key.endswith("conf")
        own = key.split("-")[0] == own_org and not key.endswith("conf")
        people = who == "desk" or own or booker
        assert (r["attendees"] is not None) == people, (who, key)
        assert (r["booked_by"] is not None) == people, (who, key)
    assert d.cli(who, "export", "bookings", "--site", "NGT", "--from", str(DAY),
                 "--to", str(DAY)) == 0
    assert _found(capsys.readouterr().out) == allowed
    ical = ""
    for org in ("NCS", "PROB", "JCP"):
        assert d.cli(who, "export", "ical", "--org", org, "--from", str(DAY),
                     "--to", str(DAY)) == 0
        ical += capsys.readouterr().out
    assert _found(ical) <= allowed
    assert d.cli(who, "audit", "--json") == 0
    trail = capsys.readouterr().out
    assert _found(trail) == allowed
    # the other commands a role uses still work under the store's own rules
    if who != "estates":
        assert d.cli(who, "free", "NGT", "workshop", f"{DAY} 10:00", "11:00") == 0  # unmet
    if who in ("desk", "estates"):
        assert d.cli(who, "report", "utilisation", "--site", "NGT", "--from", str(DAY),
                     "--to", str(DAY), "--format", "json") == 0
        assert _found(capsys.readouterr().out) == set()
    capsys.readouterr()
    # psql: every table and view the role can read holds no detail of anyone else's
    raw = _everything_readable(d.url_of(who))
    assert _found(raw) == allowed
    assert "booking_detail" in raw if who != "estates" else True


@pytest.mark.postgres
def test_partner_roles_cannot_read_private_columns_or_the_audit_table(deployment):
    eng = create_engine(deployment.url_of("ncs"))
    with eng.connect() as conn:
        for col in ("purpose", "attendees", "booked_by_id"):
            assert conn.execute(text(
                f"SELECT has_column_privilege('booking', '{col}', 'SELECT')")).scalar() is False
        assert conn.execute(text(
            "SELECT has_column_privilege('audit', 'after', 'SELECT')")).scalar() is False
        with pytest.raises(DBAPIError) as err:
            conn.execute(text("SELECT purpose FROM booking"))
        assert err.value.orig.sqlstate == "42501"
    eng.dispose()


# ------------------------------------------------------------------ writing
def _insert(org: str, space: str, hour: int, booker_login: str | None,
            day: str = "2026-11-27") -> str:
    booker = (f"(SELECT id FROM staff WHERE login = '{booker_login}')" if booker_login
              else "NULL")
    return (
        "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, status, "
        "attendees, purpose, confidential, created_at, updated_at) VALUES ("
        f"(SELECT id FROM space WHERE code = '{space}'), "
        f"(SELECT id FROM organisation WHERE code = '{org}'), {booker}, "
        f"'{day} {hour:02d}:00+00', '{day} {hour:02d}:30+00', 'confirmed', 1, "
        "'raw', false, now(), now())")


@pytest.mark.postgres
def test_a_partner_role_writes_only_its_own_organisations_bookings(deployment):
    d = deployment
    ncs = d.login["ncs"]
    eng = create_engine(d.url_of("ncs"))
    with pytest.raises(DBAPIError) as err, eng.begin() as conn:
        conn.execute(text(_insert("PROB", "IR4", 10, ncs)))
    assert err.value.orig.sqlstate == "42501"  # new row violates row-level security
    with pytest.raises(DBAPIError), eng.begin() as conn:  # booked in a colleague's name
        conn.execute(text(_insert("NCS", "IR4", 10, d.login["ncs2"])))
    with eng.begin() as conn:  # its own: allowed
        conn.execute(text(_insert("NCS", "IR4", 10, ncs)))
    with eng.begin() as conn:
        other = conn.execute(text("UPDATE booking SET status = 'cancelled' WHERE id = :i"),
                             {"i": d.ids["prob"]})
        assert other.rowcount == 0
        own = conn.execute(text("UPDATE booking SET status = 'cancelled' WHERE id = :i"),
                           {"i": d.ids["ncs"]})
        assert own.rowcount == 1
    with pytest.raises(DBAPIError) as err, eng.begin() as conn:  # give it to another org
        conn.execute(text("UPDATE booking SET org_id = (SELECT id FROM organisation "
                          "WHERE code = 'PROB') WHERE id = :i"), {"i": d.ids["ncs-conf"]})
    assert err.value.orig.sqlstate == "42501"
    with pytest.raises(DBAPIError), eng.begin() as conn:
        conn.execute(text("DELETE FROM booking WHERE id = :i"), {"i": d.ids["ncs-conf"]})
    # The exclusion constraint still decides clashes, and cospace's refusal names no detail.
    with pytest.raises(DBAPIError) as err, eng.begin() as conn:
        conn.execute(text(_insert("NCS", "IR2", 9, ncs, day=str(DAY))))
    assert err.value.orig.sqlstate == "23P01"
    assert SECRETS["prob-conf"] not in str(err.value)
    eng.dispose()
    with d.owner.engine.connect() as conn:
        status = conn.execute(text("SELECT status FROM booking WHERE id = :i"),
                              {"i": d.ids["prob"]}).scalar()
    assert status == "confirmed"
    from booking.errors import Conflict

    with pytest.raises(Conflict) as clash:
        d.app("ncs").book("IR2", f"{DAY} 09:30", "10:30")
    assert "PROB" in clash.value.message and SECRETS["prob-conf"] not in clash.value.message


# ------------------------------------------------------------------ identity
@pytest.mark.postgres
def test_as_is_refused_for_a_non_administrator_and_audited_for_one(deployment, capsys,
                                                                   monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    d = deployment
    assert d.cli("ncs", "--as", d.login["desk"], "list", "--json") == 1
    err = capsys.readouterr().err
    assert "only a cospace administrator may act as someone else" in err
    assert "Traceback" not in err
    with monkeypatch.context() as m:
        m.setenv("COSPACE_USER", d.login["desk"])
        assert d.cli("prob", "audit") == 1
    capsys.readouterr()
    # An administrator may act as the front desk; the store records both.
    assert d.cli("adm", "--as", d.login["desk"], "book", "IR4", f"{DAY} 14:00", "15:00",
                 "--org", "NCS", "--json") == 0
    booked = json.loads(capsys.readouterr().out)
    assert booked["booked_by"] == d.login["desk"]
    assert d.cli("adm", "audit", "--booking", str(booked["id"]), "--json") == 0
    record = json.loads(capsys.readouterr().out)[0]
    assert (record["actor"], record["signed_in_as"]) == (d.login["desk"], d.login["adm"])
    assert d.cli("adm", "audit", "--booking", str(booked["id"])) == 0
    assert f"{d.login['adm']} acting as {d.login['desk']}" in capsys.readouterr().out
    # Signed in as themselves, nobody needs --as: the database login is the actor.
    assert d.app("desk").login == d.login["desk"]
    assert d.app("desk").actor.role == "front-desk"


@pytest.mark.postgres
def test_staff_changes_change_the_database_grants(deployment):
    d = deployment
    eng = create_engine(d.owner.engine.url.render_as_string(hide_password=False))
    db = make_url(d.url).database

    def groups(login: str) -> set[str]:
        with eng.connect() as conn:
            return set(conn.execute(text(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = :l"),
                {"l": login}).scalars())

    ncs2 = d.login["ncs2"]
    assert groups(ncs2) == {f"{db}_adviser"}
    with eng.begin() as conn:
        conn.execute(text("UPDATE staff SET active = false WHERE login = :l"), {"l": ncs2})
    assert groups(ncs2) == set()
    assert d.cli("ncs2", "list") == 1  # no role here any more: a plain refusal
    with eng.begin() as conn:
        conn.execute(text("UPDATE staff SET active = true, role = 'estates', org_id = "
                          "(SELECT id FROM organisation WHERE code = 'JCP') WHERE login = :l"),
                     {"l": ncs2})
    assert groups(ncs2) == {f"{db}_estates"}
    eng.dispose()


@pytest.mark.postgres
def test_a_login_that_is_not_staff_here_is_refused_plainly(deployment, capsys):
    d = deployment
    stranger = f"stranger.{d.suffix}"
    admin = create_engine(d.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{stranger}" LOGIN'))
        conn.execute(text(f"COMMENT ON ROLE \"{stranger}\" IS "
                          f"'cospace login created for database {make_url(d.url).database}'"))
    admin.dispose()
    assert main(["--db", _url_as(d.url, stranger), "list"]) == 1
    err = capsys.readouterr().err
    assert "does not let" in err and "Traceback" not in err


# ------------------------------------------------------------------ one rule, property
def _rule_in_sql(conn, login: str) -> dict[int, tuple[bool, bool]]:  # type: ignore[no-untyped-def]
    rows = conn.execute(text("SELECT id, attendees IS NOT NULL, purpose IS NOT NULL "
                             "FROM booking_detail")).all()
    return {r[0]: (bool(r[1]), bool(r[2])) for r in rows}


@pytest.mark.postgres
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["JCP", "NCS", "PROB"]), st.booleans(),
                          st.sampled_from(["ncs", "ncs2", "prob", "desk", None])),
                min_size=1, max_size=8))
def test_the_store_applies_the_same_rule_as_cospace(pg_deployment, bookings):
    """For random bookings (organisation, confidential, booker), what ``booking_detail``
    shows each signed-in role is exactly :func:`permissions.booking_visibility`."""
    d, engines = pg_deployment
    with d.owner.engine.begin() as conn:
        conn.execute(text("DELETE FROM booking"))
        staff = {r.login: r for r in conn.execute(text(
            "SELECT s.id, s.login, s.org_id, s.role, o.code FROM staff s "
            "LEFT JOIN organisation o ON o.id = s.org_id"))}
        orgs = dict(conn.execute(text("SELECT code, id FROM organisation")).all())
        expected: dict[str, dict[int, tuple[bool, bool]]] = {k: {} for k in engines}
        for i, (org, conf, booker) in enumerate(bookings):
            bid = conn.execute(text(
                "INSERT INTO booking (space_id, org_id, booked_by_id, start_at, end_at, status, "
                "attendees, purpose, confidential, created_at, updated_at) VALUES ("
                "(SELECT id FROM space WHERE code = 'IR4'), :o, :b, :s, :e, 'cancelled', 1, "
                "'p', :c, now(), now()) RETURNING id"),
                {"o": orgs[org], "b": staff[d.login[booker]].id if booker else None,
                 "s": dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                 "e": dt.datetime(2026, 12, 1, 10, tzinfo=dt.UTC) + dt.timedelta(hours=i),
                 "c": conf}).scalar()
            for key in engines:
                s = staff[d.login[key]]
                actor = Actor(login=s.login, staff_id=s.id, org_id=s.org_id, org_code=s.code,
                              role=s.role)
                seen = permissions.booking_visibility(
                    actor, org_id=orgs[org], confidential=conf,
                    booked_by_id=staff[d.login[booker]].id if booker else None)
                expected[key][bid] = (seen.people, seen.purpose)
    for key, eng in engines.items():
        with eng.connect() as conn:
            assert _rule_in_sql(conn, d.login[key]) == expected[key], key


@pytest.fixture
def pg_deployment(pg_url, clock):  # type: ignore[no-untyped-def]
    d = Deployment(pg_url, clock)
    engines = {k: create_engine(d.url_of(k)) for k in ("ncs", "ncs2", "prob", "desk",
                                                       "estates")}
    yield d, engines
    for eng in engines.values():
        eng.dispose()


# ------------------------------------------------------------------ the audit trail
def test_audit_records_cannot_be_changed_or_deleted(any_app):
    with any_app.engine.connect() as conn:
        first = conn.execute(text("SELECT min(id) FROM audit")).scalar()
    for stmt in ("UPDATE audit SET actor = 'nobody' WHERE id = :i",
                 "DELETE FROM audit WHERE id = :i"):
        with pytest.raises(DBAPIError) as err, any_app.engine.begin() as conn:
            conn.execute(text(stmt), {"i": first})
        assert "append-only" in str(err.value)
    with any_app.engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit WHERE id = :i"),
                            {"i": first}).scalar() != "nobody"


@pytest.mark.postgres
def test_no_cospace_role_may_change_the_audit_trail(deployment):
    for who in ("adm", "desk", "ncs"):
        eng = create_engine(deployment.url_of(who))
        for stmt in ("UPDATE audit SET reason = 'x'", "DELETE FROM audit",
                     "TRUNCATE audit"):
            with pytest.raises(DBAPIError), eng.begin() as conn:
                conn.execute(text(stmt))
        eng.dispose()


# ------------------------------------------------------------------ SQLite, and leaks
def test_an_existing_sqlite_store_is_tightened_to_0600(tmp_path, clock):
    path = tmp_path / "team.db"
    Cospace.init(f"sqlite:///{path}", "admin", clock)
    os.chmod(path, 0o644)
    Cospace.open(f"sqlite:///{path}", "admin", clock)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_help_says_sqlite_is_one_trust_domain(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "one trust domain" in out and "need PostgreSQL" in out.replace("\n  ", " ")


def test_an_unknown_login_is_refused_everything_but_the_board(app, capsys):
    url = app.engine.url.render_as_string(hide_password=False)
    desk = as_user(app, "desk")
    desk.book("IR1", f"{DAY} 09:00", "10:00", org="PROB", confidential=True, purpose="x")
    for args in (["export", "bookings", "--site", "NGT", "--from", str(DAY), "--to", str(DAY)],
                 ["closure", "list", "NGT"],
                 ["book", "IR4", f"{DAY} 11:00", "12:00", "--repeat", "weekly", "--count", "2"],
                 ["cancel", "--org", "PROB", "--from", str(DAY), "--to", str(DAY),
                  "--dry-run"]):
        assert main(["--db", url, "--as", "stranger", *args]) == 1, args
        assert "not a cospace user" in capsys.readouterr().err
    assert main(["--db", url, "--as", "stranger", "list", "--from", str(DAY), "--to",
                 str(DAY), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["confidential"] is False and row["series"] is None and row["org"] is None


def test_a_dry_run_lists_only_what_the_caller_may_cancel(app, capsys, monkeypatch):
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    url = app.engine.url.render_as_string(hide_password=False)
    as_user(app, "prob").book("IR5", f"{DAY} 09:00", "10:00", purpose="licence")
    code = main(["--db", url, "--as", "ncs", "cancel", "--org", "PROB", "--from", str(DAY),
                 "--to", str(DAY), "--dry-run"])
    captured = capsys.readouterr()
    assert code == 1 and "prob" not in captured.out
    assert "only their own organisation" in captured.err


def test_an_override_reason_is_not_shown_to_estates(app, capsys):
    from booking import allocations, audit

    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=0)
    view = as_user(app, "desk").book("IR4", f"{DAY} 09:00", "10:00", org="NCS",
                                     override="Client fleeing violence")
    entries = audit.trail(as_user(app, "estates"), booking=view.id)
    assert entries and all("violence" not in (e.reason or "") for e in entries)
    assert any("violence" in e.reason for e in audit.trail(app, booking=view.id))  # admin



@pytest.mark.postgres
def test_the_display_role_reads_public_slots_only(deployment, capsys):
    d = deployment
    board = f"board.{d.suffix}"
    db = make_url(d.url).database
    admin = create_engine(d.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{board}" LOGIN'))
        conn.execute(text(f"COMMENT ON ROLE \"{board}\" IS "
                          f"'cospace login created for database {db}'"))
        conn.execute(text(f'GRANT "{db}_display" TO "{board}"'))
    admin.dispose()
    url = _url_as(d.url, board)
    raw = _everything_readable(url)
    assert _found(raw) == set()
    readable = {line.split(":")[0] for line in raw.splitlines()}
    assert readable <= {"booking", "site", "space", "organisation", "opening_hours", "closure",
                        "alembic_version", "audit"}
    assert "booking" in readable and "staff" not in readable
    assert main(["--db", url, "list", "--from", str(DAY), "--to", str(DAY), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rows} == {d.ids[k] for k in SECRETS if k != "jcp"}  # active only
    assert all(r["purpose"] is None and r["booked_by"] is None for r in rows)
    assert main(["--db", url, "book", "IR4", f"{DAY} 15:00", "16:00"]) == 1
    capsys.readouterr()
    with pytest.raises(DBAPIError), create_engine(url).begin() as conn:
        conn.execute(text("UPDATE booking SET status = 'cancelled'"))


@pytest.mark.postgres
@pytest.mark.slow
def test_the_demo_logins_sign_in_as_themselves(pg_url, capsys, monkeypatch):
    """``init --demo`` on PostgreSQL creates the demo staff's login roles, so the README's
    demo works against a trust server with the adviser's own login in the URL."""
    monkeypatch.setenv("COSPACE_NOW", "2026-11-23T08:00:00+00:00")
    assert main(["--db", pg_url, "init", "--demo"]) == 0
    capsys.readouterr()
    assert main(["--db", _url_as(pg_url, "ncs.adviser"), "list", "--json", "--from",
                 "2026-11-23", "--to", "2026-11-27"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows and {r["org"] for r in rows} > {"NCS"}
    assert all(r["purpose"] is None for r in rows if r["org"] != "NCS")
    assert any(r["purpose"] for r in rows if r["org"] == "NCS" and not r["confidential"])
    assert main(["--db", _url_as(pg_url, "ncs.adviser"), "--as", "frontdesk", "list"]) == 1


@pytest.mark.postgres
def test_the_documented_least_privilege_set_up_works(pg_server_url, capsys, monkeypatch):
    """docs/shared-postgresql.md from scratch: an owner with CREATEROLE but no superuser
    right owns the database and runs init; staff it adds sign in as themselves and get
    exactly their rights; the owner is bound by the append-only audit too."""
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    base = make_url(pg_server_url)
    name = f"cospace_t_lp_{uuid.uuid4().hex[:8]}"
    owner = f"{name}_owner"
    su = create_engine(base.set(database="postgres").render_as_string(hide_password=False),
                       isolation_level="AUTOCOMMIT")
    with su.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
        conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC'))
    url = base.set(database=name, username=owner).render_as_string(hide_password=False)
    adviser = f"ncs.{name[-8:]}"
    try:
        assert main(["--db", url, "init"]) == 0
        assert owner in capsys.readouterr().out  # the owner is the administrator
        for args in (["org", "add", "JCP", "--name", "Jobcentre", "--host"],
                     ["org", "add", "NCS", "--name", "Careers"],
                     ["site", "add", "NGT", "--name", "Northgate"],
                     ["space", "add", "IR1", "--site", "NGT", "--kind", "interview",
                      "--capacity", "2"],
                     ["staff", "add", adviser, "--name", "Priya", "--org", "NCS",
                      "--role", "adviser"]):
            assert main(["--db", url, *args]) == 0, args
        me = make_url(url).set(username=adviser).render_as_string(hide_password=False)
        assert main(["--db", me, "book", "IR1", f"{DAY} 09:00", "10:00", "--purpose",
                     "plan"]) == 0
        assert main(["--db", me, "staff", "add", "x", "--name", "x", "--org", "NCS",
                     "--role", "admin"]) == 1
        with pytest.raises(DBAPIError), create_engine(url).begin() as conn:
            conn.execute(text("DELETE FROM audit"))
        capsys.readouterr()
    finally:
        with su.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            for suffix in ("frontdesk", "adviser", "estates", "admin", "display"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}_{suffix}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{adviser}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{owner}"'))
        su.dispose()
