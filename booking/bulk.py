"""Cancel many bookings together, all or nothing: an adviser going on leave, or the TUI's
"select several, cancel together".

Every booking is checked (permission, still confirmed, not over) before any is changed; one
refusal stops them all, and the message lists every refusal. One audit entry per booking.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, select

from booking import permissions, status
from booking.errors import (
    CospaceError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RuleViolation,
)
from booking.models import BookingView
from booking.timeutil import to_local
from db import queries as q
from db import status as sst
from db.engine import read_tx, write_tx
from db.tables import Booking, Staff

B = Booking.__table__

#: At most this many days in one bulk selection.
MAX_DAYS = 366


def _select(app: Any, conn: Connection, *, org: str | None, staff: str | None,
            first: dt.date, last: dt.date) -> list[Row]:
    """Confirmed bookings not yet over, of ``org`` and/or booked by ``staff``, on local days
    ``first``..``last`` at their site."""
    if org is None and staff is None:
        raise InvalidInput("Say whose bookings to cancel: --org ORG, --staff LOGIN or both.")
    if last < first:
        raise InvalidInput("--to is before --from.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Cancel at most {MAX_DAYS} days at once.")
    org_id = app._org(conn, org).id if org else None
    staff_id = None
    if staff:
        st = conn.execute(select(Staff.__table__.c.id).where(
            Staff.__table__.c.login == staff)).scalar()
        if st is None:
            raise NotFound(f"There is no staff member '{staff}'.")
        staff_id = st
    now = app.now()
    # A day either side in UTC covers every site's time zone; the local dates decide.
    lo = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    hi = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    rows = q.booking_rows(conn, start=max(lo, now), end=hi, org_id=org_id,
                          statuses=("confirmed",))
    return [r for r in rows
            if (staff_id is None or r.booked_by_id == staff_id)
            and r.end_at > now and first <= to_local(r.start_at, r.tz).date() <= last]


def find_cancellable(app: Any, *, org: str | None = None, staff: str | None = None,
                     first: dt.date, last: dt.date) -> list[BookingView]:
    """What ``cancel --org/--staff --from --to`` would cancel (the dry run)."""
    with read_tx(app.engine) as conn:
        actor = app._load_actor(conn)
        permissions.require_known(actor)
        rows = _select(app, conn, org=org, staff=staff, first=first, last=last)
        for r in rows:  # the dry run shows only what the real run would be allowed to do
            permissions.require_booking_action(actor, "cancel", r.org_id, r.org_code)
        return [app._view(r, actor) for r in rows]


def _cancel_rows(app: Any, conn: Connection, rows: Sequence[Row], missing: Sequence[int],
                 *, reason: str) -> list[BookingView]:
    actor = app._load_actor(conn)
    now = app.now()
    # Locked and re-read (FOR UPDATE on PostgreSQL): what is checked is what is changed.
    rows = sst.locked_rows(conn, [r.id for r in rows])
    refusals: list[str] = [f"There is no booking #{i}." for i in missing]
    err_cls: type[CospaceError] = NotFound if refusals else RuleViolation
    for r in rows:
        try:
            permissions.require_booking_action(actor, "cancel", r.org_id, r.org_code)
        except NotPermitted as exc:
            refusals.append(f"#{r.id}: {exc.message}")
            if err_cls is RuleViolation:
                err_cls = NotPermitted
            continue
        if r.status not in status.TRANSITIONS["cancel"].allowed:
            refusals.append(f"#{r.id} is {r.status.replace('_', '-')}; only a confirmed "
                            "booking can be cancelled.")
        elif r.end_at <= now:
            refusals.append(f"#{r.id} is already over.")
    if refusals:
        total = len(rows) + len(list(missing))
        raise err_cls(f"Nothing was cancelled: {len(refusals)} of the {total} booking"
                      f"{'s' if total != 1 else ''} cannot be:\n  " + "\n  ".join(refusals))
    ids = [r.id for r in rows]
    status.apply(conn, actor=actor.login, action="cancel", rows=rows, at=now, reason=reason)
    return [app._view(r, actor) for r in _rows_by_id(conn, ids)]


def _rows_by_id(conn: Connection, ids: Sequence[int]) -> list[Row]:
    """Bookings by id, in the order of ``ids``, with what a view needs (a few queries)."""
    found: dict[int, Row] = {}
    for chunk in range(0, len(ids), 500):
        part = list(ids[chunk:chunk + 500])
        found.update((r.id, r) for r in conn.execute(
            q._booking_select(conn).where(B.c.id.in_(part))))
    return [found[i] for i in ids if i in found]


def cancel_many(app: Any, booking_ids: Sequence[int], *,
                reason: str = "cancelled together") -> list[BookingView]:
    """Cancel every booking in ``booking_ids`` in one transaction, or none of them."""
    ids = list(dict.fromkeys(booking_ids))
    if not ids:
        return []
    with write_tx(app.engine) as conn:
        found = _rows_by_id(conn, ids)
        have = {r.id for r in found}
        missing = [i for i in ids if i not in have]
        return _cancel_rows(app, conn, found, missing, reason=reason)


def cancel_matching(app: Any, *, org: str | None = None, staff: str | None = None,
                    first: dt.date, last: dt.date, reason: str = "") -> list[BookingView]:
    """Select and cancel in one transaction (``cancel --org/--staff --from --to --yes``)."""
    with write_tx(app.engine) as conn:
        rows = _select(app, conn, org=org, staff=staff, first=first, last=last)
        why = reason or f"bulk cancel {first}..{last}" + (f" org {org}" if org else "") + (
            f" staff {staff}" if staff else "")
        return _cancel_rows(app, conn, rows, (), reason=why)
