"""Shared fixtures: real SQLite files, a real PostgreSQL where one is configured, a fixed clock.

PostgreSQL tests use ``COSPACE_TEST_PG`` (a SQLAlchemy URL to a database the tests may fill,
e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Without it they skip, saying how
to run them; in CI (``CI=true``) a skipped PostgreSQL test is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator

import pendulum
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from booking.service import Cospace

LONDON = "Europe/London"
#: Monday 23 November 2026, 08:00 in London: the tests' "now".
NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz=LONDON).in_timezone("UTC")
PG_ENV = "COSPACE_TEST_PG"

# The bank-holiday cache (booking/bank_holidays.py) of this test session, not the user's; the
# CLI processes the tests start inherit it.
os.environ.setdefault("COSPACE_CACHE_DIR", tempfile.mkdtemp(prefix="cospace-test-cache-"))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.value = now

    def __call__(self) -> dt.datetime:
        return self.value

    def set(self, when: dt.datetime) -> None:
        self.value = when


def in_ci() -> bool:
    """True under CI (``CI=true``), where a PostgreSQL test that skips is a failure."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    """A fresh database on the configured PostgreSQL server for this test session."""
    base = os.environ.get(PG_ENV)
    if not base:
        if in_ci():
            pytest.fail(f"CI must set {PG_ENV}: PostgreSQL tests may not skip in CI")
        pytest.skip(
            f"PostgreSQL tests need {PG_ENV}: run them with {PG_ENV}="
            "postgresql+psycopg://postgres@127.0.0.1:5432/test (a database they may fill) "
            "or with bash .ci/run"
        )
    name = f"cospace_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            drop_test_roles(conn, name)
        admin.dispose()


def drop_test_roles(conn, database: str) -> None:  # type: ignore[no-untyped-def]
    """Drop the cluster-wide roles a test database left: its group roles (``<db>_*``) and the
    login roles cospace created for staff of test databases that are no longer a member of
    any group (another test database still using one keeps it)."""
    for suffix in ("frontdesk", "adviser", "estates", "admin", "display"):
        conn.execute(text(f'DROP ROLE IF EXISTS "{database}_{suffix}"'))
    rows = conn.execute(text(
        "SELECT r.rolname FROM pg_roles r JOIN pg_shdescription d ON d.objoid = r.oid "
        "AND d.classoid = 'pg_authid'::regclass "
        "WHERE d.description LIKE 'cospace login created for database cospace_t_%' "
        "AND NOT r.rolsuper AND NOT EXISTS (SELECT 1 FROM pg_auth_members m "
        "WHERE m.member = r.oid)")).scalars().all()
    for role in rows:
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'cospace.db'}"


@pytest.fixture
def pg_url(pg_server_url: str) -> str:
    reset_pg(pg_server_url)
    return pg_server_url


@pytest.fixture(params=["sqlite", "pg"], ids=["sqlite", "pg"])
def backend(request) -> str:  # type: ignore[no-untyped-def]
    return request.param


@pytest.fixture
def any_url(backend: str, tmp_path, request) -> str:  # type: ignore[no-untyped-def]
    """A fresh, empty store URL on each backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'cospace.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def seed(app: Cospace) -> Cospace:
    """A small site: host JCP and partners NCS and PROB; rooms, desks, a workshop; staff."""
    app.add_org("JCP", "Jobcentre Plus", host=True)
    app.add_org("NCS", "National Careers Service")
    app.add_org("PROB", "Probation Service")
    app.add_site("NGT", "Northgate Jobcentre", hours="mon-thu 08:30-17:00, fri 08:30-16:30")
    app.add_space("IR1", site="NGT", kind="interview", capacity=3, features="wifi,phone",
                  private=True, name="Interview Room 1")
    app.add_space("IR2", site="NGT", kind="interview", capacity=4,
                  features="wifi,step-free,hearing-loop", private=True, name="Interview Room 2")
    app.add_space("IR4", site="NGT", kind="interview", capacity=2, features="wifi",
                  name="Interview Booth 4")
    app.add_space("IR5", site="NGT", kind="interview", capacity=3, private=True,
                  name="Secure Room", restricted_to=["PROB", "JCP"])
    app.add_space("D01", site="NGT", kind="desk", capacity=1, features="wifi,pc")
    app.add_space("D02", site="NGT", kind="desk", capacity=1, features="wifi")
    app.add_space("WS1", site="NGT", kind="workshop", capacity=12, features="wifi,projector")
    app.add_staff("admin", name="Ada Admin", org="JCP", role="admin")
    app.add_staff("desk", name="Amy Reception", org="JCP", role="front-desk")
    app.add_staff("ncs", name="Priya Careers", org="NCS", role="adviser")
    app.add_staff("ncs2", name="Ravi Careers", org="NCS", role="adviser")
    app.add_staff("prob", name="Mo Probation", org="PROB", role="adviser")
    app.add_staff("estates", name="Sam Estates", org="JCP", role="estates")
    return app


def as_user(app: Cospace, login: str) -> Cospace:
    """The same store and clock, acting as another staff member."""
    return Cospace(app.engine, login, app.clock)


@pytest.fixture
def app(sqlite_url: str, clock: Clock) -> Cospace:
    """A seeded SQLite store, acting as the administrator."""
    cs, _ = Cospace.init(sqlite_url, "admin", clock)
    return seed(cs)


@pytest.fixture
def any_app(any_url: str, clock: Clock) -> Cospace:
    """A seeded store on each backend, acting as the administrator."""
    cs, _ = Cospace.init(any_url, "admin", clock)
    return seed(cs)
