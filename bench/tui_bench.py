"""Terminal-app timings users wait for: launch to a board with data, and redrawing a big day.

    .venv/bin/python bench/tui_bench.py [--runs 5] [--startup-only]

1. *Start-up*: a fresh ``python`` process opens the demo store (``cospace init --demo``) and runs
   the app headless; we time from spawning the process to its first frame, and to the first
   frame drawn after the board got its data (imports, store check, queries and first paint
   included), next to a bare Textual app (header, a line, footer) to its first frame,
   interleaved run by run. Where tmux is
   installed, also the real ``cospace`` command in a tmux pane until the board text appears.
2. *Re-render of a 60-space day* (one site, 60 spaces, 3–4 bookings each): painting every line
   of the board (what Textual asks for on a full refresh), moving the cursor (state change +
   repaint), and changing day (the worker's store query + rebuild + repaint).

Figures are medians; the machines are shared and noisy, so compare runs made together.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = "2026-11-23T10:05:00+00:00"  # a Monday, 10:05 London

CHILD = r"""
import sys, time
from tui.app import opening_app
app = opening_app(sys.argv[1], "frontdesk", poll=False)  # what 'cospace' runs

class Timed(type(app)):
    def on_mount(self):  # after the app's own on_mount (Textual calls both)
        self.call_after_refresh(lambda: print("FIRST", time.thread_time(), flush=True))

app.__class__ = Timed
orig = app.board_ready
def board_ready():
    first = not app.first_data_shown
    orig()
    if first:
        app.call_after_refresh(lambda: (print("READY", time.process_time(), flush=True),
                                        app.exit()))
app.board_ready = board_ready
app.run(headless=True, size=(100, 30))
"""

#: The baseline: a bare Textual app (a header, one line of text, a footer) to its first frame.
BARE = r"""
import time
from textual.app import App
from textual.widgets import Footer, Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("loading")
        yield Footer()

    def on_mount(self):
        self.call_after_refresh(lambda: (print("FIRST", time.thread_time(), flush=True),
                                         self.exit()))

Bare().run(headless=True, size=(100, 30))
"""


def demo_store(folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.db'}"
    subprocess.run([sys.executable, "-m", "cli.main", "--db", url, "init", "--demo"],
                   check=True, capture_output=True, cwd=ROOT,
                   env={**os.environ, "COSPACE_NOW": NOW})
    return url


class Times:
    """Wall seconds from spawning the process, and its CPU seconds at a mark it printed (at
    FIRST the main thread's, ``time.thread_time``; at READY all threads',
    ``time.process_time``)."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def read(self, line: str, t0: float) -> None:
        mark, _, cpu = line.strip().partition(" ")
        self.wall[mark] = time.perf_counter() - t0
        self.cpu[mark] = float(cpu or "nan")


def launch(code: str, *args: str, until: str) -> Times:
    """Spawn ``python -c code``; read the marks it prints until ``until``."""
    env = {**os.environ, "COSPACE_NOW": NOW}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    assert proc.stdout is not None
    seen = Times()
    for line in proc.stdout:
        seen.read(line, t0)
        if until in seen.wall:
            break
    proc.wait(timeout=30)
    if until not in seen.wall or "FIRST" not in seen.wall:
        raise RuntimeError(f"it did not start: {proc.stderr.read() if proc.stderr else ''}")
    return seen


def startup_headless(url: str) -> Times:
    """The app: launch to the first frame (FIRST), and to the first frame with the board's
    data (READY)."""
    return launch(CHILD, url, until="READY")



def bare_textual() -> Times:
    """A bare Textual app: launch to its first frame."""
    return launch(BARE, until="FIRST")


def startup_tmux(url: str) -> tuple[float, float] | None:
    """The real ``cospace`` in a tmux pane: seconds until the loading board (or the board)
    shows, and until the board's text shows."""
    tmux = shutil.which("tmux")
    cospace = Path(sys.executable).parent / "cospace"
    if tmux is None or not cospace.exists():
        return None
    name = f"bench-{uuid.uuid4().hex[:6]}"
    t0 = time.perf_counter()
    command = [tmux, "new-session", "-d", "-s", name, "-x", "100", "-y", "30",
               f"env COSPACE_NOW={NOW} {cospace} --db {url} --as frontdesk"]
    if subprocess.run(command, capture_output=True).returncode:  # a server just exiting
        time.sleep(0.2)
        t0 = time.perf_counter()
        subprocess.run(command, check=True)
    first = None
    try:
        while time.perf_counter() - t0 < 30:
            screen = subprocess.run([tmux, "capture-pane", "-p", "-t", name],
                                    capture_output=True, text=True).stdout
            if first is None and ("Loading the board" in screen or "Interview rooms" in screen):
                first = time.perf_counter() - t0
            if "Interview rooms" in screen and first is not None:
                return first, time.perf_counter() - t0
            time.sleep(0.01)
        return None
    finally:
        subprocess.run([tmux, "kill-session", "-t", name], capture_output=True)


