"""Every status change of a booking goes through here: cancel, check-in, no-show, release,
undo, and the cancels of a series and of many bookings at once.

A change is conditional on the state it read: the booking is read locked (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` holds the write lock already), and the
write is ``UPDATE booking SET status = :new WHERE id = :id AND status = :read`` with its row
count checked. Of terminals racing to change one booking exactly one wins; the others are
told plainly what happened ("Booking #12 was already checked in by desk at 09:14; ..."), and
only the winner writes an audit record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Row

from booking import allocations, approvals, permissions, waitlist
from booking.errors import Conflict, NotFound, RaceConflict, RuleViolation
from booking.models import ACTIVE_STATUSES, MAX_BOOKING_MINUTES, Actor, BookingView
from booking.timeutil import to_local
from db import queries as q
from db import status as sst
from db.engine import write_tx

if TYPE_CHECKING:
    from booking.service import Cospace

Check = Callable[[Row, dt.datetime], None]


@dataclass(frozen=True)
class Transition:
    """One kind of status change: the statuses it starts from, the one it ends in, and what a
    refusal says when the booking is in another."""

    action: str  # the audit action, and the permission asked for
    new: str
    allowed: tuple[str, ...]
    refused: str  # the end of a refusal: "only a confirmed booking can be cancelled."


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("cancel", "cancelled", ("confirmed", "provisional"),
               "only a confirmed booking can be cancelled."),
    Transition("checkin", "checked_in", ("confirmed", "no_show", "released"),
               "it cannot be checked in."),
    Transition("noshow", "no_show", ("confirmed",),
               "only a confirmed booking can be marked a no-show."),
    Transition("release", "released", ("confirmed",),
               "only a confirmed booking can be released."),
    Transition("undo", "confirmed", ("checked_in", "no_show", "released", "cancelled"),
               "there is no check-in, no-show, release or cancellation to undo."),
)}

#: A status in words, after "is" / "was already".
STATUS_WORDS = {"confirmed": "confirmed", "cancelled": "cancelled", "checked_in": "checked in",
                "no_show": "marked a no-show", "released": "released",
                "provisional": "provisional (waiting for approval)", "declined": "declined"}
#: The marks undo takes back, in words ("undid the check-in").
MARK_WORDS = {"checked_in": "check-in", "no_show": "no-show", "released": "release",
              "cancelled": "cancellation"}


def refusal(conn: Connection, row: Any, action: str) -> str | None:
    """Why ``row`` (as read, locked) cannot take ``action``, naming who changed it and when;
    None when it can."""
    t = TRANSITIONS[action]
    if row.status in t.allowed:
        return None
    last = sst.last_status_change(conn, row.id) if row.status != "confirmed" else None
    if last is not None:
        when = to_local(last.at, row.tz)
        return (f"Booking #{row.id} was already {STATUS_WORDS[row.status]} by {last.actor} at "
                f"{when:HH:mm} on {when:ddd D MMM}; {t.refused}")
    return f"Booking #{row.id} is {STATUS_WORDS.get(row.status, row.status)}; {t.refused}"


def apply(conn: Connection, *, actor: str, action: str, rows: Sequence[Any], at: dt.datetime,
          reason: str = "") -> None:
    """Change every booking of ``rows`` (each read in this transaction, with ``id``, ``status``
    and ``tz``) by ``action``, conditional on the status read, and write one audit record
    each. All or nothing: when another writer changed one meanwhile, :class:`Conflict` says
    what happened and the caller's transaction rolls back."""
    t = TRANSITIONS[action]
    by_status: dict[str, list[int]] = {}
    for r in rows:
        by_status.setdefault(r.status, []).append(r.id)
    done = sum(sst.set_status(conn, ids, t.new, (status,), at)
               for status, ids in by_status.items())
    if done != len(rows):
        fresh = {r.id: r for r in sst.locked_rows(conn, [r.id for r in rows])}
        for r in rows:
            now_row = fresh.get(r.id)
            if now_row is not None and now_row.status != r.status:
                raise Conflict(refusal(conn, now_row, action) or
                               f"Booking #{r.id} changed meanwhile; look again.")
        raise Conflict("A booking changed while this was being saved; look again and retry.")
    q.add_audits(conn, [
        dict(at=at, actor=actor, action=action, entity="booking", entity_id=r.id,
             before={"status": r.status}, after={"status": t.new}, reason=reason)
        for r in rows])
    if t.new not in ACTIVE_STATUSES:  # the slots are free: the waitlist may take them
        waitlist.fill_freed(conn, rows, at)


def _reactivate(app: Cospace, conn: Connection, row: Row, actor: Actor,
                *, allocation: bool) -> None:
    """Back in use (a late check-in, an undone mark or cancellation): the space may have been
    booked meanwhile, and the hours count against the organisation's allocation again."""
    approvals.check_reactivation(conn, actor, row)  # an approval space: no undo around it
    found = q.clashes(conn, row.space_id, row.start_at, row.end_at,
                      max_minutes=MAX_BOOKING_MINUTES, exclude_id=row.id)
    if found:
        from booking.service import clash_message

        space = app._space(conn, row.space_code)
        raise Conflict(clash_message(space, row.tz, found) + " The slot is no longer free.",
                       holders=list(found))
    if allocation:
        space = app._space(conn, row.space_code)
        site = app._site(conn, id=space.site_id)
        org = app._org(conn, row.org_code)
        allocations.enforce(conn, actor=actor, org=org, site=site, kind=space.kind,
                            intervals=[(row.start_at, row.end_at)], exclude_ids=[row.id])


