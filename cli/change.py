"""``cospace change`` (move, extend, shorten, another space or organisation, correct the
details; ``--following`` for this date of a series and the later ones) and ``cospace undo``
(back to confirmed after a mistaken check-in, no-show, release or cancellation)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from booking import change, series, status
from booking.errors import InvalidInput
from booking.models import BookingView
from booking.service import Cospace
from booking.timeutil import human_span


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("change", parents=[common],
                       help="change a booking: time, space, organisation or details")
    p.add_argument("booking_id", type=int, metavar="BOOKING_ID",
                   help="the booking's number (as in list)")
    p.add_argument("--start", default=None, metavar='"YYYY-MM-DD HH:MM"',
                   help="new local start; alone, the booking keeps its length")
    p.add_argument("--end", default=None, metavar='HH:MM|"YYYY-MM-DD HH:MM"',
                   help="new local end (HH:MM is on the start's day); alone, the start stays")
    p.add_argument("--space", default=None, help="move to this space")
    p.add_argument("--org", default=None, help="the organisation the booking is for")
    p.add_argument("--attendees", type=int, default=None, metavar="N",
                   help="the number of people (the space must hold them)")
    p.add_argument("--purpose", default=None, metavar="TEXT",
                   help="what the booking is for (shown only to those who may see it)")
    conf = p.add_mutually_exclusive_group()
    conf.add_argument("--confidential", dest="confidential", action="store_const", const=True,
                      default=None, help="mark it confidential (needs a private room)")
    conf.add_argument("--not-confidential", dest="confidential", action="store_const",
                      const=False, help="no longer confidential")
    p.add_argument("--following", action="store_true",
                   help="this date of its series and every later one (the dates stay; all or "
                        "nothing)")
    p.add_argument("--override", default=None, metavar="REASON",
                   help="change over the organisation's allocation (front desk, admin; "
                        "audited)")
    p.add_argument("--json", action="store_true",
                   help="print the changed booking as list --json does (with --following: "
                        "the book --repeat shape)")
    p.set_defaults(func=cmd_change)

    p = sub.add_parser("undo", parents=[common],
                       help="back to confirmed: a check-in, no-show, release or cancellation")
    p.add_argument("booking_id", type=int, metavar="BOOKING_ID",
                   help="the booking's number (as in list)")
    p.add_argument("--json", action="store_true",
                   help="print the booking as list --json does")
    p.set_defaults(func=cmd_undo)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _line(v: BookingView) -> str:
    return f"{v.space} {human_span(v.start, v.end, v.tz)}, {v.org}"


def cmd_change(args: argparse.Namespace, url: str, login: str) -> int:
    ch = change.Changes(start=args.start, end=args.end, space=args.space, org=args.org,
                        attendees=args.attendees, purpose=args.purpose,
                        confidential=args.confidential)
    if ch.empty:
        raise InvalidInput("Say what to change: --start, --end, --space, --org, --attendees, "
                           "--purpose or --confidential/--not-confidential.")
    app = Cospace.open(url, login)
    if args.following:
        try:
            result = change.change_following(app, args.booking_id, ch, override=args.override)
        except series.SeriesConflict as exc:
            if args.json:
                _print_json(exc.to_json())
            print(f"cospace: {exc.message}", file=sys.stderr)
            return exc.exit_code
        if args.json:
            _print_json(result.to_json())
            return 0
        n = len(result.booked)
        print(f"Changed {n} date{'s' if n != 1 else ''} of the series, now series "
              f"#{result.series} ({result.description}):")
        for v in result.booked:
            print(f"  #{v.id:<6} {_line(v)}")
        return 0
    before = app.get(args.booking_id)
    view = change.change_booking(app, args.booking_id, ch, override=args.override)
    if args.json:
        _print_json(view.to_json())
        return 0
    if view == before:
        print(f"Nothing to change: #{view.id} is already {_line(view)}.")
        return 0
    said = [f"was {_line(before)}"] if _line(before) != _line(view) else []
    for name, old, new in (("attendees", before.attendees, view.attendees),
                           ("purpose", before.purpose, view.purpose),
                           ("confidential", before.confidential, view.confidential)):
        if old != new and new is not None:
            said.append(f"{name} {old if old not in (None, '') else '—'} → {new}")
    print(f"Changed #{view.id}: {_line(view)}" + (f" ({'; '.join(said)})" if said else "")
          + ".")
    return 0


def cmd_undo(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    before = app.get(args.booking_id)
    view = status.undo(app, args.booking_id)
    if args.json:
        _print_json(view.to_json())
        return 0
    mark = status.MARK_WORDS.get(before.status, "mark")
    print(f"Undid the {mark} of #{view.id}: {_line(view)}; it is confirmed again.")
    return 0
