"""The week's hours of an allocation, summed in the database (``db.allocations.org_kind_hours``:
on SQLite three ranges of the covering index — the bookings starting in the window whole,
less the overhang of those ending after it, plus the part inside of those started before it)
must equal the plain Python reckoning of the same bookings (``hours_within``), on both
backends: whatever the window (a week, a day, a few minutes inside one booking), bookings
crossing either end or both, touching them, of other organisations, kinds and statuses, and
bookings left out (a move)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from booking.allocations import hours_within
from booking.models import MAX_BOOKING_MINUTES
from booking.service import Cospace
from db import allocations as qa
from db import queries as q
from db.engine import read_tx, write_tx
from db.tables import ACTIVE_STATUSES, BOOKING_STATUSES
from tests.conftest import NOW

U = dt.UTC
T0 = dt.datetime(2026, 12, 6, 23, 0, tzinfo=U)  # Mon 7 Dec 2026, London midnight (GMT)
H = dt.timedelta(hours=1)


def _fill(app: Cospace, seed: int) -> list[tuple[int, str, int, dt.datetime, dt.datetime, str]]:
    """About 300 bookings over three weeks on every space (sequential on each space, so no
    two overlap), random lengths up to the longest allowed, organisations and statuses;
    written straight to the store. Returns (id, org code, space id, start, end, status)."""
    rng = random.Random(seed)
    orgs = {o.code: o.id for o in app.orgs()}
    out = []
    with write_tx(app.engine) as conn:
        for sp in app.spaces("NGT"):
            t = T0 - dt.timedelta(days=3) + dt.timedelta(minutes=rng.randrange(0, 600))
            while t < T0 + dt.timedelta(days=17):
                length = dt.timedelta(minutes=rng.choice(
                    [15, 30, 60, 90, 240, 600, MAX_BOOKING_MINUTES, rng.randrange(1, 1440)]),
                    seconds=rng.choice([0, 0, 0, 17]))
                org = rng.choice(["NCS", "NCS", "NCS", "JCP", "PROB"])
                status = rng.choice([*ACTIVE_STATUSES, *BOOKING_STATUSES])
                bid = q.insert_booking(conn, dict(
                    space_id=sp.id, org_id=orgs[org], booked_by_id=None, start_at=t,
                    end_at=t + length, status=status, attendees=1, purpose="",
                    confidential=False, created_at=NOW, updated_at=NOW, series_id=None,
                    moved_from=None))
                out.append((bid, org, sp.id, t, t + length, status))
                t += length + dt.timedelta(minutes=rng.choice([0, 0, 15, 45, 180, 900]))
    return out


def _windows(rng: random.Random, stored: list[Any]) -> list[tuple[dt.datetime, dt.datetime]]:
    week = [(T0 + dt.timedelta(days=7 * k), T0 + dt.timedelta(days=7 * k + 7))
            for k in (-1, 0, 1, 2)]
    days = [(T0 + dt.timedelta(days=k), T0 + dt.timedelta(days=k + 1)) for k in range(0, 14, 3)]
    # Windows at booking ends (touching), and a few minutes inside one long booking.
    edges = [(s, e) for _, _, _, s, e, _ in rng.sample(stored, 8)]
    inside = [(s + dt.timedelta(minutes=5), s + dt.timedelta(minutes=20))
              for _, _, _, s, e, _ in stored if e - s >= dt.timedelta(hours=4)][:6]
    starts = [T0 + dt.timedelta(minutes=rng.randrange(0, 20000)) for _ in range(6)]
    short = [(a, a + dt.timedelta(minutes=rng.randrange(1, 3000))) for a in starts]
    return [*week, *days, *edges, *inside, *short]


def test_org_kind_hours_equal_the_python_reckoning(any_app: Cospace) -> None:
    stored = _fill(any_app, 17)
    rng = random.Random(4)
    site = any_app.site("NGT")
    orgs = {o.code: o.id for o in any_app.orgs()}
    kinds = {s.id: s.kind for s in any_app.spaces("NGT")}
    checked = crossing = 0
    with read_tx(any_app.engine) as conn:
        for lo, hi in _windows(rng, stored):
            for org, kind in (("NCS", "interview"), ("NCS", "desk"), ("JCP", "interview")):
                mine = [(bid, s, e) for bid, o, sp, s, e, st in stored
                        if o == org and kinds[sp] == kind and st in ACTIVE_STATUSES]
                left_out = [bid for bid, _, _ in rng.sample(mine, min(3, len(mine)))]
                for exclude in ([], left_out):
                    want = hours_within([(s, e) for bid, s, e in mine if bid not in exclude],
                                        lo, hi)
                    got = qa.org_kind_hours(conn, org_id=orgs[org], site_id=site.id,
                                            kind=kind, start=lo, end=hi, exclude_ids=exclude)
                    assert abs(got - want) < 1e-9, (lo, hi, org, kind, exclude, got, want)
                    checked += want > 0
                crossing += any(s < lo < e or s < hi < e for _, s, e in mine)
    assert checked > 40 and crossing > 20  # real sums, with bookings across the ends
