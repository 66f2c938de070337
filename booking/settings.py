"""Where the store lives and who is acting: one small module for settings and paths."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

DB_ENV = "COSPACE_DB"
USER_ENV = "COSPACE_USER"


def default_db_path() -> Path:
    import platformdirs  # only without --db or COSPACE_DB: ~10% of a command's start-up

    return Path(platformdirs.user_data_dir("cospace", appauthor=False)) / "cospace.db"


def resolve_db_url(flag: str | None = None) -> str:
    """``--db``, then ``COSPACE_DB``, then a SQLite file in the user data directory. A plain
    file path is taken as a SQLite file."""
    url = flag or os.environ.get(DB_ENV) or f"sqlite:///{default_db_path()}"
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def requested_login(flag: str | None = None) -> str | None:
    """``--as``, then ``COSPACE_USER``; None when neither says (then the store decides: the
    database login on PostgreSQL, the operating-system login on SQLite)."""
    return flag or os.environ.get(USER_ENV) or None


def resolve_login(flag: str | None = None) -> str:
    """``--as``, then ``COSPACE_USER``, then the operating-system login."""
    return requested_login(flag) or os_login()


def os_login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"
