"""``busy_intervals`` (behind ``free`` and search) runs a statement compiled once on the
driver's cursor, with its own conversion of the stored times: it must give exactly what the
general path (a SQLAlchemy select through ``Connection.execute``) gives, on both backends,
on ordinary days and on the days the clocks change, at the window's edges and for every
status. And the fast SQLite conversion of ``UTCDateTime`` must equal SQLAlchemy's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from booking.service import Cospace
from booking.timeutil import day_bounds
from db import queries as q
from db.engine import read_tx, write_tx
from db.overlap import LONGEST_BOOKING_MINUTES, overlapping
from db.tables import ACTIVE_STATUSES, BOOKING_STATUSES
from db.types import UTCDateTime
from tests.conftest import NOW

TZ = "Europe/London"
#: Ordinary days, and both 2026 clock changes in London (23- and 25-hour days) with the days
#: either side.
DAYS = [dt.date(2026, 1, 5), dt.date(2026, 3, 28), dt.date(2026, 3, 29), dt.date(2026, 3, 30),
        dt.date(2026, 10, 24), dt.date(2026, 10, 25), dt.date(2026, 10, 26),
        dt.date(2026, 11, 26)]
U = dt.UTC


def _general(conn: Any, space_ids: Sequence[int], lo: dt.datetime,
             hi: dt.datetime) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """The same read the general way (what busy_intervals was before it was compiled)."""
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {i: [] for i in space_ids}
    if not space_ids:
        return out
    rows = conn.execute(
        select(q.B.c.space_id, q.B.c.start_at, q.B.c.end_at)
        .where(q.B.c.space_id.in_(list(space_ids)),
               *overlapping(q.B.c.start_at, q.B.c.end_at, lo, hi,
                            max_minutes=LONGEST_BOOKING_MINUTES),
               q.B.c.status.in_(ACTIVE_STATUSES))
        .order_by(q.B.c.space_id, q.B.c.start_at)).all()
    for r in rows:
        out[r.space_id].append((r.start_at, r.end_at))
    return out


def _intervals(day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Bookings around a local day: across its midnights (both ends), touching them, at the
    hours the clocks change, the longest allowed, and with odd seconds and microseconds."""
    lo, hi = (dt.datetime.fromtimestamp(b.timestamp(), U) for b in day_bounds(day, TZ))
    h = dt.timedelta(hours=1)
    longest = dt.timedelta(minutes=LONGEST_BOOKING_MINUTES)
    return [
        (lo - 3 * h, lo - h), (lo - 2 * h, lo), (lo - h, lo + h), (lo, lo + 2 * h),
        (lo + h, lo + 2 * h + dt.timedelta(seconds=17, microseconds=250_001)),
        (lo + 9 * h, lo + 10 * h), (hi - h, hi), (hi - h, hi + h), (hi, hi + h),
        (lo - longest + dt.timedelta(minutes=1), lo + dt.timedelta(minutes=1)),
        (lo - longest, lo),
    ]


Stored = list[tuple[int, dt.datetime, dt.datetime, str]]


