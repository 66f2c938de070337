"""the organisation's start-time index of bookings covers what the allocation check reads

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02

``ix_booking_org_start`` was ``(org_id, start_at)``: the allocation check (a week's hours of
one organisation's bookings of one kind at one site, and the bookings near a new one) found
the week's bookings there, then read each of them in the table for its end, status and space
(an organisation with 400 bookings a week: 400 table reads a booking). It becomes
``(org_id, start_at, end_at, status, space_id)``, under the same name, so that those reads
come from the index alone (SQLite: ``COVERING INDEX``; PostgreSQL: an index-only scan where
the visibility map allows). Every read that used the two columns uses their prefix. Nothing
to grant: an index.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING = ['org_id', 'start_at', 'end_at', 'status', 'space_id']


def upgrade() -> None:
    op.drop_index('ix_booking_org_start', table_name='booking')
    op.create_index('ix_booking_org_start', 'booking', COVERING, unique=False)


def downgrade() -> None:
    op.drop_index('ix_booking_org_start', table_name='booking')
    op.create_index('ix_booking_org_start', 'booking', ['org_id', 'start_at'], unique=False)
