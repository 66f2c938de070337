"""The wheel, installed as a tool would install it: in an environment of its own, with the
``cospace`` command; and the start-up check that refuses, in plain words, a foreign package
named ``cli`` or ``db`` in place of cospace's own."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from cospace import entry

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("booking", "cli", "cospace", "db", "tui", "pyproject.toml", "README.md")


def _run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from a copy of the source tree, installed into a fresh virtual
    environment; third-party dependencies come from this test run's environment (a path in a
    .pth file) so nothing is downloaded."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, src / name)
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                  str(tmp / "dist"), str(src)])
    assert built.returncode == 0, built.stderr
    wheel = next((tmp / "dist").glob("cospace-*.whl"))
    venv = tmp / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    done = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                 "--no-deps", str(wheel)])
    assert done.returncode == 0, done.stderr
    purelib = Path(_run([str(python), "-c", "import sysconfig; "
                         "print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return wheel, venv / "bin" / "cospace", purelib


def _env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "COSPACE_DB", "COSPACE_USER")}
    return {**env, "COSPACE_NOW": "2026-11-26T09:00:00+00:00", **extra}


def test_wheel_holds_the_packages_and_their_data(installed):
    wheel, _, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"booking", "cli", "cospace", "db", "tui",
                                                 "cospace-0.1.0.dist-info"}
    assert any(n.startswith("db/migrations/versions/0001") for n in names)
    assert "tui/app.tcss" in names
    assert "cospace = cospace.entry:main" in zipfile.ZipFile(wheel).read(
        "cospace-0.1.0.dist-info/entry_points.txt").decode()


def test_installed_command_runs(installed, tmp_path):
    _, cospace, purelib = installed
    version = _run([str(cospace), "--version"], env=_env(), cwd=tmp_path)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "cospace 0.1.0"
    db = tmp_path / "demo.db"
    init = _run([str(cospace), "--db", str(db), "--as", "boss", "init", "--demo"], env=_env(),
                cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert init.stdout.strip().splitlines()[-1] == f"Try: cospace --db {db} --as frontdesk"
    free = _run([str(cospace), "--db", str(db), "--as", "frontdesk", "free", "NGT", "desk",
                 "2026-11-27 14:00", "14:30", "--json"], env=_env(), cwd=tmp_path)
    assert free.returncode == 0, free.stderr
    space = json.loads(free.stdout)[0]["space"]
    book = _run([str(cospace), "--db", str(db), "--as", "frontdesk", "book", space,
                 "2026-11-27 14:00", "14:30", "--org", "NCS"], env=_env(), cwd=tmp_path)
    assert book.returncode == 0 and book.stdout.startswith("Booked #"), book.stderr
    # the code that ran is the installed copy, not the source tree
    where = _run([str(purelib.parent.parent.parent / "bin" / "python"), "-c",
                  "import cli, db; print(cli.__file__); print(db.__file__)"], env=_env(),
                 cwd=tmp_path)
    assert all(line.startswith(str(purelib)) for line in where.stdout.split())


def test_a_foreign_package_on_the_path_is_refused(installed, tmp_path):
    _, cospace, _ = installed
    (tmp_path / "shadow" / "cli").mkdir(parents=True)
    (tmp_path / "shadow" / "cli" / "__init__.py").write_text("raise SystemExit('wrong cli')\n")
    proc = _run([str(cospace), "--version"], env=_env(PYTHONPATH=str(tmp_path / "shadow")),
                cwd=tmp_path)
    assert proc.returncode == 2
    assert "the package 'cli' Python finds is" in proc.stderr
    assert str(tmp_path / "shadow" / "cli") in proc.stderr
    assert "pipx install ." in proc.stderr and "wrong cli" not in proc.stderr


def test_files_another_distribution_wrote_over_ours_are_refused(installed, tmp_path):
    _, cospace, purelib = installed
    init = purelib / "db" / "__init__.py"
    original = init.read_bytes()
    try:
        init.write_text('"""Some other project\'s db package."""\n')
        proc = _run([str(cospace), "--version"], env=_env(), cwd=tmp_path)
        assert proc.returncode == 2
        assert f"{init} is not cospace's" in proc.stderr
    finally:
        init.write_bytes(original)
    assert _run([str(cospace), "--version"], env=_env(), cwd=tmp_path).returncode == 0


def test_source_tree_passes_the_check():
    """Running from this checkout (an editable install): every package is found here."""
    assert entry.shadowed() == [] and entry.overwritten() == [] and entry.check() is None
    assert entry.home() == ROOT
