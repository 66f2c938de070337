"""Who is signed in, and the store's own privacy objects (PostgreSQL).

On PostgreSQL the acting person is the database login (``session_user``): the server
authenticates it (``pg_hba.conf``: SCRAM, certificates, LDAP, GSSAPI), and migration 0003
gives each cospace role a per-database group role, row-level security and security-barrier
views (docs/shared-postgresql.md). Reads of a booking's private details and of the audit
trail go through ``booking_detail`` and ``audit_visible`` there; SQLite, one trust domain,
reads the tables themselves.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, Text, text

from db.types import UTCDateTime

#: cospace role -> the suffix of its group role, ``<database>_<suffix>``.
GROUP_SUFFIX = {"front-desk": "frontdesk", "adviser": "adviser", "estates": "estates",
                "admin": "admin"}
DISPLAY_SUFFIX = "display"

_views = MetaData()  # not SQLModel.metadata: these are views, made by migration 0003
#: A booking's private details, each NULL where the signed-in login may not see it.
BOOKING_DETAIL = Table(
    "booking_detail", _views,
    Column("id", Integer, primary_key=True), Column("purpose", String(500)),
    Column("attendees", Integer), Column("booked_by_id", Integer),
)
#: The audit records the signed-in login may read, private values blanked.
AUDIT_VISIBLE = Table(
    "audit_visible", _views,
    Column("id", Integer, primary_key=True), Column("at", UTCDateTime),
    Column("actor", String(64)), Column("action", String(32)), Column("entity", String(32)),
    Column("entity_id", Integer), Column("before", Text), Column("after", Text),
    Column("reason", String(500)), Column("db_login", String(64)),
)


def guarded(conn: Connection) -> bool:
    """True where the store itself enforces privacy (PostgreSQL)."""
    return conn.dialect.name == "postgresql"


def group_role(database: str, role: str) -> str:
    """The group role of a cospace role in one deployment (a database)."""
    return f"{database}_{GROUP_SUFFIX.get(role, role)}"


def session_login(conn: Connection) -> str:
    """The database login this connection signed in as."""
    return str(conn.execute(text("SELECT session_user")).scalar())


def is_store_admin(conn: Connection, *, staff: bool = True) -> bool:
    """Whether the signed-in login is a cospace administrator of this store: the deployment
    owner (or a member of it, e.g. a superuser), or (``staff``) an active ``admin`` staff
    member."""
    owner = ("pg_has_role(session_user, (SELECT datdba FROM pg_database "
             "WHERE datname = current_database()), 'MEMBER')")
    if staff:
        owner += (" OR EXISTS (SELECT 1 FROM staff WHERE login = session_user AND active "
                  "AND role = 'admin')")
    return bool(conn.execute(text(f"SELECT {owner}")).scalar())


def may_read(conn: Connection, table: str) -> bool:
    """Whether the signed-in login may SELECT from ``table`` (PostgreSQL)."""
    return bool(conn.execute(text("SELECT has_table_privilege(:t, 'SELECT')"),
                             {"t": table}).scalar())
