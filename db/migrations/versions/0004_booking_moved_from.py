"""a changed date of a series remembers the date it replaces

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

``booking.moved_from``: for a date of a series changed on its own, the start (UTC) the rule
planned for it. It stays linked to its series and the iCalendar export writes it as an
exception of the rule (RECURRENCE-ID) instead of a separate event. NULL for every other
booking. A plain ADD COLUMN (no table rebuild), so the usage triggers on ``booking`` stay.

On PostgreSQL the deployment's group roles (migration 0003) read the new column like the rest
of a booking's public slot, and the front desk and advisers may change it; they may also
change a booking's organisation (``cospace change --org``), row-level security still
binding an adviser to their own organisation.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from db.types import UTCDateTime
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('booking', sa.Column('moved_from', UTCDateTime(), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        db = conn.exec_driver_sql("SELECT current_database()").scalar()
        role = {k: '"' + f"{db}_{k}".replace('"', '""') + '"'
                for k in ("frontdesk", "adviser", "estates")}
        op.execute(f"GRANT SELECT (moved_from) ON booking TO {', '.join(role.values())}")
        op.execute(f"GRANT UPDATE (moved_from, org_id) ON booking TO {role['frontdesk']}, "
                   f"{role['adviser']}")


def downgrade() -> None:
    op.drop_column('booking', 'moved_from')
