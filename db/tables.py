"""The store's tables.

Every schema change goes through an Alembic migration in ``db/migrations/versions``; these
classes describe the current schema and must match the newest migration (a test checks it).
Times are UTC (:class:`db.types.UTCDateTime`); the site's time zone turns them into wall time.

The classes are declared the way SQLModel documents it: a typed field per column, nullable
exactly when its type admits ``None``, ``foreign_key=``/``ondelete=``/``index=``/``unique=``
on the field, and ``sa_type=`` where the Python type alone does not say the column type
(``String(n)`` for a ``VARCHAR(n)``, ``Text``, :class:`~db.types.UTCDateTime`). A plain
``max_length`` would make SQLModel's ``AutoString``, which is no ``String`` to SQLAlchemy.
Nothing builds instances of them: the queries in ``db/`` run Core statements against each
class's ``__table__`` (the hot paths are compiled once, see :class:`db.prepared.Prepared`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime

#: Booking statuses that hold the space. Cancelled, released and no-show bookings are kept
#: for the record and the reports, but the space is free again.
ACTIVE_STATUSES = ("confirmed", "checked_in", "provisional")
#: Every booking status; ``provisional`` waits for an approval (it holds the slot), ``declined``
#: is a provisional booking refused (booking/approvals.py).
BOOKING_STATUSES = ("confirmed", "cancelled", "checked_in", "no_show", "released", "provisional",
                    "declined")


class StoreTable(SQLModel):
    """The base of every table class: it says (for type checkers) that SQLAlchemy gives each
    one a Core :class:`~sqlalchemy.Table`, which the queries use (``Booking.__table__.c``)."""

    __table__: ClassVar[Table]


class Organisation(StoreTable, table=True):
    """The host jobcentre or a partner organisation sharing the building."""

    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(16), unique=True)
    name: str = Field(sa_type=String(200))
    is_host: bool = False
    #: How many weeks ahead its staff may book; None means the default (host: no limit,
    #: partner: 8 weeks).
    advance_weeks: int | None = None
    active: bool = True


class Site(StoreTable, table=True):
    """A building, with its own time zone and public-holiday calendar."""

    __tablename__ = "site"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(16), unique=True)
    name: str = Field(sa_type=String(200))
    tz: str = Field(default="Europe/London", sa_type=String(64))
    #: Public-holiday calendar: a ``holidays`` UK subdivision (ENG, WLS, SCT, NIR) or "" for none.
    holiday_region: str = Field(default="ENG", sa_type=String(8))
    #: Minutes after its start when a desk booking not checked in is released.
    release_after_minutes: int = 30
    #: Hours before its start by which a provisional booking must be decided (else declined).
    decision_lead_hours: int = Field(default=24, sa_column_kwargs={"server_default": "24"})
    active: bool = True


class OpeningHours(StoreTable, table=True):
    """When a site is open on one weekday (0 = Monday), in minutes after local midnight."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_opening_hours_weekday"),
        CheckConstraint(
            "opens_min >= 0 AND closes_min <= 1440 AND opens_min < closes_min",
            name="ck_opening_hours_range",
        ),
    )
    site_id: int = Field(foreign_key="site.id", ondelete="CASCADE", primary_key=True)
    weekday: int = Field(primary_key=True)
    opens_min: int
    closes_min: int


