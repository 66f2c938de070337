"""The context every use case runs in: the store, the acting person, the clock, lookups of
sites, spaces and organisations, the transaction, and the one view builder.

:class:`Context` is public on purpose: the use-case modules (:mod:`booking.book`,
:mod:`booking.status`, :mod:`booking.series`, :mod:`booking.find`, ...) take one and call its
methods; none reaches into another class's private parts. :class:`booking.service.Cospace` is
a :class:`Context` with every use case as a method.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import pendulum

from booking.errors import Conflict, InvalidInput, NotFound, RaceConflict
from booking.models import (
    MAX_BOOKING_MINUTES,
    Actor,
    BookingView,
    OrgInfo,
    SiteInfo,
    SpaceInfo,
)
from booking.timeutil import parse_end, parse_end_utc, parse_local, parse_local_utc, utc
from booking.views import clash_message, view_of
from db import queries
from db.engine import Engine, Row, Tx, read_tx, write_tx

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    """Now, in UTC. ``COSPACE_NOW`` (ISO 8601) pins it, for demos, snapshots and tests."""
    pinned = os.environ.get("COSPACE_NOW")
    if pinned:
        return pinned_now(pinned)
    return pendulum.now("UTC")


def pinned_now(text: str) -> dt.datetime:
    """``COSPACE_NOW`` read as an instant; anything else is refused in plain words."""
    from booking.limits import MAX_YEAR, MIN_YEAR, visible

    try:
        value = pendulum.parse(text.strip())
        if not isinstance(value, dt.datetime):
            raise ValueError(text)
        if value.tzinfo is None:
            value = pendulum.instance(value, tz="UTC")
        value = pendulum.instance(value).in_timezone("UTC")
    except Exception:
        raise InvalidInput(f"COSPACE_NOW='{visible(text[:60])}' is not a date and time: write "
                           "it as ISO 8601, e.g. 2026-11-23T08:00:00Z.") from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise InvalidInput(f"COSPACE_NOW='{visible(text[:60])}' is out of range "
                           f"({MIN_YEAR} to {MAX_YEAR}).")
    return value


def parse_features(text: str | Sequence[str] | None) -> frozenset[str]:
    if not text:
        return frozenset()
    items = text.split(",") if isinstance(text, str) else list(text)
    return frozenset(f.strip().lower() for f in items if f and f.strip())


def space_info(row: Any, restricted: frozenset[str] = frozenset()) -> SpaceInfo:
    return SpaceInfo(
        id=row.id, code=row.code, name=row.name or row.code, site_id=row.site_id,
        site_code=row.site_code, kind=row.kind, capacity=row.capacity,
        features=parse_features(row.features), private=bool(row.private),
        active=bool(row.active), restricted_to=restricted,
    )


def org_info(row: Any) -> OrgInfo:
    return OrgInfo(id=row.id, code=row.code, name=row.name, is_host=bool(row.is_host),
                   advance_weeks=row.advance_weeks)


def _actor_of(row: Any) -> Actor:
    return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                 org_code=row.org_code, role=row.role)


class Context:
    """A store, the acting staff member and a clock, with the lookups use cases share."""

    def __init__(self, engine: Engine, login: str, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.login = login
        self.clock = clock
        self._actor: Actor | None = None
        #: False for a PostgreSQL login that may not read staff (a display): not staff.
        self.staff_readable = True

    # ----------------------------------------------------------------- time, transactions
    def now(self) -> dt.datetime:
        return utc(self.clock())

    def writing(self) -> AbstractContextManager[Tx]:
        """One write transaction (:func:`db.engine.write_tx`: database errors translated)."""
        return write_tx(self.engine)

    def reading(self) -> AbstractContextManager[Tx]:
        """One read-only unit of work (:func:`db.engine.read_tx`)."""
        return read_tx(self.engine)

    # ----------------------------------------------------------------- the acting person
    @property
    def actor(self) -> Actor:
        """Who acts, read once and kept (:meth:`forget_actor` after changing staff)."""
        if self._actor is None:
            with read_tx(self.engine) as conn:
                self._actor = self.load_actor(conn)
        return self._actor

    def forget_actor(self) -> None:
        """The acting person's record may have changed: read it again next time."""
        self._actor = None

    def load_actor(self, conn: Tx) -> Actor:
        """The acting person as the store knows them now (not staff: login only)."""
        if not self.staff_readable:
            return Actor(login=self.login)
        row = queries.staff_row(conn, self.login)
        if row is None or not row.active:
            return Actor(login=self.login)
        return _actor_of(row)

    def staff_member(self, conn: Tx, login: str) -> Actor:
        """Staff member ``login`` (who must exist)."""
        row = queries.staff_row(conn, login)
        if row is None:
            raise NotFound(f"There is no staff member '{login}'.")
        return _actor_of(row)

    def actor_and_org(self, conn: Tx) -> tuple[Actor, OrgInfo | None]:
        """The acting staff member and their organisation, in one statement (the booking
        path; same answers as :meth:`load_actor` and ``lookup_org(conn, None)``)."""
        row = queries.staff_with_org(conn, self.login)
        if row is None or not row.active:
            return Actor(login=self.login), None
        actor = _actor_of(row)
        if row.org_id is None or row.org_code is None:
            return actor, None
        return actor, OrgInfo(id=row.org_id, code=row.org_code, name=row.org_name,
                              is_host=bool(row.org_is_host), advance_weeks=row.org_advance_weeks)

    # ----------------------------------------------------------------- lookups
    def lookup_site(self, conn: Tx, *, code: str | None = None,
                    id: int | None = None) -> SiteInfo:
        row = queries.site_row(conn, code=code, id=id)
        if row is None:
            raise NotFound(f"There is no site '{code}'.")
        return SiteInfo(
            id=row.id, code=row.code, name=row.name, tz=row.tz,
            holiday_region=row.holiday_region, hours=queries.opening_hours(conn, row.id),
            closures=queries.closures(conn, row.id),
            release_after_minutes=row.release_after_minutes,
        )

    def lookup_space(self, conn: Tx, code: str) -> SpaceInfo:
        row = queries.space_row(conn, code)
        if row is None:
            raise NotFound(f"There is no space '{code}'.")
        return space_info(row, queries.restrictions(conn, [row.id]).get(row.id, frozenset()))

    def lookup_org(self, conn: Tx, code: str | None, actor: Actor | None = None) -> OrgInfo:
        """Organisation ``code``; None: the acting person's own (refused if they have none)."""
        if code is None:
            actor = actor or self.load_actor(conn)
            if actor.org_id is None:
                raise InvalidInput(
                    f"'{actor.login}' belongs to no organisation: say which with --org."
                )
            row = queries.org_row(conn, id=actor.org_id)
        else:
            row = queries.org_row(conn, code=code)
        if row is None:
            raise NotFound(f"There is no organisation '{code}'.")
        return org_info(row)

    def space_and_site(self, conn: Tx, code: str) -> tuple[SpaceInfo, SiteInfo]:
        """A space and its site with opening hours in one statement, then its restrictions
        and the site's closures (same answers as :meth:`lookup_space`, :meth:`lookup_site`)."""
        rows = queries.space_context(conn, code)
        if not rows:
            raise NotFound(f"There is no space '{code}'.")
        r = rows[0]
        space = space_info(r, queries.restrictions(conn, [r.id]).get(r.id, frozenset()))
        site = SiteInfo(
            id=r.site_id, code=r.site_code, name=r.site_name, tz=r.tz,
            holiday_region=r.holiday_region,
            hours={x.weekday: (x.opens_min, x.closes_min) for x in rows
                   if x.weekday is not None},
            closures=queries.closures(conn, r.site_id),
            release_after_minutes=r.release_after_minutes,
        )
        return space, site

    def booking_context(self, conn: Tx, code: str,
                        day: dt.date) -> tuple[SpaceInfo, SiteInfo, bool]:
        """:meth:`space_and_site` in one statement for booking on local ``day``: the site's
        opening hours and closures of that day only (all that the rules look at), and whether
        anyone has an allocation of this kind of space at this site."""
        r = queries.booking_context(conn, code, day)
        if r is None:
            raise NotFound(f"There is no space '{code}'.")
        restricted = (queries.restrictions(conn, [r.id]).get(r.id, frozenset())
                      if r.restricted_count else frozenset())
        space = space_info(r, restricted)
        site = SiteInfo(
            id=r.site_id, code=r.site_code, name=r.site_name, tz=r.tz,
            holiday_region=r.holiday_region,
            hours={} if r.weekday is None else {r.weekday: (r.opens_min, r.closes_min)},
            closures={} if r.closure_reason is None else {day: r.closure_reason},
            release_after_minutes=r.release_after_minutes,
        )
        return space, site, bool(r.any_allocation)

    # ----------------------------------------------------------------- times, views, clashes
    def times(self, start: str | dt.datetime, end: str | dt.datetime,
              tz: str) -> tuple[dt.datetime, dt.datetime]:
        """``start`` and ``end`` (typed local wall time, or instants) as UTC instants."""
        if isinstance(start, str) and isinstance(end, str):  # typed: no pendulum needed
            start_at = parse_local_utc(start, tz)
            return start_at, parse_end_utc(end, start_at, tz)
        s = parse_local(start, tz) if isinstance(start, str) else pendulum.instance(start)
        e = parse_end(end, s, tz) if isinstance(end, str) else pendulum.instance(end)
        return utc(s), utc(e)

    def view(self, row: Any, actor: Actor) -> BookingView:
        """The booking ``row`` as ``actor`` may see it (:func:`booking.views.view_of`)."""
        return view_of(row, actor)

    def refuse_clash(self, conn: Tx, space: SpaceInfo, site: SiteInfo, start: dt.datetime,
                     end: dt.datetime, exclude_id: int | None = None) -> None:
        """:class:`Conflict` naming the booking that holds ``space`` in ``[start, end)``."""
        found = queries.clashes(conn, space.id, start, end, max_minutes=MAX_BOOKING_MINUTES,
                                exclude_id=exclude_id)
        if found:
            raise Conflict(clash_message(space, site.tz, found), holders=list(found))

    def race_refusal(self, race: RaceConflict, space_code: str, start: Any, end: Any,
                     exclude_id: int | None = None) -> Conflict:
        """A clash the database caught at the same moment (``write_tx`` already turned it into
        :class:`RaceConflict`), told as the clash check tells it: naming the booking that won,
        read after the loser's transaction rolled back."""
        try:
            with read_tx(self.engine) as conn:
                space = self.lookup_space(conn, space_code)
                site = self.lookup_site(conn, id=space.site_id)
                s, e = self.times(start, end, site.tz)
                found = queries.clashes(conn, space.id, s, e, max_minutes=MAX_BOOKING_MINUTES,
                                        exclude_id=exclude_id)
        except (NotFound, InvalidInput):
            return race
        if found:
            return Conflict(clash_message(space, site.tz, found), holders=list(found))
        return Conflict(f"{space.label} was booked by someone else at the same moment; "
                        "look again at the board.")


__all__ = ["Clock", "Context", "Row", "Tx", "org_info", "parse_features", "pinned_now",
           "space_info", "system_clock"]
