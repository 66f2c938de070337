"""``cospace display SITE [--space CODE ...] [--kind KIND] [--show-org]``: the reception screen
or, with one ``--space``, a door sign. Read-only; needs no staff login."""

from __future__ import annotations

import argparse

from booking.models import KINDS


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "display", parents=[common],
        help="full-screen reception display of a site (one --space: a door sign)",
        description="A read-only wall display of what each space is doing now and for the "
                    "rest of the day: busy/free and times only, never a purpose or booker. "
                    "Needs no staff login. q quits, t switches light and dark.")
    p.add_argument("site", metavar="SITE", help="the site to show (its code)")
    p.add_argument("--space", dest="spaces", action="extend", nargs="+", default=[],
                   metavar="CODE", help="only these spaces (one: a door sign)")
    p.add_argument("--kind", choices=KINDS, default=None, help="only this kind of space")
    p.add_argument("--show-org", action="store_true",
                   help="show the short code of the organisation holding a space (never for "
                        "a confidential booking; off by default)")
    p.set_defaults(func=cmd_display)


def cmd_display(args: argparse.Namespace, url: str, login: str) -> int:
    from booking.display import DisplaySource

    source = DisplaySource.open(url, args.site, spaces=args.spaces, kind=args.kind,
                                show_org=args.show_org)
    from tui.display.app import run

    return run(source)
