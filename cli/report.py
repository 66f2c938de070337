"""``cospace report``: usage reports as a table, CSV or JSON, and the shareable HTML pack."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from booking.errors import InvalidInput
from booking.models import KINDS
from booking.reports import REPORT_KINDS, Report, Reports, parse_rates, write_csv
from booking.service import Cospace
from booking.timeutil import parse_date

#: Column headings in the table format.
HEADINGS = {
    "available_hours": "available h", "booked_hours": "booked h", "used_hours": "used h",
    "wasted_hours": "wasted h", "used_utilisation": "used util", "open_hours": "open h",
    "peak_occupancy": "peak", "saturated_hours": "saturated h",
    "saturated_share": "saturated", "no_show_rate": "no-show rate",
    "released_rate": "released rate", "used_share": "used share", "unmet_requests": "unmet",
    "unmet_hours": "unmet h", "shortfall_hours": "shortfall h", "checked_in": "checked in",
    "no_shows": "no-shows",
}
FRACTIONS = {"utilisation", "used_utilisation", "saturated_share", "no_show_rate",
             "released_rate", "share", "used_share"}


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "report", parents=[common], help="usage reports (and the HTML pack)",
        description="Usage reports for estates teams. KIND is one of "
                    + ", ".join(REPORT_KINDS) + ", 'pack' for a shareable HTML file, or "
                    "'whatif' to replay a period with more or fewer spaces.",
    )
    p.add_argument("report_kind", metavar="KIND", choices=(*REPORT_KINDS, "pack", "whatif"),
                   help="the report: " + ", ".join((*REPORT_KINDS, "pack", "whatif")))
    p.add_argument("--site", action="append", default=[], metavar="SITE",
                   help="a site (repeat, or comma-separate; default: every site)")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                   help="first day, YYYY-MM-DD (inclusive)")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                   help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--by", default=None, metavar="FIELD[,FIELD]",
                   help="group by site, space, kind, org, weekday, hour, week, month")
    p.add_argument("--format", default="table", choices=("table", "csv", "json"),
                   help="table (default, for reading), csv or json (for scripts)")
    p.add_argument("--rate", default=None, metavar="KIND=AMOUNT,...",
                   help="recharge per space-hour for the share report, e.g. interview=12.50,desk=4")
    p.add_argument("--kind", dest="space_kind", default=None, choices=KINDS,
                   help="only this kind of space")
    p.add_argument("--out", default=None, metavar="FILE", help="where 'pack' writes its HTML")
    p.add_argument("--charge", default=None, choices=("booked", "used"),
                   help="share: recharge on booked hours (the default: a booking nobody "
                        "came to is paid for) or on used hours")
    p.add_argument("--compare", action="store_true",
                   help="add each measure of the previous period of the same length and the "
                        "change")
    p.add_argument("--add", type=int, default=0, metavar="N",
                   help="whatif: N more spaces of --kind")
    p.add_argument("--remove", type=int, default=0, metavar="N",
                   help="whatif: N fewer spaces of --kind (the least booked)")
    p.add_argument("--like", default=None, metavar="SPACE",
                   help="whatif: added spaces copy SPACE (default: the kind's most common "
                        "space); with --remove, remove SPACE first")
    p.set_defaults(func=cmd_report)


def _sites(values: list[str]) -> list[str]:
    return [s.strip() for v in values for s in v.split(",") if s.strip()]


def cmd_report(args: argparse.Namespace, url: str, login: str) -> int:
    start, end = parse_date(args.date_from), parse_date(args.date_to)
    sites = _sites(args.site)
    if args.report_kind == "whatif":
        return _whatif(args, url, login, sites, start, end)
    if args.report_kind == "pack":
        if not args.out:
            raise InvalidInput("'report pack' needs --out FILE (e.g. --out report.html).")
        from booking.report_pack import build_pack

        app = Cospace.open(url, login)
        html = build_pack(app, sites=sites or None, start=start, end=end,
                          rates=parse_rates(args.rate), charge=args.charge)
        out = Path(args.out)
        try:
            out.write_text(html, encoding="utf-8")
        except OSError as exc:
            raise InvalidInput(f"Cannot write {out}: {exc.strerror}.") from exc
        print(f"Wrote the report pack for {', '.join(sites) or 'every site'} "
              f"({start:%d %b %Y} to {end:%d %b %Y}) to {out}.")
        return 0
    app = Cospace.open(url, login)
    report = Reports(app).run(args.report_kind, sites=sites or None, start=start, end=end,
                              by=args.by, rates=parse_rates(args.rate),
                              space_kind=args.space_kind, charge=args.charge,
                              compare=args.compare)
    if args.format == "json":
        json.dump(report.rows, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "csv":
        write_csv(report, sys.stdout)
    else:
        print(render_table(report))
        if args.report_kind in ("demand", "shortfall"):  # the waitlist beside unmet demand
            from booking import waitlist
            print("\n" + waitlist.summary_lines(app, sites=sites, first=start, last=end))
    return 0


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "-"
    if column in FRACTIONS:
        return f"{value * 100:.1f}%"
    if isinstance(value, float):
        return f"{value:,.2f}" if column == "charge" else f"{value:,.1f}"
    if isinstance(value, int) and column == "hour":
        return f"{value:02d}:00"
    return str(value)


def render_table(report: Report) -> str:
    """Aligned columns with a title line and a total where adding up makes sense."""
    title = (f"{report.kind.capitalize()} report, {', '.join(report.sites)}, "
             f"{report.start:%a %d %b %Y} to {report.end:%a %d %b %Y}")
    if not report.rows:
        return title + "\nNothing to report for that period."
    columns = list(report.columns)
    if report.previous is not None:  # one column per measure: "before -> now"
        p0, p1 = report.previous
        title += f" (previous: {p0:%d %b} to {p1:%d %b %Y})"
        columns = [c for c in columns if not c.startswith(("previous_", "change_"))]
    heads = [HEADINGS.get(c, c.replace("_", " ")) for c in columns]

    def cell(c: str, r: dict[str, Any]) -> str:
        if report.previous is not None and f"previous_{c}" in r:
            return f"{_cell(c, r[f'previous_{c}'])} -> {_cell(c, r.get(c))}"
        return _cell(c, r.get(c))

    cells = [[cell(c, r) for c in columns] for r in report.rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    numeric = [c not in report.by for c in columns]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w)
                         for v, w, n in zip(values, widths, numeric, strict=True)).rstrip()

    out = [title, "", line(heads), "  ".join("-" * w for w in widths)]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def _whatif(args: argparse.Namespace, url: str, login: str, sites: list[str], start: Any,
            end: Any) -> int:
    from booking.estates import FIELDS, what_if

    if len(sites) != 1:
        raise InvalidInput("'report whatif' needs one --site SITE.")
    if not args.space_kind:
        raise InvalidInput("'report whatif' needs --kind KIND (interview, desk, workshop).")
    app = Cospace.open(url, login)
    res = what_if(app, site=sites[0], kind=args.space_kind, start=start, end=end,
                  add=args.add, remove=args.remove, like=args.like)
    if args.format == "json":
        json.dump(res.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\r\n")
        writer.writerow(FIELDS)
        writer.writerow([res.to_json()[f] for f in FIELDS])
    else:
        print(render_whatif(res))
    return 0


def render_whatif(res: Any) -> str:
    """The what-if answer as lines a person reads."""
    return str(res.summary())
