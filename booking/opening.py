"""Opening a store and creating or upgrading one: what :meth:`Cospace.open` and
:meth:`Cospace.init` do before there is an application to work with.

A store that is missing, out of date, unreachable or refused says so in plain words (with
every password of its URL masked); the acting login is decided by
:func:`booking.identity.acting_login`.
"""

from __future__ import annotations

from dataclasses import dataclass

from booking import identity
from booking.context import Clock, Context
from booking.errors import CospaceError, StoreUnavailable
from db.engine import Engine, make_engine, read_tx, write_tx
from db.migrate import current_revision, head_revision, upgrade

NO_STORE = "run 'cospace init' (or 'cospace init --demo') first."


@dataclass(frozen=True)
class Opened:
    """An engine on a store, who acts on it, and whether that login may read staff."""

    engine: Engine
    login: str
    staff_readable: bool = True


@dataclass(frozen=True)
class Initialised:
    """An engine on a created or upgraded store: ``outcome`` is "created", "upgraded" or
    "current" (nothing changed)."""

    engine: Engine
    login: str
    outcome: str


def open_store(url: str, login: str | None, *, check_schema: bool = True) -> Opened:
    """Open an existing store; a store that is missing or out of date says what to run.

    ``login`` is who asks to act (``--as``/``COSPACE_USER``; None if nobody said). On
    PostgreSQL the acting person is the database login itself, and only a cospace
    administrator may act as someone else (:func:`booking.identity.acting_login`)."""
    try:
        engine = make_engine(url, create=False)  # reading creates nothing
        if check_schema:
            rev = current_revision(engine)
            if rev is None:
                raise StoreUnavailable(
                    f"There is no cospace store at {safe_url(url)} yet: {NO_STORE}")
            if rev != head_revision():
                raise StoreUnavailable(
                    f"The store at {safe_url(url)} needs upgrading: run 'cospace init'.")
        acting = identity.acting_login(engine, login)
    except StoreUnavailable as exc:
        if "no cospace store there" in exc.message:
            raise StoreUnavailable(
                f"There is no cospace store at {safe_url(url)} yet: {NO_STORE}") from None
        raise
    except CospaceError:
        raise
    except Exception as exc:  # a bad URL, a server that does not answer, a locked file
        refused = identity.refusal(exc, url)
        if refused is not None:
            raise refused from exc
        raise StoreUnavailable(
            f"Cannot open the store at {safe_url(url)}: {short(exc, url)}") from exc
    return Opened(engine, acting, identity.reads_staff(engine))


def init_store(url: str, login: str | None, clock: Clock) -> Initialised:
    """Create or upgrade the store, keeping its data. On a new store the acting login
    becomes an administrator (on PostgreSQL the database login, the deployment owner,
    unless it names another with ``login``)."""
    from booking import setup_records  # creating a store only: not on every command's path

    try:
        engine = make_engine(url)
        rev = current_revision(engine)
        login = identity.acting_login(engine, login, initialising=rev is None)
        was_new = rev is None
        outdated = not was_new and rev != head_revision()
        if outdated:
            with read_tx(engine) as conn:
                setup_records.require_upgrader(Context(engine, login, clock), conn)
        upgrade(engine)
    except CospaceError:
        raise
    except Exception as exc:
        refused = identity.refusal(exc, url)
        if refused is not None:
            raise refused from exc
        raise StoreUnavailable(
            f"Cannot create the store at {safe_url(url)}: {short(exc, url)}") from exc
    from booking import usage

    usage.refresh(engine)  # after an upgrade: build the usage summaries once, here
    with write_tx(engine) as conn:
        setup_records.first_admin(conn, login, Context(engine, login, clock).now())
    return Initialised(engine, login,
                       "created" if was_new else "upgraded" if outdated else "current")


def safe_url(url: str) -> str:
    """The URL for a message: every password masked, whatever the URL's shape."""
    from booking.limits import mask_passwords, visible

    return visible(mask_passwords(url, url))


def short(exc: BaseException, url: str = "") -> str:
    """The first line of an error for a message, passwords masked."""
    from booking.limits import mask_passwords, visible

    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return visible(mask_passwords(text[0][:300], url)) if text else exc.__class__.__name__


__all__ = ["Initialised", "Opened", "init_store", "open_store", "safe_url", "short"]
