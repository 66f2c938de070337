"""identity and privacy in the store

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Both backends: the audit trail is append-only in the store (a trigger refuses UPDATE and
DELETE, whoever sends them), and ``audit.db_login`` records the database login that wrote each
record.

PostgreSQL also gets the deployment's security model (docs/shared-postgresql.md):

- one group role per cospace role, named after the database (``<db>_frontdesk``,
  ``<db>_adviser``, ``<db>_estates``, ``<db>_admin``) and ``<db>_display`` for a public
  display, so two deployments on one server share nothing;
- a trigger on ``staff`` that creates a person's login role when it does not exist (LOGIN, no
  password) and grants or revokes the group role of their cospace role;
- privileges: the tables each group may read and write, column by column for ``booking``,
  ``series``, ``audit`` and ``unmet_demand``; nothing for PUBLIC;
- row-level security: a partner's role may insert or change only its own organisation's
  bookings and series (``WITH CHECK``), forced on the owner too;
- ``booking_detail`` and ``audit_visible``, security-barrier views through which everyone but
  an administrator reads a booking's attendees, booker and purpose, and the audit records,
  under the same privacy rule as ``booking.permissions.booking_visibility``;
- the usage-summary triggers run as SECURITY DEFINER, so a partner's booking still marks the
  summaries it cannot read.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: cospace role -> the suffix of its group role (``<db>_<suffix>``)
GROUPS = {"front-desk": "frontdesk", "adviser": "adviser", "estates": "estates",
          "admin": "admin"}
DISPLAY = "display"

SQLITE_TRIGGERS = [
    """CREATE TRIGGER tr_audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER tr_audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit records are append-only: DELETE refused'); END""",
]

#: Columns of ``booking`` every staff role reads: the public slot.
BOOKING_PUBLIC = ("id", "space_id", "org_id", "series_id", "start_at", "end_at", "status",
                  "confidential", "created_at", "updated_at")
#: Columns the display role reads: exactly the public slot of a board.
BOOKING_DISPLAY = ("id", "space_id", "org_id", "start_at", "end_at", "status", "confidential")
#: Columns a booking role may change (not org_id, booked_by_id, created_at: a booking stays
#: its organisation's and its booker's).
BOOKING_CHANGE = ("space_id", "series_id", "start_at", "end_at", "status", "attendees",
                  "purpose", "confidential", "updated_at")
SERIES_PUBLIC = ("id", "space_id", "org_id", "rrule", "tz", "dtstart_local", "duration_min",
                 "created_at")
SERIES_CHANGE = ("space_id", "rrule", "tz", "dtstart_local", "duration_min")
UNMET_PUBLIC = ("id", "recorded_at", "site_id", "kind", "start_at", "end_at", "attendees",
                "features", "org_id")
REFERENCE = ("organisation", "site", "space", "opening_hours", "closure")
SETUP = ("organisation", "site", "space", "opening_hours", "closure", "space_restriction",
         "allocation")
USAGE = ("usage_mark", "usage_day", "usage_hour", "usage_space", "usage_piece", "usage_level")


