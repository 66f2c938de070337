"""The HTML pieces of the report pack (:mod:`booking.report_pack`): its inline CSS, number
formats, the SVG charts (heatmap, bars, trend), tables and the headline figures."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from booking.models import KIND_LABELS
from booking.reports import WEEKDAY_SHORT, Report

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
