"""Code that runs in worker processes started with the 'spawn' context (concurrency and crash
tests): module-level so that it pickles, and importing nothing from pytest."""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
import time
import traceback

import pendulum

#: The tests' "now": Monday 23 November 2026, 08:00 in London.
NOW = pendulum.datetime(2026, 11, 23, 8, 0, tz="Europe/London").in_timezone("UTC")

LOGINS = ("desk", "ncs", "ncs2", "prob", "admin")
SPACES = ("IR1", "IR2", "IR4", "D01", "D02")
#: Days that are open at the seeded site (Mon-Thu 08:30-17:00), within partners' 8 weeks.
DAYS = ("2026-11-24", "2026-11-25", "2026-11-26", "2026-11-30", "2026-12-01")


def fixed_clock() -> dt.datetime:
    return NOW


def contested_slots() -> list[tuple[str, str, str]]:
    """100 slots, (space, local start, local end): 5 spaces x 2 days x 10 half hours."""
    out = []
    for space in SPACES:
        for k in range(20):
            day = DAYS[k // 10]
            start = dt.datetime.fromisoformat(f"{day} 09:00") + dt.timedelta(minutes=30 * (k % 10))
            end = start + dt.timedelta(minutes=30)
            out.append((space, start.strftime("%Y-%m-%d %H:%M"), end.strftime("%H:%M")))
    return out


def random_slots(seed: int, n: int) -> list[tuple[str, str, str]]:
    """``n`` random slots on the 5 spaces, 15 min to 2 h on the 5-minute grid, within the
    opening hours: plenty of overlaps between processes and within one."""
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        length = rnd.randrange(15, 125, 5)
        start_min = rnd.randrange(8 * 60 + 30, 17 * 60 - length + 1, 5)
        day = dt.datetime.fromisoformat(f"{rnd.choice(DAYS[:3])} 00:00")
        start = day + dt.timedelta(minutes=start_min)
        end = start + dt.timedelta(minutes=length)
        out.append((rnd.choice(SPACES), start.strftime("%Y-%m-%d %H:%M"), end.strftime("%H:%M")))
    return out


def book_all(url: str, login: str, slots: list[tuple[str, str, str]], barrier, results) -> None:
    """Open the store as ``login``, wait for the others, try every slot; report each outcome
    as ("ok", id, seconds) or ("conflict", message, seconds) or ("error", text, seconds)."""
    from booking.errors import Conflict
    from booking.service import Cospace

    out: list[tuple[str, object, float]] = []
    try:
        app = Cospace.open(url, login, fixed_clock)
        app.actor  # noqa: B018 - load before the start line
        barrier.wait(60)
        for space, start, end in slots:
            t0 = time.perf_counter()
            try:
                view = app.book(space, start, end)
                out.append(("ok", view.id, time.perf_counter() - t0))
            except Conflict as exc:
                out.append(("conflict", exc.message, time.perf_counter() - t0))
            except Exception as exc:  # noqa: BLE001 - any other outcome is a failure to report
                out.append(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}",
                            time.perf_counter() - t0))
        app.engine.dispose()
    except Exception:  # noqa: BLE001
        out.append(("error", traceback.format_exc(), 0.0))
    results.put((login, os.getpid(), out))


def crash_writer(url: str, flag: str, n: int) -> None:
    """Insert ``n`` bookings and their audit records in ONE write transaction, slowly enough to
    be killed midway; touch ``flag`` once the first half is written (never commits before the
    parent's SIGKILL arrives, unless it is not killed)."""
    from sqlalchemy import insert, text

    from db.engine import make_engine, write_tx
    from db.queries import add_audit
    from db.tables import Booking

    engine = make_engine(url)
    with write_tx(engine) as conn:
        if engine.dialect.name == "sqlite":
            # A tiny page cache makes SQLite spill uncommitted pages into the WAL file
            # before the kill, as a big batch would.
            conn.exec_driver_sql("PRAGMA cache_size = 20")
        space_id = conn.execute(text("SELECT id FROM space WHERE code = 'WS1'")).scalar()
        org_id = conn.execute(text("SELECT id FROM organisation WHERE code = 'JCP'")).scalar()
        base = dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)
        for i in range(n):
            start = base + dt.timedelta(days=i)
            values = dict(space_id=space_id, org_id=org_id, start_at=start,
                          end_at=start + dt.timedelta(hours=1), status="confirmed",
                          attendees=1, purpose=f"batch {i}", confidential=False,
                          created_at=NOW, updated_at=NOW)
            bid = conn.execute(insert(Booking.__table__).values(**values)
                               ).inserted_primary_key[0]
            add_audit(conn, at=NOW, actor="batch", action="create", entity="booking",
                      entity_id=bid, after={"purpose": values["purpose"]})
            if i == n // 2:
                with open(flag, "w") as fh:
                    fh.write(str(i))
                time.sleep(600)  # killed here, halfway through the batch
    sys.exit(0)


def race(url: str, login: str, action: str, booking_id: int, args: dict, barrier,
         results) -> None:
    """Open the store as ``login``, wait for the others, then do ``action`` on one booking
    (``checkin``, ``cancel``, ``noshow``, ``undo`` or ``change`` with ``args``); report
    ("ok", status) or ("refused", message) or ("error", text)."""
    from booking.change import change_booking
    from booking.errors import CospaceError
    from booking.service import Cospace

    try:
        app = Cospace.open(url, login, fixed_clock)
        app.actor  # noqa: B018 - load before the start line
        barrier.wait(60)
        try:
            if action == "change":
                view = change_booking(app, booking_id, **args)
            else:
                view = getattr(app, action)(booking_id)
            results.put((action, "ok", f"{view.status} {view.space}"))
        except CospaceError as exc:
            results.put((action, "refused", exc.message))
        app.engine.dispose()
    except Exception:  # noqa: BLE001
        results.put((action, "error", traceback.format_exc()))
