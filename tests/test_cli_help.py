"""The CLI explains itself: every option of every command has a help line, ``--version``,
``--help`` names the store and the environment, and start-up loads only the command's
modules."""

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pytest

from cli import main as cli_main
from cli.main import build_parser, main


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("cospace",)):
    """Every (command path, parser) pair under ``parser``, depth first."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from walk(child, (*path, name))


def _missing_help(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> list[str]:
    out = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions if a.help}
            out += [f"{' '.join(path)} {name}: no help line in the command list"
                    for name in action.choices if name not in helped]
            continue
        if not action.help or action.help == argparse.SUPPRESS:
            out.append(f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}")
    return out


def test_every_option_of_every_command_has_help():
    parser = build_parser()
    paths = [path for path, _ in walk(parser)]
    # the walk really reaches the nested commands
    assert ("cospace", "book") in paths and ("cospace", "space", "set") in paths
    assert ("cospace", "export", "ical") in paths and len(paths) > 30
    missing = [m for path, p in walk(parser) for m in _missing_help(p, path)]
    assert missing == []


def test_book_help_explains_each_option(capsys):
    """The options a newcomer asked about each print words of their own under book --help."""
    assert main(["book", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    book = dict(walk(build_parser()))[("cospace", "book")]
    by_option = {s: a for a in book._actions for s in a.option_strings}
    for option in ("--org", "--attendees", "--purpose", "--confidential", "--json",
                   "--repeat", "--until", "--override"):
        words = " ".join(by_option[option].help.split())
        assert len(words.split()) >= 3, option
        assert words in out, option


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"cospace {version('cospace')}"


def test_help_names_store_and_environment(capsys):
    from booking.settings import default_db_path

    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert str(default_db_path()) in out
    for var in ("COSPACE_DB", "COSPACE_USER", "COSPACE_NOW"):
        assert var in out
    for command in ("book", "report", "completion", "closure", "allocation"):
        assert f"    {command}" in out


def test_command_word_skips_global_options():
    assert cli_main.command_word(["--db", "x.db", "--as", "me", "book", "IR1"]) == "book"
    assert cli_main.command_word(["--db=x.db", "list"]) == "list"
    assert cli_main.command_word(["--as", "list"]) is None  # 'list' is the login here
    assert cli_main.command_word([]) is None


@pytest.mark.parametrize("command", sorted(cli_main.COMMAND_HOMES))
def test_each_command_parses_with_only_its_modules(command):
    """The short start-up parser of a command is the same as the full one's: a module that
    extends a command listed in COMMAND_HOMES must be listed there too."""
    full = dict(walk(build_parser()))
    mine = dict(walk(build_parser(cli_main.modules_for(command))))
    for path, parser in full.items():
        if len(path) > 1 and path[1] == command:
            assert path in mine, path
            assert _shape(parser) == _shape(mine[path]), path


def _shape(parser: argparse.ArgumentParser) -> set[tuple]:
    """What a parser accepts: each argument's name, option strings and choices."""
    return {(a.dest, tuple(a.option_strings),
             tuple(a.choices) if a.choices is not None else None) for a in parser._actions}


def test_startup_imports_only_the_chosen_command():
    """``cospace list`` does not import the reports or the iCalendar export."""
    code = ("import sys; from cli.main import main; "
            "main(['--db', 'sqlite:///' + sys.argv[1], 'list']); "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith(('cli.', 'booking.')))))")
    env = {k: v for k, v in os.environ.items() if k != "COSPACE_DB"}
    out = subprocess.run([sys.executable, "-c", code, "/nonexistent/dir/x.db"],
                         capture_output=True, text=True, env=env, timeout=60).stdout
    assert "cli.core" in out
    for heavy in ("cli.report", "booking.reports", "booking.ical", "cli.export"):
        assert heavy not in out.split()


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_scripts(shell, capsys):
    assert main(["completion", shell]) == 0
    out = capsys.readouterr().out
    assert "cospace" in out
    for word in ("allocation", "closure", "--attendees", "--confidential"):
        assert word in out
    if shell == "zsh":
        assert out.startswith("#compdef cospace")


