"""The shareable report pack: one self-contained HTML file an estates manager can email.

Charts are inline SVG and styles inline CSS: nothing is fetched when it is opened, so it reads
the same offline, in a mail client's preview or printed. Built from the same
:class:`~booking.reports.Reports` as the CLI, so the figures match ``cospace report``.
Booking purposes are never included.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from html import escape
from typing import Any

from booking.models import KIND_LABELS
from booking.report_pack_html import CSS as CSS
from booking.report_pack_html import _change as _change
from booking.report_pack_html import _colour as _colour
from booking.report_pack_html import _num as _num
from booking.report_pack_html import _pct as _pct
from booking.report_pack_html import _table as _table
from booking.report_pack_html import bars_svg as bars_svg
from booking.report_pack_html import headline as headline
from booking.report_pack_html import heatmap_svg as heatmap_svg
from booking.report_pack_html import trend_svg as trend_svg
from booking.reports import WEEKDAY_SHORT as WEEKDAY_SHORT
from booking.reports import Report, Reports


class _Pack:
    """The reports one pack shows, run once per site and period."""

    def __init__(self, app: Any, start: dt.date, end: dt.date,
                 rates: dict[str, float] | None, charge: str | None) -> None:
        self.app, self.start, self.end = app, start, end
        self.rates, self.charge = rates or None, charge
        self.reports = Reports(app)
        self.days = (end - start).days + 1
        self.prev_end = start - dt.timedelta(days=1)
        self.prev_start = self.prev_end - dt.timedelta(days=self.days - 1)

    def run(self, kind: str, sites: Sequence[str] | None, by: str | None = None,
            previous: bool = False, **kw: Any) -> Report:
        start, end = (self.prev_start, self.prev_end) if previous else (self.start, self.end)
        return self.reports.run(kind, sites=sites, start=start, end=end, by=by, **kw)

    def headline(self, sites: Sequence[str], previous: bool = False) -> dict[str, Any]:
        return headline(self.run("utilisation", sites, "kind", previous),
                        self.run("attendance", sites, "org", previous),
                        self.run("demand", sites, "kind", previous),
                        self.run("shortfall", sites, None, previous))


def district_html(pack: _Pack, codes: Sequence[str], names: dict[str, str]) -> str:
    """The first page of a district pack: sites ranked by shortfall and by booked space left
    unused, each with the change against the period before."""
    now = pack.run("shortfall", codes)
    before = pack.run("shortfall", codes, previous=True)
    util = pack.run("utilisation", codes, "site")
    util_before = pack.run("utilisation", codes, "site", previous=True)
    short: dict[str, dict[str, Any]] = {c: {"hours": 0.0, "unmet": 0, "was": 0.0, "worst": None}
                                        for c in codes}
    for r in now.rows:
        acc = short[r["site"]]
        acc["hours"] += r["shortfall_hours"]
        acc["unmet"] += r["unmet_requests"]
        if r["shortfall_hours"] > 0 and (acc["worst"] is None
                                         or r["shortfall_hours"] > acc["worst"][1]):
            acc["worst"] = (r["kind"], r["shortfall_hours"])
    for r in before.rows:
        short[r["site"]]["was"] += r["shortfall_hours"]
    ranked = sorted(codes, key=lambda c: (-short[c]["hours"], c))
    rows = []
    for i, c in enumerate(ranked, 1):
        acc = short[c]
        worst = (f"{KIND_LABELS[acc['worst'][0]]}s ({_num(acc['worst'][1])} h)"
                 if acc["worst"] else "-")
        change = acc["hours"] - acc["was"]
        rows.append(f'<tr><td>{i}</td><td class="t">{escape(names[c])}</td>'
                    f'<td>{_num(acc["hours"])}</td><td class="t">{escape(worst)}</td>'
                    f'<td>{acc["unmet"]}</td><td>{_num(acc["was"])}</td>'
                    f'<td>{"+" if change > 0 else ""}{_num(change)}</td></tr>')
    short_table = ('<table id="rank-shortfall"><tr><th>Rank</th><th class="t">Site</th>'
                   '<th>Shortfall h</th><th class="t">Shortest of</th><th>Unmet requests</th>'
                   f'<th>Shortfall h, {pack.days} days before</th><th>Change</th></tr>'
                   + "".join(rows) + "</table>")
    unused: dict[str, tuple[float, float]] = {r["site"]: (r["booked_hours"], r["used_hours"])
                                              for r in util.rows}
    was = {r["site"]: r["booked_hours"] - r["used_hours"] for r in util_before.rows}
    ranked = sorted(codes, key=lambda c: (-(unused.get(c, (0, 0))[0]
                                            - unused.get(c, (0, 0))[1]), c))
    rows = []
    for i, c in enumerate(ranked, 1):
        booked, used = unused.get(c, (0.0, 0.0))
        idle = booked - used
        rows.append(f'<tr><td>{i}</td><td class="t">{escape(names[c])}</td>'
                    f'<td>{_num(idle)}</td><td>{_pct(idle / booked if booked else 0.0)}</td>'
                    f'<td>{_num(booked)}</td><td>{_num(was.get(c, 0.0))}</td></tr>')
    unused_table = ('<table id="rank-unused"><tr><th>Rank</th><th class="t">Site</th>'
                    '<th>Booked, not used h</th><th>Of booked</th><th>Booked h</th>'
                    f'<th>Booked, not used h, {pack.days} days before</th></tr>'
                    + "".join(rows) + "</table>")
    return f"""
