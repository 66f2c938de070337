"""Engines and units of work.

SQLite: WAL, a busy timeout, foreign keys, and ``BEGIN IMMEDIATE`` for write transactions so
that the clash check and the insert hold the write lock together (pysqlite's default deferred
transactions double-book under concurrency; see GUIDE.md §3). PostgreSQL: write transactions
are plain READ COMMITTED; the exclusion constraint on ``booking`` is the last word on clashes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, Row, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from booking.errors import (
    CospaceError,
    InvalidInput,
    NotPermitted,
    RaceConflict,
    StoreUnavailable,
)
from db.tx import Tx as TxType

WRITE_OPTION = "cospace_write"

#: The open unit of work a use case is handed by :func:`write_tx` or :func:`read_tx`; the one
#: definition is :mod:`db.tx` (re-exported here for the callers that import it from here).
Tx = TxType
#: A row a query returns, read by attribute (``row.start_at``).
StoredRow = Row

__all__ = ["Engine", "Row", "StoredRow", "Tx", "make_engine", "read_tx", "sqlite_path",
           "translate_error", "translated", "write_tx"]


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for another backend or an in-memory store."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the directory and an empty database file readable only by its owner (0600);
    an existing store (and its ``-wal``/``-shm`` files) readable by others is tightened to
    0600: a SQLite store is one trust domain, whoever can read the file reads every booking."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        return
    _tighten(path)


def _tighten(path: Path) -> None:
    """An existing store and its ``-wal``/``-shm`` files readable by others become 0600."""
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if p.exists() and p.stat().st_mode & 0o077:
                p.chmod(0o600)
        except OSError:  # not ours to change (another user's file we may only read)
            pass


def make_engine(url: str, *, echo: bool = False, create: bool = True) -> Engine:
    """An engine for ``url`` configured for safe concurrent booking. ``create=False``
    (every command but ``init``): a SQLite file that does not exist is not created, nor its
    directory; the store is reported missing instead."""
    u = make_url(url)
    backend = u.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is not None and create:
            _prepare_sqlite_file(path)
        elif path is not None and not path.is_file():
            raise StoreUnavailable("There is no cospace store there yet: run 'cospace init' "
                                   "(or 'cospace init --demo') first.")
        elif path is not None:
            _tighten(path)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": 30, "check_same_thread": False},
            poolclass=NullPool if path is None else None,
        )
        _configure_sqlite(engine)
        return engine
    if backend == "postgresql":
        engine = create_engine(url, echo=echo, pool_size=5, max_overflow=10,
                               pool_recycle=PG_RECYCLE_SECONDS)
        _ping_when_idle(engine)
        return engine
    return create_engine(url, echo=echo)


#: SQLite's durability: FULL syncs the WAL at every commit, so a booking confirmed to a
#: customer survives a power cut; ``COSPACE_SQLITE_SYNCHRONOUS=NORMAL`` trades that for speed
#: (docs/durability.md).
SYNCHRONOUS_ENV = "COSPACE_SQLITE_SYNCHRONOUS"


def sqlite_synchronous() -> str:
    """``FULL`` unless the environment opts into ``NORMAL`` (anything else is FULL)."""
    return "NORMAL" if os.environ.get(SYNCHRONOUS_ENV, "").strip().upper() == "NORMAL" \
        else "FULL"


#: A pooled PostgreSQL connection idle longer than this is pinged before use; one in steady
#: use is not (a ping is a round trip: docs/durability.md).
PG_PING_AFTER_IDLE_SECONDS = 10.0
PG_RECYCLE_SECONDS = 1800


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pre-ping, but only for a connection that sat idle in the pool: a server
    restart or an idle timeout while a terminal waits is caught (the pool reconnects), and a
    booking made straight after another pays no extra round trip."""

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, _proxy):  # type: ignore[no-untyped-def]
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PG_PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
            dbapi_conn.rollback()  # the ping's own transaction: the unit of work begins anew
        except Exception as exc:  # a dead connection: the pool replaces it and retries
            raise DisconnectionError() from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute(f"PRAGMA synchronous = {sqlite_synchronous()}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


#: What each table's rows are called in a refusal ("That organisation already exists").
_ENTITY_WORDS = {
    "organisation": "organisation", "site": "site", "space": "space", "staff": "staff member",
    "closure": "closure", "allocation": "allocation", "opening_hours": "opening-hours row",
    "space_restriction": "restriction", "series": "series", "booking": "booking",
}


def translate_error(exc: BaseException) -> CospaceError | None:
    """The plain refusal for a database error, or None when ``exc`` is not one.

    The one place that turns a driver's error into words: a lock timeout or a busy store, a
    unique violation ("already exists"), PostgreSQL's exclusion violation 23P01 (a clash
    raced in at the same moment), a lost connection, a number or text the store cannot hold.
    No SQL and no parameters ever reach the message."""
    if isinstance(exc, CospaceError):
        return None
    if isinstance(exc, OverflowError):
        if "int" in str(exc).lower():
            return InvalidInput(f"A number is too large for the store (at most {2**31 - 1}).")
        return InvalidInput("A date or number is out of the range the store can hold.")
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or ""
    text = str(orig).strip()
    low = text.lower()
    if sqlstate == "23P01":
        return RaceConflict("Someone else booked that space at the same moment; look again at "
                            "the board.")
    if isinstance(exc, IntegrityError) and (sqlstate == "23505" or "unique" in low):
        return InvalidInput(f"That {_unique_entity(orig, low)} already exists (another "
                            "terminal may have just added it); look again.")
    if isinstance(exc, IntegrityError):
        return InvalidInput("The store refused the change (a value is missing, refers to "
                            "nothing, or breaks one of its rules); nothing was changed.")
    if sqlstate == "42501":  # PostgreSQL: a privilege or row-level security policy said no
        return NotPermitted("Your database login may not do that (the store itself refuses "
                            "it); nothing was changed.")
    if (sqlstate in ("40001", "40P01", "55P03", "57014") or "locked" in low
            or "busy" in low):
        return StoreUnavailable("The store is busy with another terminal; try again in a "
                                "moment.")
    if (exc.connection_invalidated or sqlstate.startswith("08") or sqlstate in (
            "57P01", "57P02", "57P03") or "closed the connection" in low
            or "terminating connection" in low or "connection" in low and "lost" in low
            or "server closed" in low or "consuming input failed" in low):
        return StoreUnavailable("The connection to the store was lost; nothing more was done. "
                                "Check the board, then try again.")
    if sqlstate == "22003" or "out of range" in low:
        return InvalidInput(f"A number is too large for the store (at most {2**31 - 1}).")
    if sqlstate == "22001" or "too long" in low:
        return InvalidInput("A text is longer than the store holds.")
    if sqlstate.startswith("22") or "nul" in low:
        return InvalidInput("The store cannot hold a value given (a NUL character, a date or "
                            "a number out of range).")
    if isinstance(exc, OperationalError) or sqlstate.startswith(("53", "58", "XX")):
        first = text.splitlines()[0][:200] if text else exc.__class__.__name__
        return StoreUnavailable(f"The store could not carry out the command ({first}).")
    return StoreUnavailable("The store refused the command; nothing was changed.")


def _unique_entity(orig: BaseException | None, low: str) -> str:
    table = getattr(getattr(orig, "diag", None), "table_name", None)
    if table is None and "failed:" in low:  # SQLite: "UNIQUE constraint failed: site.code"
        table = low.split("failed:", 1)[1].strip().split(".", 1)[0]
    return _ENTITY_WORDS.get(table or "", "record")


@contextmanager
def translated() -> Iterator[None]:
    """Run a block with database errors turned into plain refusals (:func:`translate_error`)."""
    try:
        yield
    except (DBAPIError, OverflowError) as exc:
        plain = translate_error(exc)
        if plain is None:
            raise
        raise plain from exc


@contextmanager
def write_tx(engine: Engine) -> Iterator[Connection]:
    """One atomic write transaction: committed on success, rolled back on any error. A
    database error leaves it as a plain :class:`~booking.errors.CospaceError`."""
    with translated(), engine.connect() as conn:
        conn = conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


@contextmanager
def read_tx(engine: Engine) -> Iterator[Connection]:
    """A read-only unit of work with a consistent snapshot (database errors translated)."""
    with translated(), engine.connect() as conn:
        with conn.begin():
            yield conn
