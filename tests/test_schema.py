"""The migrations and the table classes describe the same schema; import boundaries hold."""

import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import db.tables  # noqa: F401
from db.engine import make_engine
from db.migrate import current_revision, head_revision, upgrade


def test_migrations_match_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}")
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_migrations_match_tables_on_postgres(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_importing_the_domain_does_not_load_textual():
    code = ("import sys, booking.service, booking.rules, booking.search, cli.core; "
            "print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"


def test_importing_db_does_not_touch_files(tmp_path):
    code = "import db.tables, db.engine, db.queries, db.migrate; import os; print(os.listdir())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.strip()
    assert out == "[]"