<section class="district" id="district">
<h1>Space usage across {len(codes)} sites</h1>
<p class="sub">{escape(_period(pack))}</p>
<h2>Where space runs short, site by site</h2>
<p class="note">Shortfall: hours when every space of a kind was booked, plus hours of requests
that found no fitting space, added over the kinds of space; compared with the {pack.days} days
before ({pack.prev_start:%d %b} to {pack.prev_end:%d %b %Y}).</p>
{short_table}
<h2>Booked but not used, site by site</h2>
<p class="note">Hours of no-shows and desks released because nobody checked in: space held
that could be given up or recharged.</p>
{unused_table}
<p class="note">Sites in this pack: {escape(", ".join(names[c] for c in codes))}. One section
per site follows, each from a new page when printed.</p>
</section>"""


def _period(pack: _Pack) -> str:
    made = pack.app.now().strftime("%d %b %Y %H:%M UTC")
    return (f"{pack.start:%a %d %b %Y} to {pack.end:%a %d %b %Y} · made {made} by cospace · "
            "figures are space-hours in each site's local time")


def site_html(pack: _Pack, code: str, name: str) -> str:
    """One site's section: headline with changes, shortfall, trends, heatmaps, share,
    unmet demand and attendance."""
    sites = [code]
    run = pack.run
    rates = pack.rates
    util = run("utilisation", sites, "kind")
    heat = run("utilisation", sites, "kind,weekday,hour")
    share = run("share", sites, "org", rates=rates, charge=pack.charge if rates else None)
    demand = run("demand", sites, "kind")
    demand_org = run("demand", sites, "org")
    attendance = run("attendance", sites, "org")
    shortfall = run("shortfall", sites)
    trend = run("trend", sites, "week,kind")
    h = headline(util, attendance, demand, shortfall)
    was = pack.headline(sites, previous=True)
    days = pack.days
    top = h["top_shortfall"]
    top_text = (f"{KIND_LABELS[top['kind']]}s at {top['site']}" if top else "none")
    top_note = (f"{_num(top['shortfall_hours'])} h saturated or turned away" if top
                else "no saturation or unmet demand")

    def card(label: str, value: str, note: str, ident: str, change: str = "") -> str:
        extra = f'<div class="c">{escape(change)}</div>' if change else ""
        return (f'<div class="card" id="{ident}"><div class="l">{escape(label)}</div>'
                f'<div class="v">{escape(value)}</div><div class="n">{escape(note)}</div>'
                f"{extra}</div>")

    def hours(x: float) -> str:
        return f"{_num(x)} h"

    cards = "".join([
        card("Utilisation", _pct(h["utilisation"]),
             f"{_num(h['booked_hours'])} of {_num(h['available_hours'])} space-hours booked",
             "h-utilisation", _change(h["utilisation"], was["utilisation"], _pct, days)),
        card("Used utilisation", _pct(h["used_utilisation"]),
             f"{_num(h['used_hours'])} h used", "h-used",
             _change(h["used_utilisation"], was["used_utilisation"], _pct, days)),
        card("Booked but not used", f"{_num(h['wasted_hours'])} h",
             "no-shows and released desks", "h-wasted",
             _change(h["wasted_hours"], was["wasted_hours"], hours, days)),
        card("No-show rate", _pct(h["no_show_rate"]),
             f"{h['no_shows']} of {h['bookings']} past bookings; {h['released']} "
             f"desk{'' if h['released'] == 1 else 's'} released",
             "h-noshow", _change(h["no_show_rate"], was["no_show_rate"], _pct, days)),
        card("Unmet demand", f"{h['unmet_requests']} requests",
             f"{_num(h['unmet_hours'])} h found no fitting space", "h-unmet",
             _change(h["unmet_requests"], was["unmet_requests"], str, days)),
        card("Shortest of space", top_text, top_note, "h-shortfall"),
    ])
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in heat.rows:
        by_kind[r["kind"]].append(r)
    heatmaps = "".join(
        f'<div class="chart">{heatmap_svg(rows, KIND_LABELS[k].capitalize() + "s: share booked")}'
        "</div>" for k, rows in sorted(by_kind.items()))
    trend_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in trend.rows:
        if r["available_hours"] > 0 or r["booked_hours"] > 0 or r["unmet_hours"] > 0:
            trend_kind[r["kind"]].append(r)
    trends = "".join(
        f'<div class="chart">{trend_svg(rows, KIND_LABELS[k].capitalize() + "s by week")}'
        "</div>" for k, rows in sorted(trend_kind.items()))
    kind_changes = _kind_changes(pack, sites, util, demand)
    share_bars = bars_svg([(r["org"] or "-", r["booked_hours"], r["used_hours"])
                           for r in share.rows], "Booked (light) and used (dark) hours by "
                          "organisation", "h")
    unmet_bars = bars_svg([(KIND_LABELS[r["kind"]], r["hours"], None) for r in demand.rows],
                          "Unmet demand by kind of space", "h")
    unmet_org_bars = bars_svg([(r["org"] or "unknown", r["hours"], None)
                               for r in demand_org.rows], "Unmet demand by organisation", "h")
    share_cols = ["org", "booked_hours", "used_hours", "share", "used_share"]
    share_heads = ["Organisation", "Booked h", "Used h", "Share", "Share of used"]
    if rates:
        share_cols.append("charge")
        share_heads.append("Recharge (used h)" if pack.charge == "used" else
                           "Recharge (booked h)")
    fr = {"utilisation", "used_utilisation", "share", "used_share", "no_show_rate",
          "released_rate"}
    return f"""
