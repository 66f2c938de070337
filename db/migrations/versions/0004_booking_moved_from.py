"""a changed date of a series remembers the date it replaces

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01

``booking.moved_from``: for a date of a series changed on its own, the start (UTC) the rule
planned for it. It stays linked to its series and the iCalendar export writes it as an
exception of the rule (RECURRENCE-ID) instead of a separate event. NULL for every other
booking. A plain ADD COLUMN (no table rebuild), so the usage triggers on ``booking`` stay.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from db.types import UTCDateTime
from alembic import op


revision: str = '0004'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('booking', sa.Column('moved_from', UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column('booking', 'moved_from')
