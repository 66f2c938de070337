"""``cospace``: the command line, a thin shell over the same use cases as the terminal app.

Exit codes are a contract: 0 done; 1 refused by a rule, a clash or a permission (the reason on
stderr); 2 input not understood or not found. No traceback ever reaches a user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from booking.errors import CospaceError
from booking.settings import requested_login, resolve_db_url
from cli import allocation, audit, core, export, io, report, series

#: Modules that add sub-commands: each has ``register(subparsers, common)``.
#: ``series`` extends core's book/cancel, so it comes after ``core``; ``export`` adds
#: ``export ical`` to the ``export`` command that ``io`` creates.
COMMAND_MODULES = [core, series, allocation, audit, io, export, report]


TRUST_NOTE = """\
Who you are:
  A SQLite store is one trust domain: anyone who can open the file can read every
  booking in it, and --as (or COSPACE_USER) simply says who is acting. Use it for one
  team or a demo. Several organisations sharing a store need PostgreSQL, where each
  person signs in to the database as themselves, the database login is the acting
  staff member, and the store itself enforces who sees and changes what
  (--as there is for administrators only). See docs/shared-postgresql.md."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"cospace: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL of the store (env COSPACE_DB)")
    common.add_argument("--as", dest="login", default=argparse.SUPPRESS, metavar="LOGIN",
                        help="acting staff login (env COSPACE_USER); SQLite only, or an "
                             "administrator on PostgreSQL")
    parser = Parser(
        prog="cospace",
        description="Room and desk booking for shared jobcentres. "
                    "With no command, opens the terminal app.",
        epilog=TRUST_NOTE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or input argparse did not understand (exit 2)
        return int(exc.code or 0)
    url = resolve_db_url(getattr(args, "db", None))
    login = requested_login(getattr(args, "login", None))
    try:
        if args.command is None:
            from tui.app import run

            return run(url, login)
        return int(args.func(args, url, login) or 0)
    except CospaceError as exc:
        print(f"cospace: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # the last net: a person never sees a traceback
        from booking.identity import refusal

        refused = refusal(exc, url)  # PostgreSQL refused the signed-in login: exit 1
        if refused is not None:
            print(f"cospace: {refused.message}", file=sys.stderr)
            return refused.exit_code
        print(f"cospace: something went wrong: {exc.__class__.__name__}: {exc}",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
