"""Usage reports: where space runs short, and what is booked but not used.

Every measure is over a period of whole local days (``start`` to ``end``, both inclusive, in
each site's own time zone) and a set of sites, grouped by any of ``site``, ``space``, ``kind``,
``org``, ``weekday``, ``hour``, ``week`` (ISO week, ``2026-W48``) or ``month`` (``2026-11``),
all in the site's local time: a booking at 09:00 London time counts at 9 on its weekday, in
summer and in winter alike.

Measures (hours are hours of space: two rooms open for 8 h are 16 available hours):

- **available hours**: for each active space, the opening hours of its site on every day of the
  period, less closed days (ad-hoc closures, bank holidays of the site's nation, weekdays it
  does not open: :func:`booking.rules.closed_reason`). A day's hours are elapsed time, so a
  site open across a clock change has the hour it really had.
- **booked hours**: bookings that are not cancelled (confirmed, checked in, no-show, released),
  clipped to the period. **utilisation** = booked / available (a fraction, 0 when nothing was
  available).
- **used hours**: booked hours less those of no-show and released bookings; **used
  utilisation** = used / available; **wasted hours** = booked - used.
- **peak occupancy**: the most spaces of a kind at a site booked at the same moment (capped at
  the number of active spaces of the kind); **saturated hours**: the time when every space of
  the kind was booked, and **saturated share** its fraction of the site's opening hours.
- **unmet demand**: requests that found no fitting space (recorded by ``find_free``): their
  number and the hours they asked for, counted at the local weekday and hour they start.
- **attendance**: bookings of the period that had started by now and were not cancelled;
  ``no_shows``, ``released`` (desks auto-released for want of a check-in), ``checked_in``,
  ``unmarked`` (still confirmed); **no-show rate** = no_shows / bookings, **released rate** =
  released / bookings.
- **organisation share**: each organisation's booked and used hours and its share of the booked
  (and used) hours of its group; with rates per kind, a **charge** = booked hours x rate.
- **shortfall**: per site and kind, saturated hours + unmet demand hours, ranked highest first:
  the answer to "where does space run short?".

With ``--by hour`` a booking's hours are shared among the local hours it covers; attendance and
unmet demand count at the hour they start. Available hours do not depend on the organisation:
grouped by ``org``, each organisation's row carries the whole available hours of its group, so
its utilisation is its share of the capacity. Reports never include a booking's purpose.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from booking import permissions, usage
from booking.errors import InvalidInput, NotFound
from booking.models import KINDS, MAX_BOOKING_MINUTES, SiteInfo
from booking.rules import opening_window
from booking.timeutil import day_bounds, utc, wall
from db import report_queries as rq
from db import usage_queries as uq
from db.engine import read_tx
from db.tx import Tx

REPORT_KINDS = ("utilisation", "occupancy", "demand", "attendance", "share", "shortfall",
                "trend")
GROUP_FIELDS = ("site", "space", "kind", "org", "weekday", "hour", "week", "month")
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_BY = {
    "utilisation": ("site", "kind"),
    "occupancy": ("site", "kind"),
    "demand": ("site", "kind"),
    "attendance": ("org", "kind"),
    "share": ("org",),
    "shortfall": ("site", "kind"),
    "trend": ("week", "kind"),
}
ALLOWED_BY = {
    "utilisation": set(GROUP_FIELDS),
    "occupancy": {"site", "kind", "weekday", "week", "month"},
    "demand": set(GROUP_FIELDS) - {"space"},
    "attendance": set(GROUP_FIELDS),
    "share": set(GROUP_FIELDS),
    "shortfall": {"site", "kind", "week", "month"},
    "trend": {"site", "kind", "week", "month"},
}
MEASURES = {
    "utilisation": ("available_hours", "booked_hours", "used_hours", "wasted_hours",
                    "utilisation", "used_utilisation"),
    "occupancy": ("spaces", "open_hours", "peak_occupancy", "saturated_hours",
                  "saturated_share"),
    "demand": ("requests", "hours"),
    "attendance": ("bookings", "checked_in", "no_shows", "released", "unmarked",
                   "no_show_rate", "released_rate"),
    "share": ("booked_hours", "used_hours", "share", "used_share"),
    "shortfall": ("rank", "spaces", "available_hours", "booked_hours", "utilisation",
                  "peak_occupancy", "saturated_hours", "unmet_requests", "unmet_hours",
                  "shortfall_hours"),
    "trend": ("days", "available_hours", "booked_hours", "used_hours", "utilisation",
              "used_utilisation", "saturated_hours", "unmet_requests", "unmet_hours",
              "bookings", "no_shows", "no_show_rate"),
}
#: Measures a comparison leaves alone (positions and counts of spaces, not amounts).
NOT_COMPARED = {"rank"}
#: The longest period one report covers.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Report:
    """A finished report: grouping fields then measures, rows ready to print."""

    kind: str
    by: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    start: dt.date
    end: dt.date
    sites: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    #: With a comparison: the previous period (first and last day).
    previous: tuple[dt.date, dt.date] | None = None


def write_csv(report: Report, stream: Any) -> None:
    """Plain CSV with a header row, numbers as numbers and blanks for missing values, so it
    opens cleanly in a spreadsheet."""
    from booking.limits import csv_writer

    writer = csv_writer(stream, lineterminator="\r\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in report.columns])


def parse_by(text: str | Sequence[str] | None, kind: str) -> tuple[str, ...]:
    """``site,kind`` -> ("site", "kind"), checked against what ``kind`` can group by."""
    if kind not in REPORT_KINDS:
        raise InvalidInput(f"'{kind}' is not a report ({', '.join(REPORT_KINDS)}).")
    if not text:
        return DEFAULT_BY[kind]
    items = text.split(",") if isinstance(text, str) else list(text)
    fields: list[str] = []
    for item in items:
        f = item.strip().lower()
        if not f:
            continue
        if f not in GROUP_FIELDS:
            raise InvalidInput(f"'{f}' is not something to group by "
                               f"({', '.join(GROUP_FIELDS)}).")
        if f not in ALLOWED_BY[kind]:
            raise InvalidInput(f"The {kind} report cannot be grouped by {f}; it groups by "
                               f"{', '.join(g for g in GROUP_FIELDS if g in ALLOWED_BY[kind])}.")
        if f not in fields:
            fields.append(f)
    if kind in ("occupancy", "shortfall"):
        # Peaks and saturation only mean something for one kind at one site.
        fields = ["site", "kind"] + [f for f in fields if f not in ("site", "kind")]
    if kind == "trend":
        # A trend is read week by week (or month by month), per kind of space.
        if "week" in fields and "month" in fields:
            raise InvalidInput("A trend goes by week or by month, not both.")
        when = "month" if "month" in fields else "week"
        fields = [when] + [f for f in ("site", "kind") if f in fields or f == "kind"]
    return tuple(fields) or DEFAULT_BY[kind]


def parse_rates(text: str | None) -> dict[str, float]:
    """``interview=12.50,desk=4`` -> {"interview": 12.5, "desk": 4.0} (per space-hour)."""
    rates: dict[str, float] = {}
    if not text:
        return rates
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in KINDS:
            raise InvalidInput(f"'{part.strip()}' is not a rate: write kind=amount, e.g. "
                               "interview=12.50,desk=4 (kinds: interview, desk, workshop).")
        try:
            amount = float(value)
        except ValueError as exc:
            raise InvalidInput(f"'{value.strip()}' is not an amount of money.") from exc
        if amount < 0 or not math.isfinite(amount):
            raise InvalidInput(f"A rate cannot be {value.strip()}.")
        rates[name] = amount
    return rates


# --------------------------------------------------------------------------- the scope
@dataclass
class _Scope:
    sites: list[SiteInfo]
    windows: list[rq.Window]
    spaces: list[Any]
    orgs: dict[int, str]
    start: dt.date
    end: dt.date
    now: dt.datetime
    kind: str | None

    @property
    def site_by_id(self) -> dict[int, SiteInfo]:
        return {s.id: s for s in self.sites}

    def active_spaces(self) -> list[Any]:
        return [s for s in self.spaces if s.active and (self.kind is None or s.kind == self.kind)]


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    d = start
    while d <= end:
        yield d
        d += dt.timedelta(days=1)


def open_minutes(site: SiteInfo, start: dt.date, end: dt.date,
                 by_hour: bool) -> list[tuple[dt.date, int | None, float]]:
    """(day, local hour or None, minutes open) for each open day of the period.

    Whole days are elapsed time between opening and closing (a clock change inside opening
    hours shortens or lengthens the day); by hour, each hour's share of the opening window.
    """
    out: list[tuple[dt.date, int | None, float]] = []
    zone = ZoneInfo(site.tz)
    for day in _days(start, end):
        window = opening_window(site, day)
        if window is None:
            continue
        o, c = window
        if by_hour:
            for h in range(o // 60, (c + 59) // 60):
                piece = min(c, h * 60 + 60) - max(o, h * 60)
                if piece > 0:
                    out.append((day, h, float(piece)))
        else:
            out.append((day, None, _elapsed(day, o, c, zone)))
    return out


def _elapsed(day: dt.date, opens: int, closes: int, zone: ZoneInfo) -> float:
    """Minutes really elapsed between two wall times of ``day`` (23 or 25 h days count)."""
    def instant(minutes: int) -> dt.datetime:
        d = day + dt.timedelta(days=minutes // 1440)
        m = minutes % 1440
        return dt.datetime(d.year, d.month, d.day, m // 60, m % 60, tzinfo=zone).astimezone(
            dt.UTC)
    return (instant(closes) - instant(opens)).total_seconds() / 60


def sweep(events: list[tuple[int, int]], cap: int, bounds: Sequence[int] = (),
          days: Sequence[dt.date] = ()) -> list[tuple[dt.date | None, int, float]]:
    """Peak and saturated minutes of one site's spaces of one kind.

    ``events`` are (time, +1) at each booking's start and (time, -1) at its end, in epoch
    seconds; sorted with ends before starts at the same moment (half-open: 09:00-10:00 and
    10:00-11:00 never overlap), the running count is the number of spaces booked until the
    next event. The peak is capped at ``cap`` (a space booked again after a release would
    count twice); saturated time is when the count reaches ``cap``. With ``bounds`` (the UTC
    starts of ``days`` and the end of the last) the figures are per local day, a stretch cut
    at each midnight. Returns (day or None, peak, saturated minutes).
    """
    events.sort()
    per_day: dict[dt.date | None, list[float]] = {}
    n = 0
    prev: int | None = None
    for t, step in events:
        if prev is not None and t > prev and n > 0:
            a = prev
            while a < t:  # the stretch [a, t) with n spaces booked
                day: dt.date | None = None
                b = t
                if bounds:
                    i = bisect_right(bounds, a) - 1
                    day = days[i]
                    b = min(t, bounds[i + 1])
                acc = per_day.setdefault(day, [0, 0.0])
                acc[0] = max(acc[0], min(n, cap))
                if n >= cap:
                    acc[1] += (b - a) / 60.0
                a = b
        n += step
        prev = t
    return [(day, int(v[0]), v[1]) for day, v in per_day.items()]


def _week(day: dt.date) -> str:
    y, w, _ = day.isocalendar()
    return f"{y}-W{w:02d}"


class _Keys:
    """Turns ids, days and hours into the report's grouping values."""

    def __init__(self, by: Sequence[str], scope: _Scope) -> None:
        self.by = tuple(by)
        self.sites = {s.id: s.code for s in scope.sites}
        self.spaces = {s.id: s.code for s in scope.spaces}
        self.orgs = scope.orgs
        self.need_day = any(f in self.by for f in ("weekday", "week", "month"))
        self.need_hour = "hour" in self.by

    def key(self, *, site_id: int, kind: str, space_id: int | None = None,
            org_id: int | None = None, day: dt.date | None = None, hour: int | None = None,
            weekday: int | None = None, week: str | None = None, month: str | None = None,
            without_org: bool = False) -> tuple:
        out: list[Any] = []
        for f in self.by:
            if f == "site":
                out.append(self.sites.get(site_id, str(site_id)))
            elif f == "space":
                out.append(self.spaces.get(space_id or 0, str(space_id)))
            elif f == "kind":
                out.append(kind)
            elif f == "org":
                out.append(None if without_org else self.orgs.get(org_id or 0, ""))
            elif f == "weekday":
                out.append(day.weekday() if day else weekday)
            elif f == "hour":
                out.append(hour)
            elif f == "week":
                out.append(_week(day) if day else week)
            elif f == "month":
                out.append(f"{day.year:04d}-{day.month:02d}" if day else month)
        return tuple(out)

    def strip_org(self, key: tuple) -> tuple:
        if "org" not in self.by:
            return key
        i = self.by.index("org")
        return key[:i] + (None,) + key[i + 1:]

    def fields(self, key: tuple) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f, v in zip(self.by, key, strict=True):
            if f == "weekday" and v is not None:
                v = WEEKDAY_SHORT[v]
            if f == "org" and v == "":
                v = None
            out[f] = v
        return out


