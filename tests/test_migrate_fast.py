"""Opening a store reads its revision without Alembic; it must agree with Alembic."""

from __future__ import annotations

import subprocess
import sys

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from booking.service import Cospace
from db.engine import make_engine
from db.migrate import alembic_config, current_revision, head_revision


def test_head_revision_agrees_with_alembic() -> None:
    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_current_revision_on_new_and_initialised_stores(any_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(any_url)
    assert current_revision(engine) is None
    Cospace.init(any_url, "admin", clock)
    with engine.connect() as conn:
        assert current_revision(engine) == MigrationContext.configure(conn
                                                                       ).get_current_revision()
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_opening_a_store_does_not_import_alembic(sqlite_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    Cospace.init(sqlite_url, "admin", clock)
    code = ("import sys; from booking.service import Cospace; "
            f"Cospace.open({sqlite_url!r}, 'admin').sites(); print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
