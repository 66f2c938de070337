"""usage summaries for the reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

Per-site, per-local-day summaries that the usage reports read instead of every booking
(usage_day, usage_hour, usage_space, usage_piece, usage_level), the marks that say which days are out of
date (usage_mark), and the triggers that write a mark in the same transaction as every change
to a booking, or to the space or site columns that decide what a booking counts as. One
whole-store mark makes the next refresh (``cospace init`` runs it) build the summaries for the
bookings already there.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from db.types import UTCDateTime
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER tr_usage_booking_insert AFTER INSERT ON booking BEGIN
  INSERT INTO usage_mark (site_id, start_at, end_at)
  SELECT site_id, NEW.start_at, NEW.end_at FROM space WHERE id = NEW.space_id;
END""",
    """CREATE TRIGGER tr_usage_booking_update
AFTER UPDATE OF space_id, org_id, start_at, end_at, status ON booking
WHEN NEW.space_id IS NOT OLD.space_id OR NEW.org_id IS NOT OLD.org_id
  OR NEW.start_at IS NOT OLD.start_at OR NEW.end_at IS NOT OLD.end_at
  OR NEW.status IS NOT OLD.status
BEGIN
  INSERT INTO usage_mark (site_id, start_at, end_at)
  SELECT site_id, OLD.start_at, OLD.end_at FROM space WHERE id = OLD.space_id;
  INSERT INTO usage_mark (site_id, start_at, end_at)
  SELECT site_id, NEW.start_at, NEW.end_at FROM space WHERE id = NEW.space_id
  AND (NEW.space_id IS NOT OLD.space_id OR NEW.start_at IS NOT OLD.start_at
       OR NEW.end_at IS NOT OLD.end_at);
END""",
    """CREATE TRIGGER tr_usage_booking_delete AFTER DELETE ON booking BEGIN
  INSERT INTO usage_mark (site_id, start_at, end_at)
  SELECT site_id, OLD.start_at, OLD.end_at FROM space WHERE id = OLD.space_id;
END""",
    """CREATE TRIGGER tr_usage_space_update AFTER UPDATE OF site_id, kind ON space
WHEN NEW.site_id IS NOT OLD.site_id OR NEW.kind IS NOT OLD.kind
BEGIN
  INSERT INTO usage_mark (site_id) VALUES (OLD.site_id);
  INSERT INTO usage_mark (site_id) SELECT NEW.site_id WHERE NEW.site_id IS NOT OLD.site_id;
END""",
    """CREATE TRIGGER tr_usage_site_update AFTER UPDATE OF tz ON site
WHEN NEW.tz IS NOT OLD.tz
BEGIN
  INSERT INTO usage_mark (site_id) VALUES (NEW.id);
END""",
]

PG_TRIGGERS = [
    """CREATE FUNCTION usage_mark_booking() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO usage_mark (site_id, start_at, end_at)
    SELECT site_id, OLD.start_at, OLD.end_at FROM space WHERE id = OLD.space_id;
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (NEW.space_id, NEW.start_at, NEW.end_at)
      IS DISTINCT FROM (OLD.space_id, OLD.start_at, OLD.end_at)) THEN
    INSERT INTO usage_mark (site_id, start_at, end_at)
    SELECT site_id, NEW.start_at, NEW.end_at FROM space WHERE id = NEW.space_id;
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER tr_usage_booking_insert_delete AFTER INSERT OR DELETE ON booking
FOR EACH ROW EXECUTE FUNCTION usage_mark_booking()""",
    """CREATE TRIGGER tr_usage_booking_update
AFTER UPDATE OF space_id, org_id, start_at, end_at, status ON booking FOR EACH ROW
WHEN ((OLD.space_id, OLD.org_id, OLD.start_at, OLD.end_at, OLD.status)
      IS DISTINCT FROM (NEW.space_id, NEW.org_id, NEW.start_at, NEW.end_at, NEW.status))
EXECUTE FUNCTION usage_mark_booking()""",
    """CREATE FUNCTION usage_mark_space() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_mark (site_id) VALUES (OLD.site_id);
  IF NEW.site_id IS DISTINCT FROM OLD.site_id THEN
    INSERT INTO usage_mark (site_id) VALUES (NEW.site_id);
  END IF;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER tr_usage_space_update AFTER UPDATE OF site_id, kind ON space
FOR EACH ROW WHEN ((OLD.site_id, OLD.kind) IS DISTINCT FROM (NEW.site_id, NEW.kind))
EXECUTE FUNCTION usage_mark_space()""",
    """CREATE FUNCTION usage_mark_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_mark (site_id) VALUES (NEW.id);
  RETURN NULL;
END $$""",
    """CREATE TRIGGER tr_usage_site_update AFTER UPDATE OF tz ON site
FOR EACH ROW WHEN (OLD.tz IS DISTINCT FROM NEW.tz) EXECUTE FUNCTION usage_mark_site()""",
]


