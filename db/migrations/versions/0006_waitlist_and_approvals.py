"""a waitlist, and approvals for the spaces that need them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

- ``wait_request``: a request nothing could meet, waiting for a fitting space to free
  (booking/waitlist.py); ``booked`` links the booking made for it.
- ``space.requires_approval``: a partner's booking of it is ``provisional`` until the front
  desk, estates or an administrator approves or declines it; ``site.decision_lead_hours``
  (default 24): a provisional booking not decided that long before its start is declined.
- booking statuses ``provisional`` (holds the slot, clashes like any booking: the PostgreSQL
  exclusion constraint counts it) and ``declined``.

SQLite rebuilds ``booking`` for its status check, so the usage triggers of 0002 are created
again. PostgreSQL: the deployment's group roles read and write ``wait_request`` under
row-level security by organisation (an adviser sees only their own organisation's requests);
a booking made from the waitlist for another organisation passes the ``booking_waitlist``
policy only when it is exactly what a waiting request asked for; a trigger lets only the
front desk, estates or an administrator approve, and only the host's staff and administrators
book an approval space directly.
"""
from collections.abc import Sequence
import importlib

import sqlalchemy as sa
from db.types import UTCDateTime
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "'confirmed','cancelled','checked_in','no_show','released'"
NEW_STATUSES = OLD_STATUSES + ",'provisional','declined'"


def _exclusion(statuses: str) -> str:
    return ("ALTER TABLE booking ADD CONSTRAINT ex_booking_no_overlap "
            "EXCLUDE USING gist (space_id WITH =, tstzrange(start_at, end_at, '[)') WITH &&) "
            f"WHERE (status IN ({statuses}))")


def upgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    op.add_column('site', sa.Column('decision_lead_hours', sa.Integer(), nullable=False,
                                    server_default='24'))
    op.add_column('space', sa.Column('requires_approval', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))
    if pg:
        op.execute("ALTER TABLE booking DROP CONSTRAINT ck_booking_status")
        op.execute(f"ALTER TABLE booking ADD CONSTRAINT ck_booking_status "
                   f"CHECK (status IN ({NEW_STATUSES}))")
        op.execute("ALTER TABLE booking DROP CONSTRAINT ex_booking_no_overlap")
        op.execute(_exclusion("'confirmed', 'checked_in', 'provisional'"))
    else:
        _sqlite_status_check(NEW_STATUSES)
    op.create_table(
        'wait_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('start_at', UTCDateTime(), nullable=False),
        sa.Column('end_at', UTCDateTime(), nullable=False),
        sa.Column('attendees', sa.Integer(), nullable=False),
        sa.Column('features', sa.String(length=500), nullable=False),
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('booking_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('met_at', UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('waiting','booked','expired','cancelled')",
                           name='ck_wait_request_status'),
        sa.ForeignKeyConstraint(['booking_id'], ['booking.id']),
        sa.ForeignKeyConstraint(['org_id'], ['organisation.id']),
        sa.ForeignKeyConstraint(['requested_by_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['site_id'], ['site.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_wait_request_site_start', 'wait_request', ['site_id', 'start_at'],
                    unique=False)
    if pg:
        _pg_upgrade(conn)


def _sqlite_status_check(statuses: str) -> None:
    """Rebuild ``booking`` with a new status check, then its usage triggers (0002) again."""
    with op.batch_alter_table('booking', recreate='always') as batch_op:
        batch_op.drop_constraint('ck_booking_status', type_='check')
        batch_op.create_check_constraint('ck_booking_status', f"status IN ({statuses})")
    usage = importlib.import_module("db.migrations.versions.0002_usage_summaries")
    for ddl in usage.SQLITE_TRIGGERS:
        if " ON booking" in ddl:
            op.execute(ddl)


def downgrade() -> None:
    conn = op.get_bind()
    pg = conn.dialect.name == "postgresql"
    if pg:
        for stmt in (
            "DROP TRIGGER IF EXISTS tr_booking_approval ON booking",
            "DROP POLICY IF EXISTS booking_waitlist ON booking",
            "DROP POLICY IF EXISTS booking_decide ON booking",
            "DROP FUNCTION IF EXISTS cospace_guard_approval()",
            "DROP FUNCTION IF EXISTS cospace_waitlist_match(integer, integer, integer, "
            "timestamptz, timestamptz)",
            "DROP FUNCTION IF EXISTS cospace_waiting(integer, timestamptz, timestamptz)",
            "DROP FUNCTION IF EXISTS cospace_wait_met(integer, integer, timestamptz)",
            "DROP FUNCTION IF EXISTS cospace_may_decide()",
        ):
            op.execute(stmt)
    op.drop_index('ix_wait_request_site_start', table_name='wait_request')
    op.drop_table('wait_request')
    op.execute("UPDATE booking SET status = 'cancelled' WHERE status IN "
               "('provisional', 'declined')")
    if pg:
        op.execute("ALTER TABLE booking DROP CONSTRAINT ex_booking_no_overlap")
        op.execute(_exclusion("'confirmed', 'checked_in'"))
        op.execute("ALTER TABLE booking DROP CONSTRAINT ck_booking_status")
        op.execute(f"ALTER TABLE booking ADD CONSTRAINT ck_booking_status "
                   f"CHECK (status IN ({OLD_STATUSES}))")
    else:
        _sqlite_status_check(OLD_STATUSES)
    with op.batch_alter_table('space') as batch_op:
        batch_op.drop_column('requires_approval')
    with op.batch_alter_table('site') as batch_op:
        batch_op.drop_column('decision_lead_hours')


# --------------------------------------------------------------------------- PostgreSQL
def _pg_upgrade(conn) -> None:  # type: ignore[no-untyped-def]
    db = conn.exec_driver_sql("SELECT current_database()").scalar()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    qi = conn.dialect.identifier_preparer.quote_identifier
    role = {k: qi(f"{db}_{k}") for k in ("frontdesk", "adviser", "estates", "admin")}
    staff_groups = ", ".join(role.values())
    definer = f"SECURITY DEFINER SET search_path = {qi(schema)}, pg_temp"
    ddl = [
        f"""CREATE FUNCTION cospace_may_decide() RETURNS boolean LANGUAGE sql STABLE {definer}
AS $$
  SELECT cospace_is_admin() OR EXISTS (
    SELECT 1 FROM staff WHERE login = session_user AND active
      AND role IN ('front-desk', 'estates'))
$$""",
        # The waiting requests that could take a freed slot of a space, locked (two fills of one
        # site take turns); the fill reads them whoever freed the slot: they show what a
        # booking's public slot shows, and the size.
        f"""CREATE FUNCTION cospace_waiting(space integer, lo timestamptz, hi timestamptz)
RETURNS SETOF wait_request LANGUAGE sql VOLATILE {definer} AS $$
  SELECT w.* FROM wait_request w JOIN space s ON s.id = space
  WHERE w.status = 'waiting' AND w.site_id = s.site_id AND w.kind = s.kind
    AND w.start_at < hi AND w.end_at > lo AND w.attendees <= s.capacity
  ORDER BY w.created_at, w.id
  FOR UPDATE OF w
$$""",
        f"""CREATE FUNCTION cospace_waitlist_match(org integer, booker integer, sp integer,
    s timestamptz, e timestamptz)
RETURNS boolean LANGUAGE sql STABLE {definer} AS $$
  SELECT EXISTS (SELECT 1 FROM wait_request w JOIN space x ON x.id = sp
    WHERE w.status = 'waiting' AND w.org_id = org
      AND w.requested_by_id IS NOT DISTINCT FROM booker
      AND w.site_id = x.site_id AND w.kind = x.kind AND w.start_at = s AND w.end_at = e)
$$""",
        f"""CREATE FUNCTION cospace_wait_met(req integer, bk integer, at timestamptz)
RETURNS integer LANGUAGE plpgsql VOLATILE {definer} AS $$
DECLARE n integer;
BEGIN
  UPDATE wait_request w SET status = 'booked', booking_id = bk, met_at = at
  FROM booking b JOIN space x ON x.id = b.space_id
  WHERE w.id = req AND w.status = 'waiting' AND b.id = bk AND b.org_id = w.org_id
    AND b.booked_by_id IS NOT DISTINCT FROM w.requested_by_id AND x.site_id = w.site_id
    AND x.kind = w.kind AND b.start_at = w.start_at AND b.end_at = w.end_at;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$""",
        f"""CREATE FUNCTION cospace_guard_approval() RETURNS trigger LANGUAGE plpgsql {definer}
AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
    IF OLD.status = 'provisional' AND NEW.status IN ('confirmed', 'checked_in')
        AND NOT cospace_may_decide() THEN
      RAISE EXCEPTION 'only the front desk, estates or an administrator approve a booking'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'declined' AND OLD.status <> 'provisional' THEN
      RAISE EXCEPTION 'only a provisional booking can be declined'
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'declined' AND NOT cospace_may_decide() AND NOT EXISTS (
        SELECT 1 FROM space x JOIN site t ON t.id = x.site_id WHERE x.id = NEW.space_id
          AND NEW.start_at - make_interval(hours => t.decision_lead_hours) <= now()) THEN
      RAISE EXCEPTION 'only the front desk, estates or an administrator decline a booking'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.status IN ('confirmed', 'checked_in')
      AND EXISTS (SELECT 1 FROM space WHERE id = NEW.space_id AND requires_approval)
      AND NOT cospace_is_admin() AND NOT EXISTS (
        SELECT 1 FROM staff st JOIN organisation o ON o.id = st.org_id
        WHERE st.login = session_user AND st.active AND o.is_host) THEN
    RAISE EXCEPTION 'this space needs approval: a partner''s booking of it is provisional'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$""",
        """CREATE TRIGGER tr_booking_approval BEFORE INSERT OR UPDATE OF status ON booking
FOR EACH ROW EXECUTE FUNCTION cospace_guard_approval()""",
        "CREATE POLICY booking_waitlist ON booking FOR INSERT "
        "WITH CHECK (cospace_waitlist_match(org_id, booked_by_id, space_id, start_at, end_at))",
        "CREATE POLICY booking_decide ON booking FOR UPDATE "
        "USING (status = 'provisional' AND cospace_may_decide()) "
        "WITH CHECK (cospace_may_decide())",
        "ALTER TABLE wait_request ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY wait_read ON wait_request FOR SELECT "
        "USING (cospace_may_decide() OR cospace_may_book(org_id, NULL, false))",
        "CREATE POLICY wait_insert ON wait_request FOR INSERT "
        "WITH CHECK (cospace_may_book(org_id, requested_by_id, true))",
        "CREATE POLICY wait_change ON wait_request FOR UPDATE "
        "USING (cospace_may_decide() OR cospace_may_book(org_id, NULL, false)) "
        "WITH CHECK (cospace_may_decide() OR cospace_may_book(org_id, NULL, false))",
        f"GRANT SELECT, INSERT, UPDATE ON wait_request TO {staff_groups}",
        f"GRANT USAGE, SELECT ON SEQUENCE wait_request_id_seq TO {staff_groups}",
        f"GRANT INSERT ON booking TO {role['estates']}",
        f"GRANT UPDATE (status, updated_at) ON booking TO {role['estates']}",
        f"REVOKE ALL ON FUNCTION cospace_waiting(integer, timestamptz, timestamptz), "
        f"cospace_wait_met(integer, integer, timestamptz) FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION cospace_waiting(integer, timestamptz, timestamptz), "
        f"cospace_wait_met(integer, integer, timestamptz) TO {staff_groups}",
    ]
    raw = conn.execution_options(no_parameters=True)
    for stmt in ddl:
        raw.exec_driver_sql(stmt)
