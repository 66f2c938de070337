"""The store's tables.

Every schema change goes through an Alembic migration in ``db/migrations/versions``; these
classes describe the current schema and must match the newest migration (a test checks it).
Times are UTC (:class:`db.types.UTCDateTime`); the site's time zone turns them into wall time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime

#: Booking statuses that hold the space. Cancelled, released and no-show bookings are kept
#: for the record and the reports, but the space is free again.
ACTIVE_STATUSES = ("confirmed", "checked_in")


def _fk(target: str, *, nullable: bool = False, index: bool = False, ondelete: str | None = None):
    return Field(
        default=None if nullable else ...,
        sa_column=Column(
            Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


class Organisation(SQLModel, table=True):
    """The host jobcentre or a partner organisation sharing the building."""

    __tablename__ = "organisation"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    is_host: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    #: How many weeks ahead its staff may book; None means the default (host: no limit,
    #: partner: 8 weeks).
    advance_weeks: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))


class Site(SQLModel, table=True):
    """A building, with its own time zone and public-holiday calendar."""

    __tablename__ = "site"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    tz: str = Field(
        default="Europe/London",
        sa_column=Column(String(64), nullable=False, default="Europe/London"),
    )
    #: Public-holiday calendar: a ``holidays`` UK subdivision (ENG, WLS, SCT, NIR) or "" for none.
    holiday_region: str = Field(
        default="ENG", sa_column=Column(String(8), nullable=False, default="ENG")
    )
    #: Minutes after its start when a desk booking not checked in is released.
    release_after_minutes: int = Field(
        default=30, sa_column=Column(Integer, nullable=False, default=30)
    )
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))


class OpeningHours(SQLModel, table=True):
    """When a site is open on one weekday (0 = Monday), in minutes after local midnight."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="ck_opening_hours_weekday"),
        CheckConstraint(
            "opens_min >= 0 AND closes_min <= 1440 AND opens_min < closes_min",
            name="ck_opening_hours_range",
        ),
    )
    site_id: int = Field(
        sa_column=Column(Integer, ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)
    )
    weekday: int = Field(sa_column=Column(Integer, primary_key=True))
    opens_min: int = Field(sa_column=Column(Integer, nullable=False))
    closes_min: int = Field(sa_column=Column(Integer, nullable=False))


class Closure(SQLModel, table=True):
    """An ad-hoc closed day at a site (bank holidays come from the ``holidays`` package)."""

    __tablename__ = "closure"
    __table_args__ = (UniqueConstraint("site_id", "day", name="uq_closure_site_day"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int = _fk("site.id", ondelete="CASCADE")
    day: dt.date = Field(sa_column=Column(Date, nullable=False))
    reason: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))


class Space(SQLModel, table=True):
    """A bookable interview room, hot desk or workshop room."""

    __tablename__ = "space"
    __table_args__ = (
        CheckConstraint("kind IN ('interview','desk','workshop')", name="ck_space_kind"),
        CheckConstraint("capacity >= 1", name="ck_space_capacity"),
    )
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    site_id: int = _fk("site.id", index=True)
    name: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    capacity: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    #: Comma-separated, sorted feature names (wifi,pc,printer,phone,hearing-loop,step-free,...).
    features: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    private: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))


class SpaceRestriction(SQLModel, table=True):
    """A space with any rows here may be booked only by the organisations listed."""

    __tablename__ = "space_restriction"
    space_id: int = Field(
        sa_column=Column(Integer, ForeignKey("space.id", ondelete="CASCADE"), primary_key=True)
    )
    org_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )


class Staff(SQLModel, table=True):
    """A person who uses cospace, acting for one organisation in one role."""

    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(
            "role IN ('front-desk','adviser','estates','admin')", name="ck_staff_role"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    org_id: int | None = _fk("organisation.id", nullable=True)
    role: str = Field(sa_column=Column(String(16), nullable=False))
    active: bool = Field(default=True, sa_column=Column(Boolean, nullable=False, default=True))


class Allocation(SQLModel, table=True):
    """How much of one kind of space at one site an organisation may hold."""

    __tablename__ = "allocation"
    __table_args__ = (
        UniqueConstraint("org_id", "site_id", "kind", name="uq_allocation_org_site_kind"),
    )
    id: int | None = Field(default=None, primary_key=True)
    org_id: int = _fk("organisation.id", ondelete="CASCADE")
    site_id: int = _fk("site.id", ondelete="CASCADE")
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    hours_per_week: float | None = Field(default=None, nullable=True)
    max_at_once: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))


