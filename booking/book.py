"""Book a space: rules, allocation, clash check and insert in one write transaction, so no
two terminals or processes can double-book (on PostgreSQL the exclusion constraint has the
last word, and a clash it catches reads the same as one the check finds)."""

from __future__ import annotations

import datetime as dt

from booking import allocations, approvals, horizon, limits, permissions, rules
from booking.context import Context
from booking.errors import RaceConflict
from booking.models import BookingView
from booking.timeutil import typed_day
from booking.views import NewBooking, audit_values, view_of
from db import queries


def book(ctx: Context, space_code: str, start: str | dt.datetime, end: str | dt.datetime, *,
         org: str | None = None, attendees: int = 1, purpose: str = "",
         confidential: bool = False, override: str | None = None) -> BookingView:
    """Book ``space_code`` for ``[start, end)``. ``override`` (front desk, admin) is the
    reason for exceeding an allocation."""
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    purpose = limits.free_text(purpose, "purpose", limits.TEXT_LIMITS["purpose"])
    if override is not None:
        override = limits.free_text(override, "override reason", limits.TEXT_LIMITS["reason"])
    try:
        return _book(ctx, space_code, start, end, org=org, attendees=attendees,
                     purpose=purpose, confidential=confidential, override=override)
    except RaceConflict as race:  # PostgreSQL caught a clash made at the same moment
        raise ctx.race_refusal(race, space_code, start, end) from race


def _book(ctx: Context, space_code: str, start: str | dt.datetime, end: str | dt.datetime, *,
          org: str | None, attendees: int, purpose: str, confidential: bool,
          override: str | None) -> BookingView:
    now = ctx.now()
    if ctx.engine.dialect.name == "postgresql":
        from booking import pg_booking  # imported on PostgreSQL only (start-up)

        if pg_booking.applies(ctx, start, end):  # typed times: two round trips
            row, actor = pg_booking.book(
                ctx, space_code, str(start), str(end), org=org, attendees=attendees,
                purpose=purpose, confidential=confidential, override=override, now=now)
            return ctx.view(row, actor)
    with ctx.writing() as conn:
        actor, own_org = ctx.actor_and_org(conn)
        permissions.require_known(actor)
        day = typed_day(start) if isinstance(start, str) else None
        if day is not None:  # typed: the start's local day is known before reading
            space, site, any_allocation = ctx.booking_context(conn, space_code, day)
        else:
            space, site = ctx.space_and_site(conn, space_code)
            any_allocation = True
        start_at, end_at = ctx.times(start, end, site.tz)
        org_ = own_org if org is None and own_org else ctx.lookup_org(conn, org, actor)
        permissions.require_booking_action(actor, "book", org_.id, org_.code)
        allocations.check_override(actor, override)
        rules.check_booking(
            space=space, site=site, org=org_, start=start_at, end=end_at,
            attendees=attendees, confidential=confidential, now=now,
            horizon_weeks=horizon.weeks(conn),
        )
        ctx.refuse_clash(conn, space, site, start_at, end_at)
        # Nobody holds an allocation of this kind here (read in this transaction):
        # allocations.enforce would find none and return [].
        overridden = allocations.enforce(
            conn, actor=actor, org=org_, site=site, kind=space.kind,
            intervals=[(start_at, end_at)], override=override) if any_allocation else []
        first = approvals.initial_status(conn, actor, space.id)  # provisional: approval
        values = dict(
            space_id=space.id, org_id=org_.id, booked_by_id=actor.staff_id,
            start_at=start_at, end_at=end_at, status=first,
            attendees=attendees, purpose=purpose or "", confidential=confidential,
            created_at=now, updated_at=now,
        )
        booking_id = queries.insert_booking(conn, values)
        reason = override if overridden and override else ""
        queries.add_audit(conn, at=now, actor=actor.login, action="create", entity="booking",
                          entity_id=booking_id, reason=reason,
                          after=audit_values(values, space.code, org_.code))
        if overridden and override:
            allocations.audit_override(conn, at=now, actor=actor, booking_id=booking_id,
                                       found=overridden, reason=override)
        return view_of(NewBooking(
            id=booking_id, space_code=space.code, space_name=space.name,
            site_code=site.code, kind=space.kind, org_id=org_.id, org_code=org_.code,
            start_at=start_at, end_at=end_at, tz=site.tz, status=first,
            attendees=attendees, purpose=purpose or "", confidential=confidential,
            series_id=None, booked_by_id=actor.staff_id,
            booked_by_login=actor.login if actor.staff_id else None), actor)


__all__ = ["book"]
