"""Every status change of a booking goes through here: cancel, check-in, no-show, release,
undo, and the cancels of a series and of many bookings at once.

The rules of each change live in one table, :data:`TRANSITIONS`: the statuses it starts from,
the one it ends in, the permission it asks for and the time rule it keeps (cancel: not over;
check-in: on the day; no-show: started; release: started, not over; undo: on the day, or a
cancellation while not over). :func:`screen` checks them for one booking, :func:`apply` writes
them; :func:`change_one` (one booking) and :func:`change_rows` (a series, many at once) are the
only two ways in.

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
from typing import Any

from booking import approvals, permissions, waitlist
from booking.context import Context
from booking.errors import (
    Conflict,
    CospaceError,
    NotFound,
    NotPermitted,
    RaceConflict,
    RuleViolation,
)
from booking.models import ACTIVE_STATUSES, MAX_BOOKING_MINUTES, Actor, BookingView
from booking.timeutil import to_local
from booking.views import clash_message
from db import queries
from db import status as status_queries
from db.engine import Tx

Check = Callable[[Any, dt.datetime], None]

#: A status in words, after "is" / "was already".
STATUS_WORDS = {"confirmed": "confirmed", "cancelled": "cancelled", "checked_in": "checked in",
                "no_show": "marked a no-show", "released": "released",
                "provisional": "provisional (waiting for approval)", "declined": "declined"}
#: The marks undo takes back, in words ("undid the check-in").
MARK_WORDS = {"checked_in": "check-in", "no_show": "no-show", "released": "release",
              "cancelled": "cancellation"}


# ----------------------------------------------------------------- the time rules
def _not_over(row: Any, now: dt.datetime) -> None:
    if row.end_at <= now:
        raise RuleViolation(f"Booking #{row.id} is already over; it cannot be cancelled.")


def _on_the_day(row: Any, now: dt.datetime) -> None:
    if to_local(row.start_at, row.tz).date() != to_local(now, row.tz).date():
        raise RuleViolation(
            f"Booking #{row.id} is on {to_local(row.start_at, row.tz).format('ddd D MMM')}"
            "; check-in is only on the day.")


def _started(row: Any, now: dt.datetime) -> None:
    if row.start_at > now:
        raise RuleViolation(
            f"Booking #{row.id} starts at {to_local(row.start_at, row.tz).format('HH:mm')}"
            "; it can be marked a no-show only once it has started.")


def _started_not_over(row: Any, now: dt.datetime) -> None:
    if row.start_at > now:
        raise RuleViolation(f"Booking #{row.id} has not started yet; cancel it instead.")
    if row.end_at <= now:
        raise RuleViolation(f"Booking #{row.id} is already over.")


def _undo_window(row: Any, at: dt.datetime) -> None:
    if row.status == "cancelled":
        if row.end_at <= at:
            raise RuleViolation(f"Booking #{row.id} is over; its cancellation stays.")
        return
    if to_local(row.start_at, row.tz).date() != to_local(at, row.tz).date():
        raise RuleViolation(
            f"Booking #{row.id} was on {to_local(row.start_at, row.tz):ddd D MMM}; a "
            f"{MARK_WORDS[row.status]} can be undone only on the day.")


@dataclass(frozen=True)
class Transition:
    """One kind of status change: the statuses it starts from, the one it ends in, what a
    refusal says when the booking is in another, and the rule of time it keeps."""

    action: str  # the audit action, and the permission asked for
    new: str
    allowed: tuple[str, ...]
    refused: str  # the end of a refusal: "only a confirmed booking can be cancelled."
    check: Check | None = None
    done: str = ""  # "cancelled": "Nothing was cancelled"
    #: the permission asked for, when it depends on the booking (undo of a cancellation)
    permission: Callable[[Any], str] | None = None
    #: the audit reason, when it depends on the booking
    reason: Callable[[Any], str] | None = None

    def permission_for(self, row: Any) -> str:
        return self.permission(row) if self.permission else self.action


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("cancel", "cancelled", ("confirmed", "provisional"),
               "only a confirmed booking can be cancelled.", _not_over, "cancelled"),
    Transition("checkin", "checked_in", ("confirmed", "no_show", "released"),
               "it cannot be checked in.", _on_the_day, "checked in"),
    Transition("noshow", "no_show", ("confirmed",),
               "only a confirmed booking can be marked a no-show.", _started,
               "marked a no-show"),
    Transition("release", "released", ("confirmed",),
               "only a confirmed booking can be released.", _started_not_over, "released"),
    Transition("undo", "confirmed", ("checked_in", "no_show", "released", "cancelled"),
               "there is no check-in, no-show, release or cancellation to undo.",
               _undo_window, "undone",
               permission=lambda row: "cancel" if row.status == "cancelled" else "undo",
               reason=lambda row: f"undo the {MARK_WORDS.get(row.status, 'mark')}"),
)}


def refusal(conn: Tx, row: Any, action: str) -> str | None:
    """Why ``row`` (as read, locked) cannot take ``action`` because of its status, naming
    who changed it and when; None when it can."""
    t = TRANSITIONS[action]
    if row.status in t.allowed:
        return None
    last = status_queries.last_status_change(conn, row.id) if row.status != "confirmed" else None
    if last is not None:
        when = to_local(last.at, row.tz)
        return (f"Booking #{row.id} was already {STATUS_WORDS[row.status]} by {last.actor} at "
                f"{when:HH:mm} on {when:ddd D MMM}; {t.refused}")
    return f"Booking #{row.id} is {STATUS_WORDS.get(row.status, row.status)}; {t.refused}"


def screen(conn: Tx, actor: Actor, row: Any, action: str, now: dt.datetime, *,
           brief: bool = False) -> None:
    """The one check of a status change for one booking (read in this transaction): the
    permission, the status it starts from, the rule of time. Raises :class:`NotPermitted` or
    :class:`RuleViolation`; ``brief`` words a wrong status for a list (``#12 is cancelled;
    ...``) instead of naming who changed it."""
    t = TRANSITIONS[action]
    permissions.require_booking_action(actor, t.permission_for(row), row.org_id, row.org_code)
    if row.status not in t.allowed:
        if brief:
            raise RuleViolation(f"#{row.id} is {row.status.replace('_', '-')}; {t.refused}")
        raise RuleViolation(refusal(conn, row, action) or t.refused)
    if t.check is not None:
        t.check(row, now)


def apply(conn: Tx, *, actor: str, action: str, rows: Sequence[Any], at: dt.datetime,
          reason: str = "") -> None:
    """Change every booking of ``rows`` (each read in this transaction, with ``id``, ``status``
    and ``tz``) by ``action``, conditional on the status read, and write one audit record
    each. All or nothing: when another writer changed one meanwhile, :class:`Conflict` says
    what happened and the caller's transaction rolls back."""
    t = TRANSITIONS[action]
    by_status: dict[str, list[int]] = {}
    for r in rows:
        by_status.setdefault(r.status, []).append(r.id)
    done = sum(status_queries.set_status(conn, ids, t.new, (status,), at)
               for status, ids in by_status.items())
    if done != len(rows):
        fresh = {r.id: r for r in status_queries.locked_rows(conn, [r.id for r in rows])}
        for r in rows:
            now_row = fresh.get(r.id)
            if now_row is not None and now_row.status != r.status:
                raise Conflict(refusal(conn, now_row, action) or
                               f"Booking #{r.id} changed meanwhile; look again.")
        raise Conflict("A booking changed while this was being saved; look again and retry.")
    queries.add_audits(conn, [
        dict(at=at, actor=actor, action=action, entity="booking", entity_id=r.id,
             before={"status": r.status}, after={"status": t.new}, reason=reason)
        for r in rows])
    if t.new not in ACTIVE_STATUSES:  # the slots are free: the waitlist may take them
        waitlist.fill_freed(conn, rows, at)


