"""The outbox and the staff addresses (migration 0007): read, claim and mark messages.

A message gets into the outbox by a trigger on ``audit`` (same transaction as the change) or,
for a digest, by :func:`enqueue_digest`; nothing here deletes one. A sender claims one due
message at a time (:func:`claim`: conditional on the state it read, so two senders never
claim the same message), sends it outside any transaction, and marks it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from db.tables import (
    Audit,
    Booking,
    Organisation,
    Outbox,
    Site,
    Space,
    Staff,
    StaffContact,
    StoreSetting,
)

OUTBOX = Outbox.__table__
CONTACT = StaffContact.__table__
STAFF = Staff.__table__
BOOKING = Booking.__table__
SPACE = Space.__table__
SITE = Site.__table__
ORG = Organisation.__table__
AUDIT = Audit.__table__
SETTING = StoreSetting.__table__
#: Booking statuses that hold the slot (listed in a digest).
HOLDING = ("confirmed", "checked_in", "provisional")


# ------------------------------------------------------------------ addresses
def set_contact(conn: Connection, staff_id: int, *, email: str | None = None,
                digest: bool | None = None) -> None:
    """Set a staff member's address and/or digest choice (a row is made on first use; the
    digest alone needs an address already)."""
    have = conn.execute(select(CONTACT.c.staff_id).where(CONTACT.c.staff_id == staff_id)
                        ).first()
    values: dict[str, Any] = {}
    if email is not None:
        values["email"] = email
    if digest is not None:
        values["digest"] = digest
    if have:
        if values:
            conn.execute(update(CONTACT).where(CONTACT.c.staff_id == staff_id).values(**values))
    else:
        conn.execute(insert(CONTACT).values(staff_id=staff_id, digest=bool(digest),
                                            email=email))


def remove_contact(conn: Connection, staff_id: int) -> bool:
    """Forget a staff member's address (and digest choice); True if there was one."""
    return bool(conn.execute(CONTACT.delete().where(CONTACT.c.staff_id == staff_id)).rowcount)


def contact(conn: Connection, staff_id: int) -> Row | None:
    """``email`` and ``digest`` of one staff member (None without an address, or when the
    store does not let this login read it)."""
    return conn.execute(select(CONTACT.c.email, CONTACT.c.digest)
                        .where(CONTACT.c.staff_id == staff_id)).first()


def staff_id(conn: Connection, login: str) -> int | None:
    return conn.execute(select(STAFF.c.id).where(STAFF.c.login == login)).scalar()


# ------------------------------------------------------------------ settings
def setting(conn: Connection, name: str) -> str | None:
    return conn.execute(select(SETTING.c.value).where(SETTING.c.name == name)).scalar()


def put_setting(conn: Connection, name: str, value: str | None) -> str | None:
    """Set (or with None remove) a store setting; returns the value it had."""
    old = setting(conn, name)
    if value is None:
        conn.execute(SETTING.delete().where(SETTING.c.name == name))
    elif old is None:
        conn.execute(SETTING.insert().values(name=name, value=value))
    else:
        conn.execute(SETTING.update().where(SETTING.c.name == name).values(value=value))
    return old


# ------------------------------------------------------------------ the queue
def due_ids(conn: Connection, now: dt.datetime, limit: int) -> list[int]:
    """Pending messages whose time has come, oldest first."""
    return list(conn.execute(
        select(OUTBOX.c.id)
        .where(OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= now)
        .order_by(OUTBOX.c.id).limit(limit)).scalars())


def claim(conn: Connection, message_id: int, now: dt.datetime, until: dt.datetime) -> bool:
    """Take one due message for sending until ``until`` (another sender leaves it alone
    meanwhile; a sender that dies holds it no longer than that). Counts the attempt."""
    done = conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == message_id, OUTBOX.c.status == "pending",
               OUTBOX.c.next_attempt_at <= now)
        .values(attempts=OUTBOX.c.attempts + 1, next_attempt_at=until)).rowcount
    return done == 1


def message(conn: Connection, message_id: int) -> Row | None:
    return conn.execute(select(OUTBOX).where(OUTBOX.c.id == message_id)).first()


def mark_sent(conn: Connection, message_id: int, at: dt.datetime) -> None:
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id)
                 .values(status="sent", sent_at=at, last_error=""))


def mark_retry(conn: Connection, message_id: int, at: dt.datetime, error: str) -> None:
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id, OUTBOX.c.status == "pending")
                 .values(next_attempt_at=at, last_error=error[:500]))


def mark_failed(conn: Connection, message_id: int, error: str) -> None:
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == message_id)
                 .values(status="failed", last_error=error[:500]))


def counts(conn: Connection) -> dict[str, int]:
    """How many messages are pending, sent and failed."""
    found = {r.status: int(r.n) for r in conn.execute(
        select(OUTBOX.c.status, func.count().label("n")).group_by(OUTBOX.c.status))}
    return {s: found.get(s, 0) for s in ("pending", "sent", "failed")}


def next_due(conn: Connection) -> dt.datetime | None:
    return conn.execute(select(func.min(OUTBOX.c.next_attempt_at))
                        .where(OUTBOX.c.status == "pending")).scalar()


