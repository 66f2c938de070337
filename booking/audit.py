"""Reading the audit trail: who did what, when, with the values before and after.

The trail is append-only: :func:`db.queries.add_audit` is the only writer and nothing in
cospace updates or deletes a record. Reading it follows the same rules as the board: estates
staff and administrators read every record; everyone else reads the records of their own
organisation's bookings and the changes they made themselves. Booking details (purpose,
attendees, who booked) inside a record are shown only to those who may see that booking's
details. Who acted is the point of an audit trail, so estates staff and administrators see the
login; anyone else who may not see a booking's details sees only the actor's organisation.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from booking import permissions
from booking.context import Context
from booking.errors import InvalidInput, NotFound
from booking.models import Actor
from booking.timeutil import day_bounds, iso_local, parse_date
from db import audit as audit_queries
from db import queries

#: Keys of a booking's audit values that are its private details.
PRIVATE_KEYS = frozenset({"purpose", "attendees", "booked_by_id", "booked_by", "notes"})
DEFAULT_TZ = "Europe/London"


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime  # UTC
    actor: str
    action: str
    entity: str
    entity_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    #: On PostgreSQL, the database login that made the change when it is not ``actor``
    #: (an administrator acting as someone else with ``--as``).
    signed_in_as: str | None = None

    @property
    def who(self) -> str:
        """``admin acting as frontdesk`` when an administrator acted as someone else."""
        if self.signed_in_as:
            return f"{self.signed_in_as} acting as {self.actor}"
        return self.actor

    def to_json(self, tz: str = DEFAULT_TZ) -> dict[str, Any]:
        return {"id": self.id, "at": iso_local(self.at, tz), "actor": self.actor,
                "signed_in_as": self.signed_in_as,
                "action": self.action, "entity": self.entity, "entity_id": self.entity_id,
                "before": self.before, "after": self.after, "reason": self.reason}


#: Keys of a booking's audit values that say who is involved, and why it was booked.
PEOPLE_KEYS = frozenset({"attendees", "booked_by_id", "booked_by"})
PURPOSE_KEYS = PRIVATE_KEYS - PEOPLE_KEYS


def _redact(values: dict[str, Any] | None, keys: frozenset[str] = PRIVATE_KEYS
            ) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: (None if k in keys else v) for k, v in values.items()}


def _load(text: str | None) -> dict[str, Any] | None:
    return json.loads(text) if text else None


def entry_for(row: Any, viewer: Actor) -> AuditEntry:
    """One record as ``viewer`` may read it: a booking's values under the same rule as the
    board (:func:`booking.permissions.booking_visibility`); the reason given with a booking
    (free text, e.g. an override's) only to those who may read its purpose and to
    administrators."""
    before, after, actor = _load(row.before), _load(row.after), row.actor
    reason = row.reason
    if row.entity == "booking" and row.booking_org_id is not None:
        seen = permissions.booking_visibility(
            viewer, org_id=row.booking_org_id, confidential=bool(row.booking_confidential),
            booked_by_id=row.booking_booked_by_id,
        )
        hidden = (frozenset() if seen.people else PEOPLE_KEYS) | (
            frozenset() if seen.purpose else PURPOSE_KEYS)
        if hidden:
            before, after = _redact(before, hidden), _redact(after, hidden)
        if (not seen.purpose and viewer.role != "admin" and reason
                and row.action in ("create", "override", "update")
                and not reason.startswith("series #")):
            reason = "(reason not shown)"
        if not seen.people:
            if actor != viewer.login and not permissions.may_admin_action(viewer, "audit-all"):
                actor = f"{row.actor_org_code} staff" if row.actor_org_code else "staff"
    signed_in = getattr(row, "db_login", None)
    if signed_in and signed_in == row.actor:
        signed_in = None
    return AuditEntry(id=row.id, at=row.at, actor=actor, action=row.action, entity=row.entity,
                      entity_id=row.entity_id, before=before, after=after, reason=reason,
                      signed_in_as=signed_in)


def trail(ctx: Context, *, booking: int | None = None, start: str | dt.date | None = None,
          end: str | dt.date | None = None, tz: str = DEFAULT_TZ) -> list[AuditEntry]:
    """The audit records the acting staff member may read, oldest first; ``start``/``end``
    are days (inclusive) in ``tz``."""
    lo_day = parse_date(start) if isinstance(start, str) else start
    hi_day = parse_date(end) if isinstance(end, str) else end
    if lo_day and hi_day and hi_day < lo_day:
        raise InvalidInput("--to is before --from.")
    lo = day_bounds(lo_day, tz)[0] if lo_day else None
    hi = day_bounds(hi_day, tz)[1] if hi_day else None
    with ctx.reading() as conn:
        viewer = ctx.load_actor(conn)
        permissions.require_known(viewer)
        if booking is not None:
            b = queries.booking_row(conn, booking)
            if b is None:
                raise NotFound(f"There is no booking #{booking}.")
        everything = permissions.may_admin_action(viewer, "audit-all")
        rows = audit_queries.audit_rows(
            conn, booking_id=booking, start=lo, end=hi,
            org_id=None if everything else (viewer.org_id if viewer.org_id is not None else -1),
            login=None if everything else viewer.login,
        )
        return [entry_for(r, viewer) for r in rows]


def history(ctx: Context, booking_id: int) -> list[AuditEntry]:
    """A booking's history (the TUI's history view)."""
    return trail(ctx, booking=booking_id)