def change_rows(conn: Tx, actor: Actor, rows: Sequence[Any], action: str, now: dt.datetime,
                *, reason: str = "", missing: Sequence[int] = ()) -> None:
    """Change every booking of ``rows`` (read locked in this transaction) by ``action``, all
    or nothing: each is screened first, and one refusal stops them all with a message
    listing every refusal (and every id of ``missing``, bookings that do not exist)."""
    refusals: list[str] = [f"There is no booking #{i}." for i in missing]
    err_cls: type[CospaceError] = NotFound if refusals else RuleViolation
    for r in rows:
        try:
            screen(conn, actor, r, action, now, brief=True)
        except NotPermitted as exc:
            refusals.append(f"#{r.id}: {exc.message}")
            if err_cls is RuleViolation:
                err_cls = NotPermitted
        except RuleViolation as exc:
            refusals.append(exc.message if exc.message.startswith(f"#{r.id} ")
                            else f"#{r.id}: {exc.message}")
    if refusals:
        total = len(rows) + len(missing)
        raise err_cls(f"Nothing was {TRANSITIONS[action].done}: {len(refusals)} of the "
                      f"{total} booking{'s' if total != 1 else ''} cannot be:\n  "
                      + "\n  ".join(refusals))
    apply(conn, actor=actor.login, action=action, rows=rows, at=now, reason=reason)


