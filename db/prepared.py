"""Statements compiled once and run straight on the DBAPI cursor (:class:`Prepared`), and
the typed tables they are built on (:func:`table_of`)."""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Float, Table
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The table of a SQLModel class, typed (``Model.__table__`` is not, to mypy)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


class Prepared:
    """A statement compiled once per dialect and run straight on the DBAPI cursor of the
    connection's open transaction, with SQLAlchemy's own SQL text and bind and result
    processing. It skips SQLAlchemy's per-execution set-up (cache key, execution context,
    result object, events: ~30 us a statement against ~3 us for the cursor), which dominated
    the booking path (bench/README.md, "One booking on a store of 1,000,000 bookings").

    Only for statements without expanding (IN-list) parameters. Database errors come out as
    SQLAlchemy's ``DBAPIError`` subclasses (``IntegrityError``, ``OperationalError``), as from
    ``Connection.execute``. Rows are named tuples (``row.code``, like SQLAlchemy rows)."""

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        keys = [c.key for c in stmt.exported_columns]
        assert len(set(keys)) == len(keys), keys
        # A named tuple class made at run time (its fields are the statement's columns).
        self.row: Any = namedtuple("PreparedRow", keys) if keys else None
        self._plans: weakref.WeakKeyDictionary[Any, tuple] = weakref.WeakKeyDictionary()

    def _plan(self, dialect: Any) -> tuple:
        plan = self._plans.get(dialect)
        if plan is None:
            c = self.stmt.compile(dialect=dialect)
            assert not c.escaped_bind_names and not c.literal_execute_params \
                and not c.post_compile_params, "not a statement for Prepared"
            consts = {k: v for k, v in c.construct_params(_check=False).items()
                      if v is not None}
            binds = tuple((name, fn) for name, bp in c.binds.items()
                          if (fn := _processor(bp.type, dialect, bind=True)) is not None)
            results = tuple((i, fn) for i, col in enumerate(self.stmt.exported_columns)
                            if (fn := _processor(col.type, dialect, bind=False)) is not None)
            names = tuple(c.positiontup) if dialect.positional else None
            plan = (c.string, names, consts, binds, results, dialect.loaded_dbapi.Error)
            self._plans[dialect] = plan
        return plan

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """Run with ``params`` (names as in the statement) in ``conn``'s transaction."""
        raw = self.fetch(conn, params)
        results = self._plan(conn.dialect)[4]
        make: Callable[[Iterable[Any]], Any] = (
            self.row._make if self.row is not None else tuple)
        if not results:
            return [make(r) for r in raw]
        out = []
        for r in raw:
            values = list(r)
            for i, fn in results:
                values[i] = fn(values[i])
            out.append(make(values))
        return out

    def converters(self, dialect: Any) -> tuple[Callable[[Any], Any], ...]:
        """The result processor of each column for ``dialect`` (the identity where there
        is none): what :meth:`rows` applies to the rows of :meth:`fetch`."""
        fns: list[Callable[[Any], Any]] = [_same] * len(self.stmt.exported_columns)
        for i, fn in self._plan(dialect)[4]:
            fns[i] = fn
        return tuple(fns)

    def fetch(self, conn: Connection, params: dict[str, Any]) -> Sequence[Any]:
        """Run as :meth:`rows` does and return the driver's rows as they come (no result
        processing: see :meth:`converters`), for a caller that builds its own values."""
        sql, names, consts, binds, _results, dbapi_error = self._plan(conn.dialect)
        p = {**consts, **params}
        for name, fn in binds:
            p[name] = fn(p[name])
        args = tuple([p[n] for n in names]) if names is not None else p
        if not conn.in_transaction():
            conn.begin()  # as Connection.execute would (autobegin)
        cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.execute(sql, args)
            raw = cur.fetchall() if self.row is not None else []
        except dbapi_error as exc:
            raise DBAPIError.instance(sql, args, exc, dbapi_error,
                                      dialect=conn.dialect) from exc
        finally:
            cur.close()
        return raw


def _same(value: Any) -> Any:
    return value


def _processor(type_: Any, dialect: Any, *, bind: bool) -> Any:
    """The bind or result processor SQLAlchemy itself would use: the dialect's own type
    (e.g. SQLite's DATETIME, which stores text in its fixed format)."""
    impl = type_.dialect_impl(dialect)
    if bind:
        return impl.bind_processor(dialect)
    if isinstance(type_, Float) and dialect.name == "postgresql":
        return None  # psycopg returns double precision as float already
    return impl.result_processor(dialect, None)