<section class="site" id="site-{escape(code)}">
<h1>Space usage: {escape(name)}</h1>
<p class="sub">{escape(_period(pack))}</p>
<section><div class="cards">{cards}</div></section>
<h2>Where space runs short</h2>
<p class="note">Saturated hours (every space of the kind booked) plus hours of requests that found
no fitting space, highest first.</p>
{_table(shortfall, ["rank", "site", "kind", "spaces", "utilisation", "peak_occupancy",
                    "saturated_hours", "unmet_requests", "unmet_hours", "shortfall_hours"],
        ["Rank", "Site", "Kind", "Spaces", "Utilisation", "Peak in use", "Saturated h",
         "Unmet requests", "Unmet h", "Shortfall h"], fr)}
<h2>Is it getting worse?</h2>
<p class="note">Against the {days} days before ({pack.prev_start:%d %b} to
{pack.prev_end:%d %b %Y}).</p>
{kind_changes}
<div class="charts">{trends or '<p class="note">No weeks to show.</p>'}</div>
<h2>When space is booked</h2>
<div class="charts">{heatmaps}</div>
<h3>By kind of space</h3>
{_table(util, ["kind", "available_hours", "booked_hours", "used_hours", "wasted_hours",
               "utilisation", "used_utilisation"],
        ["Kind", "Available h", "Booked h", "Used h", "Booked, not used h", "Utilisation",
         "Used utilisation"], fr)}