def _reactivate(ctx: Context, conn: Tx, row: Any, actor: Actor, *, allocation: bool) -> None:
    """Back in use (a late check-in, an undone mark or cancellation): the space may have been
    booked meanwhile, and the hours count against the organisation's allocation again."""
    approvals.check_reactivation(conn, actor, row)  # an approval space: no undo around it
    found = queries.clashes(conn, row.space_id, row.start_at, row.end_at,
                            max_minutes=MAX_BOOKING_MINUTES, exclude_id=row.id)
    if found:
        space = ctx.lookup_space(conn, row.space_code)
        raise Conflict(clash_message(space, row.tz, found) + " The slot is no longer free.",
                       holders=list(found))
    if allocation:
        from booking import allocations  # not for a sweep's release (start-up of `list`)

        space = ctx.lookup_space(conn, row.space_code)
        site = ctx.lookup_site(conn, id=space.site_id)
        org = ctx.lookup_org(conn, row.org_code)
        allocations.enforce(conn, actor=actor, org=org, site=site, kind=space.kind,
                            intervals=[(row.start_at, row.end_at)], exclude_ids=[row.id])


def change_one(ctx: Context, booking_id: int, action: str) -> BookingView:
    """One booking's status change by ``action``, in one write transaction: the locked read,
    :func:`screen`, a clash check when it comes back into use, the conditional write and its
    audit record."""
    t = TRANSITIONS[action]
    now = ctx.now()
    row = None
    try:
        with ctx.writing() as conn:
            actor = ctx.load_actor(conn)
            rows = status_queries.locked_rows(conn, [booking_id])
            if not rows:
                raise NotFound(f"There is no booking #{booking_id}.")
            row = rows[0]
            screen(conn, actor, row, action, now)
            if t.new in ACTIVE_STATUSES and row.status not in ACTIVE_STATUSES:
                _reactivate(ctx, conn, row, actor, allocation=action == "undo")
            apply(conn, actor=actor.login, action=action, rows=[row], at=now,
                  reason=t.reason(row) if t.reason else "")
            new = queries.booking_row(conn, booking_id)
            assert new is not None
            return ctx.view(new, actor)
    except RaceConflict as race:
        if row is None:
            raise
        raise ctx.race_refusal(race, row.space_code, row.start_at, row.end_at,
                               exclude_id=row.id) from race


# ----------------------------------------------------------------- the use cases
def cancel(ctx: Context, booking_id: int) -> BookingView:
    """Cancel a booking (confirmed, not over); it is kept for the record, and the space is
    free again."""
    return change_one(ctx, booking_id, "cancel")


def checkin(ctx: Context, booking_id: int) -> BookingView:
    """Mark that the booking's people have arrived (on the day; also after a no-show or a
    release, when they come late)."""
    return change_one(ctx, booking_id, "checkin")


def noshow(ctx: Context, booking_id: int) -> BookingView:
    """Mark that nobody came (did-not-attend) once it has started; the space is free again."""
    return change_one(ctx, booking_id, "noshow")


def release(ctx: Context, booking_id: int) -> BookingView:
    """Give a confirmed booking's space back now that it has started and nobody came (the
    front desk's hand on what auto-release does)."""
    return change_one(ctx, booking_id, "release")


def undo(ctx: Context, booking_id: int) -> BookingView:
    """Put a booking back to confirmed: a check-in, no-show or release on the day it was made
    for (front desk, admin), or a cancellation while the booking is not over and its slot is
    still free (whoever may cancel it; the allocation counts it again)."""
    return change_one(ctx, booking_id, "undo")


__all__ = ["TRANSITIONS", "apply", "cancel", "change_one", "change_rows", "checkin", "noshow",
           "refusal", "release", "screen", "undo"]
