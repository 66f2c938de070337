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
#: Steps of two simulated minutes: 08:30 to 16:30.
STEPS, MINUTES = 240, 2
WARM_UP, BASELINE = 30, 60
OUTAGE = range(150, 155)
#: Allowed growth of traced memory from the baseline to the end, the bounded caches emptied at
#: both (below). A leak of one widget, timer, worker or row per tick would be well over this.
ALLOWED_GROWTH = 150_000


def settled_memory() -> int:
    """Traced memory after a collection, without Rich's process-wide LRU caches of cell
    widths and styles: bounded by design (4,096 entries), they fill with each new line of
    text for a while and would hide a leak of the display's own or swamp the figure."""
    import rich.cells
    import rich.style

    for fn in (rich.cells.cached_cell_len, rich.cells.get_character_cell_size):
        fn.cache_clear()
    for name in dir(rich.style.Style):
        clear = getattr(getattr(rich.style.Style, name, None), "cache_clear", None)
        if clear is not None:
            clear()
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


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
            now = start.add(minutes=MINUTES * step)
            clock.set(now)
            away = OUTAGE.start <= step <= OUTAGE.stop  # unreadable store: nobody books
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
            if step == OUTAGE.start:
                with app.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE booking RENAME TO booking_away")
            if step == OUTAGE.stop:
                with app.engine.begin() as conn:
                    conn.exec_driver_sql("ALTER TABLE booking_away RENAME TO booking")
            display.tick()
            await settle(pilot, 1)
            if step == OUTAGE.start + 2:
                assert "STALE since" in screen_text(display)
            if step == WARM_UP:
                gc.collect()
                tracemalloc.start()
            if step == BASELINE:
                baseline = settled_memory()
        end = settled_memory()
        tracemalloc.stop()
        text = screen_text(display)
        assert "STALE" not in text
        assert "Monday 23 November" in text
        assert display.loads - loads_before >= STEPS - 10  # a read every minute at least
        assert len(list(display.screen.walk_children())) == widgets
        assert threading.active_count() <= threads + 1
        reads = display.loads - loads_before
    growth = end - baseline
    print(f"traced memory: {baseline} bytes at step {BASELINE}, {end} at the end "
          f"({growth:+d}); {reads} reads, {len(booked)} bookings held")
    assert growth < ALLOWED_GROWTH, f"memory grew by {growth} bytes"
