"""``cospace audit``: the append-only record of every change, as the acting role may read it."""

from __future__ import annotations

import argparse
import json

from booking import audit
from booking.service import Cospace
from booking.timeutil import to_local
from cli.core import _print_json


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("audit", parents=[common], help="who changed what, and when")
    p.add_argument("--booking", type=int, default=None, metavar="ID",
                   help="only the records of this booking")
    p.add_argument("--from", dest="date_from", default=None, metavar="DATE",
                   help="first day, YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", default=None, metavar="DATE",
                   help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--json", action="store_true", help="print the records as JSON")
    p.set_defaults(func=cmd_audit)


def _values(v: dict | None) -> str:
    if not v:
        return "-"
    return json.dumps(v, ensure_ascii=False, sort_keys=True, default=str)


def cmd_audit(args: argparse.Namespace, url: str, login: str) -> int:
    entries = audit.trail(Cospace.open(url, login), booking=args.booking,
                          start=args.date_from, end=args.date_to)
    if args.json:
        _print_json([e.to_json() for e in entries])
        return 0
    if not entries:
        print("No audit records.")
        return 0
    for e in entries:
        what = f"{e.entity} #{e.entity_id}" if e.entity_id is not None else e.entity
        line = (f"{to_local(e.at, audit.DEFAULT_TZ).format('YYYY-MM-DD HH:mm')}  {e.who:<12} "
                f"{e.action:<10} {what}")
        if e.reason:
            line += f"  reason: {e.reason}"
        print(line)
        if e.before is not None:
            print(f"      before {_values(e.before)}")
        if e.after is not None:
            print(f"      after  {_values(e.after)}")
    return 0
