"""``cospace export ical --org ORG [--from DATE] [--to DATE]``: an organisation's bookings as
an iCalendar file on standard output (``> slots.ics``)."""

from __future__ import annotations

import argparse
import sys

from booking.errors import InvalidInput
from booking.ical import export_ical
from booking.service import Cospace
from booking.timeutil import parse_date


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``ical`` to the ``export`` command that cli/io.py creates (``export bookings``)."""
    export = sub.choices["export"]
    export_sub = next(a for a in export._actions
                      if isinstance(a, argparse._SubParsersAction))
    p = export_sub.add_parser("ical", parents=[common],
                              help="an organisation's bookings as iCalendar (.ics)")
    p.add_argument("--org", required=True, help="the organisation whose bookings to export")
    p.add_argument("--from", dest="date_from", help="first date, YYYY-MM-DD (default today)")
    p.add_argument("--to", dest="date_to", help="last date, YYYY-MM-DD")
    p.set_defaults(func=cmd_export_ical)


def cmd_export_ical(args: argparse.Namespace, url: str, login: str) -> int:
    start = parse_date(args.date_from) if args.date_from else None
    end = parse_date(args.date_to) if args.date_to else None
    if start and end and end < start:
        raise InvalidInput("--to is before --from.")
    data = export_ical(Cospace.open(url, login), args.org, start, end)
    sys.stdout.write(data.decode("utf-8"))
    sys.stdout.flush()
    return 0
