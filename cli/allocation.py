"""``cospace allocation set|list|usage``: an organisation's share of a kind of space at a site."""

from __future__ import annotations

import argparse

from booking import allocations
from booking.models import KIND_LABELS, KINDS
from booking.service import Cospace
from cli.core import _print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    top = sub.add_parser("allocation", parents=[common],
                         help="allocations: hours per week and spaces at once per organisation")
    act = top.add_subparsers(dest="allocation_command", metavar="ACTION", required=True)

    p = act.add_parser("set", parents=[common],
                       help="set an organisation's allocation (both limits omitted removes it)")
    p.add_argument("org", metavar="ORG", help="organisation code")
    p.add_argument("--site", required=True, help="code of the site")
    p.add_argument("--kind", required=True, choices=KINDS, help="kind of space")
    p.add_argument("--hours-per-week", type=float, default=None, metavar="N",
                   help="at most N hours a week (Monday to Sunday, site time); omit for none")
    p.add_argument("--max-at-once", type=int, default=None, metavar="M",
                   help="at most M spaces of this kind at once; omit for none")
    p.set_defaults(func=cmd_set)

    p = act.add_parser("list", parents=[common], help="list allocations")
    p.add_argument("--site", default=None, help="only this site (default: every site)")
    p.add_argument("--json", action="store_true", help="print the allocations as JSON")
    p.set_defaults(func=cmd_list)

    p = act.add_parser("usage", parents=[common], help="allocation against use for one week")
    p.add_argument("--site", required=True, help="code of the site")
    p.add_argument("--week", required=True, metavar="DATE",
                   help="any day of the week (Monday to Sunday), YYYY-MM-DD")
    p.add_argument("--json", action="store_true", help="print the lines as JSON")
    p.set_defaults(func=cmd_usage)


def _limits(hours: float | None, at_once: int | None, kind: str) -> str:
    parts = []
    if hours is not None:
        parts.append(f"{hours:g} h a week")
    if at_once is not None:
        parts.append(f"{at_once} {KIND_LABELS[kind]}{'s' if at_once != 1 else ''} at once")
    return ", ".join(parts) or "no limit"


def cmd_set(args: argparse.Namespace, url: str, login: str) -> int:
    info = allocations.set_allocation(
        Cospace.open(url, login), args.org, site=args.site, kind=args.kind,
        hours_per_week=args.hours_per_week, max_at_once=args.max_at_once,
    )
    if info is None:
        print(f"Removed {args.org}'s {KIND_LABELS[args.kind]} allocation at {args.site}.")
    else:
        print(f"{info.org} at {info.site}: {KIND_LABELS[info.kind]}s, "
              f"{_limits(info.hours_per_week, info.max_at_once, info.kind)}.")
    return 0


def cmd_list(args: argparse.Namespace, url: str, login: str) -> int:
    rows = allocations.list_allocations(Cospace.open(url, login), site=args.site)
    if args.json:
        _print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print("No allocations: every organisation may book without a quota.")
        return 0
    for r in rows:
        print(f"  {r.site:<6} {r.org:<6} {r.kind:<10} "
              f"{_limits(r.hours_per_week, r.max_at_once, r.kind)}")
    return 0


def cmd_usage(args: argparse.Namespace, url: str, login: str) -> int:
    rows = allocations.usage(Cospace.open(url, login), site=args.site, week=args.week)
    if args.json:
        _print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print(f"No allocations at {args.site}.")
        return 0
    monday = rows[0].week
    print(f"Allocation against use at {args.site}, week of {monday.day} "
          f"{monday.strftime('%b %Y')}:")
    for r in rows:
        hours = (f"{r.hours_used:g} of {r.hours_per_week:g} h" if r.hours_per_week is not None
                 else f"{r.hours_used:g} h (no weekly limit)")
        at_once = (f"peak {r.peak_at_once} of {r.max_at_once} at once"
                   if r.max_at_once is not None else f"peak {r.peak_at_once} at once")
        over = ""
        if (r.hours_per_week is not None and r.hours_used > r.hours_per_week) or (
                r.max_at_once is not None and r.peak_at_once > r.max_at_once):
            over = "  OVER"
        print(f"  {r.org:<6} {r.kind:<10} {hours:<24} {at_once}{over}")
    return 0