def _store(app: Cospace) -> tuple[list[int], Stored]:
    """Bookings of every status around every day of DAYS, written straight to the store (the
    rules of the day, such as opening hours, do not matter here): the n-th interval of a day
    on space ``T<n>a`` or ``T<n>b`` (days in turn), so no two bookings of a space overlap,
    and three on IR1 in the day; the spaces read, and what was stored."""
    for n in range(len(_intervals(DAYS[0]))):
        for half in "ab":
            app.add_space(f"T{n:02d}{half}", site="NGT", kind="desk", capacity=1)
    with read_tx(app.engine) as conn:
        ids = {s.code: s.id for s in app.spaces("NGT")}
    org = next(o.id for o in app.orgs() if o.code == "JCP")
    stored: Stored = []
    with write_tx(app.engine) as conn:
        for k, day in enumerate(DAYS):
            for n, (start, end) in enumerate(_intervals(day)):
                space = ids[f"T{n:02d}{'ab'[k % 2]}"]
                status = BOOKING_STATUSES[(n + k) % len(BOOKING_STATUSES)]
                q.insert_booking(conn, dict(
                    space_id=space, org_id=org, booked_by_id=None, start_at=start,
                    end_at=end, status=status, attendees=1, purpose="", confidential=False,
                    created_at=NOW, updated_at=NOW, series_id=None, moved_from=None))
                stored.append((space, start, end, status))
            # Several bookings of one space in the day, stored latest first.
            lo = dt.datetime.fromtimestamp(day_bounds(day, TZ)[0].timestamp(), U)
            for n, status in reversed(list(enumerate(ACTIVE_STATUSES))):
                start = lo + dt.timedelta(hours=3 + 2 * n)
                q.insert_booking(conn, dict(
                    space_id=ids["IR1"], org_id=org, booked_by_id=None, start_at=start,
                    end_at=start + dt.timedelta(minutes=45), status=status, attendees=1,
                    purpose="", confidential=False, created_at=NOW, updated_at=NOW,
                    series_id=None, moved_from=None))
                stored.append((ids["IR1"], start, start + dt.timedelta(minutes=45), status))
    return sorted({s for s, *_ in stored}) + [ids["IR4"]], stored


def _expected(stored: Stored, ids: Sequence[int], lo: dt.datetime,
              hi: dt.datetime) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """What the read must return, worked out in Python from what was stored."""
    return {i: sorted((s, e) for sp, s, e, st in stored
                      if sp == i and st in ACTIVE_STATUSES and s < hi and e > lo)
            for i in ids}


def test_busy_intervals_equal_the_general_path(any_app: Cospace) -> None:
    spaces, stored = _store(any_app)
    seen = 0
    with read_tx(any_app.engine) as conn:
        for day in DAYS:
            lo, hi = day_bounds(day, TZ)
            # A window of a few minutes inside the day, as a search for one slot reads.
            mid = dt.datetime.fromtimestamp(lo.timestamp(), U) + dt.timedelta(minutes=90)
            windows = [(lo, hi), (mid, mid + dt.timedelta(minutes=5))]
            for w_lo, w_hi in windows:
                for ids in (spaces, spaces[:1], [spaces[1], spaces[0], spaces[1]], [],
                            spaces[-1:]):
                    got = q.busy_intervals(conn, ids, w_lo, w_hi)
                    assert got == _general(conn, ids, w_lo, w_hi), (day, ids)
                    assert got == _expected(stored, list(dict.fromkeys(ids)), w_lo, w_hi)
                    assert list(got) == list(dict.fromkeys(ids))
                    for pairs in got.values():
                        assert all(s.tzinfo is U and e.tzinfo is U for s, e in pairs)
                        seen += len(pairs)
    assert seen > 3 * len(DAYS)  # the test reads bookings, not only empty days


def test_busy_intervals_leave_out_bookings_not_active(any_app: Cospace) -> None:
    spaces, stored = _store(any_app)
    lo, hi = day_bounds(DAYS[0], TZ)
    inside = [(sp, st) for sp, s, e, st in stored if s < hi and e > lo]
    assert {st for _, st in inside} - set(ACTIVE_STATUSES)  # some are not active
    with read_tx(any_app.engine) as conn:
        got = q.busy_intervals(conn, spaces, lo, hi)
    assert sum(map(len, got.values())) == sum(st in ACTIVE_STATUSES for _, st in inside)


@pytest.mark.parametrize("text", [
    "2026-03-29 01:00:00.000000", "2026-10-25 00:59:59.999999", "2026-01-05 09:15:00",
    "2026-01-05T09:15:00.250000", "2026-12-31 23:59:59.000001",
])
def test_the_fast_sqlite_conversion_equals_sqlalchemys(text: str) -> None:
    dialect = sqlite.dialect()
    fast = UTCDateTime().dialect_impl(dialect).result_processor(dialect, None)
    general = super(UTCDateTime, UTCDateTime().dialect_impl(dialect)).result_processor(
        dialect, None)
    assert fast is not None and general is not None
    got, want = fast(text), general(text)
    assert got == want and got.tzinfo is U and want.utcoffset() == dt.timedelta(0)
    assert fast(None) is None
