"""``Cospace.book`` on PostgreSQL in two round trips (db/pg_booking.py): the same rules, in
the same order, with the same refusals as the general path in ``booking/service.py``.

The general path sends each read on its own (staff, space context, horizon, clash check,
insert, audit, commit: 8 round trips with the pool's ping); here the reads are one statement
sent with ``BEGIN``, and the clash check, insert and audit one statement sent with
``COMMIT``. Where an allocation of the space's kind is held at the site, the clash check and
the allocation check run first, as on the general path (a clash is refused before a
breach), then the same single insert. Typed times only (``YYYY-MM-DD HH:MM``): the local day
must be known before the one read.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from booking import allocations, approvals, horizon, permissions, rules
from booking.context import space_info
from booking.errors import Conflict, InvalidInput, NotFound
from booking.models import MAX_BOOKING_MINUTES, Actor, OrgInfo, SiteInfo
from booking.timeutil import parse_end_utc, parse_local_utc, typed_day
from booking.views import clash_message
from db import pg_booking as pg_statements
from db import queries
from db.engine import write_tx

if TYPE_CHECKING:
    from booking.context import Context


def applies(app: Context, start: Any, end: Any) -> bool:
    """Whether this path books ``start``-``end``: PostgreSQL, both typed."""
    return (app.engine.dialect.name == "postgresql" and isinstance(start, str)
            and isinstance(end, str) and typed_day(start) is not None)


def book(app: Context, space_code: str, start: str, end: str, *, org: str | None,
         attendees: int, purpose: str, confidential: bool, override: str | None,
         now: dt.datetime) -> tuple[Any, Actor]:
    """Book as ``app.login``; returns the new row (as ``db.queries.booking_row`` reads it)
    and the actor, for the caller's view. Inputs already bounded by the caller."""
    day = typed_day(start)
    assert day is not None
    with write_tx(app.engine) as conn, pg_statements.transaction(conn):
        r = pg_statements.context(conn, login=app.login, code=space_code, day=day, org=org)
        actor, own_org = _actor(r, app.login)
        permissions.require_known(actor)
        if r.id is None:
            raise NotFound(f"There is no space '{space_code}'.")
        space = space_info(r, frozenset(r.restricted_to or ()))
        site = SiteInfo(
            id=r.site_id, code=r.site_code, name=r.site_name, tz=r.tz,
            holiday_region=r.holiday_region,
            hours={} if r.weekday is None else {r.weekday: (r.opens_min, r.closes_min)},
            closures={} if r.closure_reason is None else {day: r.closure_reason},
            release_after_minutes=r.release_after_minutes,
        )
        start_at = parse_local_utc(start, site.tz)
        end_at = parse_end_utc(end, start_at, site.tz)
        org_ = own_org if org is None and own_org else _named_org(r, org, actor)
        permissions.require_booking_action(actor, "book", org_.id, org_.code)
        allocations.check_override(actor, override)
        rules.check_booking(
            space=space, site=site, org=org_, start=start_at, end=end_at,
            attendees=attendees, confidential=confidential, now=now,
            horizon_weeks=horizon.from_value(r.horizon),
        )
        overridden: list[allocations.Breach] = []
        if r.any_allocation:
            found = queries.clashes(conn, space.id, start_at, end_at,
                                    max_minutes=MAX_BOOKING_MINUTES)
            if found:
                raise Conflict(clash_message(space, site.tz, found), holders=list(found))
            overridden = allocations.enforce(
                conn, actor=actor, org=org_, site=site, kind=space.kind,
                intervals=[(start_at, end_at)], override=override)
        over = bool(overridden and override)
        values = dict(
            space_id=space.id, org_id=org_.id, booked_by_id=actor.staff_id,
            start_at=start_at, end_at=end_at, attendees=attendees,
            status=approvals.status_for(bool(r.requires_approval), actor,
                                        host=bool(r.own_is_host)),
            purpose=purpose or "", confidential=confidential, created_at=now, updated_at=now,
        )
        after = {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}
        booking_id, clashes = pg_statements.insert(
            conn, values, actor=actor.login, after={**after, "space": space.code,
                                                    "org": org_.code},
            reason=override if over and override else "", commit=not over)
        if booking_id is None:
            raise Conflict(clash_message(space, site.tz, clashes), holders=clashes)
        if over and override:
            allocations.audit_override(conn, at=now, actor=actor, booking_id=booking_id,
                                       found=overridden, reason=override)
            pg_statements.commit(conn)
    row = SimpleNamespace(
        **values, id=booking_id, series_id=None, space_code=space.code,
        space_name=space.name, kind=space.kind, site_code=site.code, tz=site.tz,
        org_code=org_.code, booked_by_login=actor.login if actor.staff_id else None)
    return row, actor


def _actor(r: Any, login: str) -> tuple[Actor, OrgInfo | None]:
    """The acting staff member and their organisation (as ``Cospace`` reads them)."""
    if r.staff_id is None or not r.staff_active:
        return Actor(login=login), None
    actor = Actor(login=r.staff_login, staff_id=r.staff_id, name=r.staff_name,
                  org_id=r.staff_org_id, org_code=r.own_code, role=r.staff_role)
    if r.staff_org_id is None or r.own_code is None:
        return actor, None
    return actor, OrgInfo(id=r.staff_org_id, code=r.own_code, name=r.own_name,
                          is_host=bool(r.own_is_host), advance_weeks=r.own_advance_weeks)


def _named_org(r: Any, code: str | None, actor: Actor) -> OrgInfo:
    """The organisation booked for: ``--org``, else the actor's own (refusals as
    ``Cospace``'s organisation lookup words them)."""
    if code is None:
        if actor.org_id is None:
            raise InvalidInput(
                f"'{actor.login}' belongs to no organisation: say which with --org.")
        raise NotFound(f"There is no organisation '{code}'.")  # its row is gone
    if r.org_id is None:
        raise NotFound(f"There is no organisation '{code}'.")
    return OrgInfo(id=r.org_id, code=r.org_code, name=r.org_name, is_host=bool(r.org_is_host),
                   advance_weeks=r.org_advance_weeks)
