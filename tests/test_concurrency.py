"""Concurrency proof: many processes booking at once never double-book, and every attempt
either succeeds or gets the plain clash refusal (no lock error, no serialization error, no
traceback). Real processes ('spawn'), a real SQLite file and a real PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter

import pytest
from sqlalchemy import text

from booking.service import Cospace
from tests import workers
from tests.conftest import seed

pytestmark = pytest.mark.slow

OVERLAPS = text("""
    SELECT a.id, b.id FROM booking a JOIN booking b
      ON a.space_id = b.space_id AND a.id < b.id
     AND a.start_at < b.end_at AND b.start_at < a.end_at
     WHERE a.status IN ('confirmed', 'checked_in') AND b.status IN ('confirmed', 'checked_in')
""")


def _store(url: str) -> Cospace:
    app, _ = Cospace.init(url, "admin", workers.fixed_clock)
    seed(app)
    return app


def _run_workers(url: str, jobs: list[tuple[str, list]]) -> list[tuple[str, int, list]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(jobs))
    results = ctx.Queue()
    procs = [ctx.Process(target=workers.book_all, args=(url, login, slots, barrier, results))
             for login, slots in jobs]
    for p in procs:
        p.start()
    out = [results.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    return out


def _check_store(app: Cospace, outcomes: list[tuple[str, object, float]]) -> None:
    errors = [o[1] for o in outcomes if o[0] not in ("ok", "conflict")]
    assert not errors, errors[:3]
    for kind, message, _ in outcomes:
        if kind == "conflict":
            assert "is already booked" in message and "(booking #" in message, message
    won = sorted(o[1] for o in outcomes if o[0] == "ok")
    with app.engine.connect() as conn:
        assert conn.execute(OVERLAPS).all() == []
        rows = sorted(conn.execute(text("SELECT id FROM booking")).scalars())
        audited = sorted(conn.execute(text(
            "SELECT entity_id FROM audit WHERE entity = 'booking' AND action = 'create'"
        )).scalars())
    assert rows == won, "every booking made was reported to its maker, and no other"
    assert audited == rows, "one audit record per booking, none for a refused one"


def test_four_processes_book_100_contested_slots_sqlite(sqlite_url):
    """Issue 2: 4 processes try the same 100 slots at once, each in its own order."""
    app = _store(sqlite_url)
    slots = workers.contested_slots()
    jobs = []
    for i, login in enumerate(("desk", "ncs", "ncs2", "prob")):
        mine = list(slots)
        random.Random(i).shuffle(mine)
        jobs.append((login, mine))
    results = _run_workers(sqlite_url, jobs)
    outcomes = [o for _, _, out in results for o in out]
    _check_store(app, outcomes)
    counts = Counter(o[0] for o in outcomes)
    assert counts == {"ok": 100, "conflict": 300}, counts
    with app.engine.connect() as conn:
        per_slot = conn.execute(text(
            "SELECT space_id, start_at, count(*) FROM booking GROUP BY space_id, start_at"
        )).all()
    assert len(per_slot) == 100 and all(n == 1 for *_, n in per_slot)


def test_eight_processes_book_random_overlapping_slots(any_url):
    """Issue 6: 8 processes each try 200 randomly overlapping slots on 5 spaces at once."""
    app = _store(any_url)
    logins = ("desk", "ncs", "ncs2", "prob", "admin", "desk", "ncs", "prob")
    jobs = [(login, workers.random_slots(seed=i, n=200)) for i, login in enumerate(logins)]
    results = _run_workers(any_url, jobs)
    outcomes = [o for _, _, out in results for o in out]
    assert len(outcomes) == 1600
    _check_store(app, outcomes)
    counts = Counter(o[0] for o in outcomes)
    assert counts["ok"] > 50 and counts["conflict"] > 50, counts
