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
                text = KIND_LABELS.get(v, v) if c == "kind" else v
                out.append(f'<td class="t">{escape(str(text if text is not None else "-"))}</td>')
            elif c in fractions:
                out.append(f"<td>{_pct(v)}</td>")
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


def build_pack(app: Any, *, sites: Sequence[str], start: dt.date, end: dt.date,
               rates: dict[str, float] | None = None) -> str:
    """The HTML text of the report pack for ``sites`` over ``start``..``end``."""
    reports = Reports(app)

    def run(kind: str, by: str | None = None, **kw: Any) -> Report:
        return reports.run(kind, sites=sites, start=start, end=end, by=by, **kw)

    util = run("utilisation", "kind")
    heat = run("utilisation", "kind,weekday,hour")
    share = run("share", "org", rates=rates or None)
    demand = run("demand", "kind")
    demand_org = run("demand", "org")
    attendance = run("attendance", "org")
    shortfall = run("shortfall")
    h = headline(util, attendance, demand, shortfall)
    site_infos = [app.site(code) for code in util.sites]
    names = ", ".join(f"{s.name} ({s.code})" for s in site_infos)
    period = f"{start:%a %d %b %Y} to {end:%a %d %b %Y}"
    made = app.now().strftime("%d %b %Y %H:%M UTC")
    top = h["top_shortfall"]
    top_text = (f"{KIND_LABELS[top['kind']]}s at {top['site']}" if top else "none")
    top_note = (f"{_num(top['shortfall_hours'])} h saturated or turned away" if top
                else "no saturation or unmet demand")

    def card(label: str, value: str, note: str, ident: str) -> str:
        return (f'<div class="card" id="{ident}"><div class="l">{escape(label)}</div>'
                f'<div class="v">{escape(value)}</div><div class="n">{escape(note)}</div></div>')

    cards = "".join([
        card("Utilisation", _pct(h["utilisation"]),
             f"{_num(h['booked_hours'])} of {_num(h['available_hours'])} space-hours booked",
             "h-utilisation"),
        card("Used utilisation", _pct(h["used_utilisation"]),
             f"{_num(h['used_hours'])} h used", "h-used"),
        card("Booked but not used", f"{_num(h['wasted_hours'])} h",
             "no-shows and released desks", "h-wasted"),
        card("No-show rate", _pct(h["no_show_rate"]),
             f"{h['no_shows']} of {h['bookings']} past bookings; {h['released']} "
             f"desk{'' if h['released'] == 1 else 's'} released",
             "h-noshow"),
        card("Unmet demand", f"{h['unmet_requests']} requests",
             f"{_num(h['unmet_hours'])} h found no fitting space", "h-unmet"),
        card("Shortest of space", top_text, top_note, "h-shortfall"),
    ])
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in heat.rows:
        by_kind[r["kind"]].append(r)
    heatmaps = "".join(
        f'<div class="chart">{heatmap_svg(rows, KIND_LABELS[k].capitalize() + "s: share booked")}'
        "</div>" for k, rows in sorted(by_kind.items()))
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
        share_heads.append("Recharge")
    fr = {"utilisation", "used_utilisation", "share", "used_share", "no_show_rate",
          "released_rate"}
    body = f"""
<h1>Space usage: {escape(names)}</h1>
<p class="sub">{escape(period)} · made {escape(made)} by cospace · figures are space-hours in
each site's local time</p>
<section><div class="cards">{cards}</div></section>
<h2>Where space runs short</h2>
<p class="note">Saturated hours (every space of the kind booked) plus hours of requests that found
no fitting space, highest first.</p>
{_table(shortfall, ["rank", "site", "kind", "spaces", "utilisation", "peak_occupancy",
                    "saturated_hours", "unmet_requests", "unmet_hours", "shortfall_hours"],
        ["Rank", "Site", "Kind", "Spaces", "Utilisation", "Peak in use", "Saturated h",
         "Unmet requests", "Unmet h", "Shortfall h"], fr)}
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
</dl>
<p class="note">No booking purposes or personal details are included in this report.</p>
"""
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>Space usage: {escape(names)}, {escape(period)}</title>"
            f"<style>{CSS}</style></head><body><main>{body}</main></body></html>\n")