def big_site(folder: Path):  # type: ignore[no-untyped-def]
    """A site of 60 spaces with 3–4 bookings per space on one Monday."""
    import pendulum

    from booking.service import Cospace

    clock_now = pendulum.instance(dt.datetime.fromisoformat(NOW))
    cs, _ = Cospace.init(f"sqlite:///{folder / 'big.db'}", "admin", lambda: clock_now)
    cs.add_org("JCP", "Jobcentre Plus", host=True)
    for code in ("NCS", "CNCL", "CAB", "PROB"):
        cs.add_org(code, code)
    cs.add_site("BIG", "Big Jobcentre", hours="mon-fri 08:30-17:00")
    cs.add_staff("admin", name="Admin", org="JCP", role="admin")
    kinds = ["interview"] * 30 + ["desk"] * 24 + ["workshop"] * 6
    rng = random.Random(60)
    orgs = ["JCP", "JCP", "NCS", "CNCL", "CAB", "PROB"]
    for n, kind in enumerate(kinds):
        code = f"{kind[0].upper()}{n:02d}"
        cs.add_space(code, site="BIG", kind=kind, capacity=4 if kind != "workshop" else 20,
                     features="wifi", private=kind == "interview")
        starts = sorted(rng.sample(range(10 * 60, 16 * 60, 90), rng.randint(3, 4)))
        for s in starts:
            length = 60 if kind != "workshop" else 90
            cs.book(code, f"2026-11-24 {s // 60:02d}:{s % 60:02d}",
                    f"{(s + length) // 60:02d}:{(s + length) % 60:02d}",
                    org=rng.choice(orgs), purpose="bench")
    return cs


async def rerender(cs, runs: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    from tui.app import make_app
    from tui.data import load_board
    from tui.widgets.board_grid import BoardGrid

    app = make_app(cs, poll=False)
    out: dict[str, list[float]] = {"paint": [], "cursor": [], "day": []}
    async with app.run_test(size=(160, 50)) as pilot:
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.first_data_shown:
                break
        grid = app.views["board"].query_one(BoardGrid)
        day = dt.date(2026, 11, 24)
        data = load_board(cs, "BIG", day)
        grid.show(data)
        height = grid.size.height

        def paint() -> None:
            for y in range(height):
                grid.render_line(y)

        for _ in range(runs * 20):
            t = time.perf_counter()
            paint()
            out["paint"].append(time.perf_counter() - t)
        for i in range(runs * 20):
            t = time.perf_counter()
            grid.action_move(1 if i % 2 == 0 else -1, 1 if i % 4 < 2 else -1)
            paint()
            out["cursor"].append(time.perf_counter() - t)
        for i in range(runs * 4):
            t = time.perf_counter()
            grid.show(load_board(cs, "BIG", day + dt.timedelta(days=7 * (i % 2))))
            paint()
            out["day"].append(time.perf_counter() - t)
    return out


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up figures (no 60-space re-render)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = demo_store(folder)
        startup_headless(url)  # warm the disk cache and .pyc files
        bare_textual()
        apps, bares = [], []
        for _ in range(args.runs):  # interleaved: the same load on both
            apps.append(startup_headless(url))
            bares.append(bare_textual())
        load = os.getloadavg()[0]
        firsts = [a.wall["FIRST"] for a in apps]
        heads = [a.wall["READY"] for a in apps]
        gaps = [a.wall["FIRST"] - b.wall["FIRST"] for a, b in zip(apps, bares, strict=True)]
        cpu_gaps = [a.cpu["FIRST"] - b.cpu["FIRST"] for a, b in zip(apps, bares, strict=True)]
        bares_wall = [b.wall["FIRST"] for b in bares]
        print(f"start-up, launch to the first frame (headless, demo site, {args.runs} runs "
              f"interleaved, load {load:.2f}): median {ms(firsts)}; a bare Textual app's "
              f"first frame, same run: {ms(bares_wall)}; "
              f"difference pair by pair: median {ms(gaps)} wall, {ms(cpu_gaps)} CPU "
              f"(target <= 150 ms; first frame / bare = "
              f"{statistics.median(firsts) / statistics.median(bares_wall):.2f})")
        print(f"  main thread's CPU to the first frame: app {ms([a.cpu['FIRST'] for a in apps])}"
              f", bare {ms([b.cpu['FIRST'] for b in bares])}")
        print(f"start-up, launch to first frame with data (headless, demo site): "
              f"median {ms(heads)} of {args.runs} (min {min(heads) * 1000:.0f} ms, "
              f"max {max(heads) * 1000:.0f} ms; "
              f"CPU, all threads {ms([a.cpu['READY'] for a in apps])}; "
              f"target < 1 s)")
        tm = [t for t in (startup_tmux(url) for _ in range(args.runs)) if t is not None]
        if tm:
            print(f"start-up, real 'cospace' in tmux (100x30): the loading board shows after "
                  f"median {ms([t[0] for t in tm])}, the board's text after "
                  f"{ms([t[1] for t in tm])}, of {len(tm)}")
        baseline = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import textual.app"], check=True)
            baseline.append(time.perf_counter() - t)
        ratio = statistics.median(heads) / statistics.median(baseline)
        print(f"baseline: python + 'import textual.app' alone: median {ms(baseline)} "
              f"(start-up / baseline = {ratio:.1f})")
        core = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import textual.app, booking.service"],
                           check=True, cwd=ROOT)
            core.append(time.perf_counter() - t)
        ratio = statistics.median(heads) / statistics.median(core)
        print(f"baseline: python + 'import textual.app, booking.service' (the core: SQLAlchemy, "
              f"SQLModel, pendulum, holidays): median {ms(core)} (start-up / it = {ratio:.1f})")
        if args.startup_only:
            return
        cs = big_site(folder)
        res = asyncio.run(rerender(cs, args.runs))
        print(f"60-space day, paint every line of the board (160x50): median {ms(res['paint'])}")
        print(f"60-space day, move the cursor + repaint: median {ms(res['cursor'])}")
        print(f"60-space day, change day (query + rebuild + repaint): median {ms(res['day'])}")


if __name__ == "__main__":
    main()
