"""The PostgreSQL tests' gate: without COSPACE_TEST_PG they skip on a developer's machine,
saying how to run them, and fail in CI (CI=true), where a skip would hide a backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pytest_without_pg(ci: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COSPACE_TEST_PG", "CI")}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:textual-snapshot", "-p", "no:syrupy", "-rs",
         "tests/test_core_smoke.py", "-k", "pg"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.mark.slow
def test_pg_tests_skip_locally_and_say_how_to_run():
    run = _pytest_without_pg(None)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "skipped" in run.stdout and "failed" not in run.stdout
    assert "COSPACE_TEST_PG=postgresql+psycopg://" in run.stdout
    assert ".ci/run" in run.stdout


@pytest.mark.slow
def test_pg_tests_fail_in_ci_instead_of_skipping():
    run = _pytest_without_pg("true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI must set COSPACE_TEST_PG" in run.stdout
    assert "skipped" not in run.stdout
