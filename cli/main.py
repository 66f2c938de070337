"""``cospace``: the command line, a thin shell over the same use cases as the terminal app.

Exit codes are a contract: 0 done; 1 refused by a rule, a clash or a permission (the reason on
stderr); 2 input not understood or not found. No traceback ever reaches a user.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import Any

from booking.errors import CospaceError
from booking.limits import mask_passwords, visible
from booking.service import pinned_now
from booking.settings import resolve_db_url, resolve_login
from cli import allocation, audit, core, export, io, report, series, setting
from db.engine import translate_error

#: Modules that add sub-commands: each has ``register(subparsers, common)``.
#: ``series`` extends core's book/cancel, so it comes after ``core``; ``export`` adds
#: ``export ical`` to the ``export`` command that ``io`` creates.
COMMAND_MODULES = [core, series, allocation, audit, io, export, report, setting]


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"cospace: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL of the store (env COSPACE_DB)")
    common.add_argument("--as", dest="login", default=argparse.SUPPRESS, metavar="LOGIN",
                        help="acting staff login (env COSPACE_USER)")
    parser = Parser(
        prog="cospace",
        description="Room and desk booking for shared jobcentres. "
                    "With no command, opens the terminal app.",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for module in COMMAND_MODULES:
        module.register(sub, common)
    return parser


class SafeStream:
    """An output stream that no user text can take over: every control character but line
    breaks and tabs is written in visible form (:func:`booking.limits.visible`), and every
    password is masked (:func:`booking.limits.mask_passwords`). Everything the CLI prints to
    standard output and error goes through one of these."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.urls: tuple[str, ...] = ()

    def write(self, text: str) -> int:
        safe = _terminal_safe(text)
        if self.urls or "=" in safe or "://" in safe:
            safe = mask_passwords(safe, *self.urls)
        self._inner.write(safe)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, buffer (binary output), ...
        return getattr(self._inner, name)


_KEEP = re.compile(r"\r\n|[\n\t]")


def _terminal_safe(text: str) -> str:
    """Line breaks (LF, and CRLF as CSV ends its rows) and tabs stay; every other control
    character is made visible."""
    parts = _KEEP.split(text)
    keeps = _KEEP.findall(text)
    out = [visible(parts[0])]
    for keep, part in zip(keeps, parts[1:], strict=True):
        out.append(keep)
        out.append(visible(part))
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is the contract (0, 1 or 2; never a traceback)."""
    real_out, real_err = sys.stdout, sys.stderr
    out, err = SafeStream(real_out), SafeStream(real_err)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    try:
        return _main(argv, out, err, real_out, real_err)
    finally:
        try:
            out.flush()
            err.flush()
        except Exception:
            pass
        sys.stdout, sys.stderr = real_out, real_err


def _main(argv: Sequence[str] | None, out: SafeStream, err: SafeStream,
          real_out: Any, real_err: Any) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or input argparse did not understand (exit 2)
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 2
    url = resolve_db_url(getattr(args, "db", None))
    out.urls = err.urls = (url,)
    login = resolve_login(getattr(args, "login", None))
    try:
        pinned = os.environ.get("COSPACE_NOW")
        if pinned:
            pinned_now(pinned)  # refuse a clock that cannot be read, before anything runs
        if args.command is None:
            from tui.app import run

            sys.stdout, sys.stderr = real_out, real_err  # the app owns the terminal
            return run(url, login)
        return int(args.func(args, url, login) or 0)
    except CospaceError as exc:
        print(f"cospace: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file that cannot be read or written (--out, import FILE)
        where = f" {exc.filename}" if exc.filename else ""
        print(f"cospace: cannot use{where}: {exc.strerror or exc.__class__.__name__}.",
              file=sys.stderr)
        return 2
    except Exception as exc:  # the last net: a person never sees a traceback
        plain = translate_error(exc)
        if plain is not None:
            print(f"cospace: {plain.message}", file=sys.stderr)
            return plain.exit_code
        print(f"cospace: something went wrong: {exc.__class__.__name__}: {exc}",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
