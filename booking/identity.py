"""Who is acting: proven by the database on PostgreSQL, stated on SQLite.

On PostgreSQL the acting person is the database login the connection signed in as
(``session_user``): the server authenticated it (``pg_hba.conf``), and the store's own
privileges and row-level security bind that login whatever cospace is told. ``--as`` /
``COSPACE_USER`` there is for administrators only (the deployment owner or an ``admin`` staff
member); the audit records both (``db_login`` is set by the store). On SQLite, one trust
domain (anyone who can open the file can read it), the stated login is taken as it is.
"""

from __future__ import annotations

from booking.errors import NotPermitted
from booking.settings import os_login
from db import security
from db.engine import read_tx
from db.tx import Engine, url_login_and_database


def acting_login(engine: Engine, requested: str | None, *, initialising: bool = False) -> str:
    """The login cospace acts as. ``requested`` is ``--as``/``COSPACE_USER`` (None: nobody
    said, so the database login on PostgreSQL and the operating-system login on SQLite)."""
    if engine.dialect.name != "postgresql":
        return requested or os_login()
    with read_tx(engine) as conn:
        me = security.session_login(conn)
        if requested is None or requested == me:
            return me
        if security.is_store_admin(conn, staff=not initialising):
            return requested
    raise NotPermitted(
        f"On a shared PostgreSQL store you act as the database login you signed in with "
        f"('{me}'); only a cospace administrator may act as someone else (--as {requested} "
        f"or COSPACE_USER). Sign in as {requested} yourself, e.g. --db "
        f"postgresql+psycopg://{requested}@HOST/DATABASE."
    )


def reads_staff(engine: Engine) -> bool:
    """Whether the signed-in login may read the staff list (False for a display role, which
    is no staff member: it sees busy/free only)."""
    if engine.dialect.name != "postgresql":
        return True
    with read_tx(engine) as conn:
        return security.may_read(conn, "staff")


def refusal(exc: BaseException, url: str) -> NotPermitted | None:
    """A plain refusal for a login the store does not let in (no privileges: not staff of
    this deployment), or None for any other failure."""
    if not url.startswith("postgresql"):
        return None
    orig = getattr(exc, "orig", None) or exc
    sqlstate = getattr(orig, "sqlstate", None)
    text = str(orig)
    if sqlstate != "42501" and "permission denied" not in text:
        return None
    try:
        login, database = url_login_and_database(url)
    except ValueError:
        login = database = None
    who, where = login or "this login", database or "this store"
    detail = text.strip().splitlines()[0] if text.strip() else "permission denied"
    return NotPermitted(
        f"The cospace store '{where}' does not let '{who}' do that ({detail}): the database "
        f"gives that login no cospace role with that right here. An administrator adds staff "
        f"with 'cospace staff add LOGIN --name ... --org ... --role ...' "
        f"(docs/shared-postgresql.md)."
    )
