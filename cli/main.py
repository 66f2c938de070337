"""``cospace``: the command line, a thin shell over the same use cases as the terminal app.

Exit codes are a contract: 0 done; 1 refused by a rule, a clash or a permission (the reason on
stderr); 2 input not understood or not found. No traceback ever reaches a user.

Start-up is kept short by parsing first and importing only the modules of the command given
(``COMMAND_HOMES``); ``--help``, an unknown command or a command not listed there loads every
module in ``COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any

from booking.limits import mask_passwords, visible

#: Modules that add sub-commands, in the order they register: each has
#: ``register(subparsers, common)``. ``series`` extends core's book/cancel and ``setup`` core's
#: org/site/space/staff, so they come after ``core``; ``export`` adds ``export ical`` to the
#: ``export`` command that ``io`` creates. A module object works here as well as a name.
COMMAND_MODULES: list[str | ModuleType] = [
    "core", "series", "setup", "allocation", "audit", "io", "export", "report", "change",
    "display", "setting", "notify", "completion", "waitlist",
]

#: command -> the modules that build its parser (in ``COMMAND_MODULES`` order). A command not
#: named here loads every module, so a new module works before it is listed.
COMMAND_HOMES: dict[str, tuple[str, ...]] = {
    "init": ("core",),
    "org": ("core", "setup"), "site": ("core", "setup"), "space": ("core", "setup"),
    "staff": ("core", "setup"),
    "book": ("core", "series"), "cancel": ("core", "series"),
    "free": ("core",), "checkin": ("core",), "noshow": ("core",), "list": ("core",),
    "allocation": ("allocation",), "audit": ("audit",),
    "import": ("io",), "closure": ("io",), "export": ("io", "export"),
    "report": ("report",),
    "change": ("change",), "undo": ("change",),
    "display": ("display",), "setting": ("setting",), "notify": ("notify",),
    "wait": ("waitlist",), "waitlist": ("waitlist",), "approve": ("waitlist",),
    "decline": ("waitlist",), "approvals": ("waitlist",),
}

#: Options of ``cospace`` itself that take a value (to find the command word before parsing).
_GLOBAL_WITH_VALUE = ("--db", "--as")

ENVIRONMENT = """\
where the store is:
  default          {default}
  --db URL         a SQLAlchemy URL (sqlite:///FILE or postgresql+psycopg://USER@HOST/DB)
                   or a plain path to a SQLite file

environment variables:
  COSPACE_DB       the store, when --db is not given
  COSPACE_USER     the acting staff login, when --as is not given (default: your OS login)
  COSPACE_NOW      pin the clock (ISO 8601, e.g. 2026-11-26T09:00+00:00) for demos and tests
  PGPASSWORD       a PostgreSQL password (or ~/.pgpass): never put it in the URL
  COSPACE_CACHE_DIR  where worked-out bank holidays are kept (default: the user cache folder)

Start with: cospace init --demo, then cospace --as frontdesk (or cospace COMMAND --help).
Exit codes: 0 done, 1 refused (a rule, a clash, a permission), 2 input not understood or not
found. Full reference: docs/cli.md."""


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


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("cospace")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "unknown"


def _module(entry: str | ModuleType) -> ModuleType:
    return importlib.import_module(f"cli.{entry}") if isinstance(entry, str) else entry


def _name(entry: str | ModuleType) -> str:
    return entry if isinstance(entry, str) else entry.__name__.rsplit(".", 1)[-1]


def command_word(argv: Sequence[str]) -> str | None:
    """The command in ``argv`` (the first word that is not a global option), if any."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--":
            return None
        if arg in _GLOBAL_WITH_VALUE:
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def modules_for(command: str | None) -> list[str | ModuleType]:
    """The modules to load for ``command``: its homes, or every module when it is unknown."""
    homes = COMMAND_HOMES.get(command or "")
    if homes is None:
        return list(COMMAND_MODULES)
    return [m for m in COMMAND_MODULES if _name(m) in homes]


class _Version(argparse.Action):
    """``--version``: the installed version is looked up only when asked for (reading the
    distribution's metadata costs more than parsing a whole command line)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0,
                         help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        parser._print_message(f"cospace {version()}\n", sys.stdout)
        parser.exit()


class _MainParser(Parser):
    """The top-level parser: its epilog names the default store, found (platformdirs) only
    when the help is printed."""

    def format_help(self) -> str:
        if self.epilog is None:
            from booking.settings import default_db_path

            self.epilog = ENVIRONMENT.format(default=default_db_path()) + "\n\n" + TRUST_NOTE
        return super().format_help()


def build_parser(modules: Iterable[str | ModuleType] | None = None) -> argparse.ArgumentParser:
    """The whole parser (every command), or only the commands of ``modules``."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, metavar="URL",
                        help="the store: a SQLAlchemy URL or a SQLite file path (env COSPACE_DB)")
    common.add_argument("--as", dest="login", default=argparse.SUPPRESS, metavar="LOGIN",
                        help="acting staff login (env COSPACE_USER); SQLite only, or an "
                             "administrator on PostgreSQL")
    parser = _MainParser(
        prog="cospace",
        description="Room and desk booking for shared jobcentres. "
                    "With no command, opens the terminal app.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for entry in COMMAND_MODULES if modules is None else modules:
        _module(entry).register(sub, common)
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
    sys.stdout, sys.stderr = out, err
    try:
        return _main(list(sys.argv[1:] if argv is None else argv), out, err, real_out, real_err)
    finally:
        try:
            out.flush()
            err.flush()
        except Exception:
            pass
        sys.stdout, sys.stderr = real_out, real_err


def _parse(argv: list[str]) -> argparse.Namespace:
    """Parse ``argv`` with only the command modules it needs (all of them for --help)."""
    command = command_word(argv)
    if command is not None:
        modules = modules_for(command)
    elif {"-h", "--help"} & set(argv):
        modules = list(COMMAND_MODULES)
    else:  # the terminal app, or --version: no command module is needed
        modules = []
    return build_parser(modules).parse_args(argv)


def collect_garbage_again() -> None:
    """Turn the garbage collector back on after start-up (``cospace.entry`` turns it off for
    the imports), keeping what was imported out of its future passes (``gc.freeze``), the
    one at the process's exit included."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def _main(argv: list[str], out: SafeStream, err: SafeStream, real_out: Any,
          real_err: Any) -> int:
    try:
        args = _parse(argv)
    except SystemExit as exc:  # --help, --version, or input argparse did not understand (2)
        return int(exc.code or 0) if isinstance(exc.code, int | None) else 2
    from booking.errors import CospaceError
    from booking.settings import requested_login, resolve_db_url

    collect_garbage_again()
    url = resolve_db_url(getattr(args, "db", None))
    out.urls = err.urls = (url,)
    login = requested_login(getattr(args, "login", None))
    try:
        if args.command is None:  # the app imports the core and checks COSPACE_NOW itself
            from tui.app import run

            sys.stdout, sys.stderr = real_out, real_err  # the app owns the terminal
            return run(url, login)
        pinned = os.environ.get("COSPACE_NOW")
        if pinned:
            from booking.service import pinned_now

            pinned_now(pinned)  # refuse a clock that cannot be read, before anything runs
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
        from booking.identity import refusal

        refused = refusal(exc, url)  # PostgreSQL refused the signed-in login: exit 1
        if refused is not None:
            print(f"cospace: {refused.message}", file=sys.stderr)
            return refused.exit_code
        from db.engine import translate_error

        plain = translate_error(exc)
        if plain is not None:
            print(f"cospace: {plain.message}", file=sys.stderr)
            return plain.exit_code
        print(f"cospace: something went wrong: {exc.__class__.__name__}: {exc}",
              file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
