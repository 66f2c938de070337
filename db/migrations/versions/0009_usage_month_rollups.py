"""usage summaries rolled up per local month, for the hour and space groupings

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-02

``usage_org_month`` (site, month, kind, organisation, status, local hour) and
``usage_space_month`` (site, month, space, status, local hour) hold the sums of
``usage_piece`` over each local month. A report over whole months reads them instead of one
row per site, day, space, organisation, status and hour (a region's year: about 6M rows of
``usage_piece`` against a few hundred thousand here); the days of a period's first and last
month that are not whole come from ``usage_piece``. Rebuilt with the days they sum
(``booking/usage.py``): one whole-store mark builds them for the bookings already there.
On PostgreSQL the staff group roles read them and the reporting roles write them, as the
other summaries (migration 0003).

Also on PostgreSQL: ``booking_detail`` (migration 0003) stops being a ``security_barrier``
view. A barrier view is never merged into the query that reads it, so every read of a day's
board computed the view over every booking in the store and then joined the day's few
(30,000 bookings: 1.1 s for one site's day; 10,000,000: minutes). The view hides no rows (it
has no WHERE clause); what it protects is in its select list, the ``CASE`` that blanks
purpose, attendees and booker, and a query over the merged view still sees only that
``CASE``'s result, never the columns under it (which the staff roles may not read:
migration 0003's column grants). Merged, the day's read joins through the primary key: 11 ms.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0009'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("usage_org_month", "usage_space_month")


def _key(name: str, type_: sa.types.TypeEngine) -> sa.Column:
    return sa.Column(name, type_, autoincrement=False, nullable=False)


def upgrade() -> None:
    op.create_table(
        "usage_org_month",
        _key("site_id", sa.Integer()), _key("month", sa.String(length=7)),
        _key("kind", sa.String(length=16)), _key("org_id", sa.Integer()),
        _key("status", sa.String(length=16)), _key("hour", sa.Integer()),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "month", "kind", "org_id", "status", "hour"),
        sqlite_with_rowid=False)
    op.create_table(
        "usage_space_month",
        _key("site_id", sa.Integer()), _key("month", sa.String(length=7)),
        _key("space_id", sa.Integer()), _key("status", sa.String(length=16)),
        _key("hour", sa.Integer()), sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.Column("bookings", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "month", "space_id", "status", "hour"),
        sqlite_with_rowid=False)
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        db = conn.exec_driver_sql("SELECT current_database()").scalar()
        role = {k: '"' + f"{db}_{k}".replace('"', '""') + '"'
                for k in ("frontdesk", "adviser", "estates", "admin")}
        reporters = f"{role['frontdesk']}, {role['estates']}, {role['admin']}"
        op.execute(f"GRANT SELECT ON {', '.join(TABLES)} TO {', '.join(role.values())}")
        op.execute(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(TABLES)} TO {reporters}")
        op.execute("ALTER VIEW booking_detail SET (security_barrier = false)")
    # Build the rollups (with the summaries they sum) on the next refresh.
    op.execute("INSERT INTO usage_mark (site_id, start_at, end_at) VALUES (NULL, NULL, NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER VIEW booking_detail SET (security_barrier = true)")
    for name in TABLES:
        op.drop_table(name)