def _summary(name: str, *keys: tuple[sa.Column, bool], bookings: bool = True) -> None:
    cols: list[sa.Column] = [
        sa.Column('site_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *(c for c, _ in keys),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('week', sa.String(length=8), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('minutes', sa.Float(), nullable=False),
    ]
    if bookings:
        cols.append(sa.Column('bookings', sa.Integer(), nullable=False))
    pk = ['site_id', 'day'] + [c.name for c, in_key in keys if in_key]
    op.create_table(name, *cols, sa.PrimaryKeyConstraint(*pk), sqlite_with_rowid=False)


def _key(name: str, type_: sa.types.TypeEngine, in_key: bool = True) -> tuple[sa.Column, bool]:
    return sa.Column(name, type_, autoincrement=False, nullable=False), in_key


def upgrade() -> None:
    op.create_table('usage_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('start_at', UTCDateTime(), nullable=True),
    sa.Column('end_at', UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_usage_mark_site', 'usage_mark', ['site_id'], unique=False)
    _summary('usage_day', _key('kind', sa.String(length=16)), _key('org_id', sa.Integer()),
             _key('status', sa.String(length=16)))
    _summary('usage_hour', _key('kind', sa.String(length=16)),
             _key('status', sa.String(length=16)), _key('hour', sa.Integer()))
    _summary('usage_space', _key('space_id', sa.Integer()),
             _key('status', sa.String(length=16)),
             _key('kind', sa.String(length=16), in_key=False))
    _summary('usage_piece', _key('space_id', sa.Integer()), _key('org_id', sa.Integer()),
             _key('status', sa.String(length=16)), _key('hour', sa.Integer()),
             _key('kind', sa.String(length=16), in_key=False))
    _summary('usage_level', _key('kind', sa.String(length=16)), _key('level', sa.Integer()),
             bookings=False)
    triggers = PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for ddl in triggers:
        op.execute(ddl)
    # Build the summaries for the bookings already in the store on the next refresh.
    op.execute("INSERT INTO usage_mark (site_id, start_at, end_at) VALUES (NULL, NULL, NULL)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tr_usage_booking_insert_delete ON booking")
        op.execute("DROP TRIGGER IF EXISTS tr_usage_booking_update ON booking")
        op.execute("DROP TRIGGER IF EXISTS tr_usage_space_update ON space")
        op.execute("DROP TRIGGER IF EXISTS tr_usage_site_update ON site")
        for fn in ("usage_mark_booking", "usage_mark_space", "usage_mark_site"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    else:
        for name in ("tr_usage_booking_insert", "tr_usage_booking_update",
                     "tr_usage_booking_delete", "tr_usage_space_update",
                     "tr_usage_site_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in ("usage_level", "usage_piece", "usage_space", "usage_hour", "usage_day"):
        op.drop_table(name)
    op.drop_index('ix_usage_mark_site', table_name='usage_mark')
    op.drop_table('usage_mark')
