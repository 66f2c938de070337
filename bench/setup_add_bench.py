"""Time the set-up adds of the test fixture ``seed`` (16 ``Cospace.add_*`` calls) on a new
SQLite store, for the code tree given (this one, or an older one extracted with
``git archive REV | tar -x -C DIR`` as the baseline of the same run).

    .venv/bin/python bench/setup_add_bench.py DIR [RUNS]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main() -> None:
    tree = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    sys.path.insert(0, tree)
    os.chdir(tree)
    from booking.service import Cospace
    from tests.conftest import Clock, seed

    times = []
    for _ in range(runs):
        url = f"sqlite:///{tempfile.mkdtemp()}/c.db"
        cs, _ = Cospace.init(url, "admin", Clock())
        t = time.perf_counter()
        seed(cs)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"{tree}: median seed (16 add_* calls) {times[len(times) // 2]:.3f} s")


if __name__ == "__main__":
    main()
