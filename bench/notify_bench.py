"""What the outbox trigger costs a cancel, and how fast the sender empties the outbox.

Three SQLite stores, the same bookings in each; the front desk cancels every booking of an
adviser, one command each, as the terminal app does:

- ``baseline``: the trigger dropped (the store as it was before migration 0007);
- ``no address``: the trigger fires but the booker has no address (nothing queued);
- ``queued``: the booker has an address (one outbox row per cancel).

Then ``notify run`` delivers the queued messages to a local aiosmtpd server. Run:
``.venv/bin/python bench/notify_bench.py [--bookings 300] [--runs 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from booking import mailer, notify  # noqa: E402
from booking.service import Cospace  # noqa: E402
from tests.conftest import NOW, Clock, as_user, seed  # noqa: E402


def _store(path: Path, n: int, mode: str) -> tuple[Cospace, list[int]]:
    app, _ = Cospace.init(f"sqlite:///{path}", "admin", Clock(NOW))
    seed(app)
    if mode == "queued":
        notify.set_email(app, "ncs", "priya@ncs.example")
    if mode == "baseline":
        with app.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER tr_audit_outbox"))
    ncs = as_user(app, "ncs")
    ids: list[int] = []
    day = dt.date(2026, 11, 24)
    while len(ids) < n:
        if day.weekday() < 5:
            for space in ("IR1", "IR2", "IR4"):
                for hour in range(9, 16):
                    if len(ids) < n:
                        ids.append(ncs.book(space, f"{day} {hour:02d}:00",
                                            f"{hour:02d}:45").id)
        day += dt.timedelta(days=1)
    return app, ids


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bookings", type=int, default=300)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    results: dict[str, list[float]] = {"baseline": [], "no address": [], "queued": []}
    send: list[float] = []
    for _ in range(args.runs):
        for mode in results:
            with tempfile.TemporaryDirectory() as tmp:
                app, ids = _store(Path(tmp) / "b.db", args.bookings, mode)
                desk = as_user(app, "desk")
                t0 = time.perf_counter()
                for booking_id in ids:
                    desk.cancel(booking_id)
                results[mode].append((time.perf_counter() - t0) / len(ids) * 1000)
                if mode == "queued":
                    send.append(_send(app, len(ids)))
                app.engine.dispose()
    base = statistics.median(results["baseline"])
    print(f"{args.bookings} cancels per store, median of {args.runs} runs")
    print("| store | ms per cancel | x baseline |")
    print("|---|---:|---:|")
    for mode, values in results.items():
        med = statistics.median(values)
        print(f"| {mode} | {med:.2f} | {med / base:.2f} |")
    print(f"notify run: {statistics.median(send):.2f} ms per message delivered")


def _send(app: Cospace, expected: int) -> float:
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        t0 = time.perf_counter()
        report = notify.run_once(app, mailer.parse(f"smtp://127.0.0.1:{port}"),
                                 limit=expected + 10)
        took = time.perf_counter() - t0
        assert len(report.sent) == expected, report
    finally:
        controller.stop()
    return took / expected * 1000


if __name__ == "__main__":
    main()
