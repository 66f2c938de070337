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
from booking.reports import WEEKDAY_SHORT, Report, Reports

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
 color:#1b1b1b;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}
h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #d5dae1;
 padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.sub{color:#505a64;margin:0 0 20px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.card{background:#fff;border:1px solid #d5dae1;border-radius:8px;padding:12px 14px}
.card .v{font-size:28px;font-weight:700;margin-top:4px}.card .l{color:#505a64;font-size:13px}
.card .n{color:#505a64;font-size:12px;margin-top:2px}
table{border-collapse:collapse;background:#fff;font-size:13px;margin:6px 0}
th,td{border:1px solid #d5dae1;padding:4px 8px;text-align:right}
th{background:#eef1f4}td.t,th.t{text-align:left}
.charts{display:flex;flex-wrap:wrap;gap:20px}
.chart{background:#fff;border:1px solid #d5dae1;border-radius:8px;padding:10px}
svg text{font-family:inherit;font-size:11px;fill:#1b1b1b}
.note{color:#505a64;font-size:12px}
dl{font-size:13px}dt{font-weight:600;margin-top:6px}dd{margin:2px 0 0 16px;color:#333}
.card .c{color:#1b1b1b;font-size:12px;margin-top:4px}
ul.changes{font-size:14px;margin:6px 0 12px}
section.site+section.site,section.district+section.site{margin-top:40px;
 border-top:4px solid #d5dae1;padding-top:8px}
@page{size:A4;margin:12mm}
@media print{
 body{background:#fff;font-size:11px}main{max-width:none;padding:0}
 section.site{border-top:none;margin-top:0;padding-top:0}
 section.site+section.site,section.district+section.site{break-before:page}
 section.glossary{break-before:page}
 .card,.chart,table,ul.changes{break-inside:avoid}h2,h3{break-after:avoid}
 .cards{grid-template-columns:repeat(3,1fr)}
 .chart{border-color:#999}th{background:#eee}
}
"""


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def _num(x: float) -> str:
    return f"{x:,.1f}"


def _colour(u: float) -> str:
    """White for empty, deepening blue towards full, dark red when over-full."""
    u = max(0.0, u)
    if u > 1.0:
        return "#8b1a1a"
    lo, hi = (247, 251, 255), (8, 69, 148)
    r, g, b = (round(a + (c - a) * u) for a, c in zip(lo, hi, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"


def heatmap_svg(rows: list[dict[str, Any]], title: str) -> str:
    """Weekday x hour grid of utilisation; only the weekdays and hours the site opens."""
    cells = {(r["weekday"], r["hour"]): r for r in rows if r["available_hours"] > 0}
    if not cells:
        return ""
    days = [d for d in WEEKDAY_SHORT if any(k[0] == d for k in cells)]
    hours = sorted({k[1] for k in cells})
    cw, ch, left, top = 46, 26, 40, 34
    width, height = left + cw * len(hours) + 10, top + ch * len(days) + 10
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="14" style="font-weight:600;font-size:12px">{escape(title)}</text>']
    for j, h in enumerate(hours):
        out.append(f'<text x="{left + j * cw + cw / 2}" y="{top - 6}" '
                   f'text-anchor="middle">{h:02d}:00</text>')
    for i, d in enumerate(days):
        y = top + i * ch
        out.append(f'<text x="0" y="{y + ch / 2 + 4}">{d}</text>')
        for j, h in enumerate(hours):
            r = cells.get((d, h))
            x = left + j * cw
            if r is None:
                out.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                           'fill="#e9ecef"/>')
                continue
            u = r["utilisation"]
            fill = _colour(u)
            ink = "#ffffff" if u > 0.55 else "#1b1b1b"
            out.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{ch - 2}" '
                       f'fill="{fill}"><title>{d} {h:02d}:00 {_pct(u)} booked</title></rect>')
            out.append(f'<text x="{x + cw / 2 - 1}" y="{y + ch / 2 + 3}" text-anchor="middle" '
                       f'style="fill:{ink}">{round(u * 100)}%</text>')
    out.append("</svg>")
    return "".join(out)


def bars_svg(items: Sequence[tuple[str, float, float | None]], title: str, unit: str) -> str:
    """Horizontal bars: (label, value, optional inner value, e.g. used within booked)."""
    if not items:
        return ""
    top, bh, left, barw = 24, 22, 110, 300
    peak = max(v for _, v, _ in items) or 1.0
    height = top + bh * len(items) + 8
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + barw + 90}" '
           f'height="{height}" role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="14" style="font-weight:600;font-size:12px">{escape(title)}</text>']
    for i, (label, value, inner) in enumerate(items):
        y = top + i * bh
        w = barw * value / peak
        out.append(f'<text x="0" y="{y + 14}">{escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{bh - 6}" '
                   'fill="#9ecae1"/>')
        if inner is not None:
            out.append(f'<rect x="{left}" y="{y + 2}" width="{barw * inner / peak:.1f}" '
                       f'height="{bh - 6}" fill="#2171b5"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 14}">{_num(value)} {unit}</text>')
    out.append("</svg>")
    return "".join(out)


def _table(report: Report, columns: Sequence[str], headings: Sequence[str],
           fractions: set[str]) -> str:
    if not report.rows:
        return '<p class="note">Nothing to report for this period.</p>'
    out = ["<table><tr>"]
    for c, h in zip(columns, headings, strict=True):
        out.append(f'<th class="{"t" if c in report.by else ""}">{escape(h)}</th>')
    out.append("</tr>")
    for r in report.rows:
        out.append("<tr>")
        for c in columns:
            v = r.get(c)
            if c in report.by:
                text = KIND_LABELS.get(str(v), v) if c == "kind" else v
                out.append(f'<td class="t">{escape(str(text if text is not None else "-"))}</td>')
            elif c in fractions:
                out.append(f"<td>{_pct(float(v or 0))}</td>")
            elif c == "charge":
                out.append(f"<td>{v:,.2f}</td>")
            elif isinstance(v, float):
                out.append(f"<td>{_num(v)}</td>")
            else:
                out.append(f"<td>{escape(str(v))}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def headline(util: Report, attendance: Report, demand: Report, shortfall: Report
             ) -> dict[str, Any]:
    """The pack's headline figures, from the reports it shows."""
    avail = sum(r["available_hours"] for r in util.rows)
    booked = sum(r["booked_hours"] for r in util.rows)
    used = sum(r["used_hours"] for r in util.rows)
    n = sum(r["bookings"] for r in attendance.rows)
    no_shows = sum(r["no_shows"] for r in attendance.rows)
    released = sum(r["released"] for r in attendance.rows)
    top = shortfall.rows[0] if shortfall.rows and shortfall.rows[0]["shortfall_hours"] > 0 \
        else None
    return {
        "available_hours": round(avail, 1), "booked_hours": round(booked, 1),
        "used_hours": round(used, 1), "wasted_hours": round(booked - used, 1),
        "utilisation": booked / avail if avail else 0.0,
        "used_utilisation": used / avail if avail else 0.0,
        "bookings": n, "no_shows": no_shows, "released": released,
        "no_show_rate": no_shows / n if n else 0.0,
        "unmet_requests": sum(r["requests"] for r in demand.rows),
        "unmet_hours": round(sum(r["hours"] for r in demand.rows), 1),
        "top_shortfall": top,
    }


def _change(now: float, was: float, fmt: Any, days: int) -> str:
    """"up from 3.0% in the 12 days before" (or down, or the same)."""
    if round(now, 4) == round(was, 4):
        word = "same as"
        return f"= {word} the {days} days before ({fmt(was)})"
    arrow, word = ("▲", "up from") if now > was else ("▼", "down from")
    return f"{arrow} {word} {fmt(was)} in the {days} days before"


def trend_svg(rows: list[dict[str, Any]], title: str) -> str:
    """Week by week: utilisation, used utilisation and no-show rate as lines (left axis,
    per cent), unmet hours as bars (right axis)."""
    if not rows:
        return ""
    left, top, plot_w, plot_h = 44, 40, max(380, 46 * len(rows)), 150
    width, height = left + plot_w + 56, top + plot_h + 44
    step = plot_w / len(rows)
    peak_pct = max(0.1, *(max(r["utilisation"], r["used_utilisation"], r["no_show_rate"])
                          for r in rows))
    peak_pct = min(1.0, (int(peak_pct * 10) + 1) / 10) if peak_pct < 1 else peak_pct
    peak_h = max(1.0, *(r["unmet_hours"] for r in rows))

    def y_pct(v: float) -> float:
        return top + plot_h - plot_h * v / peak_pct

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height}" '
           f'role="img" aria-label="{escape(title)}">',
           f'<text x="0" y="14" style="font-weight:600;font-size:12px">{escape(title)}</text>']
    legend = (("#08519c", "utilisation"), ("#6baed6", "used utilisation"),
              ("#c2410c", "no-show rate"), ("#fdd0a2", "unmet hours (right)"))
    x = 0.0
    for colour, name in legend:
        out.append(f'<rect x="{x}" y="21" width="10" height="10" fill="{colour}"/>'
                   f'<text x="{x + 14}" y="30">{name}</text>')
        x += 24 + 6.2 * len(name)
    for frac in (0.0, 0.5, 1.0):
        y = top + plot_h - plot_h * frac
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                   'stroke="#d5dae1"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{round(peak_pct * frac * 100)}%</text>')
        out.append(f'<text x="{left + plot_w + 4}" y="{y + 4:.1f}">'
                   f'{peak_h * frac:,.1f} h</text>')
    for i, r in enumerate(rows):
        bh = plot_h * r["unmet_hours"] / peak_h
        bx = left + i * step + step * 0.2
        out.append(f'<rect x="{bx:.1f}" y="{top + plot_h - bh:.1f}" width="{step * 0.6:.1f}" '
                   f'height="{bh:.1f}" fill="#fdd0a2"><title>{escape(str(r["week"]))}: '
                   f'{_num(r["unmet_hours"])} unmet h</title></rect>')
        label = str(r["week"]).split("-")[-1]
        out.append(f'<text x="{left + i * step + step / 2:.1f}" y="{top + plot_h + 16}" '
                   f'text-anchor="middle">{escape(label)}</text>')
    for colour, measure in (("#08519c", "utilisation"), ("#6baed6", "used_utilisation"),
                            ("#c2410c", "no_show_rate")):
        pts = [(left + i * step + step / 2, y_pct(r[measure])) for i, r in enumerate(rows)]
        if len(pts) > 1:
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                       + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + '"/>')
        for (a, b), r in zip(pts, rows, strict=True):
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="{colour}"><title>'
                       f'{escape(str(r["week"]))} {measure.replace("_", " ")} '
                       f'{_pct(r[measure])}</title></circle>')
    out.append(f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" text-anchor="middle">'
               'ISO week</text>')
    out.append("</svg>")
    return "".join(out)


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
