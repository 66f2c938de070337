"""the same search again records unmet demand once, on PostgreSQL too

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

A search that found nothing records its unmet demand; the same person running the same search
again within half an hour must not count it twice (``booking.precheck.recorded_unmet``). Staff
may insert unmet-demand records but not read them (they name other organisations' needs), so
on PostgreSQL the check is a SECURITY DEFINER function that answers only for the caller's own
records: the id of the matching record, or NULL. SQLite needs nothing (one trust domain).
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    db = conn.exec_driver_sql("SELECT current_database()").scalar_one()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    qi = conn.dialect.identifier_preparer.quote_identifier
    groups = ", ".join(qi(f"{db}_{k}") for k in ("frontdesk", "adviser", "estates", "admin"))
    # the caller's own records only (an administrator's connection may act for anyone)
    op.execute(f"""CREATE FUNCTION cospace_recent_unmet(p_site integer, p_kind text,
    p_start timestamptz, p_end timestamptz, p_org integer, p_staff integer,
    p_since timestamptz)
RETURNS integer LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {qi(schema)}, pg_temp
AS $$
  SELECT u.id FROM unmet_demand u
  WHERE u.staff_id IS NOT DISTINCT FROM p_staff
    AND (cospace_is_admin() OR p_staff = (SELECT s.id FROM staff s
                                          WHERE s.login = session_user AND s.active))
    AND u.site_id = p_site AND u.kind = p_kind AND u.start_at = p_start
    AND u.end_at = p_end AND u.org_id IS NOT DISTINCT FROM p_org AND u.recorded_at >= p_since
  ORDER BY u.id DESC LIMIT 1
$$""")
    op.execute("REVOKE ALL ON FUNCTION cospace_recent_unmet(integer, text, timestamptz, "
               "timestamptz, integer, integer, timestamptz) FROM PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION cospace_recent_unmet(integer, text, timestamptz, "
               f"timestamptz, integer, integer, timestamptz) TO {groups}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION cospace_recent_unmet(integer, text, timestamptz, timestamptz, "
                   "integer, integer, timestamptz)")
