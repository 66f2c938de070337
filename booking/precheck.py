"""The check a booking form runs while the user types: every rule of
:meth:`booking.service.Cospace.book` and the clash check, read-only.

It runs the same functions Book runs (:func:`booking.rules.check_booking`,
:func:`booking.allocations.enforce`, :func:`db.queries.clashes`), so the line the form shows
never says "free" for a slot Book would then refuse. On a clash it says who holds the slot, as
much as the acting person may see of that booking (:func:`booking.service.view_of`: another
organisation's booking shows its organisation, never its purpose), and the nearest free
alternatives: another fitting space at that time, or the nearest free time in that space.
Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from booking import allocations, horizon, permissions, rules, search
from booking.errors import CospaceError
from booking.models import MAX_BOOKING_MINUTES, OrgInfo, SiteInfo, SpaceInfo
from booking.timeutil import at_minutes, day_bounds, human_time_span, to_local, utc
from db import precheck_queries as pq
from db import queries as q
from db.engine import read_tx

if TYPE_CHECKING:
    from booking.service import Cospace

#: How many alternatives a clash names.
ALTERNATIVES = 3


@dataclass(frozen=True)
class Alternative:
    """A free slot instead: another space at the time asked, or the same space later/earlier."""

    space: str
    start: dt.datetime  # UTC
    end: dt.datetime
    tz: str

    @property
    def words(self) -> str:
        return f"{self.space} {human_time_span(self.start, self.end, self.tz)}"


@dataclass(frozen=True)
class Verdict:
    """One answer for what is in the form now: free, or why not (and what is free instead)."""

    ok: bool
    message: str  # plain words, one line
    holder: str | None = None  # who holds the slot, as far as the actor may see it
    alternatives: list[Alternative] = field(default_factory=list)

    @property
    def line(self) -> str:
        """The verdict as the form's live line shows it (no markup)."""
        if self.ok:
            return f"✓ {self.message}"
        text = f"✗ {self.message}"
        if self.alternatives:
            text += " Free instead: " + ", ".join(a.words for a in self.alternatives) + "."
        return text


def precheck(cs: Cospace, *, space: SpaceInfo, site: SiteInfo, org: OrgInfo,
             start: dt.datetime, end: dt.datetime, attendees: int = 1,
             confidential: bool = False, spaces: Sequence[SpaceInfo] = ()) -> Verdict:
    """Would booking ``space`` for ``org`` over ``[start, end)`` succeed now? Writes nothing.

    ``spaces`` are the site's spaces to offer as alternatives on a clash (the board's list).
    A refusal of a rule or a permission is a Verdict too, in the words Book would use."""
    now = cs.now()
    actor = cs.actor
    try:
        permissions.require_booking_action(actor, "book", org.id, org.code)
        with read_tx(cs.engine) as conn:
            rules.check_booking(space=space, site=site, org=org, start=start, end=end,
                                attendees=attendees, confidential=confidential, now=now,
                                horizon_weeks=horizon.weeks(conn))
            allocations.enforce(conn, actor=actor, org=org, site=site, kind=space.kind,
                                intervals=[(start, end)])
            found = q.clashes(conn, space.id, start, end, max_minutes=MAX_BOOKING_MINUTES,
                              limit=1)
            if not found:
                return Verdict(True, f"{space.code} {to_local(start, site.tz):ddd D MMM} "
                                     f"{human_time_span(start, end, site.tz)} is free")
            others = [s for s in spaces if s.code != space.code and search.fits(
                s, kind=space.kind, attendees=attendees, needs=frozenset(),
                confidential=confidential, org=org) and not rules.exceeds_length(start, end, s)]
            day = to_local(start, site.tz).date()
            lo, hi = day_bounds(day, site.tz)
            busy = q.busy_intervals(conn, [space.id, *(s.id for s in others)], lo, hi)
        holder_id = found[0].id
    except CospaceError as exc:
        return Verdict(False, exc.message)
    holder = holder_words(cs, holder_id)
    when = human_time_span(found[0].start_at, found[0].end_at, site.tz)
    alternatives = alternatives_for(space, site, others, busy, start, end, now)
    return Verdict(False, f"{space.code} is held {when} by {holder}.", holder=holder,
                   alternatives=alternatives)


def holder_words(cs: Cospace, booking_id: int) -> str:
    """Who holds a booking, as the acting person may see it: ``CAB (booking #12)``, never the
    purpose of another organisation's booking; ``another booking`` when the organisation is
    not theirs to see."""
    try:
        view = cs.get(booking_id)  # service.view_of decides each field
    except CospaceError:
        return "another booking"
    if not view.org:
        return "another booking"
    text = f"{view.org} (booking #{view.id})"
    if view.purpose:  # only ever the actor's own organisation's purpose
        text += f": {view.purpose}"
    return text


def alternatives_for(space: SpaceInfo, site: SiteInfo, others: Sequence[SpaceInfo],
                     busy: dict[int, list[tuple[dt.datetime, dt.datetime]]],
                     start: dt.datetime, end: dt.datetime, now: dt.datetime,
                     limit: int = ALTERNATIVES) -> list[Alternative]:
    """Other fitting spaces free at the time asked (best first), then the nearest free
    times in ``space`` the same day; at most ``limit``."""
    out = [Alternative(s.code, start, end, site.tz)
           for s in search.best_first(others) if search.is_free(busy.get(s.id, []), start, end)]
    out = out[:max(1, limit - 1)]
    day = to_local(start, site.tz).date()
    window = rules.opening_window(site, day)
    if window is not None:
        w_lo = max(utc(at_minutes(day, window[0], site.tz)), rules.grid_floor(now, site.tz))
        w_hi = utc(at_minutes(day, window[1], site.tz))
        if w_lo < w_hi:
            for s in search.nearest_starts(busy.get(space.id, []), window=(w_lo, w_hi),
                                           duration=end - start, wanted=start):
                if len(out) >= limit:
                    break
                out.append(Alternative(space.code, s, s + (end - start), site.tz))
    return out[:limit]


#: The same failed search again within this time is the same unmet need, recorded once.
UNMET_WINDOW = dt.timedelta(minutes=30)


def recorded_unmet(conn: Any, values: dict[str, Any]) -> int | None:
    """The unmet-demand record ``values`` (as :meth:`Cospace.find_free` would insert them)
    repeats: the same site, kind, start, end and organisation recorded by the same person in
    the last :data:`UNMET_WINDOW`; None when it is new. Re-running a search that found nothing (the
    Find screen's Enter, a refresh) must not count the same need twice."""
    return pq.recent_unmet(conn, site_id=values["site_id"], kind=values["kind"],
                           start_at=values["start_at"], end_at=values["end_at"],
                           org_id=values.get("org_id"), staff_id=values.get("staff_id"),
                           since=values["recorded_at"] - UNMET_WINDOW)
