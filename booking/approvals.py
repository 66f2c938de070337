"""Approvals: a space that requires approval (e.g. the large workshop room) takes a partner's
booking as ``provisional``.

A provisional booking holds its slot and clashes like any booking until the front desk,
estates or an administrator approves it (``confirmed``) or declines it with a reason
(``declined``: the slot frees, and the waitlist may take it in the same transaction). One not
decided by the site's decision lead time before its start (``site.decision_lead_hours``,
default 24 h) is declined automatically by the sweep that releases no-shows
(:func:`sweep`). The host's own staff and administrators book such a space directly.

Every decision writes an audit record in its transaction: action ``approve`` or ``decline``,
entity ``booking``, the reason as the record's reason. No SQL here (``db/approval_queries.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from booking import limits, permissions, waitlist
from booking.errors import NotFound, NotPermitted, RuleViolation, StoreUnavailable
from booking.models import Actor, BookingView
from db import approval_queries as aq
from db import status as sst
from db.engine import read_tx, write_tx

#: Who decides: the front desk, estates and administrators.
DECIDERS = frozenset({"front-desk", "estates", "admin"})
SYSTEM_ACTOR = "system"
DEFAULT_LEAD_HOURS = 24


def books_directly(conn: Any, actor: Actor) -> bool:
    """The host's own staff and administrators book an approval space without approval."""
    return actor.role == "admin" or aq.org_is_host(conn, actor.org_id)


def status_for(requires_approval: bool, actor: Actor, *, host: bool) -> str:
    """The status a new booking starts in, from what the booking path already read:
    ``provisional`` for a partner's booking of a space that requires approval."""
    if requires_approval and not (actor.role == "admin" or host):
        return "provisional"
    return "confirmed"


def initial_status(conn: Any, actor: Actor, space_id: int) -> str:
    """The status a new booking of ``space_id`` by ``actor`` starts in (in the booking's
    transaction): ``provisional`` for a partner's booking of a space that requires approval,
    else ``confirmed``."""
    if aq.requires_approval(conn, space_id) and not books_directly(conn, actor):
        return "provisional"
    return "confirmed"


def check_reactivation(conn: Any, actor: Actor, row: Any) -> None:
    """A cancelled booking of an approval space comes back only through the host's staff or
    an administrator (an undo by a partner would skip the approval): plain refusal else."""
    if row.status == "cancelled" and aq.requires_approval(conn, row.space_id) \
            and not books_directly(conn, actor):
        raise RuleViolation(f"Booking #{row.id} is of a space that needs approval: book it "
                            "again (it waits for a decision), or ask the front desk to undo "
                            "the cancellation.")


def require_decider(actor: Actor, what: str) -> None:
    permissions.require_known(actor)
    if actor.role not in DECIDERS:
        raise NotPermitted(f"{permissions.role_label(actor)} cannot {what} bookings; the "
                           "front desk, estates or an administrator decides.")


def _decide(app: Any, booking_id: int, new: str, action: str, reason: str) -> BookingView:
    from booking.service import view_of
    from db import queries as q

    now = app.now()
    with write_tx(app.engine) as conn:
        actor = waitlist.actor_of(conn, app.login)
        require_decider(actor, action)
        rows = sst.locked_rows(conn, [booking_id])
        if not rows:
            raise NotFound(f"There is no booking #{booking_id}.")
        row = rows[0]
        if row.status != "provisional":
            word = row.status.replace("_", " ")
            raise RuleViolation(f"Booking #{booking_id} is {word}; only a provisional booking "
                                f"can be {'approved' if action == 'approve' else 'declined'}.")
        if aq.decide(conn, booking_id, new, now) != 1:
            raise RuleViolation(f"Booking #{booking_id} changed meanwhile; look again.")
        q.add_audit(conn, at=now, actor=actor.login, action=action, entity="booking",
                    entity_id=booking_id, before={"status": "provisional"},
                    after={"status": new}, reason=reason)
        if new == "declined":
            waitlist.fill_freed(conn, [row], now)
        fresh = q.booking_row(conn, booking_id)
        assert fresh is not None
        return view_of(fresh, actor)


