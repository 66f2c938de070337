"""per-store settings (the booking horizon)

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-01

``store_setting`` holds per-store settings by name. ``horizon_weeks`` bounds how far ahead
anyone, the host included, may book (default 104 weeks when the row is absent), so no booking
far in the future can reach the store. On PostgreSQL every staff group role reads the
settings (a booking checks the horizon); administrators change them.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "store_setting",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        db = conn.exec_driver_sql("SELECT current_database()").scalar()
        role = {k: '"' + f"{db}_{k}".replace('"', '""') + '"'
                for k in ("frontdesk", "adviser", "estates", "admin")}
        op.execute(f"GRANT SELECT ON store_setting TO {', '.join(role.values())}")
        op.execute(f"GRANT INSERT, UPDATE, DELETE ON store_setting TO {role['admin']}")


def downgrade() -> None:
    op.drop_table("store_setting")
