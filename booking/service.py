"""The application the CLI and the terminal app go through: :class:`Cospace`.

:class:`Cospace` is a :class:`~booking.context.Context` (the store, the acting person, the
clock, the lookups, the one view builder) with every use case as a method. Each method is a
line or two handing over to the module of its area:

- opening and creating a store: :mod:`booking.opening`
- booking: :mod:`booking.book`; finding free spaces: :mod:`booking.find`
- status changes (cancel, check-in, no-show, undo): :mod:`booking.status`
- reading bookings: :mod:`booking.browse`
- set-up records: :mod:`booking.setup_records` (validated by :mod:`booking.imports`)

Only the modules every command needs (opening, the release sweep, reading bookings) are
imported here; the others are imported by the method that needs them, so that a command
loads only its own (start-up, bench/README.md).

The names below (``view_of``, ``clash_message``, ``system_clock``, ...) stay importable from
here for the callers that have always found them here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from booking import browse, opening, release
from booking.context import (
    Clock,
    Context,
    org_info,
    parse_features,
    pinned_now,
    space_info,
    system_clock,
)
from booking.models import KIND_LABELS, Actor, BookingView, FreeResult, OrgInfo, SiteInfo, SpaceInfo
from booking.views import clash_message, describe_booking, view_of
from db import queries, setup_queries
from db.engine import Engine, sqlite_path


class Cospace(Context):
    """The application: a store, the acting staff member and a clock."""

    def __init__(self, engine: Engine, login: str, clock: Clock = system_clock) -> None:
        super().__init__(engine, login, clock)
        self._last_release: dt.datetime | None = None
        #: After :meth:`init`: "created", "upgraded" or "current" (nothing changed).
        self.init_outcome: str | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str, login: str | None, clock: Clock = system_clock,
             *, check_schema: bool = True) -> Cospace:
        """Open an existing store (:func:`booking.opening.open_store`)."""
        opened = opening.open_store(url, login, check_schema=check_schema)
        app = cls(opened.engine, opened.login, clock)
        app.staff_readable = opened.staff_readable
        if check_schema:
            app.sweep_releases()
        return app

    @classmethod
    def init(cls, url: str, login: str | None,
             clock: Clock = system_clock) -> tuple[Cospace, bool]:
        """Create or upgrade the store, keeping its data (:func:`booking.opening.init_store`).
        Returns the app and whether the store was new."""
        done = opening.init_store(url, login, clock)
        app = cls(done.engine, done.login, clock)
        app.init_outcome = done.outcome
        return app, done.outcome == "created"

    def sweep_releases(self, *, force: bool = False) -> list[int]:
        """Release desk bookings nobody checked in for (:mod:`booking.release`); throttled to
        once a minute unless ``force``. Returns the ids released."""
        now = self.now()
        last = self._last_release
        if not force and last is not None and abs(now - last) < release.THROTTLE:
            return []
        self._last_release = now
        return release.release_unclaimed(self.engine, now)

    # ----------------------------------------------------------------- lookups
    def sites(self) -> list[SiteInfo]:
        with self.reading() as conn:
            return [self.lookup_site(conn, id=r.id) for r in queries.all_sites(conn)]

    def site(self, code: str) -> SiteInfo:
        with self.reading() as conn:
            return self.lookup_site(conn, code=code)

    def spaces(self, site_code: str, kind: str | None = None) -> list[SpaceInfo]:
        with self.reading() as conn:
            site = self.lookup_site(conn, code=site_code)
            rows = queries.space_rows(conn, site_id=site.id, kind=kind)
            restr = queries.restrictions(conn, [r.id for r in rows])
            return [space_info(r, restr.get(r.id, frozenset())) for r in rows]

    def space(self, code: str) -> SpaceInfo:
        with self.reading() as conn:
            return self.lookup_space(conn, code)

    def orgs(self) -> list[OrgInfo]:
        with self.reading() as conn:
            return [org_info(r) for r in setup_queries.org_rows(conn)]

    def change_counter(self) -> int:
        """Changes whenever anything in the store changes; cheap enough to poll."""
        with self.reading() as conn:
            return queries.change_counter(conn)

    def counts(self) -> dict[str, int]:
        with self.reading() as conn:
            return setup_queries.record_counts(conn)

    # ----------------------------------------------------------------- booking
    def book(self, space_code: str, start: str | dt.datetime, end: str | dt.datetime, *,
             org: str | None = None, attendees: int = 1, purpose: str = "",
             confidential: bool = False, override: str | None = None) -> BookingView:
        """Book ``space_code`` for ``[start, end)`` (:func:`booking.book.book`)."""
        from booking.book import book as book_use_case

        return book_use_case(self, space_code, start, end, org=org, attendees=attendees,
                             purpose=purpose, confidential=confidential, override=override)

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

    # ----------------------------------------------------------------- reading bookings
    def get(self, booking_id: int) -> BookingView:
        return browse.get(self, booking_id)

    def list_bookings(self, *, site: str | None = None, org: str | None = None,
                      space: str | None = None, start: dt.date | None = None,
                      end: dt.date | None = None, statuses: Sequence[str] | None = None,
                      limit: int | None = None) -> list[BookingView]:
        """Bookings from ``start`` to ``end`` (dates in each site's time, both inclusive);
        without dates, from today on (:func:`booking.browse.list_bookings`)."""
        self.sweep_releases()
        return browse.list_bookings(self, site=site, org=org, space=space, start=start,
                                    end=end, statuses=statuses, limit=limit)

    def day_bookings(self, site_code: str, day: dt.date) -> list[BookingView]:
        """Every booking at a site on one local day (the board and Today screens)."""
        return self.list_bookings(site=site_code, start=day, end=day)

    # ----------------------------------------------------------------- search
    def find_free(self, site_code: str, kind: str, start: str | dt.datetime,
                  end: str | dt.datetime, *, attendees: int = 1,
                  needs: str | Sequence[str] = (), confidential: bool = False,
                  org: str | None = None, record_unmet: bool = True,
                  suggestions: int = 3) -> FreeResult:
        """The free spaces that fit, best first (:func:`booking.find.find_free`)."""
        from booking import find

        self.sweep_releases()
        return find.find_free(self, site_code, kind, start, end, attendees=attendees,
                              needs=needs, confidential=confidential, org=org,
                              record_unmet=record_unmet, suggestions=suggestions)

    # ----------------------------------------------------------------- set-up
    def add_org(self, code: str, name: str, *, host: bool = False,
                advance_weeks: int | None = None) -> OrgInfo:
        from booking import setup_records

        return setup_records.add_org(self, code, name, host=host, advance_weeks=advance_weeks)

    def add_site(self, code: str, name: str, *, tz: str = "Europe/London",
                 hours: str = "mon-fri 08:30-17:00", holiday_region: str = "ENG") -> SiteInfo:
        from booking import setup_records

        return setup_records.add_site(self, code, name, tz=tz, hours=hours,
                                      holiday_region=holiday_region)

    def add_space(self, code: str, *, site: str, kind: str, capacity: int,
                  features: str | Sequence[str] = "", private: bool = False, name: str = "",
                  restricted_to: Sequence[str] = (), requires_approval: bool = False) -> SpaceInfo:
        from booking import setup_records

        return setup_records.add_space(self, code, site=site, kind=kind, capacity=capacity,
                                       features=features, private=private, name=name,
                                       restricted_to=restricted_to,
                                       requires_approval=requires_approval)

    def add_staff(self, login: str, *, name: str, org: str, role: str,
                  email: str | None = None) -> Actor:
        """Add a staff member; ``email`` (checked first, so a bad one leaves nothing behind)
        is where notifications of changes to their bookings go (booking/notify.py)."""
        from booking import notify, setup_records

        address = notify.check_address(email) if email is not None else None
        added = setup_records.add_staff(self, login, name=name, org=org, role=role)
        if address is not None:
            notify.set_email(self, added.login, address)
        return added


__all__ = ["Clock", "Cospace", "KIND_LABELS", "clash_message", "describe_booking", "org_info",
           "parse_features", "pinned_now", "space_info", "sqlite_path", "system_clock",
           "view_of"]