def _sort_key(key: tuple) -> tuple:
    return tuple((0, v) if v is not None and not isinstance(v, str) else (1, v or "")
                 for v in key)


def _h(minutes: float) -> float:
    return round(minutes / 60.0, 2)


def _frac(a: float, b: float) -> float:
    return round(a / b, 4) if b > 0 else 0.0


_STATUS_NAMES = {"checked_in": ("checked_in", "checked_in_min"),
                 "no_show": ("no_shows", "no_show_min"),
                 "released": ("released", "released_min"),
                 "confirmed": ("unmarked", "unmarked_min")}


def _add(acc: dict[str, float], status: str, kind: str, count: int, minutes: float,
         rates: dict[str, float] | None) -> None:
    count_name, min_name = _STATUS_NAMES.get(status, ("other", "other_min"))
    acc["booked_min"] += minutes
    acc[min_name] += minutes
    if count:
        acc["bookings"] += count
        acc[count_name] += count
    if rates:
        amount = minutes / 60.0 * rates.get(kind, 0.0)
        acc["charge"] += amount
        if status not in ("no_show", "released"):
            acc["used_charge"] += amount


def summary_table(by: Sequence[str]) -> str:
    """The smallest usage summary (:mod:`booking.usage`) that holds grouping ``by``.

    Groupings by space, or by hour with the organisation, need no day of the week: their
    whole months come from a month rollup of ``usage_piece`` (``usage_space_month``,
    ``usage_org_month``), a few rows per space or organisation a month rather than one per
    day."""
    fields = set(by)
    by_day = bool(fields & {"weekday", "week"})
    if "space" in fields:
        if "org" in fields:
            return "usage_piece"
        if "hour" in fields or not by_day:
            return "usage_piece" if by_day else "usage_space_month"
        return "usage_space"
    if "hour" in fields:
        if "org" in fields:
            return "usage_piece" if by_day else "usage_org_month"
        return "usage_hour"
    return "usage_day"


