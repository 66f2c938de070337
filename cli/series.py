"""Recurring bookings on the command line: ``book ... --repeat`` and ``cancel ... --series |
--following``.

This module extends the core ``book`` and ``cancel`` parsers rather than adding commands, so
it must be registered after :mod:`cli.core` in ``COMMAND_MODULES``. Without ``--repeat`` (or
``--series``/``--following``) the core command runs unchanged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from booking.errors import InvalidInput
from booking.service import Cospace
from booking.timeutil import human_span

Command = Callable[[argparse.Namespace, str, str], int]


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    book = sub.choices["book"]
    g = book.add_argument_group("repeating (a series)")
    g.add_argument("--repeat", choices=("weekly", "monthly"), default=None,
                   help="book the same time every week or every month")
    g.add_argument("--every", type=int, default=1, metavar="N",
                   help="every N weeks (or months); default 1")
    g.add_argument("--on", default=None, metavar="DAYS",
                   help="weekdays for a weekly series, e.g. thu,fri (default: the start's)")
    ends = g.add_mutually_exclusive_group()
    ends.add_argument("--until", default=None, metavar="DATE", help="last date, YYYY-MM-DD")
    ends.add_argument("--count", type=int, default=None, metavar="N",
                      help="number of dates (at most 104)")
    g.add_argument("--skip-clashes", action="store_true",
                   help="book the free dates and skip the clashing ones (default: all or "
                        "nothing)")
    book.set_defaults(func=_book(book.get_default("func")))

    cancel = sub.choices["cancel"]
    scope = cancel.add_mutually_exclusive_group()
    scope.add_argument("--series", action="store_true",
                       help="cancel every date of the booking's series still to come")
    scope.add_argument("--following", action="store_true",
                       help="cancel this date of the series and the later ones")
    cancel.set_defaults(func=_cancel(cancel.get_default("func")))


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _book(core_book: Command) -> Command:
    def run(args: argparse.Namespace, url: str, login: str) -> int:
        if args.repeat is None:
            used = [flag for flag, value in (("--until", args.until), ("--count", args.count),
                                             ("--on", args.on),
                                             ("--skip-clashes", args.skip_clashes or None),
                                             ("--every", None if args.every == 1 else 1))
                    if value is not None]
            if used:
                raise InvalidInput(f"{', '.join(used)} only work with --repeat weekly|monthly.")
            return core_book(args, url, login)
        return cmd_book_series(args, url, login)
    return run


def cmd_book_series(args: argparse.Namespace, url: str, login: str) -> int:
    if args.until is None and args.count is None:
        raise InvalidInput("Say how long the series runs: --until DATE or --count N.")
    from booking import series  # a series only: a single booking does not load it

    repeat = series.parse_repeat(args.repeat, every=args.every, on=args.on, until=args.until,
                                 count=args.count)
    app = Cospace.open(url, login)
    try:
        result = series.book_series(
            app, args.space, args.start, args.end, repeat, org=args.org,
            attendees=args.attendees, purpose=args.purpose, confidential=args.confidential,
            skip_clashes=args.skip_clashes,
        )
    except series.SeriesConflict as exc:
        if args.json:
            _print_json(exc.to_json())
        print(f"cospace: {exc.message}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        _print_json(result.to_json())
        return 0
    first = result.booked[0]
    print(f"Booked series #{result.series}: {first.space}, {result.description}, for "
          f"{first.org} ({len(result.booked)} dates).")
    for v in result.booked:
        print(f"  #{v.id:<6} {human_span(v.start, v.end, v.tz)}")
    if result.skipped:
        print("Skipped, closed:")
        for s in result.skipped:
            print(f"  {s.describe()}")
    if result.clashes:
        print("Not booked, the space is taken:")
        for c in result.clashes:
            print(f"  {c.describe()}")
    return 0


def _cancel(core_cancel: Command) -> Command:
    def run(args: argparse.Namespace, url: str, login: str) -> int:
        if not (args.series or args.following):
            return core_cancel(args, url, login)
        scope = "all" if args.series else "following"
        if args.booking_id is None:
            raise InvalidInput("--series and --following need a BOOKING_ID.")
        from booking import series

        views = series.cancel_series(Cospace.open(url, login), args.booking_id, scope)
        if args.json:
            _print_json([v.to_json() for v in views])
            return 0
        which = "still to come" if scope == "all" else f"from #{args.booking_id} on"
        print(f"Cancelled {len(views)} date{'s' if len(views) != 1 else ''} of series "
              f"#{views[0].series} {which}:")
        for v in views:
            print(f"  #{v.id:<6} {v.space} {human_span(v.start, v.end, v.tz)}, {v.org}")
        return 0
    return run
