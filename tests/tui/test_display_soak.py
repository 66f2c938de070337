"""Soak: the display through a simulated working day of changes (the pinned clock advanced a
minute a tick, bookings made and cancelled by another connection all the while, the store
unreadable for a spell) keeps the same widgets, threads and memory."""

from __future__ import annotations

import gc
import random
import threading
import tracemalloc

import pendulum
import pytest

from booking.errors import CospaceError
from booking.service import Cospace
from tests.conftest import LONDON, Clock, as_user
from tests.tui.helpers import settle, sync
from tests.tui.test_display import screen_text, shown
from tui.display.app import make_display_app

SPACES = ["IR1", "IR2", "IR4", "IR5", "D01", "D02", "WS1"]
#: Steps of one simulated minute: 08:30 to 16:30.
STEPS = 480
WARM_UP, BASELINE = 60, 120
#: Allowed growth of traced memory from the baseline to the end. Textual and SQLAlchemy fill
#: bounded caches (styles, compiled statements) early; a leak of one widget, timer or row per
#: tick would be several megabytes by the end.
ALLOWED_GROWTH = 400_000


@pytest.mark.slow
@sync
async def test_memory_stays_flat_through_a_day_of_changes(app: Cospace, clock: Clock) -> None:
    rng = random.Random(19)
    desk = as_user(app, "desk")
    start = pendulum.datetime(2026, 11, 23, 8, 30, tz=LONDON)
    clock.set(start)
    from booking.display import DisplaySource

    display = make_display_app(DisplaySource(app.engine, "NGT", clock=clock), poll=False)
    booked: list[int] = []
    async with display.run_test(size=(120, 40)) as pilot:
        await shown(pilot)
        widgets = len(list(display.screen.walk_children()))
        threads = threading.active_count()
        baseline = 0
        loads_before = display.loads
        for step in range(STEPS):
            now = start.add(minutes=step)
            clock.set(now)
            away = 300 <= step < 310  # the store unreadable: nobody books meanwhile
            if step % 3 == 0 and not away:  # a booking for later today
                at = now.add(minutes=rng.choice([15, 30, 45, 60, 90]))
                at = at.subtract(minutes=at.minute % 15)
                try:
                    view = desk.book(rng.choice(SPACES), at.format("YYYY-MM-DD HH:mm"),
                                     at.add(minutes=30).format("HH:mm"))
                    booked.append(view.id)
                except CospaceError:
                    pass  # taken, or past closing
            if step % 10 == 5 and booked and not away:
                try:
                    desk.cancel(booked.pop(rng.randrange(len(booked))))
                except CospaceError:
                    pass  # already under way or over
            if step == 300:
                with app.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE booking RENAME TO booking_away")
            if step == 310:
                with app.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE booking_away RENAME TO booking")
            display.tick()
            await settle(pilot, 1)
            if step == 305:
                assert "STALE since" in screen_text(display)
            if step == WARM_UP:
                gc.collect()
                tracemalloc.start()
            if step == BASELINE:
                gc.collect()
                baseline = tracemalloc.get_traced_memory()[0]
        gc.collect()
        end = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        text = screen_text(display)
        assert "STALE" not in text
        assert "Monday 23 November" in text
        assert display.loads - loads_before >= STEPS - 20  # a read every minute at least
        assert len(list(display.screen.walk_children())) == widgets
        assert threading.active_count() <= threads + 1
        growth = end - baseline
        print(f"traced memory: {baseline} bytes at step {BASELINE}, {end} at the end "
              f"({growth:+d}); {display.loads - loads_before} reads, {len(booked)} bookings")
        assert growth < ALLOWED_GROWTH, f"memory grew by {growth} bytes"