def test_bash_completion_completes(tmp_path):
    """The bash script, loaded into a real bash, offers the commands and a command's options."""
    script = tmp_path / "cospace.bash"
    proc = subprocess.run([sys.executable, "-m", "cli.main", "completion", "bash"],
                          capture_output=True, text=True, timeout=60)
    script.write_text(proc.stdout)

    def complete(line: str) -> list[str]:
        words = line.split(" ")
        bash = (f"source {script}; COMP_WORDS=({' '.join(words)}); "
                f"COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; "
                "_shtab_cospace; printf '%s\\n' \"${COMPREPLY[@]}\"")
        return subprocess.run(["bash", "-c", bash], capture_output=True, text=True,
                              timeout=30).stdout.split()

    assert {"book", "report", "allocation"} <= set(complete("cospace bo")) | set(
        complete("cospace "))
    assert "book" in complete("cospace bo")
    assert "--attendees" in complete("cospace book --att")


def test_the_cli_reference_lists_every_command_and_option():
    """docs/cli.md names every command (``cospace space set``) and every long option of it."""
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    missing = []
    for path, parser in walk(build_parser()):
        if len(path) > 1 and " ".join(path) not in text:
            missing.append(" ".join(path))
        for action in parser._actions:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help" and option not in text:
                    missing.append(f"{' '.join(path)} {option}")
    assert missing == []


def test_list_loads_only_what_reading_needs_and_collects_garbage_again(tmp_path):
    """A real ``cospace list`` (through the installed entry point) reads the store without
    importing the booking, search, set-up or allocation modules, and leaves the garbage
    collector on: start-up turns it off only while importing (bench/README.md, start-up)."""
    db = tmp_path / "s.db"
    env = {k: v for k, v in os.environ.items() if k != "COSPACE_DB"}
    subprocess.run([sys.executable, "-m", "cospace", "--db", str(db), "init", "--demo"],
                   check=True, capture_output=True, env=env, timeout=120)
    due = _desk_booking_past_its_check_in(db)  # whatever the hour: `list` sweeps one
    code = ("import gc, sys; from cospace.entry import main; "
            "rc = main(['--db', sys.argv[1], '--as', 'frontdesk', 'list', '--json']); "
            "print(rc, gc.isenabled(), file=sys.stderr); "
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('booking.'))), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True,
                          text=True, env=env, timeout=60)
    status, loaded = done.stderr.strip().splitlines()[-2:]
    assert status == "0 True"
    assert done.stdout.startswith("[")
    for unused in ("booking.book", "booking.find", "booking.setup_records",
                   "booking.allocations", "booking.series", "booking.imports"):
        assert unused not in loaded.split(), unused
    assert "booking.browse" in loaded.split()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status FROM booking WHERE id = ?", (due,)).fetchone() == (
            "released",)


def _desk_booking_past_its_check_in(db) -> int:
    """Moves one confirmed booking onto a desk, started an hour ago and not over (whatever
    else was on that desk then is cancelled): the next read's sweep releases it. Returns
    its id."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    start, end = ((now + dt.timedelta(hours=h)).strftime(stamp) for h in (-1, 1))
    with sqlite3.connect(db) as conn:
        desk = conn.execute("SELECT id FROM space WHERE kind = 'desk' LIMIT 1").fetchone()[0]
        booking = conn.execute("SELECT id FROM booking WHERE status = 'confirmed' LIMIT 1"
                               ).fetchone()[0]
        conn.execute("UPDATE booking SET status = 'cancelled' WHERE space_id = ? AND "
                     "start_at < ? AND end_at > ? AND id != ?", (desk, end, start, booking))
        conn.execute("UPDATE booking SET space_id = ?, start_at = ?, end_at = ? WHERE id = ?",
                     (desk, start, end, booking))
    return booking
