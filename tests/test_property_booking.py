"""Property: no sequence of book and cancel ever leaves two active bookings of one space
overlapping, and every refusal of a free slot is a rule, never a clash."""

import datetime as dt

import pendulum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from booking.errors import Conflict, RuleViolation
from booking.service import Cospace
from db.tables import ACTIVE_STATUSES, Booking
from tests.conftest import Clock, as_user, seed

SPACES = ["IR1", "IR2", "D01"]
DAYS = [dt.date(2026, 11, 24), dt.date(2026, 11, 25)]

book_op = st.tuples(
    st.just("book"),
    st.sampled_from(SPACES),
    st.sampled_from(DAYS),
    st.integers(min_value=0, max_value=(17 * 60 - 8 * 60 - 30) // 15),  # 15-min slot index
    st.integers(min_value=1, max_value=12),  # length in 15-min slots
)
cancel_op = st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50))


def overlaps(rows):
    by_space = {}
    for r in rows:
        by_space.setdefault(r.space_id, []).append((r.start_at, r.end_at))
    bad = []
    for spans in by_space.values():
        spans.sort()
        for (s1, e1), (s2, e2) in zip(spans, spans[1:], strict=False):
            if s2 < e1:
                bad.append(((s1, e1), (s2, e2)))
    return bad


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.one_of(book_op, cancel_op), min_size=1, max_size=30))
def test_no_overlap_after_any_sequence(tmp_path_factory, ops):
    url = f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}"
    app, _ = Cospace.init(url, "admin", Clock())
    seed(app)
    desk = as_user(app, "desk")
    model: dict[int, tuple[str, dt.datetime, dt.datetime]] = {}
    made: list[int] = []
    for op in ops:
        if op[0] == "book":
            _, space, day, slot, length = op
            start = pendulum.datetime(day.year, day.month, day.day, 8, 30, tz="Europe/London")
            start = start.add(minutes=15 * slot)
            end = start.add(minutes=15 * length)
            clash = any(s == space and a < end and start < b for s, a, b in model.values())
            try:
                view = desk.book(space, start, end)
            except Conflict:
                assert clash, "refused as a clash though the model says the slot is free"
                continue
            except RuleViolation:
                continue  # e.g. past closing time or too long for the kind
            assert not clash, "booked although the model says it clashes"
            model[view.id] = (space, view.start, view.end)
            made.append(view.id)
        else:
            if not made:
                continue
            booking_id = made[op[1] % len(made)]
            if booking_id in model:
                desk.cancel(booking_id)
                del model[booking_id]
    with app.engine.connect() as conn:
        rows = conn.execute(select(Booking.__table__).where(
            Booking.__table__.c.status.in_(ACTIVE_STATUSES))).all()
    assert overlaps(rows) == []
    assert {r.id for r in rows} == set(model)