# --------------------------------------------------------------------------- the use case
class Reports:
    """The report use cases over one :class:`~booking.service.Cospace`."""

    def __init__(self, app: Any, *, use_summaries: bool = True) -> None:
        self.app = app
        self._charge = "booked"
        #: False reads every booking directly (the reference the summaries are tested
        #: against); True reads the usage summaries wherever they hold the grouping.
        self.use_summaries = use_summaries

    def run(self, kind: str, *, sites: Sequence[str] | None, start: dt.date, end: dt.date,
            by: str | Sequence[str] | None = None, rates: dict[str, float] | None = None,
            space_kind: str | None = None, charge: str | None = None,
            compare: bool = False) -> Report:
        """Run report ``kind`` (one of :data:`REPORT_KINDS`) for ``sites`` (None: all).

        ``charge`` (share, with ``rates``): ``booked`` (the default) charges every booked
        hour, a no-show's and a released desk's included; ``used`` only the hours used.
        ``compare`` adds, for each measure, its value over the period of the same length just
        before (``previous_<measure>``) and the change (``change_<measure>``).
        """
        fields = parse_by(by, kind)
        if rates and kind != "share":
            raise InvalidInput("--rate goes with the share report.")
        if charge not in (None, "booked", "used"):
            raise InvalidInput(f"'{charge}' is not a way to charge (booked or used).")
        if charge and not rates:
            raise InvalidInput("--charge goes with --rate (the share report's recharge).")
        if compare:
            return self._compared(kind, sites=sites, start=start, end=end, by=fields,
                                  rates=rates, space_kind=space_kind, charge=charge)
        self._charge = charge or "booked"
        scope = self._scope(sites, start, end, space_kind)
        keys = _Keys(fields, scope)
        with read_tx(self.app.engine) as conn:
            rows = getattr(self, f"_{kind}")(conn, scope, keys, rates or {})
        columns = fields + MEASURES[kind]
        if kind == "share" and rates:
            columns = columns + ("charge",)
        return Report(kind=kind, by=fields, columns=columns, rows=rows, start=start, end=end,
                      sites=tuple(s.code for s in scope.sites))

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
            per_time: dict[tuple[dt.date | None, int | None], float] = defaultdict(float)
            for day, hour, minutes in open_minutes(site, scope.start, scope.end,
                                                   keys.need_hour):
                per_time[(day if keys.need_day else None, hour)] += minutes
            by_space = "space" in keys.by
            for kind, spaces in kinds:
                for (on, hour), minutes in per_time.items():
                    if by_space:
                        for sp in spaces:
                            out[keys.key(site_id=site.id, kind=kind, space_id=sp.id, day=on,
                                         hour=hour, without_org=True)] += minutes
                    else:
                        out[keys.key(site_id=site.id, kind=kind, day=on, hour=hour,
                                     without_org=True)] += minutes * len(spaces)
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
        # The site only when grouped by it: a region's rows are then one per group, not per
        # site and group.
        group = (["site_id"] if "site" in keys.by else []) + ["kind", "status"]
        group += [c for f, c in (("space", "space_id"), ("org", "org_id"), ("weekday", "weekday"),
                                 ("week", "week"), ("month", "month"), ("hour", "hour"))
                  if f in keys.by]
        for window in scope.windows:
            today = None
            if started_before is not None:
                today = wall(started_before, window.tz).date()
            for r in uq.summed(conn, table, window.site_ids, scope.start, scope.end, group,
                               kind=scope.kind, before=today):
                k = keys.key(site_id=r.get("site_id", 0), kind=r["kind"],
                             space_id=r.get("space_id"),
                             org_id=r.get("org_id"), weekday=r.get("weekday"),
                             week=r.get("week"), month=r.get("month"), hour=r.get("hour"))
                _add(sums[k], r["status"], r["kind"], r["bookings"], r["minutes"], rates)
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

    def _utilisation(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
                     ) -> list[dict[str, Any]]:
        avail = self._available(scope, keys)
        booked = self._booked(conn, scope, keys)
        all_keys = set(booked)
        if "org" not in keys.by:
            all_keys |= set(avail)
        rows = []
        for k in sorted(all_keys, key=_sort_key):
            a = avail.get(keys.strip_org(k), 0.0)
            b = booked.get(k, {})
            bk = b.get("booked_min", 0.0)
            used = bk - b.get("no_show_min", 0.0) - b.get("released_min", 0.0)
            rows.append({**keys.fields(k), "available_hours": _h(a), "booked_hours": _h(bk),
                         "used_hours": _h(used), "wasted_hours": _h(bk - used),
                         "utilisation": _frac(bk, a), "used_utilisation": _frac(used, a)})
        return rows

    def _occupancy_sums(self, conn: Tx, scope: _Scope, keys: _Keys) -> dict[tuple, dict]:
        spaces: dict[tuple[int, str], int] = defaultdict(int)
        for sp in scope.active_spaces():
            spaces[(sp.site_id, sp.kind)] += 1
        out: dict[tuple, dict[str, Any]] = {}
        site_by_id = scope.site_by_id
        # Opening hours per group: every active (site, kind) counts, booked or not (a site's
        # open days worked out once for all its kinds).
        opened: dict[int, list[tuple[dt.date, int | None, float]]] = {}
        for (site_id, kind), n in spaces.items():
            if site_id not in opened:
                opened[site_id] = open_minutes(site_by_id[site_id], scope.start, scope.end,
                                               False)
            for day, _hour, minutes in opened[site_id]:
                k = keys.key(site_id=site_id, kind=kind, day=day)
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

    def _occupancy(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
                   ) -> list[dict[str, Any]]:
        rows = []
        sums = self._occupancy_sums(conn, scope, keys)
        for k in sorted(sums, key=_sort_key):
            acc = sums[k]
            rows.append({**keys.fields(k), "spaces": acc["spaces"],
                         "open_hours": _h(acc["open_min"]), "peak_occupancy": acc["peak"],
                         "saturated_hours": _h(acc["saturated_min"]),
                         "saturated_share": _frac(acc["saturated_min"], acc["open_min"])})
        return rows

    def _unmet_sums(self, conn: Tx, scope: _Scope, keys: _Keys) -> dict[tuple, list[float]]:
        sums: dict[tuple, list[float]] = defaultdict(lambda: [0, 0.0])
        for window in scope.windows:
            for r in rq.unmet(conn, window, kind=scope.kind):
                k = keys.key(site_id=r["site_id"], kind=r["kind"], org_id=r["org_id"],
                             day=r["day"], hour=r["hour"])
                sums[k][0] += r["requests"]
                sums[k][1] += r["requested_min"]
        return sums

    def _demand(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
                ) -> list[dict[str, Any]]:
        sums = self._unmet_sums(conn, scope, keys)
        return [{**keys.fields(k), "requests": int(sums[k][0]), "hours": _h(sums[k][1])}
                for k in sorted(sums, key=_sort_key)]

    def _attendance(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
                    ) -> list[dict[str, Any]]:
        sums = self._booked(conn, scope, keys, started_before=scope.now)
        rows = []
        for k in sorted(sums, key=_sort_key):
            s = sums[k]
            n = int(s["bookings"])
            if n == 0:  # only the later hours of bookings counted elsewhere
                continue
            rows.append({**keys.fields(k), "bookings": n, "checked_in": int(s["checked_in"]),
                         "no_shows": int(s["no_shows"]), "released": int(s["released"]),
                         "unmarked": int(s["unmarked"]),
                         "no_show_rate": _frac(s["no_shows"], n),
                         "released_rate": _frac(s["released"], n)})
        return rows

    def _share(self, conn: Tx, scope: _Scope, keys: _Keys, rates: dict[str, float]
               ) -> list[dict[str, Any]]:
        kw: dict[str, Any] = {"rates": rates} if rates else {}
        sums = self._booked(conn, scope, keys, **kw)
        totals: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
        used: dict[tuple, float] = {}
        for k, s in sums.items():
            u = s["booked_min"] - s["no_show_min"] - s["released_min"]
            used[k] = u
            group = keys.strip_org(k) if "org" in keys.by else ()
            totals[group][0] += s["booked_min"]
            totals[group][1] += u
        rows = []
        for k in sorted(sums, key=_sort_key):
            s = sums[k]
            t = totals[keys.strip_org(k) if "org" in keys.by else ()]
            row = {**keys.fields(k), "booked_hours": _h(s["booked_min"]),
                   "used_hours": _h(used[k]), "share": _frac(s["booked_min"], t[0]),
                   "used_share": _frac(used[k], t[1])}
            if rates:
                row["charge"] = round(s["used_charge" if self._charge == "used" else "charge"],
                                      2)
            rows.append(row)
        return rows

    def _shortfall(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
                   ) -> list[dict[str, Any]]:
        avail = self._available(scope, keys)
        booked = self._booked(conn, scope, keys)
        occ = self._occupancy_sums(conn, scope, keys)
        unmet = self._unmet_sums(conn, scope, keys)
        all_keys = set(avail) | set(occ) | set(unmet) | set(booked)
        rows = []
        for k in all_keys:
            a = avail.get(k, 0.0)
            bk = booked.get(k, {}).get("booked_min", 0.0)
            o = occ.get(k, {"spaces": 0, "peak": 0, "saturated_min": 0.0})
            u = unmet.get(k, [0, 0.0])
            rows.append({**keys.fields(k), "rank": 0, "spaces": o["spaces"],
                         "available_hours": _h(a), "booked_hours": _h(bk),
                         "utilisation": _frac(bk, a), "peak_occupancy": o["peak"],
                         "saturated_hours": _h(o["saturated_min"]),
                         "unmet_requests": int(u[0]), "unmet_hours": _h(u[1]),
                         "shortfall_hours": _h(o["saturated_min"] + u[1])})
        when = [f for f in ("week", "month") if f in keys.by]
        rows.sort(key=lambda r: (*(r[f] for f in when), -r["shortfall_hours"],
                                 -r["utilisation"], r["site"], r["kind"]))
        rank, period = 0, None
        for r in rows:  # ranked within each week or month
            p = tuple(r[f] for f in when)
            rank = rank + 1 if p == period else 1
            period = p
            r["rank"] = rank
        return rows

    def _trend(self, conn: Tx, scope: _Scope, keys: _Keys, _rates: Any
               ) -> list[dict[str, Any]]:
        """Per week (or month) and kind: the measures an estates team follows over time."""
        avail = self._available(scope, keys)
        booked = self._booked(conn, scope, keys)
        unmet = self._unmet_sums(conn, scope, keys)
        started = self._booked(conn, scope, keys, started_before=scope.now)
        # Saturation is per site and kind; the trend adds the sites' saturated hours up.
        per_site = _Keys(("site", "kind", *[f for f in keys.by if f in ("week", "month")]),
                         scope)
        saturated: dict[tuple, float] = defaultdict(float)
        for k, acc in self._occupancy_sums(conn, scope, per_site).items():
            values = dict(zip(per_site.by, k, strict=True))
            saturated[tuple(values[f] for f in keys.by)] += acc["saturated_min"]
        when = keys.by[0]
        days: dict[str, int] = defaultdict(int)
        for day in _days(scope.start, scope.end):
            days[_week(day) if when == "week" else f"{day.year:04d}-{day.month:02d}"] += 1
        rows = []
        for k in sorted(set(avail) | set(booked) | set(unmet), key=_sort_key):
            fields = keys.fields(k)
            a = avail.get(k, 0.0)
            b = booked.get(k, {})
            bk = b.get("booked_min", 0.0)
            used = bk - b.get("no_show_min", 0.0) - b.get("released_min", 0.0)
            u = unmet.get(k, [0, 0.0])
            st = started.get(k, {})
            n = int(st.get("bookings", 0))
            rows.append({**fields, "days": days.get(fields[when], 0),
                         "available_hours": _h(a), "booked_hours": _h(bk),
                         "used_hours": _h(used), "utilisation": _frac(bk, a),
                         "used_utilisation": _frac(used, a),
                         "saturated_hours": _h(saturated.get(k, 0.0)),
                         "unmet_requests": int(u[0]), "unmet_hours": _h(u[1]),
                         "bookings": n, "no_shows": int(st.get("no_shows", 0)),
                         "no_show_rate": _frac(st.get("no_shows", 0), n)})
        return rows

    def _compared(self, kind: str, *, sites: Sequence[str] | None, start: dt.date,
                  end: dt.date, by: tuple[str, ...], rates: dict[str, float] | None,
                  space_kind: str | None, charge: str | None) -> Report:
        """The report and the same report over the period of the same length just before,
        joined on the grouping (weekday and hour match; weeks and months cannot)."""
        if "week" in by or "month" in by:
            raise InvalidInput("A comparison is of one period with the one before; to read "
                               "a period week by week, use the trend report.")
        length = (end - start).days + 1
        prev_end = start - dt.timedelta(days=1)
        prev_start = prev_end - dt.timedelta(days=length - 1)
        kw: dict[str, Any] = dict(sites=sites, by=by, rates=rates, space_kind=space_kind,
                                  charge=charge)
        now = self.run(kind, start=start, end=end, **kw)
        before = self.run(kind, start=prev_start, end=prev_end, **kw)
        measures = [c for c in now.columns if c not in by]
        old = {tuple(r[f] for f in by): r for r in before.rows}
        seen = set()
        rows = []
        for r in now.rows:
            key = tuple(r[f] for f in by)
            seen.add(key)
            rows.append(_with_previous(r, old.get(key), measures))
        for key, r in old.items():  # groups with nothing this period
            if key not in seen:
                zero = {**{f: r[f] for f in by}, **{m: _zero(r[m]) for m in measures}}
                rows.append(_with_previous(zero, r, measures))
        compared = [m for m in measures if m not in NOT_COMPARED]
        columns = (*now.columns, *(f"previous_{m}" for m in compared),
                   *(f"change_{m}" for m in compared))
        note = f"previous period: {prev_start:%a %d %b %Y} to {prev_end:%a %d %b %Y}"
        return Report(kind=kind, by=by, columns=columns, rows=rows, start=start, end=end,
                      sites=now.sites, notes=(note,), previous=(prev_start, prev_end))


def _zero(value: Any) -> Any:
    return 0.0 if isinstance(value, float) else 0 if isinstance(value, int) else value


def _with_previous(row: dict[str, Any], old: dict[str, Any] | None, measures: Sequence[str]
                   ) -> dict[str, Any]:
    out = dict(row)
    for m in measures:
        if m in NOT_COMPARED:
            continue
        was = old.get(m) if old else None
        was = _zero(row[m]) if was is None else was
        out[f"previous_{m}"] = was
        change = row[m] - was
        out[f"change_{m}"] = round(change, 4) if isinstance(change, float) else change
    return out


def _all_sites(conn: Tx) -> Sequence[Any]:
    from db import queries as q

    return q.all_sites(conn)
