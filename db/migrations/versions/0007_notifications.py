"""notifications by e-mail: staff addresses and the outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

``staff_contact`` holds a staff member's e-mail address and whether they asked for the daily
digest of tomorrow's bookings. It is a table of its own rather than a column of ``staff``:
every staff role reads ``staff`` whole (``SELECT staff.*`` finds the acting person), so a column
there would hand every address to everyone; here row-level security lets a person read (and
change) only their own row, and an administrator every row.

``outbox`` holds the messages to send. A trigger on ``audit`` (both backends) puts one there in
the same transaction as the change it records, when a booking is changed by someone other than
its booker (booked on their behalf, changed, cancelled, released, marked a no-show, undone,
approved, declined, booked from the waitlist) and the booker has an address: no code path can
change a booking without its audit record, so none can skip the message. ``cospace notify
run`` delivers them (docs/notifications.md). The trigger copies the booking's space and times
as they are at that moment, so a message says what that change made of it, whatever happens
later; ``sequence`` is the number of the booking's audit records so far, which only grows
(iCalendar SEQUENCE).

PostgreSQL: the trigger function runs as the owner (SECURITY DEFINER), so a partner's cancel
still queues the message it cannot read; only administrators read and mark the outbox.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.types import UTCDateTime

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The audit actions on a booking that tell its booker something.
NOTIFY_ACTIONS = ("create", "change", "cancel", "noshow", "release", "undo", "approve",
                  "decline", "waitlist_book")
#: Booking statuses that hold the slot: a message about one of them is a REQUEST (add or move
#: the event), about any other a CANCEL (remove it).
HOLDING = ("confirmed", "checked_in", "provisional")


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _select(before_status: str) -> str:
    """The outbox row an audit record ``NEW`` makes, if any (the same SQL on both backends
    but for reading the JSON of ``before``)."""
    return f"""SELECT 'audit-' || NEW.id, 'booking', s.id, c.email, b.id, NEW.id, NEW.action,
       CASE WHEN b.status IN {_in(HOLDING)} THEN 'REQUEST' ELSE 'CANCEL' END,
       (SELECT count(*) FROM audit a WHERE a.entity = 'booking' AND a.entity_id = NEW.entity_id),
       b.space_id, b.start_at, b.end_at, NEW.actor, NEW.reason, NEW.at, 'pending', 0, NEW.at, ''
FROM booking b
JOIN staff s ON s.id = b.booked_by_id
JOIN staff_contact c ON c.staff_id = s.id
WHERE b.id = NEW.entity_id AND s.active
  AND (s.login <> NEW.actor OR NEW.action = 'waitlist_book')
  AND NOT (NEW.action = 'undo' AND COALESCE({before_status}, '') = 'checked_in')"""


COLUMNS = ("key, kind, staff_id, address, booking_id, audit_id, event, method, sequence, "
           "space_id, start_at, end_at, actor, reason, created_at, status, attempts, "
           "next_attempt_at, last_error")
WHEN = f"NEW.entity = 'booking' AND NEW.action IN {_in(NOTIFY_ACTIONS)}"


def upgrade() -> None:
    op.create_table(
        "staff_contact",
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id", ondelete="CASCADE"),
                  primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("audit_id", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=True),
        sa.Column("start_at", UTCDateTime(), nullable=True),
        sa.Column("end_at", UTCDateTime(), nullable=True),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.CheckConstraint("status IN ('pending','sent','failed')", name="ck_outbox_status"),
        sa.UniqueConstraint("key", name="uq_outbox_key"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        _pg_upgrade(conn)
    else:
        op.execute(f"""CREATE TRIGGER tr_audit_outbox AFTER INSERT ON audit
WHEN {WHEN}
BEGIN
INSERT INTO outbox ({COLUMNS})
{_select("json_extract(NEW.before, '$.status')")};
END""")


def _pg_upgrade(conn) -> None:  # type: ignore[no-untyped-def]
    db = conn.exec_driver_sql("SELECT current_database()").scalar()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    qi = conn.dialect.identifier_preparer.quote_identifier
    role = {k: qi(f"{db}_{k}") for k in ("frontdesk", "adviser", "estates", "admin")}
    groups = ", ".join(role.values())
    me = "(SELECT id FROM staff WHERE login = session_user)"
    ddl = [
        f"""CREATE FUNCTION cospace_outbox_enqueue() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = {qi(schema)}, pg_temp AS $$
BEGIN
  INSERT INTO outbox ({COLUMNS})
  {_select("(NEW.before::jsonb ->> 'status')")};
  RETURN NULL;
END $$""",
        f"""CREATE TRIGGER tr_audit_outbox AFTER INSERT ON audit FOR EACH ROW
WHEN ({WHEN}) EXECUTE FUNCTION cospace_outbox_enqueue()""",
        # An address is its owner's and the administrators': nobody else reads it. Not
        # FORCEd: the queueing trigger runs as the table owner and must see every address
        # (a forced policy would judge it by the caller, session_user, and find none).
        "ALTER TABLE staff_contact ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY staff_contact_own ON staff_contact "
        f"USING (cospace_is_admin() OR staff_id = {me}) "
        f"WITH CHECK (cospace_is_admin() OR staff_id = {me})",
        f"GRANT SELECT, INSERT, UPDATE ON staff_contact TO {groups}",
        f"GRANT DELETE ON staff_contact TO {role['admin']}",
        # The sender is an administrator's job (it reads every address and booking).
        f"GRANT SELECT, INSERT, UPDATE ON outbox TO {role['admin']}",
        f"GRANT USAGE, SELECT ON SEQUENCE outbox_id_seq TO {role['admin']}",
    ]
    raw = conn.execution_options(no_parameters=True)
    for stmt in ddl:
        raw.exec_driver_sql(stmt)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS tr_audit_outbox ON audit")
        conn.exec_driver_sql("DROP FUNCTION IF EXISTS cospace_outbox_enqueue()")
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_audit_outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("staff_contact")