def approve(app: Any, booking_id: int) -> BookingView:
    """Confirm a provisional booking (front desk, estates, admin)."""
    return _decide(app, booking_id, "confirmed", "approve", "")


def decline(app: Any, booking_id: int, reason: str) -> BookingView:
    """Decline a provisional booking with a reason; its slot frees (front desk, estates,
    admin)."""
    reason = limits.free_text(reason, "reason", limits.TEXT_LIMITS["reason"]).strip()
    if not reason:
        raise RuleViolation("A decline needs a reason (--reason \"why\"); it is shown to the "
                            "booker.")
    return _decide(app, booking_id, "declined", "decline", reason)


def queue(app: Any, *, site: str | None = None) -> list[BookingView]:
    """Provisional bookings from now on, soonest first: the approvals queue."""
    with_view = app.list_bookings(site=site)
    return [b for b in with_view if b.status == "provisional"]


def decline_overdue(conn: Any, now: dt.datetime) -> list[int]:
    """Decline, in the caller's transaction, every provisional booking not decided by its
    site's lead time before its start; their slots go to the waitlist. Returns the ids."""
    from db import queries as q

    done = []
    for r in aq.overdue(conn, now):
        if aq.decide(conn, r.id, "declined", now) != 1:
            continue
        q.add_audit(conn, at=now, actor=SYSTEM_ACTOR, action="decline", entity="booking",
                    entity_id=r.id, before={"status": "provisional"},
                    after={"status": "declined"},
                    reason=f"not decided {r.decision_lead_hours} h before its start")
        waitlist.fill_freed(conn, [r], now)
        done.append(r.id)
    return done


def sweep(engine: Any, now: dt.datetime) -> list[int]:
    """The approvals and waitlist part of the release sweep: overdue provisional bookings
    declined, started waiting requests expired. Returns the bookings declined. A store that
    is busy, or a login that may not change them, leaves it to the next sweep."""
    from booking.errors import CospaceError

    try:
        with read_tx(engine) as conn:  # a cheap read first: the write lock only when due
            if not aq.overdue(conn, now) and not waitlist.any_expiring(conn, now):
                return []
        with write_tx(engine) as conn:
            done = decline_overdue(conn, now)
            waitlist.expire(conn, now)
            return done
    except (StoreUnavailable, NotPermitted):
        return []
    except CospaceError:
        return []


def set_lead_hours(app: Any, site: str, hours: int) -> int:
    """Set a site's decision lead time (estates, admin)."""
    from db import queries as q

    hours = limits.bounded_int(hours, "Decision lead time (hours)", 0, aq.MAX_LEAD_HOURS)
    now = app.now()
    with write_tx(app.engine) as conn:
        actor = waitlist.actor_of(conn, app.login)
        permissions.require_admin_action(actor, "manage-sites")
        site_ = waitlist.site_info(conn, code=site)
        before = aq.site_lead(conn, site_.id)
        aq.set_site_lead(conn, site_.id, hours)
        q.add_audit(conn, at=now, actor=actor.login, action="update", entity="site",
                    entity_id=site_.id, before={"decision_lead_hours": before},
                    after={"decision_lead_hours": hours})
    return hours


def set_requires_approval(app: Any, space: str, value: bool) -> None:
    """Mark a space as needing approval, or not (estates, admin)."""
    from db import queries as q

    now = app.now()
    with write_tx(app.engine) as conn:
        actor = waitlist.actor_of(conn, app.login)
        permissions.require_admin_action(actor, "manage-spaces")
        row = q.space_row(conn, space)
        if row is None:
            raise NotFound(f"There is no space '{space}'.")
        aq.set_space_approval(conn, [row.id], value)
        q.add_audit(conn, at=now, actor=actor.login, action="update", entity="space",
                    entity_id=row.id, before={"requires_approval": bool(row.requires_approval)},
                    after={"requires_approval": value})


__all__ = ["approve", "decline", "decline_overdue", "initial_status", "status_for", "queue",
           "set_lead_hours", "set_requires_approval", "sweep"]