class Closure(StoreTable, table=True):
    """An ad-hoc closed day at a site (bank holidays come from the ``holidays`` package)."""

    __tablename__ = "closure"
    __table_args__ = (UniqueConstraint("site_id", "day", name="uq_closure_site_day"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", ondelete="CASCADE")
    day: dt.date
    reason: str = Field(default="", sa_type=String(200))


class Space(StoreTable, table=True):
    """A bookable interview room, hot desk or workshop room."""

    __tablename__ = "space"
    __table_args__ = (
        CheckConstraint("kind IN ('interview','desk','workshop')", name="ck_space_kind"),
        CheckConstraint("capacity >= 1", name="ck_space_capacity"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=String(32), unique=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    name: str = Field(default="", sa_type=String(200))
    kind: str = Field(sa_type=String(16))
    capacity: int = 1
    #: Comma-separated, sorted feature names (wifi,pc,printer,phone,hearing-loop,step-free,...).
    features: str = Field(default="", sa_type=String(500))
    private: bool = False
    active: bool = True
    #: A partner's booking of it is provisional until approved (booking/approvals.py).
    requires_approval: bool = Field(default=False,
                                    sa_column_kwargs={"server_default": sa_false()})


class SpaceRestriction(StoreTable, table=True):
    """A space with any rows here may be booked only by the organisations listed."""

    __tablename__ = "space_restriction"
    space_id: int = Field(foreign_key="space.id", ondelete="CASCADE", primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE", primary_key=True)


class Staff(StoreTable, table=True):
    """A person who uses cospace, acting for one organisation in one role."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(
            "role IN ('front-desk','adviser','estates','admin')", name="ck_staff_role"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_type=String(64), unique=True)
    name: str = Field(sa_type=String(200))
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    role: str = Field(sa_type=String(16))
    active: bool = True


class Allocation(StoreTable, table=True):
    """How much of one kind of space at one site an organisation may hold."""

    __tablename__ = "allocation"
    __table_args__ = (
        UniqueConstraint("org_id", "site_id", "kind", name="uq_allocation_org_site_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = Field(foreign_key="organisation.id", ondelete="CASCADE")
    site_id: int = Field(foreign_key="site.id", ondelete="CASCADE")
    kind: str = Field(sa_type=String(16))
    hours_per_week: float | None = None
    max_at_once: int | None = None


class Series(StoreTable, table=True):
    """A repeating booking: an RFC 5545 rule expanded in the site's local time."""

    __tablename__ = "series"
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id", index=True)
    org_id: int = Field(foreign_key="organisation.id")
    booked_by_id: int | None = Field(default=None, foreign_key="staff.id")
    rrule: str = Field(sa_type=Text)
    tz: str = Field(sa_type=String(64))
    #: First occurrence's local start, ISO text without offset (the RRULE DTSTART).
    dtstart_local: str = Field(sa_type=String(32))
    duration_min: int
    created_at: dt.datetime = Field(sa_type=UTCDateTime)


class Booking(StoreTable, table=True):
    """One reservation of one space for a half-open interval ``[start_at, end_at)``."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ck_booking_interval"),
        CheckConstraint(
            "status IN ('confirmed','cancelled','checked_in','no_show','released',"
            "'provisional','declined')",
            name="ck_booking_status",
        ),
        CheckConstraint("attendees >= 1", name="ck_booking_attendees"),
        Index("ix_booking_space_start", "space_id", "start_at"),
        Index("ix_booking_start", "start_at"),
        # Covers the allocation check's reads (migration 0011): no visit to the table.
        Index("ix_booking_org_start", "org_id", "start_at", "end_at", "status", "space_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = Field(foreign_key="space.id")
    org_id: int = Field(foreign_key="organisation.id")
    booked_by_id: int | None = Field(default=None, foreign_key="staff.id")
    series_id: int | None = Field(default=None, foreign_key="series.id", index=True)
    start_at: dt.datetime = Field(sa_type=UTCDateTime)
    end_at: dt.datetime = Field(sa_type=UTCDateTime)
    status: str = Field(default="confirmed", sa_type=String(16))
    attendees: int = 1
    purpose: str = Field(default="", sa_type=String(500))
    confidential: bool = False
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(sa_type=UTCDateTime)
    #: A date of a series changed on its own: the start (UTC) its rule planned for it (the
    #: iCalendar RECURRENCE-ID). None for every other booking.
    moved_from: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class Audit(StoreTable, table=True):
    """Append-only record of every change: who, when, what, and the values before and after.

    Its highest id doubles as the store's change counter, which open boards poll cheaply.
    """

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_type=UTCDateTime, index=True)
    actor: str = Field(sa_type=String(64))
    action: str = Field(sa_type=String(32))
    entity: str = Field(sa_type=String(32))
    entity_id: int | None = None
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    reason: str = Field(default="", sa_type=String(500))
    #: PostgreSQL: the database login that wrote the record (a trigger sets it from
    #: ``session_user``; nothing else can), so an administrator acting as someone else is
    #: recorded as both. NULL on SQLite, one trust domain.
    db_login: str | None = Field(default=None, sa_type=String(64))


class UnmetDemand(StoreTable, table=True):
    """A request that found no fitting space: the evidence of where space runs short."""

    __tablename__ = "unmet_demand"
    __table_args__ = (Index("ix_unmet_site_start", "site_id", "start_at"),)
    id: int | None = Field(default=None, primary_key=True)
    recorded_at: dt.datetime = Field(sa_type=UTCDateTime)
    site_id: int = Field(foreign_key="site.id")
    kind: str = Field(sa_type=String(16))
    start_at: dt.datetime = Field(sa_type=UTCDateTime)
    end_at: dt.datetime = Field(sa_type=UTCDateTime)
    attendees: int = 1
    features: str = Field(default="", sa_type=String(500))
    org_id: int | None = Field(default=None, foreign_key="organisation.id")
    staff_id: int | None = Field(default=None, foreign_key="staff.id")


class WaitRequest(StoreTable, table=True):
    """A request nothing could meet yet, waiting for a fitting space to free (booking/waitlist)."""

    __tablename__ = "wait_request"
    __table_args__ = (
        CheckConstraint("status IN ('waiting','booked','expired','cancelled')",
                        name="ck_wait_request_status"),
        Index("ix_wait_request_site_start", "site_id", "start_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id")
    kind: str = Field(sa_type=String(16))
    start_at: dt.datetime = Field(sa_type=UTCDateTime)
    end_at: dt.datetime = Field(sa_type=UTCDateTime)
    attendees: int = Field(default=1)
    features: str = Field(default="", sa_type=String(500))
    org_id: int = Field(foreign_key="organisation.id")
    requested_by_id: int | None = Field(default=None, foreign_key="staff.id")
    status: str = Field(default="waiting", sa_type=String(16))
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    created_at: dt.datetime = Field(sa_type=UTCDateTime)
    met_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


# ------------------------------------------------------------------ usage summaries
# Derived data for the usage reports (booking/usage.py fills them, db/usage_queries.py reads
# them): a year of a region reads these small per-site, per-local-day tables instead of
# millions of bookings. Triggers on ``booking`` (and on the ``space``/``site`` columns that
# change what a booking counts as) append a mark to ``usage_mark`` in the same transaction as
# the change; :func:`booking.usage.refresh` recomputes the marked days before a report reads.
# They hold no facts of their own: dropping their rows and marking everything rebuilds them.


class UsageMark(StoreTable, table=True):
    """A change that the usage summaries have not caught up with yet.

    ``start_at``/``end_at`` give the booking's interval (the days to recompute); NULL means
    the whole site (``site_id``), and a NULL ``site_id`` every site. Append-only, with no
    unique key, so concurrent writers never wait on each other to mark.
    """

    __tablename__ = "usage_mark"
    __table_args__ = (Index("ix_usage_mark_site", "site_id"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = None
    start_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    end_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


def _usage_table(name: str, keys: list[Column[Any]], *, measures: bool = True) -> Table:
    """A summary keyed by site and local day (plus ``keys``), with the local weekday (0 =
    Monday), ISO week (``2026-W48``) and month (``2026-11``) of the day stored beside it so
    that reports group by them in SQL on any backend."""
    cols: list[Column[Any]] = [
        Column("site_id", Integer, primary_key=True, autoincrement=False),
        Column("day", Date, primary_key=True),
        *keys,
        Column("weekday", Integer, nullable=False),
        Column("week", String(8), nullable=False),
        Column("month", String(7), nullable=False),
        Column("minutes", Float, nullable=False),
    ]
    if measures:
        cols.append(Column("bookings", Integer, nullable=False))
    return Table(name, SQLModel.metadata, *cols, sqlite_with_rowid=False)


def _key(name: str, type_: Any) -> Column[Any]:
    return Column(name, type_, primary_key=True, autoincrement=False)


#: Booked minutes and bookings started, per site, local day, kind, organisation and status.
USAGE_DAY = _usage_table("usage_day", [
    _key("kind", String(16)), _key("org_id", Integer), _key("status", String(16))])
#: The same per local hour of the day (minutes shared among the hours a booking covers), without
#: the organisation: the weekday x hour heatmap.
USAGE_HOUR = _usage_table("usage_hour", [
    _key("kind", String(16)), _key("status", String(16)), _key("hour", Integer)])
#: The same per space, without organisation or hour.
USAGE_SPACE = _usage_table("usage_space", [
    _key("space_id", Integer), _key("status", String(16)),
    Column("kind", String(16), nullable=False)])
#: Every key at once (space, organisation, status, hour): the groupings the others do not hold
#: (organisation with hour, space with organisation or hour).
USAGE_PIECE = _usage_table("usage_piece", [
    _key("space_id", Integer), _key("org_id", Integer), _key("status", String(16)),
    _key("hour", Integer), Column("kind", String(16), nullable=False)])
#: Minutes of the local day during which at least ``level`` spaces of the kind were booked
#: (levels 1 up to that day's peak): peak occupancy and saturated hours for any number of
#: spaces, so deactivating a space needs no rebuild.
USAGE_LEVEL = _usage_table("usage_level", [
    _key("kind", String(16)), _key("level", Integer)], measures=False)


class StoreSetting(StoreTable, table=True):
    """Per-store settings, one row per name (``horizon_weeks``: how far ahead anyone may
    book). A name without a row has its default (``booking/horizon.py``)."""

    __tablename__ = "store_setting"

    name: str = Field(sa_type=String(64), primary_key=True)
    value: str = Field(sa_type=String(200))


# ------------------------------------------------------------------ notifications
# Migration 0007 (docs/notifications.md): addresses, and the outbox a trigger on ``audit``
# fills in the same transaction as a change to someone's booking.


class StaffContact(StoreTable, table=True):
    """A staff member's e-mail address, and whether they want tomorrow's bookings each
    afternoon. Its own table so that PostgreSQL shows a row only to its owner and the
    administrators (every staff role reads ``staff`` whole)."""

    __tablename__ = "staff_contact"

    staff_id: int = Field(foreign_key="staff.id", primary_key=True, ondelete="CASCADE",
                          sa_column_kwargs={"autoincrement": False})
    email: str = Field(sa_type=String(254), nullable=False)
    digest: bool = Field(default=False, nullable=False)


class Outbox(StoreTable, table=True):
    """One message to send: queued with the change it tells of, marked when the server took
    it (``status`` ``sent``), retried with a growing wait while it did not.

    ``key`` is the idempotency key (``audit-<id>``, ``digest-<staff>-<day>``) and the root of
    the message's Message-ID. ``space_id``/``start_at``/``end_at`` are the booking as that
    change left it (for a digest: the local day's bounds)."""

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint("status IN ('pending','sent','failed')", name="ck_outbox_status"),
        UniqueConstraint("key", name="uq_outbox_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_type=String(120), nullable=False)
    kind: str = Field(sa_type=String(16), nullable=False)
    staff_id: int = Field(foreign_key="staff.id", nullable=False)
    address: str = Field(sa_type=String(254), nullable=False)
    booking_id: int | None = Field(default=None, nullable=True)
    audit_id: int | None = Field(default=None, nullable=True)
    event: str = Field(sa_type=String(32), nullable=False)
    method: str | None = Field(
        default=None, sa_type=String(8), nullable=True)
    sequence: int = Field(default=0, nullable=False)
    space_id: int | None = Field(default=None, nullable=True)
    start_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True)
    end_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True)
    actor: str | None = Field(
        default=None, sa_type=String(64), nullable=True)
    reason: str = Field(default="", sa_type=String(500), nullable=False)
    created_at: dt.datetime = Field(sa_type=UTCDateTime, nullable=False)
    status: str = Field(
        default="pending", sa_type=String(8), nullable=False)
    attempts: int = Field(default=0, nullable=False)
    next_attempt_at: dt.datetime = Field(
        sa_type=UTCDateTime, nullable=False)
    sent_at: dt.datetime | None = Field(
        default=None, sa_type=UTCDateTime, nullable=True)
    last_error: str = Field(
        default="", sa_type=String(500), nullable=False)


from db.tables_usage import USAGE_ORG_MONTH, USAGE_SPACE_MONTH  # noqa: E402,F401  (migration 0009)