def upgrade() -> None:
    op.add_column('audit', sa.Column('db_login', sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _pg_upgrade()
    else:
        for ddl in SQLITE_TRIGGERS:
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _pg_downgrade()
    else:
        op.execute("DROP TRIGGER IF EXISTS tr_audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS tr_audit_no_delete")
    with op.batch_alter_table('audit', schema=None) as batch_op:
        batch_op.drop_column('db_login')


# --------------------------------------------------------------------------- PostgreSQL
def _names(conn: sa.Connection) -> tuple[str, str, dict[str, str]]:
    db = conn.exec_driver_sql("SELECT current_database()").scalar_one()
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    roles = {k: f"{db}_{v}" for k, v in GROUPS.items()}
    roles[DISPLAY] = f"{db}_{DISPLAY}"
    return db, schema, roles


def _pg_upgrade() -> None:
    conn = op.get_bind()
    db, schema, roles = _names(conn)
    qi = conn.dialect.identifier_preparer.quote_identifier
    sch = qi(schema)
    for name in roles.values():
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                      (name,)).scalar()
        if not exists:
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(f"CREATE ROLE {qi(name)} NOLOGIN")
            except sa.exc.ProgrammingError as exc:
                raise RuntimeError(
                    f"cannot create the group role {name}: the role that runs 'cospace init' "
                    "(the deployment owner) needs CREATEROLE (docs/shared-postgresql.md)"
                ) from exc
            conn.exec_driver_sql(f"COMMENT ON ROLE {qi(name)} IS "
                                 f"'cospace group role of database {db}'")
    fd, adv, est, adm, disp = (qi(roles[k]) for k in
                               ("front-desk", "adviser", "estates", "admin", DISPLAY))
    staff_groups = f"{fd}, {adv}, {est}, {adm}"
    bookers = f"{fd}, {adv}, {adm}"
    reporters = f"{fd}, {est}, {adm}"
    managers = f"{est}, {adm}"
    ddl: list[str] = []
    definer = f"SECURITY DEFINER SET search_path = {sch}, pg_temp"

    # -- who is acting: the functions the policies and views ask (run as the owner, so they
    #    read staff whatever the caller may read).
    ddl += [
        f"""CREATE FUNCTION cospace_group(role text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT current_database() || '_' || CASE role WHEN 'front-desk' THEN 'frontdesk'
    ELSE role END $$""",
        f"""CREATE FUNCTION cospace_is_admin() RETURNS boolean LANGUAGE sql STABLE {definer} AS $$
  SELECT pg_has_role(session_user,
           (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')
      OR EXISTS (SELECT 1 FROM staff WHERE login = session_user AND active AND role = 'admin')
$$""",
        f"""CREATE FUNCTION cospace_may_book(org integer, booker integer, inserting boolean)
RETURNS boolean LANGUAGE sql STABLE {definer} AS $$
  SELECT cospace_is_admin() OR EXISTS (
    SELECT 1 FROM staff s WHERE s.login = session_user AND s.active
      AND (s.role = 'front-desk' OR (s.role = 'adviser' AND s.org_id = org))
      AND (NOT inserting OR booker IS NOT DISTINCT FROM s.id))
$$""",
        f"""CREATE FUNCTION cospace_may_manage() RETURNS boolean LANGUAGE sql STABLE {definer}
AS $$
  SELECT cospace_is_admin() OR EXISTS (
    SELECT 1 FROM staff WHERE login = session_user AND active AND role = 'estates')
$$""",
        """CREATE FUNCTION cospace_redact(doc text, keys text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN doc IS NULL OR cardinality(keys) = 0 THEN doc
    WHEN jsonb_typeof(doc::jsonb) <> 'object' THEN doc
    ELSE (SELECT COALESCE(jsonb_object_agg(e.k, CASE WHEN e.k = ANY(keys) THEN 'null'::jsonb
                                                    ELSE e.v END), '{}'::jsonb)::text
          FROM jsonb_each(doc::jsonb) AS e(k, v))
  END
$$""",
    ]

    # -- the audit trail: append-only for everyone, the owner included; the writer's login
    #    recorded by the store.
    ddl += [
        """CREATE FUNCTION cospace_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.db_login := session_user;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit records are append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$""",
        """CREATE TRIGGER tr_audit_login BEFORE INSERT ON audit
FOR EACH ROW EXECUTE FUNCTION cospace_audit_guard()""",
        """CREATE TRIGGER tr_audit_append_only BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION cospace_audit_guard()""",
        """CREATE TRIGGER tr_audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION cospace_audit_guard()""",
    ]

    # -- staff and login roles: whoever adds, changes or deactivates a staff member (staff
    #    add, import, the admin screen, the demo) changes their database rights with it.
    ddl += [
        f"""CREATE FUNCTION cospace_sync_login() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF (OLD.login, OLD.role, OLD.active) IS NOT DISTINCT FROM (NEW.login, NEW.role, NEW.active)
    THEN
      RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = OLD.login) THEN
      EXECUTE format('REVOKE %I FROM %I', cospace_group(OLD.role), OLD.login);
    END IF;
  END IF;
  IF NEW.active THEN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = NEW.login) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN', NEW.login);
        EXECUTE format('COMMENT ON ROLE %I IS %L', NEW.login,
                       'cospace login created for database ' || current_database());
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;  -- created meanwhile by another deployment: use it
      END;
    END IF;
    EXECUTE format('GRANT %I TO %I', cospace_group(NEW.role), NEW.login);
  END IF;
  RETURN NULL;
END $$""",
        """CREATE TRIGGER tr_staff_login AFTER INSERT OR UPDATE OF login, role, active ON staff
FOR EACH ROW EXECUTE FUNCTION cospace_sync_login()""",
    ]

    # -- the usage summaries: a booking by any role marks them, as the owner.
    for fn in ("usage_mark_booking", "usage_mark_space", "usage_mark_site"):
        ddl.append(f"ALTER FUNCTION {fn}() {definer}")

    # -- row-level security
    ddl += [
        "ALTER TABLE booking ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE booking FORCE ROW LEVEL SECURITY",
        "CREATE POLICY booking_read ON booking FOR SELECT USING (true)",
        "CREATE POLICY booking_insert ON booking FOR INSERT "
        "WITH CHECK (cospace_may_book(org_id, booked_by_id, true))",
        "CREATE POLICY booking_change ON booking FOR UPDATE "
        "USING (cospace_may_book(org_id, NULL, false)) "
        "WITH CHECK (cospace_may_book(org_id, NULL, false))",
        "CREATE POLICY booking_delete ON booking FOR DELETE USING (cospace_is_admin())",
        "ALTER TABLE series ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE series FORCE ROW LEVEL SECURITY",
        "CREATE POLICY series_read ON series FOR SELECT USING (true)",
        "CREATE POLICY series_insert ON series FOR INSERT "
        "WITH CHECK (cospace_may_book(org_id, booked_by_id, true))",
        "CREATE POLICY series_change ON series FOR UPDATE "
        "USING (cospace_may_book(org_id, NULL, false)) "
        "WITH CHECK (cospace_may_book(org_id, NULL, false))",
        "CREATE POLICY series_delete ON series FOR DELETE USING (cospace_is_admin())",
        # Booking roles lock an allocation row (SELECT ... FOR UPDATE needs UPDATE) while they
        # check it; only estates and administrators may really change one.
        "ALTER TABLE allocation ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY allocation_read ON allocation FOR SELECT USING (true)",
        "CREATE POLICY allocation_insert ON allocation FOR INSERT WITH CHECK (true)",
        "CREATE POLICY allocation_change ON allocation FOR UPDATE USING (true) "
        "WITH CHECK (cospace_may_manage())",
        "CREATE POLICY allocation_delete ON allocation FOR DELETE USING (true)",
    ]

    # -- the private details, through one rule (booking.permissions.booking_visibility)
    seen = """LEFT JOIN staff me ON me.login = session_user AND me.active
CROSS JOIN (SELECT cospace_is_admin() AS adm) a"""
    people = ("(a.adm OR COALESCE(me.role <> 'estates' AND (me.id = b.booked_by_id "
              "OR me.role = 'front-desk' OR (me.org_id = b.org_id AND NOT b.confidential)), "
              "false))")
    purpose = ("(a.adm OR COALESCE(me.role <> 'estates' AND me.org_id = b.org_id "
               "AND (NOT b.confidential OR me.id = b.booked_by_id), false))")
    ddl += [
        f"""CREATE VIEW booking_detail WITH (security_barrier) AS
SELECT b.id,
       CASE WHEN {purpose} THEN b.purpose END AS purpose,
       CASE WHEN {people} THEN b.attendees END AS attendees,
       CASE WHEN {people} THEN b.booked_by_id END AS booked_by_id
FROM booking b
{seen}""",
        f"""CREATE VIEW audit_visible WITH (security_barrier) AS
SELECT au.id, au.at, au.actor, au.action, au.entity, au.entity_id,
       CASE WHEN v.people AND v.purpose THEN au.before
            ELSE cospace_redact(au.before, v.hidden) END AS before,
       CASE WHEN v.people AND v.purpose THEN au.after
            ELSE cospace_redact(au.after, v.hidden) END AS after,
       CASE WHEN v.purpose OR au.reason = '' OR left(au.reason, 8) = 'series #'
                 OR au.action NOT IN ('create', 'override', 'update')
            THEN au.reason ELSE '(reason not shown)' END AS reason,
       au.db_login
FROM audit au
LEFT JOIN booking b ON au.entity = 'booking' AND b.id = au.entity_id
{seen}
CROSS JOIN LATERAL (
  SELECT p.people, p.purpose,
         (CASE WHEN p.people THEN ARRAY[]::text[]
               ELSE ARRAY['attendees', 'booked_by_id', 'booked_by'] END)
         || (CASE WHEN p.purpose THEN ARRAY[]::text[] ELSE ARRAY['purpose', 'notes'] END)
         AS hidden
  FROM (SELECT
    CASE WHEN b.id IS NOT NULL THEN {people}
         WHEN au.entity = 'series' THEN a.adm OR au.actor = session_user
         ELSE true END AS people,
    CASE WHEN b.id IS NOT NULL THEN {purpose}
         WHEN au.entity = 'series' THEN a.adm OR au.actor = session_user
         ELSE true END AS purpose) p
) v
WHERE a.adm OR me.role = 'estates' OR au.actor = session_user
   OR (b.org_id IS NOT NULL AND b.org_id = me.org_id)""",
    ]

    # -- privileges: nothing for PUBLIC (roles are the whole server's), then each group's
    ddl += [
        f"REVOKE ALL ON DATABASE {qi(db)} FROM PUBLIC",
        f"GRANT CONNECT ON DATABASE {qi(db)} TO {staff_groups}, {disp}",
        f"GRANT USAGE ON SCHEMA {sch} TO {staff_groups}, {disp}",
        f"GRANT SELECT ON alembic_version, {', '.join(REFERENCE)} TO {staff_groups}, {disp}",
        f"GRANT SELECT ON space_restriction, allocation, staff TO {staff_groups}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(SETUP)} TO {managers}",
        f"GRANT UPDATE (id) ON allocation TO {fd}, {adv}",
        f"GRANT INSERT, UPDATE, DELETE ON staff TO {adm}",
        f"GRANT SELECT ({', '.join(BOOKING_PUBLIC)}) ON booking TO {staff_groups}",
        f"GRANT SELECT ({', '.join(BOOKING_DISPLAY)}) ON booking TO {disp}",
        f"GRANT INSERT ON booking TO {bookers}",
        f"GRANT UPDATE ({', '.join(BOOKING_CHANGE)}) ON booking TO {fd}, {adv}",
        f"GRANT SELECT, UPDATE, DELETE ON booking TO {adm}",
        f"GRANT SELECT ({', '.join(SERIES_PUBLIC)}) ON series TO {staff_groups}",
        f"GRANT INSERT ON series TO {bookers}",
        f"GRANT UPDATE ({', '.join(SERIES_CHANGE)}) ON series TO {fd}, {adv}",
        f"GRANT SELECT, UPDATE, DELETE ON series TO {adm}",
        f"GRANT SELECT (id) ON audit TO {staff_groups}, {disp}",  # the change counter
        f"GRANT INSERT ON audit TO {staff_groups}",
        f"GRANT SELECT ON audit TO {adm}",
        f"GRANT SELECT ON booking_detail, audit_visible TO {staff_groups}",
        f"GRANT INSERT, SELECT (id) ON unmet_demand TO {staff_groups}",  # INSERT ... RETURNING
        f"GRANT SELECT ({', '.join(UNMET_PUBLIC)}) ON unmet_demand TO {reporters}",
        f"GRANT SELECT ON unmet_demand TO {adm}",
        f"GRANT SELECT ON {', '.join(USAGE)} TO {staff_groups}",
        f"GRANT INSERT, UPDATE, DELETE ON {', '.join(USAGE)} TO {reporters}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {sch} TO {staff_groups}",
    ]
    raw = conn.execution_options(no_parameters=True)  # '%' in the DDL is not a placeholder
    for stmt in ddl:
        raw.exec_driver_sql(stmt)
    # Staff already in the store (an upgrade) get their login roles and groups now.
    for row in conn.exec_driver_sql("SELECT login, role FROM staff WHERE active").all():
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                      (row[0],)).scalar()
        if not exists:
            conn.exec_driver_sql(f"CREATE ROLE {qi(row[0])} LOGIN")
            raw.exec_driver_sql(f"COMMENT ON ROLE {qi(row[0])} IS "
                                f"'cospace login created for database {db}'")
        conn.exec_driver_sql(f"GRANT {qi(roles[row[1]])} TO {qi(row[0])}")


