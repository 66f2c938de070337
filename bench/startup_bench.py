"""Start-up of CLI commands against ``python -c "import sqlmodel"``, paired run by run.

Each command is a fresh ``cospace`` process on a demo store (``cospace init --demo``, the clock
pinned with ``COSPACE_NOW``); the baseline is a fresh ``python`` that only imports SQLModel
(with it SQLAlchemy and pydantic, which every command needs). Command and baseline run in
turn, A B A B ..., and each pair's ratio is taken, so a machine whose speed drifts moves both
sides; the medians of those ratios are printed, for wall time and for CPU time (the child's
user + system time from ``os.wait4``). A warm-up pair of each is not counted (it also fills
the bank-holiday cache, as any first command on a machine would).

    .venv/bin/python bench/startup_bench.py --runs 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-12-02T08:00+00:00"
ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

COMMANDS = {
    "list (one day)": ["list", "--from", "2026-12-02", "--to", "2026-12-02"],
    "list (from today)": ["list"],
    "free": ["free", "NGT", "interview", "2026-12-03T10:00", "2026-12-03T11:00"],
    "book (refused: taken)": ["book", "IR1", "2026-12-09T09:00", "2026-12-09T09:15"],
    "cancel --help": ["cancel", "--help"],
}
BASELINE = [sys.executable, "-c", "import sqlmodel"]


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process running ``argv``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = 0  # reaped above
    return wall, usage.ru_utime + usage.ru_stime


def pair_ratios(argv: list[str], env: dict[str, str], runs: int) -> dict[str, float]:
    timed(argv, env), timed(BASELINE, env)  # warm-up, not counted
    walls, cpus, a_wall, b_wall = [], [], [], []
    for _ in range(runs):
        aw, ac = timed(argv, env)
        bw, bc = timed(BASELINE, env)
        walls.append(aw / bw)
        cpus.append(ac / bc)
        a_wall.append(aw)
        b_wall.append(bw)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "a": statistics.median(a_wall), "b": statistics.median(b_wall)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cospace-startup-"))
    env = {**os.environ, "COSPACE_NOW": NOW, "COSPACE_DB": str(work / "demo.db"),
           "COSPACE_USER": "frontdesk", "COSPACE_CACHE_DIR": str(work / "cache")}
    cospace = str(BIN / "cospace")
    subprocess.run([cospace, "init", "--demo"], env=env, check=True, capture_output=True)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.runs} pairs each; "
          f"baseline: python -c 'import sqlmodel'")
    print(f"{'command':<24} {'A wall s':>9} {'B wall s':>9} {'A/B wall':>9} {'A/B cpu':>8}")
    for name, words in COMMANDS.items():
        r = pair_ratios([cospace, *words], env, args.runs)
        print(f"{name:<24} {r['a']:>9.3f} {r['b']:>9.3f} {r['wall']:>9.2f} {r['cpu']:>8.2f}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