def messages(conn: Connection, *, booking_id: int | None = None) -> list[Row]:
    """Every message (of one booking), oldest first: for tests and ``notify status``."""
    stmt = select(OUTBOX).order_by(OUTBOX.c.id)
    if booking_id is not None:
        stmt = stmt.where(OUTBOX.c.booking_id == booking_id)
    return list(conn.execute(stmt))


# ------------------------------------------------------------------ what a message says
def recipient(conn: Connection, staff_id_: int) -> Row | None:
    """The recipient as an acting person (to apply the privacy rule as them)."""
    return conn.execute(
        select(STAFF.c.id, STAFF.c.login, STAFF.c.name, STAFF.c.org_id, STAFF.c.role,
               STAFF.c.active, ORG.c.code.label("org_code"))
        .outerjoin(ORG, ORG.c.id == STAFF.c.org_id)
        .where(STAFF.c.id == staff_id_)).first()


def actor(conn: Connection, login: str) -> Row | None:
    """Who made a change: their role and organisation (a message names roles, not people)."""
    return conn.execute(
        select(STAFF.c.role, STAFF.c.org_id, ORG.c.code.label("org_code"),
               ORG.c.is_host)
        .outerjoin(ORG, ORG.c.id == STAFF.c.org_id)
        .where(STAFF.c.login == login)).first()


def space(conn: Connection, space_id: int) -> Row | None:
    return conn.execute(
        select(SPACE.c.code, SPACE.c.name, SITE.c.name.label("site_name"), SITE.c.tz)
        .join(SITE, SITE.c.id == SPACE.c.site_id)
        .where(SPACE.c.id == space_id)).first()


def booking(conn: Connection, booking_id: int) -> Row | None:
    """The booking's current fields the privacy rule and a message need."""
    return conn.execute(
        select(BOOKING.c.id, BOOKING.c.org_id, BOOKING.c.booked_by_id, BOOKING.c.confidential,
               BOOKING.c.purpose, BOOKING.c.status, ORG.c.name.label("org_name"))
        .join(ORG, ORG.c.id == BOOKING.c.org_id)
        .where(BOOKING.c.id == booking_id)).first()


def audit_values(conn: Connection, audit_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """``before`` and ``after`` of one audit record, as dictionaries."""
    row = conn.execute(select(AUDIT.c.before, AUDIT.c.after).where(AUDIT.c.id == audit_id)
                       ).first()
    if row is None:
        return {}, {}

    def load(text: str | None) -> dict[str, Any]:
        try:
            value = json.loads(text) if text else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return load(row.before), load(row.after)


# ------------------------------------------------------------------ digests
def digest_candidates(conn: Connection, start: dt.datetime, end: dt.datetime) -> list[Row]:
    """Bookings starting in ``[start, end)`` that hold their slot, of staff who asked for the
    digest and have an address (with the site's zone, to find "tomorrow" there)."""
    return list(conn.execute(
        select(BOOKING.c.id, BOOKING.c.start_at, BOOKING.c.booked_by_id, CONTACT.c.email,
               SITE.c.tz)
        .join(CONTACT, CONTACT.c.staff_id == BOOKING.c.booked_by_id)
        .join(STAFF, STAFF.c.id == BOOKING.c.booked_by_id)
        .join(SPACE, SPACE.c.id == BOOKING.c.space_id)
        .join(SITE, SITE.c.id == SPACE.c.site_id)
        .where(CONTACT.c.digest, STAFF.c.active, BOOKING.c.status.in_(HOLDING),
               BOOKING.c.start_at >= start, BOOKING.c.start_at < end)
        .order_by(BOOKING.c.start_at)))


def digest_bookings(conn: Connection, staff_id_: int, start: dt.datetime,
                    end: dt.datetime) -> list[Row]:
    """One person's own bookings starting in ``[start, end)`` that hold their slot."""
    return list(conn.execute(
        select(BOOKING.c.id, BOOKING.c.space_id, BOOKING.c.start_at, BOOKING.c.end_at,
               BOOKING.c.org_id, BOOKING.c.booked_by_id, BOOKING.c.confidential,
               BOOKING.c.purpose)
        .where(BOOKING.c.booked_by_id == staff_id_, BOOKING.c.status.in_(HOLDING),
               BOOKING.c.start_at >= start, BOOKING.c.start_at < end)
        .order_by(BOOKING.c.start_at, BOOKING.c.id)))


def enqueue(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Queue messages whose key is not queued yet (a digest: once per person and day,
    whoever runs the sender and however often); returns how many were new."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(OUTBOX).values(list(rows)).on_conflict_do_nothing(
        index_elements=["key"])
    return int(conn.execute(stmt).rowcount or 0)


def queued_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(conn.execute(select(OUTBOX.c.key).where(and_(OUTBOX.c.key.in_(list(keys)))))
               .scalars())


__all__ = ["HOLDING", "audit_values", "booking", "claim", "contact", "counts",
           "digest_bookings", "digest_candidates", "enqueue", "mark_failed", "mark_retry",
           "mark_sent", "message", "messages", "next_due", "put_setting", "queued_keys",
           "recipient", "remove_contact", "set_contact", "setting", "space", "staff_id"]
