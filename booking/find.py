"""Find free spaces: what fits, best first; when nothing does, the nearest free times that
day, and the request recorded as unmet demand (the estates reports count it).

Three steps: :func:`_candidates` reads what could fit and what is busy (one read
transaction), :func:`_suggest` works out the nearest free times (no store), and
:func:`_record_unmet` writes the turned-away request (one write transaction).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from booking import horizon, limits, permissions, rules, search
from booking.context import Context, parse_features, space_info
from booking.errors import InvalidInput
from booking.models import KINDS, Actor, FreeResult, OrgInfo, SiteInfo, SpaceInfo, Suggestion
from booking.timeutil import at_minutes, day_bounds, to_local, utc
from db import queries, setup_queries
from db.engine import Tx


@dataclass(frozen=True)
class Request:
    """A search as asked, checked: the site, the interval (UTC), and what must fit."""

    site: SiteInfo
    kind: str
    start: dt.datetime
    end: dt.datetime
    attendees: int
    needs: frozenset[str]
    confidential: bool
    org: OrgInfo | None
    actor: Actor

    @property
    def day(self) -> dt.date:
        return to_local(self.start, self.site.tz).date()


@dataclass(frozen=True)
class Candidates:
    """The spaces that fit a request, and what is busy on each that day."""

    spaces: list[SpaceInfo]
    busy: dict[int, list[tuple[dt.datetime, dt.datetime]]]


def find_free(ctx: Context, site_code: str, kind: str, start: str | dt.datetime,
              end: str | dt.datetime, *, attendees: int = 1, needs: str | Sequence[str] = (),
              confidential: bool = False, org: str | None = None, record_unmet: bool = True,
              suggestions: int = 3) -> FreeResult:
    """The free spaces that fit, best first. When none fits, the request is recorded as
    unmet demand (unless ``record_unmet`` is False) and up to ``suggestions`` nearest free
    times that day are suggested."""
    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
    attendees = limits.bounded_int(attendees, "Attendees", *limits.ATTENDEES)
    wanted = frozenset(limits.feature(f) for f in parse_features(needs))
    now = ctx.now()
    with ctx.reading() as conn:
        req = _request(ctx, conn, site_code, kind, start, end, attendees=attendees,
                       needs=wanted, confidential=confidential, org=org, now=now)
        found = _candidates(conn, req)
    free = search.best_first(
        (sp for sp in found.spaces if search.is_free(found.busy[sp.id], req.start, req.end)),
        confidential=confidential)
    if free:
        return FreeResult(spaces=free, suggestions=[])
    hints = _suggest(req, found, now, suggestions)
    demand_id = _record_unmet(ctx, req, now) if record_unmet else None
    return FreeResult(spaces=[], suggestions=hints, unmet_demand_id=demand_id)


def _request(ctx: Context, conn: Tx, site_code: str, kind: str,
             start: str | dt.datetime, end: str | dt.datetime, *, attendees: int,
             needs: frozenset[str], confidential: bool, org: str | None,
             now: dt.datetime) -> Request:
    actor = ctx.load_actor(conn)
    permissions.require_known(actor)
    site = ctx.lookup_site(conn, code=site_code)
    start_at, end_at = ctx.times(start, end, site.tz)
    rules.check_interval(start_at, end_at, site)
    rules.check_not_past(start_at, now, site.tz)
    rules.check_horizon(start_at, now, horizon.weeks(conn), site.tz)
    org_ = ctx.lookup_org(conn, org) if (org or actor.org_id) else None
    return Request(site=site, kind=kind, start=start_at, end=end_at, attendees=attendees,
                   needs=needs, confidential=confidential, org=org_, actor=actor)


def _candidates(conn: Tx, req: Request) -> Candidates:
    rows = queries.space_rows(conn, site_id=req.site.id, kind=req.kind, active_only=True)
    restr = queries.restrictions(conn, [r.id for r in rows])
    spaces = [
        sp for sp in (space_info(r, restr.get(r.id, frozenset())) for r in rows)
        if search.fits(sp, kind=req.kind, attendees=req.attendees, needs=req.needs,
                       confidential=req.confidential, org=req.org)
        and not rules.exceeds_length(req.start, req.end, sp)
    ]
    lo, hi = day_bounds(req.day, req.site.tz)
    busy = queries.busy_intervals(conn, [sp.id for sp in spaces], lo, hi)
    return Candidates(spaces, busy)


def _suggest(req: Request, found: Candidates, now: dt.datetime,
             limit: int) -> list[Suggestion]:
    """Up to ``limit`` nearest free starts that day (any fitting space), nearest first."""
    site, day = req.site, req.day
    window = rules.opening_window(site, day)
    if window is None or not found.spaces:
        return []
    w_lo = utc(at_minutes(day, window[0], site.tz))
    w_hi = utc(at_minutes(day, window[1], site.tz))
    floor = max(w_lo, rules.grid_floor(now, site.tz))
    length = req.end - req.start
    options: list[tuple[float, dt.datetime, SpaceInfo]] = []
    for sp in search.best_first(found.spaces, confidential=req.confidential):
        if floor >= w_hi:
            break
        for s in search.nearest_starts(found.busy[sp.id], window=(floor, w_hi),
                                       duration=length, wanted=req.start):
            options.append((abs((s - req.start).total_seconds()), s, sp))
    hints: list[Suggestion] = []
    seen: set[dt.datetime] = set()
    for _, s, sp in sorted(options, key=lambda o: (o[0], o[1])):
        if s in seen:
            continue
        seen.add(s)
        hints.append(Suggestion(space=sp.code, start=s, end=s + length, tz=site.tz))
        if len(hints) >= limit:
            break
    return hints


def _record_unmet(ctx: Context, req: Request, now: dt.datetime) -> int:
    with ctx.writing() as conn:
        values = dict(recorded_at=now, site_id=req.site.id, kind=req.kind, start_at=req.start,
                      end_at=req.end, attendees=req.attendees,
                      features=",".join(sorted(req.needs)),
                      org_id=req.org.id if req.org else None, staff_id=req.actor.staff_id)
        from booking.precheck import recorded_unmet  # only when nothing fitted (start-up)

        if (seen := recorded_unmet(conn, values)) is not None:  # the same search again: once
            return seen
        demand_id = setup_queries.insert_unmet_demand(conn, values)
        queries.add_audit(conn, at=now, actor=req.actor.login, action="unmet-demand",
                          entity="unmet_demand", entity_id=demand_id, after=values)
        return demand_id


__all__ = ["find_free"]
