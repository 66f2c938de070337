"""Use cases: each opens one unit of work on the store, applies the rules, and returns plain
values or raises a :class:`~booking.errors.CospaceError`.

The CLI and the terminal app both go through :class:`Cospace`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import pendulum
from sqlalchemy import Connection, Engine, Row, func, insert, select, update

from booking import allocations, horizon, limits, permissions, pg_booking, rules, search
from booking.errors import (
    Conflict,
    CospaceError,
    InvalidInput,
    NotFound,
    RaceConflict,
    StoreUnavailable,
)
from booking.models import (
    ACTIVE_STATUSES,
    KIND_LABELS,
    KINDS,
    MAX_BOOKING_MINUTES,
    ROLES,
    Actor,
    BookingView,
    FreeResult,
    OrgInfo,
    SiteInfo,
    SpaceInfo,
    Suggestion,
)
from booking.timeutil import (
    at_minutes,
    check_zone,
    day_bounds,
    human_span,
    human_time_span,
    parse_end,
    parse_end_utc,
    parse_hours,
    parse_local,
    parse_local_utc,
    to_local,
    typed_day,
    utc,
)
from db import queries as q
from db.engine import make_engine, read_tx, sqlite_path, write_tx
from db.migrate import current_revision, head_revision, upgrade
from db.tables import (
    Booking,
    OpeningHours,
    Organisation,
    Site,
    Space,
    SpaceRestriction,
    Staff,
    UnmetDemand,
)

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


def space_info(row: Row, restricted: frozenset[str] = frozenset()) -> SpaceInfo:
    return SpaceInfo(
        id=row.id,
        code=row.code,
        name=row.name or row.code,
        site_id=row.site_id,
        site_code=row.site_code,
        kind=row.kind,
        capacity=row.capacity,
        features=parse_features(row.features),
        private=bool(row.private),
        active=bool(row.active),
        restricted_to=restricted,
    )


def org_info(row: Row) -> OrgInfo:
    return OrgInfo(
        id=row.id, code=row.code, name=row.name, is_host=bool(row.is_host),
        advance_weeks=row.advance_weeks,
    )


class Cospace:
    """The application: a store, the acting staff member and a clock."""

    def __init__(self, engine: Engine, login: str, clock: Clock = system_clock) -> None:
        self.engine = engine
        self.login = login
        self.clock = clock
        self._actor: Actor | None = None
        self._last_sweep: dt.datetime | None = None
        #: After :meth:`init`: "created", "upgraded" or "current" (nothing changed).
        self.init_outcome: str | None = None
        #: False for a PostgreSQL login that may not read staff (a display): not staff.
        self._staff_readable = True

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str, login: str | None, clock: Clock = system_clock,
             *, check_schema: bool = True) -> Cospace:
        """Open an existing store; a store that is missing or out of date says what to run.

        ``login`` is who asks to act (``--as``/``COSPACE_USER``; None if nobody said). On
        PostgreSQL the acting person is the database login itself, and only a cospace
        administrator may act as someone else (:func:`booking.identity.acting_login`)."""
        from booking import identity

        try:
            engine = make_engine(url, create=False)  # reading creates nothing
            if check_schema:
                rev = current_revision(engine)
                if rev is None:
                    raise StoreUnavailable(
                        f"There is no cospace store at {_safe_url(url)} yet: "
                        "run 'cospace init' (or 'cospace init --demo') first."
                    )
                if rev != head_revision():
                    raise StoreUnavailable(
                        f"The store at {_safe_url(url)} needs upgrading: run 'cospace init'."
                    )
            acting = identity.acting_login(engine, login)
        except StoreUnavailable as exc:
            if "no cospace store there" in exc.message:
                raise StoreUnavailable(
                    f"There is no cospace store at {_safe_url(url)} yet: "
                    "run 'cospace init' (or 'cospace init --demo') first.") from None
            raise
        except CospaceError:
            raise
        except Exception as exc:  # a bad URL, a server that does not answer, a locked file
            refused = identity.refusal(exc, url)
            if refused is not None:
                raise refused from exc
            raise StoreUnavailable(
                f"Cannot open the store at {_safe_url(url)}: {_short(exc, url)}"
            ) from exc
        app = cls(engine, acting, clock)
        app._staff_readable = identity.reads_staff(engine)
        if check_schema:
            app.sweep_releases()
        return app

    @classmethod
    def init(cls, url: str, login: str | None,
             clock: Clock = system_clock) -> tuple[Cospace, bool]:
        """Create or upgrade the store, keeping its data. On a new store the acting login
        becomes an administrator (on PostgreSQL the database login, the deployment owner,
        unless it names another with ``login``). Returns the app and whether the store was
        new."""
        from booking import identity

        try:
            engine = make_engine(url)
            rev = current_revision(engine)
            login = identity.acting_login(engine, login, initialising=rev is None)
            was_new = rev is None
            outdated = not was_new and rev != head_revision()
            if outdated:
                with read_tx(engine) as conn:
                    cls(engine, login, clock)._require_upgrader(conn)
            upgrade(engine)
        except CospaceError:
            raise
        except Exception as exc:
            refused = identity.refusal(exc, url)
            if refused is not None:
                raise refused from exc
            raise StoreUnavailable(
                f"Cannot create the store at {_safe_url(url)}: {_short(exc, url)}"
            ) from exc
        app = cls(engine, login, clock)
        app.init_outcome = "created" if was_new else "upgraded" if outdated else "current"
        from booking import usage

        usage.refresh(engine)  # after an upgrade: build the usage summaries once, here
        with write_tx(engine) as conn:
            if q.count(conn, Staff) == 0:
                conn.execute(
                    insert(Staff.__table__).values(
                        login=login, name=login, org_id=None, role="admin", active=True
                    )
                )
                staff_id = conn.execute(
                    select(Staff.__table__.c.id).where(Staff.__table__.c.login == login)
                ).scalar()
                q.add_audit(conn, at=app.now(), actor=login, action="create", entity="staff",
                            entity_id=staff_id, after={"login": login, "role": "admin"},
                            reason="first user of a new store")
        return app, was_new

    def now(self) -> dt.datetime:
        return utc(self.clock())

    def _require_upgrader(self, conn: Connection) -> None:
        """Only an administrator upgrades a store that has staff (re-running ``init`` on an
        up-to-date store changes nothing and is open to anyone)."""
        if q.count(conn, Staff):
            permissions.require_admin_action(self._load_actor(conn), "upgrade-store")

    def sweep_releases(self, *, force: bool = False) -> list[int]:
        """Release desk bookings nobody checked in for (:mod:`booking.release`); throttled to
        once a minute unless ``force``. Returns the ids released."""
        from booking import release

        now = self.now()
        last = self._last_sweep
        if not force and last is not None and abs(now - last) < release.THROTTLE:
            return []
        self._last_sweep = now
        return release.sweep(self.engine, now)

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            with read_tx(self.engine) as conn:
                self._actor = self._load_actor(conn)
        return self._actor

    def _load_actor(self, conn: Connection) -> Actor:
        if not self._staff_readable:
            return Actor(login=self.login)
        row = q.staff_row(conn, self.login)
        if row is None or not row.active:
            return Actor(login=self.login)
        return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                     org_code=row.org_code, role=row.role)

    # ----------------------------------------------------------------- lookups
    def _site(self, conn: Connection, *, code: str | None = None,
              id: int | None = None) -> SiteInfo:
        row = q.site_row(conn, code=code, id=id)
        if row is None:
            raise NotFound(f"There is no site '{code}'.")
        return SiteInfo(
            id=row.id, code=row.code, name=row.name, tz=row.tz,
            holiday_region=row.holiday_region, hours=q.opening_hours(conn, row.id),
            closures=q.closures(conn, row.id), release_after_minutes=row.release_after_minutes,
        )

    def _space(self, conn: Connection, code: str) -> SpaceInfo:
        row = q.space_row(conn, code)
        if row is None:
            raise NotFound(f"There is no space '{code}'.")
        return space_info(row, q.restrictions(conn, [row.id]).get(row.id, frozenset()))

    def _org(self, conn: Connection, code: str | None, actor: Actor | None = None) -> OrgInfo:
        if code is None:
            actor = actor or self._load_actor(conn)
            if actor.org_id is None:
                raise InvalidInput(
                    f"'{actor.login}' belongs to no organisation: say which with --org."
                )
            row = q.org_row(conn, id=actor.org_id)
        else:
            row = q.org_row(conn, code=code)
        if row is None:
            raise NotFound(f"There is no organisation '{code}'.")
        return org_info(row)

    def sites(self) -> list[SiteInfo]:
        with read_tx(self.engine) as conn:
            return [self._site(conn, id=r.id) for r in q.all_sites(conn)]

    def site(self, code: str) -> SiteInfo:
        with read_tx(self.engine) as conn:
            return self._site(conn, code=code)

    def spaces(self, site_code: str, kind: str | None = None) -> list[SpaceInfo]:
        with read_tx(self.engine) as conn:
            site = self._site(conn, code=site_code)
            rows = q.space_rows(conn, site_id=site.id, kind=kind)
            restr = q.restrictions(conn, [r.id for r in rows])
            return [space_info(r, restr.get(r.id, frozenset())) for r in rows]

    def space(self, code: str) -> SpaceInfo:
        with read_tx(self.engine) as conn:
            return self._space(conn, code)

    def orgs(self) -> list[OrgInfo]:
        with read_tx(self.engine) as conn:
            rows = conn.execute(select(Organisation.__table__).order_by(
                Organisation.__table__.c.code)).all()
            return [org_info(r) for r in rows]

    def change_counter(self) -> int:
        """Changes whenever anything in the store changes; cheap enough to poll."""
        with read_tx(self.engine) as conn:
            return q.change_counter(conn)

    # ----------------------------------------------------------------- booking
    def book(
        self,
        space_code: str,
        start: str | dt.datetime,
        end: str | dt.datetime,
        *,
        org: str | None = None,
        attendees: int = 1,
        purpose: str = "",
        confidential: bool = False,
        override: str | None = None,
    ) -> BookingView:
        """Book ``space_code`` for ``[start, end)``: rules, allocation, clash check and insert
        in one write transaction, so no two terminals or processes can double-book.
        ``override`` (front desk, admin) is the reason for exceeding an allocation."""
        attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
        purpose = limits.free_text(purpose, "purpose", limits.TEXT_LIMITS["purpose"])
        if override is not None:
            override = limits.free_text(override, "override reason", limits.TEXT_LIMITS["reason"])
        now = self.now()
        try:
            if pg_booking.applies(self, start, end):  # PostgreSQL: two round trips
                row, actor = pg_booking.book(
                    self, space_code, str(start), str(end), org=org, attendees=attendees,
                    purpose=purpose, confidential=confidential, override=override, now=now)
                return self._view(row, actor)
            with write_tx(self.engine) as conn:
                actor, own_org = self._actor_and_org(conn)
                permissions.require_known(actor)
                day = typed_day(start) if isinstance(start, str) else None
                if day is not None:  # typed: the start's local day is known before reading
                    space, site, any_allocation = self._booking_context(conn, space_code, day)
                else:
                    space, site = self._space_and_site(conn, space_code)
                    any_allocation = True
                start_at, end_at = self._times(start, end, site.tz)
                org_info_ = own_org if org is None and own_org else self._org(conn, org, actor)
                permissions.require_booking_action(actor, "book", org_info_.id, org_info_.code)
                allocations.check_override(actor, override)
                rules.check_booking(
                    space=space, site=site, org=org_info_, start=start_at, end=end_at,
                    attendees=attendees, confidential=confidential, now=now,
                    horizon_weeks=horizon.weeks(conn),
                )
                self._refuse_clash(conn, space, site, start_at, end_at)
                # Nobody holds an allocation of this kind here (read in this transaction):
                # allocations.enforce would find none and return [].
                overridden = allocations.enforce(
                    conn, actor=actor, org=org_info_, site=site, kind=space.kind,
                    intervals=[(start_at, end_at)], override=override) if any_allocation else []
                values = dict(
                    space_id=space.id, org_id=org_info_.id, booked_by_id=actor.staff_id,
                    start_at=start_at, end_at=end_at, status="confirmed",
                    attendees=attendees, purpose=purpose or "", confidential=confidential,
                    created_at=now, updated_at=now,
                )
                booking_id = q.insert_booking(conn, values)
                q.add_audit(conn, at=now, actor=actor.login, action="create",
                            entity="booking", entity_id=booking_id,
                            after=_audit_values(values, space.code, org_info_.code),
                            reason=override if overridden and override else "")
                if overridden and override:
                    allocations.audit_override(conn, at=now, actor=actor, booking_id=booking_id,
                                               found=overridden, reason=override)
                # The new row, as booking_row would read it back, from what is already known.
                row = SimpleNamespace(
                    **values, id=booking_id, series_id=None, space_code=space.code,
                    space_name=space.name, kind=space.kind, site_code=site.code, tz=site.tz,
                    org_code=org_info_.code, booked_by_login=actor.login if actor.staff_id
                    else None)
                return self._view(row, actor)  # type: ignore[arg-type]
        except RaceConflict as exc:  # PostgreSQL caught a clash made at the same moment
            raise self._constraint_conflict(exc.__cause__ or exc, space_code, start,
                                            end) from exc

    def _actor_and_org(self, conn: Connection) -> tuple[Actor, OrgInfo | None]:
        """The acting staff member and their organisation, in one statement (the booking
        path; same answers as ``_load_actor`` and ``_org(conn, None)``)."""
        row = q.staff_with_org(conn, self.login)
        if row is None or not row.active:
            return Actor(login=self.login), None
        actor = Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                      org_code=row.org_code, role=row.role)
        if row.org_id is None or row.org_code is None:
            return actor, None
        return actor, OrgInfo(id=row.org_id, code=row.org_code, name=row.org_name,
                              is_host=bool(row.org_is_host),
                              advance_weeks=row.org_advance_weeks)

    def _space_and_site(self, conn: Connection, code: str) -> tuple[SpaceInfo, SiteInfo]:
        """A space and its site with opening hours in one statement, then its restrictions
        and the site's closures (the booking path; same answers as ``_space`` and ``_site``)."""
        rows = q.space_context(conn, code)
        if not rows:
            raise NotFound(f"There is no space '{code}'.")
        r = rows[0]
        space = space_info(r, q.restrictions(conn, [r.id]).get(r.id, frozenset()))
        site = SiteInfo(
            id=r.site_id, code=r.site_code, name=r.site_name, tz=r.tz,
            holiday_region=r.holiday_region,
            hours={x.weekday: (x.opens_min, x.closes_min) for x in rows
                   if x.weekday is not None},
            closures=q.closures(conn, r.site_id), release_after_minutes=r.release_after_minutes,
        )
        return space, site

    def _booking_context(self, conn: Connection, code: str,
                         day: dt.date) -> tuple[SpaceInfo, SiteInfo, bool]:
        """``_space_and_site`` in one statement for booking on local ``day``: the site's
        opening hours and closures of that day only (all that the rules look at), and whether
        anyone has an allocation of this kind of space at this site."""
        r = q.booking_context(conn, code, day)
        if r is None:
            raise NotFound(f"There is no space '{code}'.")
        restricted = (q.restrictions(conn, [r.id]).get(r.id, frozenset())
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

    def _times(self, start: str | dt.datetime, end: str | dt.datetime,
               tz: str) -> tuple[dt.datetime, dt.datetime]:
        if isinstance(start, str) and isinstance(end, str):  # typed: no pendulum needed
            start_at = parse_local_utc(start, tz)
            return start_at, parse_end_utc(end, start_at, tz)
        s = parse_local(start, tz) if isinstance(start, str) else pendulum.instance(start)
        e = parse_end(end, s, tz) if isinstance(end, str) else pendulum.instance(end)
        return utc(s), utc(e)

    def _refuse_clash(self, conn: Connection, space: SpaceInfo, site: SiteInfo,
                      start: dt.datetime, end: dt.datetime, exclude_id: int | None = None) -> None:
        found = q.clashes(conn, space.id, start, end, max_minutes=MAX_BOOKING_MINUTES,
                          exclude_id=exclude_id)
        if found:
            raise Conflict(clash_message(space, site.tz, found), holders=list(found))

    def _constraint_conflict(self, exc: BaseException, space_code: str, start: Any,
                             end: Any, exclude_id: int | None = None) -> BaseException:
        """Turn PostgreSQL's exclusion-constraint error (23P01) into the plain clash refusal."""
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        if code != "23P01":
            return exc
        with read_tx(self.engine) as conn:
            space = self._space(conn, space_code)
            site = self._site(conn, id=space.site_id)
            s, e = self._times(start, end, site.tz)
            found = q.clashes(conn, space.id, s, e, max_minutes=MAX_BOOKING_MINUTES,
                              exclude_id=exclude_id)
        if found:
            return Conflict(clash_message(space, site.tz, found), holders=list(found))
        return Conflict(f"{space.label} was booked by someone else at the same moment; "
                        "look again at the board.")

    # Status changes: one conditional transition for all of them (booking/status.py).
    def cancel(self, booking_id: int) -> BookingView:
        """Cancel a booking; it is kept for the record, and the space is free again."""
        from booking import status

        return status.cancel(self, booking_id)

    def checkin(self, booking_id: int) -> BookingView:
        """Mark that the booking's people have arrived."""
        from booking import status

        return status.checkin(self, booking_id)

    def noshow(self, booking_id: int) -> BookingView:
        """Mark that nobody came (did-not-attend); the space is free again."""
        from booking import status

        return status.noshow(self, booking_id)

    def undo(self, booking_id: int) -> BookingView:
        """Back to confirmed: a mistaken check-in, no-show or release, or a cancellation."""
        from booking import status

        return status.undo(self, booking_id)

    def get(self, booking_id: int) -> BookingView:
        with read_tx(self.engine) as conn:
            row = q.booking_row(conn, booking_id)
            if row is None:
                raise NotFound(f"There is no booking #{booking_id}.")
            return self._view(row, self._load_actor(conn))

    def list_bookings(
        self,
        *,
        site: str | None = None,
        org: str | None = None,
        space: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        statuses: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[BookingView]:
        """Bookings from ``start`` to ``end`` (dates in each site's time, both inclusive);
        without dates, from today on."""
        self.sweep_releases()
        with read_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            if not permissions.may_see_org(actor):
                if org:
                    permissions.require_known(actor)
                statuses = ACTIVE_STATUSES  # busy/free only
            site_info = self._site(conn, code=site) if site else None
            tz = site_info.tz if site_info else "Europe/London"
            org_id = self._org(conn, org).id if org else None
            space_id = self._space(conn, space).id if space else None
            if start is None and end is None:
                start = to_local(self.now(), tz).date()
            lo = day_bounds(start, tz)[0] if start else None
            hi = day_bounds(end, tz)[1] if end else None
            rows = q.booking_rows(conn, start=lo, end=hi, site_id=site_info.id if site_info
                                  else None, org_id=org_id, space_id=space_id,
                                  statuses=statuses, limit=limit, details=actor.known)
            return [self._view(r, actor) for r in rows]

    def day_bookings(self, site_code: str, day: dt.date) -> list[BookingView]:
        """Every booking at a site on one local day (the board and Today screens)."""
        return self.list_bookings(site=site_code, start=day, end=day)

    def _view(self, row: Row, actor: Actor) -> BookingView:
        return view_of(row, actor)

    # ----------------------------------------------------------------- search
    def find_free(
        self,
        site_code: str,
        kind: str,
        start: str | dt.datetime,
        end: str | dt.datetime,
        *,
        attendees: int = 1,
        needs: str | Sequence[str] = (),
        confidential: bool = False,
        org: str | None = None,
        record_unmet: bool = True,
        suggestions: int = 3,
    ) -> FreeResult:
        """The free spaces that fit, best first. When none fits, the request is recorded as
        unmet demand and the nearest free times that day are suggested."""
        if kind not in KINDS:
            raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
        attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
        wanted = frozenset(limits.feature(f) for f in parse_features(needs))
        self.sweep_releases()
        now = self.now()
        with read_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            permissions.require_known(actor)
            site = self._site(conn, code=site_code)
            start_at, end_at = self._times(start, end, site.tz)
            rules.check_interval(start_at, end_at, site)
            rules.check_not_past(start_at, now, site.tz)
            rules.check_horizon(start_at, now, horizon.weeks(conn), site.tz)
            org_ = self._org(conn, org) if (org or actor.org_id) else None
            rows = q.space_rows(conn, site_id=site.id, kind=kind, active_only=True)
            restr = q.restrictions(conn, [r.id for r in rows])
            candidates = [
                sp for sp in (space_info(r, restr.get(r.id, frozenset())) for r in rows)
                if search.fits(sp, kind=kind, attendees=attendees, needs=wanted,
                               confidential=confidential, org=org_)
            ]
            candidates = [sp for sp in candidates
                          if not rules.exceeds_length(start_at, end_at, sp)]
            day = to_local(start_at, site.tz).date()
            lo, hi = day_bounds(day, site.tz)
            busy = q.busy_intervals(conn, [sp.id for sp in candidates], lo, hi)
        free = search.best_first(
            (sp for sp in candidates if search.is_free(busy[sp.id], start_at, end_at)),
            confidential=confidential,
        )
        if free:
            return FreeResult(spaces=free, suggestions=[])
        hints: list[Suggestion] = []
        window = rules.opening_window(site, day)
        if window is not None and candidates:
            w_lo = utc(at_minutes(day, window[0], site.tz))
            w_hi = utc(at_minutes(day, window[1], site.tz))
            floor = max(w_lo, rules.grid_floor(now, site.tz))
            options: list[tuple[float, dt.datetime, SpaceInfo]] = []
            for sp in search.best_first(candidates, confidential=confidential):
                if floor >= w_hi:
                    break
                for s in search.nearest_starts(busy[sp.id], window=(floor, w_hi),
                                               duration=end_at - start_at, wanted=start_at):
                    options.append((abs((s - start_at).total_seconds()), s, sp))
            seen: set[dt.datetime] = set()
            for _, s, sp in sorted(options, key=lambda o: (o[0], o[1])):
                if s in seen:
                    continue
                seen.add(s)
                hints.append(Suggestion(space=sp.code, start=s, end=s + (end_at - start_at),
                                        tz=site.tz))
                if len(hints) >= suggestions:
                    break
        demand_id = None
        if record_unmet:
            demand_id = self._record_unmet(site, kind, start_at, end_at, attendees, wanted,
                                           org_, actor, now)
        return FreeResult(spaces=[], suggestions=hints, unmet_demand_id=demand_id)

    def _record_unmet(self, site: SiteInfo, kind: str, start_at: dt.datetime,
                      end_at: dt.datetime, attendees: int, needs: frozenset[str],
                      org: OrgInfo | None, actor: Actor, now: dt.datetime) -> int:
        with write_tx(self.engine) as conn:
            values = dict(recorded_at=now, site_id=site.id, kind=kind, start_at=start_at,
                          end_at=end_at, attendees=attendees, features=",".join(sorted(needs)),
                          org_id=org.id if org else None, staff_id=actor.staff_id)
            demand_id = int(conn.execute(insert(UnmetDemand.__table__).values(**values)
                                         ).inserted_primary_key[0])  # type: ignore[index]
            q.add_audit(conn, at=now, actor=actor.login, action="unmet-demand",
                        entity="unmet_demand", entity_id=demand_id, after=values)
            return demand_id

    # ----------------------------------------------------------------- set-up
    def add_org(self, code: str, name: str, *, host: bool = False,
                advance_weeks: int | None = None) -> OrgInfo:
        code = limits.code(code, "organisation code", limits.TEXT_LIMITS["org_code"])
        name = limits.name(name, "organisation name", required=True)
        if advance_weeks is not None:
            advance_weeks = limits.bounded_int(advance_weeks, "Advance weeks",
                                               *limits.ADVANCE_WEEKS)
        now = self.now()
        with write_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            permissions.require_admin_action(actor, "manage-orgs")
            if q.org_row(conn, code=code) is not None:
                raise InvalidInput(f"There is already an organisation '{code}'.")
            values = dict(code=code, name=name, is_host=host, advance_weeks=advance_weeks,
                          active=True)
            org_id = conn.execute(insert(Organisation.__table__).values(**values)
                                  ).inserted_primary_key[0]  # type: ignore[index]
            q.add_audit(conn, at=now, actor=actor.login, action="create",
                        entity="organisation", entity_id=org_id, after=values)
            return OrgInfo(id=org_id, code=code, name=name, is_host=host,
                           advance_weeks=advance_weeks)

    def add_site(self, code: str, name: str, *, tz: str = "Europe/London",
                 hours: str = "mon-fri 08:30-17:00", holiday_region: str = "ENG") -> SiteInfo:
        code = limits.code(code, "site code", limits.TEXT_LIMITS["site_code"])
        name = limits.name(name, "site name", required=True)
        check_zone(limits.name(tz, "time zone", limits.TEXT_LIMITS["tz"], required=True))
        parsed = parse_hours(hours)
        if holiday_region not in ("ENG", "WLS", "SCT", "NIR", ""):
            raise InvalidInput(
                f"'{holiday_region}' is not a UK nation for bank holidays (ENG, WLS, SCT, NIR)"
            )
        now = self.now()
        with write_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            permissions.require_admin_action(actor, "manage-sites")
            if q.site_row(conn, code=code) is not None:
                raise InvalidInput(f"There is already a site '{code}'.")
            values = dict(code=code, name=name, tz=tz, holiday_region=holiday_region,
                          release_after_minutes=30, active=True)
            site_id = conn.execute(insert(Site.__table__).values(**values)
                                   ).inserted_primary_key[0]  # type: ignore[index]
            for day, (o, c) in parsed.items():
                conn.execute(insert(OpeningHours.__table__).values(
                    site_id=site_id, weekday=day, opens_min=o, closes_min=c))
            q.add_audit(conn, at=now, actor=actor.login, action="create", entity="site",
                        entity_id=site_id, after={**values, "hours": hours})
            return self._site(conn, id=site_id)

    def add_space(self, code: str, *, site: str, kind: str, capacity: int,
                  features: str | Sequence[str] = "", private: bool = False, name: str = "",
                  restricted_to: Sequence[str] = ()) -> SpaceInfo:
        code = limits.code(code, "space code", limits.TEXT_LIMITS["space_code"])
        if kind not in KINDS:
            raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
        capacity = limits.bounded_int(capacity, "Capacity (people a space holds)",
                                      *limits.CAPACITY)
        name = limits.name(name, "space name")
        feats = frozenset(limits.feature(f) for f in parse_features(features))
        limits.features_text(feats)
        restricted_to = [limits.code(c, "organisation code", limits.TEXT_LIMITS["org_code"])
                         for c in restricted_to]
        now = self.now()
        with write_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            permissions.require_admin_action(actor, "manage-spaces")
            site_info = self._site(conn, code=site)
            if q.space_row(conn, code) is not None:
                raise InvalidInput(f"There is already a space '{code}'.")
            values = dict(code=code, site_id=site_info.id, name=name or code, kind=kind,
                          capacity=capacity, features=",".join(sorted(feats)), private=private,
                          active=True)
            space_id = conn.execute(insert(Space.__table__).values(**values)
                                    ).inserted_primary_key[0]  # type: ignore[index]
            for org_code in restricted_to:
                org_id = self._org(conn, org_code).id
                conn.execute(insert(SpaceRestriction.__table__).values(
                    space_id=space_id, org_id=org_id))
            q.add_audit(conn, at=now, actor=actor.login, action="create", entity="space",
                        entity_id=space_id,
                        after={**values, "restricted_to": sorted(restricted_to)})
            return self._space(conn, code)

    def add_staff(self, login: str, *, name: str, org: str, role: str) -> Actor:
        if role not in ROLES:
            raise InvalidInput(f"'{role}' is not a role ({', '.join(ROLES)}).")
        login = limits.login(login)
        name = limits.name(name, "staff name", required=True)
        org = limits.code(org, "organisation code", limits.TEXT_LIMITS["org_code"])
        now = self.now()
        with write_tx(self.engine) as conn:
            actor = self._load_actor(conn)
            permissions.require_admin_action(actor, "manage-staff")
            org_info_ = self._org(conn, org)
            if role == "front-desk" and not org_info_.is_host:
                raise InvalidInput(
                    f"Front-desk staff work for the host organisation; {org_info_.code} is a "
                    "partner."
                )
            existing = q.staff_row(conn, login)
            values = dict(login=login, name=name, org_id=org_info_.id, role=role, active=True)
            if existing is not None:
                if existing.org_id is None and existing.role == "admin":
                    # The first administrator joins an organisation.
                    conn.execute(update(Staff.__table__).where(
                        Staff.__table__.c.id == existing.id).values(**values))
                    q.add_audit(conn, at=now, actor=actor.login, action="update",
                                entity="staff", entity_id=existing.id,
                                before={"org_id": None, "role": "admin"}, after=values)
                    self._actor = None
                    return self._load_actor_for(conn, login)
                raise InvalidInput(f"There is already a staff member '{login}'.")
            staff_id = conn.execute(insert(Staff.__table__).values(**values)
                                    ).inserted_primary_key[0]  # type: ignore[index]
            q.add_audit(conn, at=now, actor=actor.login, action="create", entity="staff",
                        entity_id=staff_id, after=values)
            return self._load_actor_for(conn, login)

    def _load_actor_for(self, conn: Connection, login: str) -> Actor:
        row = q.staff_row(conn, login)
        assert row is not None
        return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                     org_code=row.org_code, role=row.role)

    def counts(self) -> dict[str, int]:
        with read_tx(self.engine) as conn:
            return {
                "bookings": q.count(conn, Booking),
                "spaces": q.count(conn, Space),
                "sites": q.count(conn, Site),
                "staff": q.count(conn, Staff),
                "organisations": q.count(conn, Organisation),
                "active_bookings": int(conn.execute(
                    select(func.count()).select_from(Booking.__table__).where(
                        Booking.__table__.c.status.in_(("confirmed", "checked_in")))
                ).scalar() or 0),
            }


def view_of(row: Any, actor: Actor) -> BookingView:
    """A booking row (as ``db.queries.booking_row`` reads it) as ``actor`` may see it:
    :func:`booking.permissions.booking_visibility` decides each field."""
    seen = permissions.booking_visibility(
        actor, org_id=row.org_id, confidential=bool(row.confidential),
        booked_by_id=row.booked_by_id)
    return BookingView(
        id=row.id, space=row.space_code, space_name=row.space_name or row.space_code,
        site=row.site_code, kind=row.kind, org=row.org_code if seen.org else "",
        start=row.start_at, end=row.end_at, tz=row.tz, status=row.status,
        attendees=row.attendees if seen.people else None,
        purpose=row.purpose if seen.purpose else None,
        confidential=bool(row.confidential) if seen.org else False,
        series=row.series_id if seen.org else None,
        booked_by=row.booked_by_login if seen.people else None, details_visible=seen.people,
        moved_from=getattr(row, "moved_from", None) if seen.org else None,
    )


def clash_message(space: SpaceInfo, tz: str, holders: Sequence[Row]) -> str:
    """``Interview Room 1 (IR1) is already booked 09:00–10:00 by NCS (booking #12).``"""
    first = holders[0]
    words = (f"{space.label} is already booked {human_time_span(first.start_at, first.end_at, tz)}"
             f" on {to_local(first.start_at, tz).format('ddd D MMM')} by {first.org_code} "
             f"(booking #{first.id})")
    if len(holders) > 1:
        others = ", ".join(f"{human_time_span(h.start_at, h.end_at, tz)} {h.org_code}"
                           for h in holders[1:])
        words += f"; also {others}"
    return words + "."


def _audit_values(values: dict[str, Any], space_code: str, org_code: str) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in ("created_at", "updated_at")}
    out["space"] = space_code
    out["org"] = org_code
    return out


def _safe_url(url: str) -> str:
    """The URL for a message: every password masked, whatever the URL's shape."""
    from booking.limits import mask_passwords, visible

    return visible(mask_passwords(url, url))


def _short(exc: BaseException, url: str = "") -> str:
    from booking.limits import mask_passwords, visible

    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return visible(mask_passwords(text[0][:300], url)) if text else exc.__class__.__name__


def describe_booking(view: BookingView) -> str:
    """One line for people: ``#12 IR1 Thu 29 Oct 2026 09:00–10:00 NCS confirmed``."""
    text = f"#{view.id} {view.space} {human_span(view.start, view.end, view.tz)} {view.org}"
    text += f" {view.status.replace('_', '-')}"
    if view.purpose:
        text += f" — {view.purpose}"
    return text


__all__ = ["Cospace", "KIND_LABELS", "clash_message", "describe_booking", "sqlite_path"]
