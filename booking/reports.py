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
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from booking.errors import InvalidInput
from booking.report_kinds import (
    ALLOWED_BY,
    DEFAULT_BY,
    GROUP_FIELDS,
    MAX_DAYS,
    MEASURES,
    NOT_COMPARED,
    REPORT_KINDS,
    WEEKDAY_SHORT,
    Report,
    parse_by,
    parse_rates,
    write_csv,
)
from booking.report_reads import ReportReads
from booking.report_reads import _all_sites as _all_sites
from booking.report_scope import _STATUS_NAMES as _STATUS_NAMES
from booking.report_scope import _add as _add
from booking.report_scope import (
    _days,
    _frac,
    _h,
    _Keys,
    _Scope,
    _sort_key,
    _week,
    open_minutes,
    summary_table,
    sweep,
)
from booking.report_scope import _elapsed as _elapsed
from db.engine import read_tx
from db.tx import Tx

__all__ = [
    "ALLOWED_BY", "DEFAULT_BY", "GROUP_FIELDS", "MAX_DAYS", "MEASURES", "NOT_COMPARED",
    "REPORT_KINDS", "WEEKDAY_SHORT", "Report", "ReportReads", "Reports", "open_minutes",
    "parse_by", "parse_rates", "summary_table", "sweep", "write_csv",
]


# --------------------------------------------------------------------------- the use case
class Reports(ReportReads):
    """The report use cases over one :class:`~booking.service.Cospace`."""

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


    # ---------------------------------------------------------------- measures
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
        # Over a period that has ended everywhere, every booking has started.
        ended = all(scope.now >= w.hi for w in scope.windows)
        started = booked if ended else self._booked(conn, scope, keys,
                                                    started_before=scope.now)
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


