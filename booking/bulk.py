"""Cancel many bookings together, all or nothing: an adviser going on leave, or the TUI's
"select several, cancel together".

Every booking is checked (permission, still confirmed, not over: the rules of a single
cancel, :func:`booking.status.screen`) before any is changed; one refusal stops them all, and
the message lists every refusal. One audit entry per booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from booking import permissions, status
from booking.context import Context
from booking.errors import InvalidInput, NotFound
from booking.models import BookingView
from booking.timeutil import to_local
from db import queries, setup_queries
from db import status as status_queries
from db.engine import Tx

#: At most this many days in one bulk selection.
MAX_DAYS = 366


def _select(ctx: Context, conn: Tx, *, org: str | None, staff: str | None,
            first: dt.date, last: dt.date) -> list[Any]:
    """Confirmed bookings not yet over, of ``org`` and/or booked by ``staff``, on local days
    ``first``..``last`` at their site."""
    if org is None and staff is None:
        raise InvalidInput("Say whose bookings to cancel: --org ORG, --staff LOGIN or both.")
    if last < first:
        raise InvalidInput("--to is before --from.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Cancel at most {MAX_DAYS} days at once.")
    org_id = ctx.lookup_org(conn, org).id if org else None
    staff_id = None
    if staff:
        staff_id = setup_queries.staff_id(conn, staff)
        if staff_id is None:
            raise NotFound(f"There is no staff member '{staff}'.")
    now = ctx.now()
    # A day either side in UTC covers every site's time zone; the local dates decide.
    lo = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    rows = queries.booking_rows(conn, start=max(lo, now), end=hi, org_id=org_id,
                                statuses=("confirmed",))
    return [r for r in rows
            if (staff_id is None or r.booked_by_id == staff_id)
            and r.end_at > now and first <= to_local(r.start_at, r.tz).date() <= last]


def find_cancellable(ctx: Context, *, org: str | None = None, staff: str | None = None,
                     first: dt.date, last: dt.date) -> list[BookingView]:
    """What ``cancel --org/--staff --from --to`` would cancel (the dry run)."""
    with ctx.reading() as conn:
        actor = ctx.load_actor(conn)
        permissions.require_known(actor)
        rows = _select(ctx, conn, org=org, staff=staff, first=first, last=last)
        for r in rows:  # the dry run shows only what the real run would be allowed to do
            permissions.require_booking_action(actor, "cancel", r.org_id, r.org_code)
        return [ctx.view(r, actor) for r in rows]


def _cancel_rows(ctx: Context, conn: Tx, ids: Sequence[int], missing: Sequence[int], *,
                 reason: str) -> list[BookingView]:
    actor = ctx.load_actor(conn)
    # Locked and re-read (FOR UPDATE on PostgreSQL): what is checked is what is changed.
    rows = status_queries.locked_rows(conn, ids)
    status.change_rows(conn, actor, rows, "cancel", ctx.now(), reason=reason, missing=missing)
    return [ctx.view(r, actor) for r in status_queries.rows_by_id(conn, [r.id for r in rows])]


def cancel_many(ctx: Context, booking_ids: Sequence[int], *,
                reason: str = "cancelled together") -> list[BookingView]:
    """Cancel every booking in ``booking_ids`` in one transaction, or none of them."""
    ids = list(dict.fromkeys(booking_ids))
    if not ids:
        return []
    with ctx.writing() as conn:
        have = {r.id for r in status_queries.rows_by_id(conn, ids)}
        missing = [i for i in ids if i not in have]
        return _cancel_rows(ctx, conn, [i for i in ids if i in have], missing, reason=reason)


def cancel_matching(ctx: Context, *, org: str | None = None, staff: str | None = None,
                    first: dt.date, last: dt.date, reason: str = "") -> list[BookingView]:
    """Select and cancel in one transaction (``cancel --org/--staff --from --to --yes``)."""
    with ctx.writing() as conn:
        rows = _select(ctx, conn, org=org, staff=staff, first=first, last=last)
        why = reason or f"bulk cancel {first}..{last}" + (f" org {org}" if org else "") + (
            f" staff {staff}" if staff else "")
        return _cancel_rows(ctx, conn, [r.id for r in rows], (), reason=why)
