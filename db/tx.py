"""The store's types under the names the domain uses, so that ``booking/`` can say what it
takes and returns without importing SQLAlchemy (an import-linter contract forbids that:
statements are built in ``db/`` only).

``Tx`` is an open unit of work, as :func:`db.engine.read_tx`/:func:`db.engine.write_tx`
yield it; ``Engine`` a store to open them on (:func:`db.engine.make_engine`); ``Row`` a row a
query in ``db/`` returns; ``StoreFailure`` any error the store or its driver raised that no
one has translated into a :class:`booking.errors.CospaceError` yet.
"""

from __future__ import annotations

from typing import TypeAlias

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["Engine", "Row", "StoreFailure", "Tx", "url_login_and_database"]

Tx: TypeAlias = Connection
StoreFailure: TypeAlias = SQLAlchemyError


def url_login_and_database(url: str) -> tuple[str | None, str | None]:
    """The login and the database a store URL names (None where it names none); an URL
    that cannot be parsed raises ``ValueError``."""
    try:
        u = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError, or a bad port number
        raise ValueError(f"not a store URL: {url!r}") from exc
    return u.username, u.database
