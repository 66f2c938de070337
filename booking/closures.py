"""Closed days at a site: ad-hoc closures people add, and the bank holidays of its nation.

Closing a day never drops a booking silently: the active bookings on the newly closed days
are returned so the person can cancel or move each one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from booking import limits, permissions, waitlist
from booking.bank_holidays import bank_holidays
from booking.context import Context
from booking.errors import InvalidInput, NotFound
from booking.models import ACTIVE_STATUSES, BookingView
from booking.timeutil import day_bounds, to_local
from db import queries, setup_queries

#: At most this many days in one ``closure add`` (a typo in --to should not close a decade).
MAX_CLOSURE_DAYS = 366
NATIONS = {"ENG": "England and Wales", "WLS": "England and Wales", "SCT": "Scotland",
           "NIR": "Northern Ireland", "": "no bank holidays"}


@dataclass(frozen=True)
class ClosedDay:
    day: dt.date
    reason: str
    source: str  # "closure" or "bank holiday"

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "reason": self.reason, "source": self.source}


@dataclass(frozen=True)
class ClosureResult:
    site: str
    added: list[dt.date]
    already: list[dt.date]  # days that were closed before (reason left as it was)
    reason: str
    #: Active bookings on the newly closed days: for the person to cancel or move.
    affected: list[BookingView] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "reason": self.reason,
            "added": [d.isoformat() for d in self.added],
            "already_closed": [d.isoformat() for d in self.already],
            "affected_bookings": [b.to_json() for b in self.affected],
        }


def add_closure(ctx: Context, site_code: str, first: dt.date, last: dt.date | None = None, *,
                reason: str) -> ClosureResult:
    """Close ``site_code`` from ``first`` to ``last`` (inclusive), one audit entry per day.

    Bookings on those days stay as they are and are listed in the result.
    """
    last = last or first
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the site is closed (--reason), e.g. 'Staff training day'.")
    reason = limits.free_text(reason, "reason", 200)
    if last < first:
        raise InvalidInput(f"--to {last} is before {first}.")
    days = (last - first).days + 1
    if days > MAX_CLOSURE_DAYS:
        raise InvalidInput(f"That closes {days} days; at most {MAX_CLOSURE_DAYS} at once.")
    now = ctx.now()
    with ctx.writing() as conn:
        actor = ctx.load_actor(conn)
        permissions.require_admin_action(actor, "manage-sites")
        site = ctx.lookup_site(conn, code=site_code)
        existing = queries.closures(conn, site.id, first, last)
        added, already = [], []
        for i in range(days):
            day = first + dt.timedelta(days=i)
            if day in existing:
                already.append(day)
                continue
            closure_id = setup_queries.insert_closure(conn, site.id, day, reason)
            queries.add_audit(conn, at=now, actor=actor.login, action="create", entity="closure",
                        entity_id=closure_id,
                        after={"site": site.code, "day": day.isoformat(), "reason": reason})
            added.append(day)
        affected: list[BookingView] = []
        if added:
            lo = day_bounds(added[0], site.tz)[0]
            hi = day_bounds(added[-1], site.tz)[1]
            wanted = set(added)
            for row in queries.booking_rows(conn, start=lo, end=hi, site_id=site.id,
                                      statuses=ACTIVE_STATUSES):
                if to_local(row.start_at, site.tz).date() in wanted:
                    affected.append(ctx.view(row, actor))
    return ClosureResult(site.code, added, already, reason, affected)


def remove_closure(ctx: Context, site_code: str, first: dt.date,
                   last: dt.date | None = None) -> list[dt.date]:
    """Reopen days closed by mistake (bank holidays stay); returns the days reopened."""
    last = last or first
    if last < first:
        raise InvalidInput(f"--to {last} is before {first}.")
    now = ctx.now()
    with ctx.writing() as conn:
        actor = ctx.load_actor(conn)
        permissions.require_admin_action(actor, "manage-sites")
        site = ctx.lookup_site(conn, code=site_code)
        rows = setup_queries.closures_between(conn, site.id, first, last)
        if not rows:
            raise NotFound(f"{site.code} has no closure between {first} and {last}.")
        setup_queries.delete_closures(conn, [r.id for r in rows])
        queries.add_audits(conn, [dict(at=now, actor=actor.login, action="delete", entity="closure",
                                 entity_id=r.id, before={"site": site.code,
                                                         "day": r.day.isoformat(),
                                                         "reason": r.reason})
                            for r in rows])
        waitlist.fill_reopened(conn, site.id, [r.day for r in rows], now)  # reopened: fill
    return [r.day for r in rows]


def closed_days(ctx: Context, site_code: str, first: dt.date | None = None,
                last: dt.date | None = None) -> list[ClosedDay]:
    """Closures and bank holidays at a site from ``first`` (default today) to ``last``
    (default a year on), in date order."""
    with ctx.reading() as conn:
        permissions.require_known(ctx.load_actor(conn))
        site = ctx.lookup_site(conn, code=site_code)
    first = first or to_local(ctx.now(), site.tz).date()
    last = last or first + dt.timedelta(days=365)
    if last < first:
        raise InvalidInput(f"--to {last} is before --from {first}.")
    out: dict[dt.date, ClosedDay] = {}
    for year in range(first.year, last.year + 1):
        for day, name in bank_holidays(site.holiday_region, year).items():
            if first <= day <= last:
                out[day] = ClosedDay(day, name, "bank holiday")
    for day, why in site.closures.items():
        if first <= day <= last:
            out[day] = ClosedDay(day, why or "closed", "closure")
    return [out[d] for d in sorted(out)]
