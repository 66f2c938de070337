"""The options of the bulk form of ``cancel`` (``cancel --org/--staff --from --to``, run by
:func:`cli.io.cmd_bulk_cancel`), apart from ``cli/io.py`` so that building the ``cancel``
parser does not import the import, export and closure use cases."""

from __future__ import annotations

import argparse


def add_bulk_cancel_arguments(p: argparse.ArgumentParser) -> None:
    """The bulk form of ``cancel``: used when no BOOKING_ID is given."""
    g = p.add_argument_group("cancel several at once (instead of BOOKING_ID)")
    g.add_argument("--org", help="bookings of this organisation")
    g.add_argument("--staff", metavar="LOGIN", help="bookings made by this staff member")
    g.add_argument("--from", dest="date_from", metavar="DATE", help="first day, YYYY-MM-DD")
    g.add_argument("--to", dest="date_to", metavar="DATE",
                   help="last day, YYYY-MM-DD (inclusive)")
    g.add_argument("--dry-run", action="store_true", help="list what would be cancelled")
    g.add_argument("--yes", action="store_true",
                   help="confirm without asking (scripts); without it a terminal asks once")
