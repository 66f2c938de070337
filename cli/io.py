"""Ways in and out: ``import``, ``closure``, ``export bookings`` and the bulk form of
``cancel`` (``cancel --org/--staff --from --to``)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from booking import bulk, closures, export, imports
from booking.errors import InvalidInput
from booking.models import BookingView
from booking.service import Cospace
from booking.timeutil import human_span, parse_date
from cli.bulk_args import add_bulk_cancel_arguments  # noqa: F401  (its home before)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="import orgs, sites, spaces or staff from CSV",
        description="Import a CSV file with a header row. All or nothing: when any row is "
                    "wrong nothing is written and every problem is listed (exit 2). Rows are "
                    "matched by code (login for staff) and updated; rows not in the file are "
                    "left alone. A blank optional cell means its default; a column left out "
                    "of the header is left as it is on existing rows. Import orgs, then sites, "
                    "spaces, staff.",
        epilog="\n\n".join(imports.describe_columns(k) for k in imports.IMPORT_ORDER),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("kind", choices=imports.IMPORT_ORDER,
                   help="what the file holds: orgs, sites, spaces or staff")
    p.add_argument("file", metavar="FILE.csv", help="the CSV file ('-' for standard input)")
    p.add_argument("--dry-run", action="store_true",
                   help="show what would be added or updated; write nothing")
    p.add_argument("--json", action="store_true",
                   help="print what was added, updated and left unchanged (or the "
                        "problems) as JSON")
    p.set_defaults(func=cmd_import)

    closure = sub.add_parser("closure", parents=[common], help="closed days at a site")
    c_sub = closure.add_subparsers(dest="closure_command", metavar="ACTION", required=True)
    p = c_sub.add_parser("add", parents=[common], help="close a site for a day or a run of days",
                         description="Close a site. Bookings on the closed days are kept and "
                                     "listed, for you to cancel or move.")
    p.add_argument("site", help="code of the site")
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last closed day, YYYY-MM-DD (inclusive)")
    p.add_argument("--reason", required=True, metavar="TEXT",
                   help="why it is closed (shown on the board)")
    p.add_argument("--json", action="store_true",
                   help="print the closure and the affected bookings as JSON")
    p.set_defaults(func=cmd_closure_add)
    p = c_sub.add_parser("remove", parents=[common],
                         help="reopen days closed by mistake (bank holidays stay)")
    p.add_argument("site", help="code of the site")
    p.add_argument("date", help="YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (inclusive)")
    p.set_defaults(func=cmd_closure_remove)
    p = c_sub.add_parser("list", parents=[common],
                         help="closures and bank holidays (default: the next 12 months)")
    p.add_argument("site", help="code of the site")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="first day, YYYY-MM-DD (default today)")
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help="last day, YYYY-MM-DD (default a year on)")
    p.add_argument("--json", action="store_true", help="print the closed days as JSON")
    p.set_defaults(func=cmd_closure_list)

    ex = sub.add_parser("export", parents=[common], help="export data")
    ex_sub = ex.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    p = ex_sub.add_parser("bookings", parents=[common],
                          help="bookings at a site as CSV or Excel",
                          description="Bookings as you may see them: another organisation's "
                                      "attendees, purpose and booker are left blank.")
    p.add_argument("--site", required=True, help="code of the site")
    p.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                   help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                   help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--format", choices=export.FORMATS, default="csv",
                   help="csv (default) or xlsx (Excel; needs --out)")
    p.add_argument("--out", metavar="FILE", help="write here (default standard output)")
    p.set_defaults(func=cmd_export_bookings)


def _open(url: str, login: str) -> Cospace:
    return Cospace.open(url, login)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _line(v: BookingView) -> str:
    text = f"  #{v.id:<6} {human_span(v.start, v.end, v.tz)}  {v.space:<8} {v.org:<6} " \
           f"{v.status.replace('_', '-')}"
    return text + (f"  {v.purpose}" if v.purpose else "")


# ------------------------------------------------------------------------ import
def cmd_import(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    try:
        result = imports.import_file(app, args.kind, args.file, dry_run=args.dry_run)
    except imports.ImportRejected as exc:
        if args.json:
            _print_json({"kind": args.kind, "file": args.file,
                         "problems": [p.to_json() for p in exc.problems]})
        raise
    if args.json:
        _print_json(result.to_json())
        return 0
    print(f"{args.kind} from {args.file}" + (" (dry run: nothing written)" if args.dry_run
                                             else "") + ":")
    for c in result.of("added"):
        print(f"  added      {c.key}  (line {c.line})")
    for c in result.of("updated"):
        fields = "; ".join(f"{k} '{a}' -> '{b}'" for k, (a, b) in c.fields.items())
        print(f"  updated    {c.key}  {fields}  (line {c.line})")
    unchanged = result.of("unchanged")
    if unchanged:
        print(f"  unchanged  {len(unchanged)} row{'s' if len(unchanged) != 1 else ''}")
    print(f"{result.summary}" + (" (nothing written)." if args.dry_run else "."))
    for w in result.warnings:
        print(f"Note: {w}")
    return 0


# ------------------------------------------------------------------------ closures
def cmd_closure_add(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    first = parse_date(args.date)
    last = parse_date(args.date_to) if args.date_to else first
    result = closures.add_closure(app, args.site, first, last, reason=args.reason)
    if args.json:
        _print_json(result.to_json())
        return 0
    if result.added:
        span = (str(result.added[0]) if len(result.added) == 1
                else f"{len(result.added)} days from {result.added[0]} to {result.added[-1]}")
        print(f"Closed {result.site} on {span}: {result.reason}.")
    if result.already:
        print("Already closed: " + ", ".join(str(d) for d in result.already) + ".")
    if result.affected:
        n = len(result.affected)
        print(f"{n} booking{'s are' if n != 1 else ' is'} still on the closed "
              f"day{'s' if len(result.added) != 1 else ''}; cancel or move each one:")
        for v in result.affected:
            print(_line(v))
    return 0


def cmd_closure_remove(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    first = parse_date(args.date)
    last = parse_date(args.date_to) if args.date_to else first
    days = closures.remove_closure(app, args.site, first, last)
    print(f"Reopened {args.site} on " + ", ".join(str(d) for d in days) + ".")
    return 0


def cmd_closure_list(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    first = parse_date(args.date_from) if args.date_from else None
    last = parse_date(args.date_to) if args.date_to else None
    days = closures.closed_days(app, args.site, first, last)
    if args.json:
        _print_json([d.to_json() for d in days])
        return 0
    site = app.site(args.site)
    print(f"{site.name} ({site.code}), bank holidays of "
          f"{closures.NATIONS.get(site.holiday_region, site.holiday_region)}:")
    if not days:
        print("  No closed days.")
    for d in days:
        print(f"  {d.day:%a %d %b %Y}  {d.source:<12}  {d.reason}")
    return 0


# ------------------------------------------------------------------------ export
def cmd_export_bookings(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    first, last = parse_date(args.date_from), parse_date(args.date_to)
    rows = export.booking_rows(app, args.site, first, last)
    if args.format == "csv":
        if args.out:
            with open(args.out, "w", encoding="utf-8", newline="") as fh:
                export.write_csv(rows, fh)
        else:
            export.write_csv(rows, sys.stdout)
    else:
        if args.out:
            with open(args.out, "wb") as fh:
                export.write_xlsx(rows, fh, title=f"{args.site} bookings")
        elif sys.stdout.isatty():
            raise InvalidInput("An Excel file cannot go to the terminal: add --out FILE.xlsx.")
        else:
            export.write_xlsx(rows, sys.stdout.buffer, title=f"{args.site} bookings")
    if args.out:
        print(f"Wrote {len(rows)} booking{'s' if len(rows) != 1 else ''} to {args.out}.",
              file=sys.stderr)
    return 0


# ------------------------------------------------------------------------ bulk cancel
def cmd_bulk_cancel(args: argparse.Namespace, url: str, login: str) -> int:
    """``cancel --org ORG --staff LOGIN --from DATE --to DATE [--dry-run] [--yes]``: the
    plan (what would be cancelled, shown and confirmed) then the cancel, all or nothing."""
    if not args.date_from or not args.date_to:
        raise InvalidInput("Give BOOKING_ID, or --from and --to with --org and/or --staff.")
    app = _open(url, login)
    first, last = parse_date(args.date_from), parse_date(args.date_to)
    who = dict(org=args.org, staff=args.staff, first=first, last=last)
    as_json = getattr(args, "json", False)
    if args.dry_run or not args.yes:
        found = bulk.find_cancellable(app, **who)
        stop = _show_and_confirm(args, found, as_json)
        if stop is not None:
            return stop
        done = bulk.cancel_many(app, [v.id for v in found],
                                reason=f"bulk cancel {first}..{last}")
    else:
        done = bulk.cancel_matching(app, **who)
    _print_cancelled(done, as_json)
    return 0


def _show_and_confirm(args: argparse.Namespace, found: list[BookingView],
                      as_json: bool) -> int | None:
    """Show what would be cancelled and, without --dry-run, ask at a terminal; the exit code
    when nothing is to be cancelled, None to go on."""
    if as_json and args.dry_run:
        _print_json([v.to_json() for v in found])
        return 0
    out = sys.stderr if as_json else sys.stdout
    if not found:
        print("No confirmed bookings to cancel.", file=out)
        if as_json:
            _print_json([])
        return 0
    n = len(found)
    print(f"{n} booking{'s' if n != 1 else ''} "
          f"{'would be' if args.dry_run else 'to'} cancel{'led' if args.dry_run else ''}:",
          file=out)
    for v in found:
        print(_line(v), file=out)
    if args.dry_run:
        return 0
    if not sys.stdin.isatty():
        raise InvalidInput("Nothing was cancelled: add --yes to confirm (or --dry-run to "
                           "look first).")
    answer = input(f"Cancel these {n} booking{'s' if n != 1 else ''}? [y/N] ")
    if answer.strip().lower() not in ("y", "yes"):
        print("Nothing was cancelled.", file=out)
        return 1
    return None


def _print_cancelled(done: list[BookingView], as_json: bool) -> None:
    if as_json:
        _print_json([v.to_json() for v in done])
        return
    print(f"Cancelled {len(done)} booking{'s' if len(done) != 1 else ''}:" if done
          else "No confirmed bookings to cancel.")
    for v in done:
        print(_line(v))
