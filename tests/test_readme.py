"""The README works as written: its tour, run command by command, prints what it shows, and
its test command is the one CI runs."""

import fnmatch
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COSPACE = Path(sys.executable).parent / "cospace"


def tour() -> list[tuple[str, list[str]]]:
    """The README's console block: each ``$ command`` with the lines it shows."""
    block = re.search(r"```console\n(.*?)```", README, re.S)
    assert block, "the README has a ```console block (the tour)"
    steps: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def test_the_tour_prints_what_the_readme_shows(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("COSPACE_") and k != "PYTHONPATH"}
    steps = tour()
    assert [s for s, _ in steps if "checkin" in s and "report" not in s]
    for command, shown in steps:
        if command.startswith("export "):
            for pair in shlex.split(command)[1:]:
                key, _, value = pair.partition("=")
                env[key] = value
            continue
        assert command.startswith(".venv/bin/cospace "), command
        argv = [str(COSPACE), *shlex.split(command)[1:]]
        proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        printed = (proc.stdout + proc.stderr).splitlines()
        refused = any(line.startswith("cospace: ") for line in shown)
        assert proc.returncode == (1 if refused else 0), (command, proc.stderr)
        at = 0
        for want in shown:  # each shown line, in order ('...' stands for anything)
            pattern = want.replace("[", "[[]").replace("...", "*")
            while at < len(printed) and not fnmatch.fnmatchcase(printed[at].rstrip(),
                                                                 pattern.rstrip()):
                at += 1
            assert at < len(printed), f"{command}: expected {want!r} in\n" + "\n".join(printed)
            at += 1


def test_ci_runs_the_readme_test_command_word_for_word():
    command = ("python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && "
               ".venv/bin/python -m pytest")
    assert f"```\n{command}\n```" in README
    ci = (ROOT / ".ci" / "run").read_text()
    assert ci.rstrip().splitlines()[-1] == command


def test_the_launch_command_is_there_and_its_store_steps_work(tmp_path):
    launch = re.search(r"^(python3 -m venv \.venv && \.venv/bin/pip install -q -e \. && .*)$",
                       README, re.M)
    assert launch, "the README's install-and-launch command"
    parts = launch.group(1).split(" && ")
    assert parts[-1] == ".venv/bin/cospace --db sqlite:///demo.db --as frontdesk"
    init = shlex.split(parts[2])
    assert init[0] == ".venv/bin/cospace" and init[-2:] == ["init", "--demo"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COSPACE_")}
    proc = subprocess.run([str(COSPACE), *init[1:]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "Try: cospace --db sqlite:///demo.db --as frontdesk"
    assert (tmp_path / "demo.db").exists()


def test_readme_links_exist_or_are_coming():
    """Every docs/ link resolves, except the guides other issues add."""
    coming = {"docs/shared-postgresql.md", "docs/changing-bookings.md", "docs/display.md",
              "docs/estates-decisions.md"}
    for target in set(re.findall(r"\]\(([^)#]+)", README)):
        if target.startswith("http"):
            continue
        assert (ROOT / target).exists() or target in coming, target
