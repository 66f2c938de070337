"""Alembic environment: migrations run on the connection cospace hands over."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import db.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from db.engine import make_engine, write_tx

        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("No store to migrate: give alembic a sqlalchemy.url.")
        engine = make_engine(url)
        with write_tx(engine) as conn:
            _run(conn)
        return
    _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()


run_migrations_online()
