"""The sums a report is made of, read from the store: the scope checked and loaded, available
hours, booked hours by status (from the usage summaries or the bookings themselves),
occupancy and unmet demand. :class:`booking.reports.Reports` turns them into rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from booking import permissions, usage
from booking.errors import InvalidInput, NotFound
from booking.models import KINDS, MAX_BOOKING_MINUTES, SiteInfo
from booking.report_kinds import MAX_DAYS
from booking.report_scope import (
    _STATUS_NAMES,
    _add,
    _days,
    _Keys,
    _Scope,
    summary_table,
    sweep,
)
from booking.timeutil import day_bounds, utc, wall
from db import report_queries as rq
from db import usage_queries as uq
from db.engine import read_tx
from db.tx import Tx


class ReportReads:
    """The store reads under :class:`~booking.reports.Reports`: one sum per grouping key."""

    def __init__(self, app: Any, *, use_summaries: bool = True) -> None:
        self.app = app
        self._charge = "booked"
        #: False reads every booking directly (the reference the summaries are tested
        #: against); True reads the usage summaries wherever they hold the grouping.
        self.use_summaries = use_summaries

    def _scope(self, site_codes: Sequence[str] | None, start: dt.date, end: dt.date,
               space_kind: str | None) -> _Scope:
        if end < start:
            raise InvalidInput("--to is before --from.")
        if (end - start).days + 1 > MAX_DAYS:
            raise InvalidInput(f"A report covers at most {MAX_DAYS} days; ask for a shorter "
                               "period.")
        if space_kind is not None and space_kind not in KINDS:
            raise InvalidInput(f"'{space_kind}' is not a kind of space "
                               "(interview, desk, workshop).")
        self.app.sweep_releases()
        with read_tx(self.app.engine) as conn:
            actor = self.app.load_actor(conn)
            permissions.require_admin_action(actor, "reports")
            if site_codes:
                sites: list[SiteInfo] = []
                for code in site_codes:
                    site = self.app.lookup_site(conn, code=code)
                    if site.id not in {s.id for s in sites}:
                        sites.append(site)
            else:
                sites = [self.app.lookup_site(conn, id=r.id) for r in _all_sites(conn)]
            if not sites:
                raise NotFound("There are no sites to report on yet.")
            spaces = list(rq.report_spaces(conn, [s.id for s in sites]))
            orgs = rq.org_codes(conn)
        if self.use_summaries:
            usage.refresh(self.app.engine, [s.id for s in sites])
        by_tz: dict[str, list[SiteInfo]] = defaultdict(list)
        for s in sites:
            by_tz[s.tz].append(s)
        windows = []
        for tz, group in by_tz.items():
            lo, hi = day_bounds(start, tz)[0], day_bounds(end, tz)[1]
            windows.append(rq.Window(tuple(s.id for s in group), tz, utc(lo), utc(hi)))
        return _Scope(sites=sites, windows=windows, spaces=spaces, orgs=orgs, start=start,
                      end=end, now=self.app.now(), kind=space_kind)

    # ---------------------------------------------------------------- measures
    def _available(self, scope: _Scope, keys: _Keys) -> dict[tuple, float]:
        """Available minutes per grouping key (without the organisation)."""
        by_site_kind: dict[tuple[int, str], list[Any]] = defaultdict(list)
        for sp in scope.active_spaces():
            by_site_kind[(sp.site_id, sp.kind)].append(sp)
        out: dict[tuple, float] = defaultdict(float)
        for site in scope.sites:
            kinds = [(k, v) for (sid, k), v in by_site_kind.items() if sid == site.id]
            if not kinds:
                continue
            per_time = scope.open_per_label(site, keys, keys.need_hour)
            by_space = "space" in keys.by
            for kind, spaces in kinds:
                for (weekday, week, month, hour), minutes in per_time.items():
                    at = dict(site_id=site.id, kind=kind, weekday=weekday, week=week,
                              month=month, hour=hour, without_org=True)
                    if by_space:
                        for sp in spaces:
                            out[keys.key(space_id=sp.id, **at)] += minutes
                    else:
                        out[keys.key(**at)] += minutes * len(spaces)
        return out

    def _booked(self, conn: Tx, scope: _Scope, keys: _Keys, **kw: Any
                ) -> dict[tuple, dict[str, float]]:
        """Per grouping key: bookings and minutes in all (``bookings``, ``booked_min``) and by
        status (``checked_in``/``checked_in_min``, ``no_shows``/``no_show_min``,
        ``released``/``released_min``, ``unmarked``), and ``charge`` when rates are given.

        A booking counts (``bookings``) once, where it starts, or at the period's start if it
        began before. With ``started_before`` only bookings that started before then are
        counted, and only the counts are filled (attendance).
        """
        sums: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        table = summary_table(keys.by) if self.use_summaries else None
        if table is None:
            self._booked_directly(conn, scope, keys, sums, **kw)
        else:
            self._booked_from_summary(conn, scope, keys, sums, table, **kw)
        return sums

    def _booked_from_summary(self, conn: Tx, scope: _Scope, keys: _Keys,
                             sums: dict[tuple, dict[str, float]], table: str, *,
                             started_before: dt.datetime | None = None,
                             rates: dict[str, float] | None = None, **_kw: Any) -> None:
        # The site only when grouped by it, the kind only when grouped by it or charged for:
        # a region's rows are then one per group, the statuses side by side.
        group = ["site_id"] if "site" in keys.by else []
        group += ["kind"] if "kind" in keys.by or rates else []
        group += [c for f, c in (("space", "space_id"), ("org", "org_id"), ("weekday", "weekday"),
                                 ("week", "week"), ("month", "month"), ("hour", "hour"))
                  if f in keys.by]
        key_of = keys.row_key(group)
        kind_at = group.index("kind") if rates else -1
        for window in scope.windows:
            today = None
            if started_before is not None:
                today = wall(started_before, window.tz).date()
            for r in uq.summed(conn, table, window.site_ids, scope.start, scope.end, group,
                               kind=scope.kind, before=today):
                _add_summed(sums[key_of(r)], r[len(group):],
                            rates.get(r[kind_at], 0.0) if rates else None)
            # Counted outside the summaries, which count a booking on the day it starts:
            # bookings already under way as the period begins count at its start ...
            def count(b: Any, at: dt.datetime) -> None:
                k = keys.key(site_id=b.site_id, kind=b.kind, space_id=b.space_id,
                             org_id=b.org_id, day=at.date(), hour=at.hour)
                _add(sums[k], b.status, b.kind, 1, 0.0, None)

            until = window.lo if started_before is None else min(window.lo, started_before)
            begin = wall(window.lo, window.tz)
            for b in uq.bookings_starting(conn, window.site_ids,
                                          window.lo - dt.timedelta(minutes=MAX_BOOKING_MINUTES),
                                          until, ending_after=window.lo, kind=scope.kind):
                count(b, begin)
            # ... and, for attendance, today's bookings that have started.
            if started_before is not None and today is not None and \
                    scope.start <= today <= scope.end:
                t0 = max(window.lo, utc(day_bounds(today, window.tz)[0]))
                for b in uq.bookings_starting(conn, window.site_ids, t0,
                                              min(window.hi, started_before), kind=scope.kind):
                    count(b, wall(b.start_at, window.tz))

    def _booked_directly(self, conn: Tx, scope: _Scope, keys: _Keys,
                         sums: dict[tuple, dict[str, float]], *,
                         started_before: dt.datetime | None = None,
                         rates: dict[str, float] | None = None, **_kw: Any) -> None:
        """:meth:`_booked` from the bookings themselves: the reference the summaries are
        tested against. Each booking is cut at local hours and midnights as the summaries
        cut it (:func:`booking.usage.hour_pieces`)."""
        timed = any(f in keys.by for f in ("weekday", "week", "month", "hour"))
        for window in scope.windows:
            clock = None
            if timed:
                lo, hi = int(window.lo.timestamp()), int(window.hi.timestamp())
                clock = usage.LocalClock(window.tz, lo - 2 * 86400, hi + 2 * 86400)
            for r in rq.booked_spans(conn, window, by_space="space" in keys.by,
                                     by_org="org" in keys.by, spans=clock is not None,
                                     started_before=started_before, kind=scope.kind):
                n = int(r["bookings"])
                common = dict(site_id=r["site_id"], kind=r["kind"],
                              space_id=r.get("space_id"), org_id=r.get("org_id"))
                if clock is None:
                    _add(sums[keys.key(**common)], r["status"], r["kind"], n,
                         float(r["minutes"] or 0.0), rates)
                    continue
                count = n  # a booking counts once, where it (clipped) starts
                for dn, hour, minutes in usage.hour_pieces(r["start"], r["end"], clock):
                    k = keys.key(**common, day=usage.day_of(dn), hour=hour)
                    _add(sums[k], r["status"], r["kind"], count, n * minutes, rates)
                    count = 0


    def _occupancy_sums(self, conn: Tx, scope: _Scope, keys: _Keys) -> dict[tuple, dict]:
        spaces: dict[tuple[int, str], int] = defaultdict(int)
        for sp in scope.active_spaces():
            spaces[(sp.site_id, sp.kind)] += 1
        out: dict[tuple, dict[str, Any]] = {}
        site_by_id = scope.site_by_id
        # Opening hours per group: every active (site, kind) counts, booked or not (a site's
        # open days worked out once for all its kinds and groups of days).
        for (site_id, kind), n in spaces.items():
            per_label = scope.open_per_label(site_by_id[site_id], keys, False)
            for (weekday, week, month, _hour), minutes in per_label.items():
                k = keys.key(site_id=site_id, kind=kind, weekday=weekday, week=week,
                             month=month)
                acc = out.setdefault(k, {"spaces": n, "open_min": 0.0, "peak": 0,
                                         "saturated_min": 0.0})
                acc["open_min"] += minutes
        if self.use_summaries:
            group = [f for f in ("weekday", "week", "month") if f in keys.by]
            for window in scope.windows:
                caps = {k: n for k, n in spaces.items() if k[0] in window.site_ids and n}
                for r in uq.levels(conn, window.site_ids, scope.start, scope.end, caps, group,
                                   kind=scope.kind):
                    cap = caps[(r["site_id"], r["kind"])]
                    k = keys.key(site_id=r["site_id"], kind=r["kind"], weekday=r.get("weekday"),
                                 week=r.get("week"), month=r.get("month"))
                    acc = out.setdefault(k, {"spaces": cap, "open_min": 0.0, "peak": 0,
                                             "saturated_min": 0.0})
                    acc["peak"] = max(acc["peak"], min(r["peak"], cap))
                    acc["saturated_min"] += r["saturated"]
            return out
        for window in scope.windows:
            rows = rq.intervals(conn, window, kind=scope.kind)
            if not rows:
                continue
            bounds: list[int] = []
            days: list[dt.date] = []
            if keys.need_day:
                for day in _days(scope.start, scope.end):
                    bounds.append(int(day_bounds(day, window.tz)[0].timestamp()))
                    days.append(day)
                bounds.append(int(window.hi.timestamp()))
            groups: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
            for site_id, kind, start, end in rows:
                events = groups[(site_id, kind)]
                events.append((start, 1))
                events.append((end, -1))
            for (site_id, kind), events in groups.items():
                cap = spaces.get((site_id, kind), 0)
                if cap == 0:
                    continue
                for on, peak, saturated in sweep(events, cap, bounds, days):
                    k = keys.key(site_id=site_id, kind=kind, day=on)
                    acc = out.setdefault(k, {"spaces": cap, "open_min": 0.0, "peak": 0,
                                             "saturated_min": 0.0})
                    acc["peak"] = max(acc["peak"], peak)
                    acc["saturated_min"] += saturated
        return out


    def _unmet_sums(self, conn: Tx, scope: _Scope, keys: _Keys) -> dict[tuple, list[float]]:
        sums: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
        for window in scope.windows:
            for r in rq.unmet(conn, window, kind=scope.kind):
                k = keys.key(site_id=r["site_id"], kind=r["kind"], org_id=r["org_id"],
                             day=r["day"], hour=r["hour"])
                sums[k][0] += r["requests"]
                sums[k][1] += r["requested_min"]
        return sums



#: The sums each status of :data:`db.usage_queries.SUMMED_STATUSES` adds to.
_SUMMED_NAMES = [_STATUS_NAMES[s] for s in uq.SUMMED_STATUSES]
#: Where a summed row holds the minutes not used (no-shows, released desks).
_WASTED_AT = [3 + 2 * uq.SUMMED_STATUSES.index(s) for s in ("no_show", "released")]


def _add_summed(acc: dict[str, float], values: Sequence[Any], rate: float | None) -> None:
    """Add one row of :func:`db.usage_queries.summed` (bookings, minutes, then bookings and
    minutes per status) to a group's sums; with ``rate`` (per hour of its kind), the
    charge for all its hours and for those used."""
    acc["bookings"] += values[0]
    acc["booked_min"] += values[1]
    for i, (count, minutes) in enumerate(_SUMMED_NAMES, start=1):
        acc[count] += values[2 * i]
        acc[minutes] += values[2 * i + 1]
    if rate is not None:
        used = values[1] - sum(values[i] for i in _WASTED_AT)
        acc["charge"] += values[1] / 60.0 * rate
        acc["used_charge"] += used / 60.0 * rate


def _all_sites(conn: Tx) -> Sequence[Any]:
    from db import queries as q

    return q.all_sites(conn)