class Series(SQLModel, table=True):
    """A repeating booking: an RFC 5545 rule expanded in the site's local time."""

    __tablename__ = "series"
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = _fk("space.id", index=True)
    org_id: int = _fk("organisation.id")
    booked_by_id: int | None = _fk("staff.id", nullable=True)
    rrule: str = Field(sa_column=Column(Text, nullable=False))
    tz: str = Field(sa_column=Column(String(64), nullable=False))
    #: First occurrence's local start, ISO text without offset (the RRULE DTSTART).
    dtstart_local: str = Field(sa_column=Column(String(32), nullable=False))
    duration_min: int = Field(sa_column=Column(Integer, nullable=False))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Booking(SQLModel, table=True):
    """One reservation of one space for a half-open interval ``[start_at, end_at)``."""

    __tablename__ = "booking"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="ck_booking_interval"),
        CheckConstraint(
            "status IN ('confirmed','cancelled','checked_in','no_show','released')",
            name="ck_booking_status",
        ),
        CheckConstraint("attendees >= 1", name="ck_booking_attendees"),
        Index("ix_booking_space_start", "space_id", "start_at"),
        Index("ix_booking_start", "start_at"),
        Index("ix_booking_org_start", "org_id", "start_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    space_id: int = _fk("space.id")
    org_id: int = _fk("organisation.id")
    booked_by_id: int | None = _fk("staff.id", nullable=True)
    series_id: int | None = _fk("series.id", nullable=True, index=True)
    start_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    end_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    status: str = Field(
        default="confirmed", sa_column=Column(String(16), nullable=False, default="confirmed")
    )
    attendees: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    purpose: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    confidential: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    #: A date of a series changed on its own: the start (UTC) its rule planned for it (the
    #: iCalendar RECURRENCE-ID). None for every other booking.
    moved_from: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True))


class Audit(SQLModel, table=True):
    """Append-only record of every change: who, when, what, and the values before and after.

    Its highest id doubles as the store's change counter, which open boards poll cheaply.
    """

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor: str = Field(sa_column=Column(String(64), nullable=False))
    action: str = Field(sa_column=Column(String(32), nullable=False))
    entity: str = Field(sa_column=Column(String(32), nullable=False))
    entity_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reason: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    #: PostgreSQL: the database login that wrote the record (a trigger sets it from
    #: ``session_user``; nothing else can), so an administrator acting as someone else is
    #: recorded as both. NULL on SQLite, one trust domain.
    db_login: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class UnmetDemand(SQLModel, table=True):
    """A request that found no fitting space: the evidence of where space runs short."""

    __tablename__ = "unmet_demand"
    __table_args__ = (Index("ix_unmet_site_start", "site_id", "start_at"),)
    id: int | None = Field(default=None, primary_key=True)
    recorded_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    site_id: int = _fk("site.id")
    kind: str = Field(sa_column=Column(String(16), nullable=False))
    start_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    end_at: dt.datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attendees: int = Field(default=1, sa_column=Column(Integer, nullable=False, default=1))
    features: str = Field(default="", sa_column=Column(String(500), nullable=False, default=""))
    org_id: int | None = _fk("organisation.id", nullable=True)
    staff_id: int | None = _fk("staff.id", nullable=True)


# ------------------------------------------------------------------ usage summaries
# Derived data for the usage reports (booking/usage.py fills them, db/usage_queries.py reads
# them): a year of a region reads these small per-site, per-local-day tables instead of
# millions of bookings. Triggers on ``booking`` (and on the ``space``/``site`` columns that
# change what a booking counts as) append a mark to ``usage_mark`` in the same transaction as
# the change; :func:`booking.usage.refresh` recomputes the marked days before a report reads.
# They hold no facts of their own: dropping their rows and marking everything rebuilds them.


class UsageMark(SQLModel, table=True):
    """A change that the usage summaries have not caught up with yet.

    ``start_at``/``end_at`` give the booking's interval (the days to recompute); NULL means
    the whole site (``site_id``), and a NULL ``site_id`` every site. Append-only, with no
    unique key, so concurrent writers never wait on each other to mark.
    """

    __tablename__ = "usage_mark"
    __table_args__ = (Index("ix_usage_mark_site", "site_id"),)
    id: int | None = Field(default=None, primary_key=True)
    site_id: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    start_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True))
    end_at: dt.datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime, nullable=True))


def _usage_table(name: str, keys: list[Column], *, measures: bool = True) -> Table:
    """A summary keyed by site and local day (plus ``keys``), with the local weekday (0 =
    Monday), ISO week (``2026-W48``) and month (``2026-11``) of the day stored beside it so
    that reports group by them in SQL on any backend."""
    cols = [
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


def _key(name: str, type_: Any) -> Column:
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


class StoreSetting(SQLModel, table=True):
    """Per-store settings, one row per name (``horizon_weeks``: how far ahead anyone may
    book). A name without a row has its default (``booking/horizon.py``)."""

    __tablename__ = "store_setting"

    name: str = Field(sa_column=Column(String(64), primary_key=True))
    value: str = Field(sa_column=Column(String(200), nullable=False))


from db.tables_usage import USAGE_ORG_MONTH, USAGE_SPACE_MONTH  # noqa: E402,F401  (migration 0009)