def change_one(app: Cospace, booking_id: int, action: str, *, check: Check | None = None,
               permission: Callable[[Row], str] | None = None,
               reason: Callable[[Row], str] | None = None) -> BookingView:
    """One booking's status change by ``action``, in one write transaction: the locked read,
    the permission (``permission(row)``, else ``action``), the status, ``check(row, now)``, a clash
    check when it comes back into use, the conditional write and its audit record."""
    t = TRANSITIONS[action]
    now = app.now()
    row = None
    try:
        with write_tx(app.engine) as conn:
            actor = app._load_actor(conn)
            rows = sst.locked_rows(conn, [booking_id])
            if not rows:
                raise NotFound(f"There is no booking #{booking_id}.")
            row = rows[0]
            permissions.require_booking_action(
                actor, permission(row) if permission else action, row.org_id, row.org_code)
            refused = refusal(conn, row, action)
            if refused:
                raise RuleViolation(refused)
            if check is not None:
                check(row, now)
            if t.new in ACTIVE_STATUSES and row.status not in ACTIVE_STATUSES:
                _reactivate(app, conn, row, actor, allocation=action == "undo")
            apply(conn, actor=actor.login, action=action, rows=[row], at=now,
                  reason=reason(row) if reason else "")
            new = q.booking_row(conn, booking_id)
            assert new is not None
            return app._view(new, actor)
    except RaceConflict as exc:
        if row is None:
            raise
        raise app._constraint_conflict(exc.__cause__ or exc, row.space_code, row.start_at,
                                       row.end_at, exclude_id=row.id) from exc


# ----------------------------------------------------------------- the use cases
def cancel(app: Cospace, booking_id: int) -> BookingView:
    """Cancel a booking; it is kept for the record, and the space is free again."""
    def not_over(row: Row, now: dt.datetime) -> None:
        if row.end_at <= now:
            raise RuleViolation(f"Booking #{row.id} is already over; it cannot be cancelled.")
    return change_one(app, booking_id, "cancel", check=not_over)


def checkin(app: Cospace, booking_id: int) -> BookingView:
    """Mark that the booking's people have arrived (on the day; also after a no-show or a
    release, when they come late)."""
    def today(row: Row, now: dt.datetime) -> None:
        if to_local(row.start_at, row.tz).date() != to_local(now, row.tz).date():
            raise RuleViolation(
                f"Booking #{row.id} is on {to_local(row.start_at, row.tz).format('ddd D MMM')}"
                "; check-in is only on the day.")
    return change_one(app, booking_id, "checkin", check=today)


def noshow(app: Cospace, booking_id: int) -> BookingView:
    """Mark that nobody came (did-not-attend); the space is free again."""
    def started(row: Row, now: dt.datetime) -> None:
        if row.start_at > now:
            raise RuleViolation(
                f"Booking #{row.id} starts at {to_local(row.start_at, row.tz).format('HH:mm')}"
                "; it can be marked a no-show only once it has started.")
    return change_one(app, booking_id, "noshow", check=started)


def release(app: Cospace, booking_id: int) -> BookingView:
    """Give a confirmed booking's space back now that it has started and nobody came (the
    front desk's hand on what auto-release does)."""
    def started(row: Row, now: dt.datetime) -> None:
        if row.start_at > now:
            raise RuleViolation(f"Booking #{row.id} has not started yet; cancel it instead.")
        if row.end_at <= now:
            raise RuleViolation(f"Booking #{row.id} is already over.")
    return change_one(app, booking_id, "release", check=started)


def undo(app: Cospace, booking_id: int) -> BookingView:
    """Put a booking back to confirmed: a check-in, no-show or release on the day it was made
    for (front desk, admin), or a cancellation while the booking is not over and its slot is
    still free (whoever may cancel it; the allocation counts it again)."""
    def same_day(row: Row, at: dt.datetime) -> None:
        if row.status == "cancelled":
            if row.end_at <= at:
                raise RuleViolation(f"Booking #{row.id} is over; its cancellation stays.")
            return
        if to_local(row.start_at, row.tz).date() != to_local(at, row.tz).date():
            raise RuleViolation(
                f"Booking #{row.id} was on {to_local(row.start_at, row.tz):ddd D MMM}; a "
                f"{MARK_WORDS[row.status]} can be undone only on the day.")
    return change_one(
        app, booking_id, "undo", check=same_day,
        permission=lambda row: "cancel" if row.status == "cancelled" else "undo",
        reason=lambda row: f"undo the {MARK_WORDS.get(row.status, 'mark')}")


__all__ = ["TRANSITIONS", "apply", "cancel", "change_one", "checkin", "noshow", "refusal",
           "release", "undo"]