def _pg_downgrade() -> None:
    conn = op.get_bind()
    db, schema, roles = _names(conn)
    qi = conn.dialect.identifier_preparer.quote_identifier
    stmts = [
        "DROP VIEW IF EXISTS audit_visible",
        "DROP VIEW IF EXISTS booking_detail",
        "DROP TRIGGER IF EXISTS tr_staff_login ON staff",
        "DROP TRIGGER IF EXISTS tr_audit_login ON audit",
        "DROP TRIGGER IF EXISTS tr_audit_append_only ON audit",
        "DROP TRIGGER IF EXISTS tr_audit_no_truncate ON audit",
    ]
    for table in ("booking", "series", "allocation"):
        for pol in ("read", "insert", "change", "delete"):
            stmts.append(f"DROP POLICY IF EXISTS {table}_{pol} ON {table}")
        stmts.append(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        stmts.append(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for fn in ("usage_mark_booking", "usage_mark_space", "usage_mark_site"):
        stmts.append(f"ALTER FUNCTION {fn}() SECURITY INVOKER RESET search_path")
    stmts += [
        "DROP FUNCTION IF EXISTS cospace_sync_login()",
        "DROP FUNCTION IF EXISTS cospace_audit_guard()",
        "DROP FUNCTION IF EXISTS cospace_redact(text, text[])",
        "DROP FUNCTION IF EXISTS cospace_may_manage()",
        "DROP FUNCTION IF EXISTS cospace_may_book(integer, integer, boolean)",
        "DROP FUNCTION IF EXISTS cospace_is_admin()",
        "DROP FUNCTION IF EXISTS cospace_group(text)",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {qi(db)} TO PUBLIC",
    ]
    for stmt in stmts:
        conn.exec_driver_sql(stmt)
    for name in roles.values():
        if conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).scalar():
            conn.exec_driver_sql(f"DROP OWNED BY {qi(name)}")
            conn.exec_driver_sql(f"DROP ROLE {qi(name)}")
