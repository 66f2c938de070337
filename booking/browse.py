"""Reading bookings: one by its number, or a list by site, organisation, space and days,
each as the acting person may see it (:func:`booking.views.view_of`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from booking import permissions
from booking.context import Context
from booking.errors import NotFound
from booking.models import ACTIVE_STATUSES, BookingView
from booking.timeutil import day_bounds, to_local
from db import queries

#: The zone of a list's days when it names no site.
DEFAULT_TZ = "Europe/London"


def get(ctx: Context, booking_id: int) -> BookingView:
    with ctx.reading() as conn:
        row = queries.booking_row(conn, booking_id)
        if row is None:
            raise NotFound(f"There is no booking #{booking_id}.")
        return ctx.view(row, ctx.load_actor(conn))


def list_bookings(ctx: Context, *, site: str | None = None, org: str | None = None,
                  space: str | None = None, start: dt.date | None = None,
                  end: dt.date | None = None, statuses: Sequence[str] | None = None,
                  limit: int | None = None) -> list[BookingView]:
    """Bookings from ``start`` to ``end`` (dates in each site's time, both inclusive);
    without dates, from today on. Someone who is not staff sees busy/free only."""
    with ctx.reading() as conn:
        actor = ctx.load_actor(conn)
        if not permissions.may_see_org(actor):
            if org:
                permissions.require_known(actor)
            statuses = ACTIVE_STATUSES  # busy/free only
        site_info = ctx.lookup_site(conn, code=site) if site else None
        tz = site_info.tz if site_info else DEFAULT_TZ
        org_id = ctx.lookup_org(conn, org).id if org else None
        space_id = ctx.lookup_space(conn, space).id if space else None
        if start is None and end is None:
            start = to_local(ctx.now(), tz).date()
        lo = day_bounds(start, tz)[0] if start else None
        hi = day_bounds(end, tz)[1] if end else None
        rows = queries.booking_rows(conn, start=lo, end=hi,
                                    site_id=site_info.id if site_info else None,
                                    org_id=org_id, space_id=space_id, statuses=statuses,
                                    limit=limit, details=actor.known)
        return [ctx.view(r, actor) for r in rows]


__all__ = ["get", "list_bookings"]