<h2>Who uses it</h2>
<div class="charts"><div class="chart">{share_bars}</div></div>
{_table(share, share_cols, share_heads, fr)}
<h2>Unmet demand</h2>
<div class="charts"><div class="chart">{unmet_bars or '<p class="note">None recorded.</p>'}</div>
<div class="chart">{unmet_org_bars or '<p class="note">None recorded.</p>'}</div></div>
<h2>Attendance</h2>
{_table(attendance, ["org", "bookings", "checked_in", "no_shows", "released", "unmarked",
                     "no_show_rate"],
        ["Organisation", "Past bookings", "Checked in", "No-shows", "Desks released",
         "Not marked", "No-show rate"], fr)}
</section>"""


def _kind_changes(pack: _Pack, sites: Sequence[str], util: Report, demand: Report) -> str:
    """"Desk utilisation 45% → 58%, unmet desk requests 12 → 30", per kind."""
    util_was = {r["kind"]: r for r in pack.run("utilisation", sites, "kind", True).rows}
    dem_now = {r["kind"]: r for r in demand.rows}
    dem_was = {r["kind"]: r for r in pack.run("demand", sites, "kind", True).rows}
    items = []
    for r in util.rows:
        k = r["kind"]
        label = KIND_LABELS[k]
        u0 = util_was.get(k, {}).get("utilisation", 0.0)
        n1 = dem_now.get(k, {}).get("requests", 0)
        n0 = dem_was.get(k, {}).get("requests", 0)
        items.append(f"<li>{escape(label.capitalize())} utilisation {_pct(u0)} → "
                     f"{_pct(r['utilisation'])}, unmet {escape(label)} requests {n0} → {n1}"
                     "</li>")
    return f'<ul class="changes">{"".join(items)}</ul>' if items else ""


GLOSSARY = """
<section class="glossary">
<h2>What the figures mean</h2>
<dl>
<dt>Available hours</dt><dd>Opening hours of each space in use, less closed days and bank
holidays.</dd>
<dt>Booked hours, utilisation</dt><dd>Hours of bookings not cancelled (including no-shows and
released desks), and their share of available hours.</dd>
<dt>Used hours</dt><dd>Booked hours less no-shows and desks released because nobody checked
in.</dd>
<dt>Saturated hours</dt><dd>Time when every space of a kind was booked at once.</dd>
<dt>Unmet demand</dt><dd>Requests for a space that found none fitting, and the hours they
asked for.</dd>
<dt>No-show rate</dt><dd>No-shows as a share of bookings that have started.</dd>
<dt>Changes</dt><dd>Each figure against the same figure over the period of the same length
just before this one.</dd>
</dl>
<p class="note">No booking purposes or personal details are included in this report.</p>
</section>"""


def build_pack(app: Any, *, sites: Sequence[str] | None, start: dt.date, end: dt.date,
               rates: dict[str, float] | None = None, charge: str | None = None) -> str:
    """The HTML text of the report pack for ``sites`` (None: every site) over
    ``start``..``end``: with several sites, a first page ranking them, then one section
    per site."""
    pack = _Pack(app, start, end, rates, charge)
    codes = list(pack.run("demand", sites, "site").sites)  # checks access and the sites
    names = {c: f"{app.site(c).name} ({c})" for c in codes}
    parts = []
    if len(codes) > 1:
        parts.append(district_html(pack, codes, names))
    parts.extend(site_html(pack, c, names[c]) for c in codes)
    parts.append(GLOSSARY)
    title = (names[codes[0]] if len(codes) == 1 else f"{len(codes)} sites")
    period = f"{start:%a %d %b %Y} to {end:%a %d %b %Y}"
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Space usage: {escape(title)}, {escape(period)}</title>"
            f"<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>\n")
