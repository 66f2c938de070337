"""The fast booking path gives the answers of the full one.

``Cospace.book`` with typed times reads the space, the site's hours and closure for the one day,
the restriction count and whether anyone has an allocation in one statement, parses times with
the standard library and runs its hottest statements on the DBAPI cursor. A booking given as
datetimes goes through the full reads. Both must refuse and accept exactly alike.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from booking import allocations
from booking.errors import CospaceError, InvalidInput, NotFound, RuleViolation
from booking.timeutil import (
    local_utc,
    parse_end,
    parse_end_utc,
    parse_local,
    parse_local_utc,
    to_local,
    typed_day,
    utc,
    wall,
)
from db import queries as q
from db.engine import write_tx
from tests.conftest import LONDON, as_user


def _outcome(app, space: str, start, end, **kw) -> str:  # type: ignore[no-untyped-def]
    try:
        view = app.book(space, start, end, **kw)
    except CospaceError as exc:
        return f"{type(exc).__name__}: {exc}"
    return f"booked {view.space} {view.start.isoformat()}-{view.end.isoformat()} {view.org}"


def _as_datetimes(start: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    s = parse_local(start, LONDON)
    return utc(s), utc(parse_end(end, s, LONDON))


def _close(app, day: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    with write_tx(app.engine) as conn:
        site_id = conn.execute(text("SELECT id FROM site WHERE code = 'NGT'")).scalar()
        conn.execute(text("INSERT INTO closure (site_id, day, reason) VALUES (:s, :d, :r)"),
                     {"s": site_id, "d": dt.date.fromisoformat(day), "r": reason})


REFUSED = [
    ("IR1", "2026-12-02 09:00", "10:00", "closed on Wednesday 2 December 2026: stocktake"),
    ("IR1", "2026-12-03 09:00", "10:00", "closed on Thursday 3 December 2026: closed"),
    ("IR1", "2026-12-25 09:00", "10:00", "bank holiday (Christmas Day)"),
    ("IR1", "2026-12-05 09:00", "10:00", "does not open on Saturdays"),
    ("IR1", "2026-11-27 16:00", "17:00", "08:30–16:30 on Fridays"),
    ("IR1", "2026-11-26 08:00", "09:00", "08:30–17:00 on Thursdays"),
    ("IR1", "2026-11-26 09:00", "09:00", "must be after the start"),
    ("IR1", "2026-11-26 09:03", "10:00", "09:03 is not on the grid"),
    ("IR5", "2026-11-26 09:00", "10:00", "may be booked only by JCP, PROB; not by NCS"),
    ("IR1", "2027-03-01 09:00", "10:00", "at most 8 weeks ahead"),
    ("IR1", "2026-11-20 09:00", "10:00", "is in the past"),
]


@pytest.mark.parametrize(("space", "start", "end", "words"), REFUSED)
def test_typed_and_datetime_bookings_are_refused_alike(any_app, space, start, end, words):
    _close(any_app, "2026-12-02", "stocktake")
    _close(any_app, "2026-12-03", "")
    ncs = as_user(any_app, "ncs")
    typed = _outcome(ncs, space, start, end)
    assert typed.startswith("RuleViolation") and words in typed, typed
    assert _outcome(ncs, space, *_as_datetimes(start, end)) == typed


def test_typed_and_datetime_bookings_are_accepted_alike(any_app):
    _close(any_app, "2026-12-02", "stocktake")
    ncs, prob = as_user(any_app, "ncs"), as_user(any_app, "prob")
    assert _outcome(ncs, "IR1", "2026-12-01 09:00", "10:00") == (
        "booked IR1 2026-12-01T09:00:00+00:00-2026-12-01T10:00:00+00:00 NCS")
    assert _outcome(ncs, "IR1", *_as_datetimes("2026-12-01 10:00", "11:00")) == (
        "booked IR1 2026-12-01T10:00:00+00:00-2026-12-01T11:00:00+00:00 NCS")
    # a closure on another day and a restricted space for a listed organisation
    assert _outcome(prob, "IR5", "2026-12-01 09:00", "10:00").startswith("booked IR5")
    assert _outcome(prob, "IR5", *_as_datetimes("2026-12-01 10:00", "11:00")).startswith(
        "booked IR5")
    # the clash refusal, both ways
    typed = _outcome(ncs, "IR1", "2026-12-01 09:30", "10:30")
    assert typed.startswith("Conflict") and "09:00–10:00" in typed
    assert _outcome(ncs, "IR1", *_as_datetimes("2026-12-01 09:30", "10:30")) == typed
    with pytest.raises(NotFound, match="There is no space 'NOPE'"):
        ncs.book("NOPE", "2026-12-01 09:00", "10:00")


def test_allocation_checked_when_any_organisation_has_one_here(any_app):
    """Another organisation's allocation makes the path look NCS's up (it has none: booked);
    NCS's own allocation refuses, typed or as datetimes."""
    allocations.set_allocation(as_user(any_app, "estates"), "PROB", site="NGT",
                               kind="interview", hours_per_week=1)
    ncs = as_user(any_app, "ncs")
    assert ncs.book("IR1", "2026-12-07 09:00", "12:00").status == "confirmed"
    allocations.set_allocation(as_user(any_app, "estates"), "NCS", site="NGT",
                               kind="interview", hours_per_week=4)
    for attempt in (("2026-12-08 09:00", "11:00"), _as_datetimes("2026-12-08 09:00", "11:00")):
        with pytest.raises(RuleViolation, match="NCS has used 3 of its 4 interview-room hours"):
            ncs.book("IR1", *attempt)
    # other kinds at the site have no allocation at all
    assert ncs.book("D01", "2026-12-08 09:00", "17:00").status == "confirmed"


def test_prepared_statement_errors_are_sqlalchemy_errors(any_app):
    """A database refusal on the DBAPI cursor arrives as SQLAlchemy's IntegrityError, which
    the transaction helper turns into plain words (issue 15), and the transaction rolls back."""
    with pytest.raises(InvalidInput) as caught:
        with write_tx(any_app.engine) as conn:
            space_id = conn.execute(text("SELECT id FROM space WHERE code = 'IR1'")).scalar()
            org_id = conn.execute(text("SELECT id FROM organisation WHERE code = 'JCP'")).scalar()
            at = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
            q.insert_booking(conn, dict(space_id=space_id, org_id=org_id, booked_by_id=None,
                                        start_at=at, end_at=at - dt.timedelta(hours=1),
                                        status="confirmed", attendees=1, purpose="",
                                        confidential=False, created_at=at, updated_at=at))
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert "INSERT" not in caught.value.message
    assert as_user(any_app, "desk").list_bookings() == []


def _walk_times():  # type: ignore[no-untyped-def]
    """Every quarter hour of 2026's clock-change days and an ordinary day in three zones."""
    for tz in (LONDON, "Australia/Sydney", "America/New_York"):
        for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25), dt.date(2026, 4, 5),
                    dt.date(2026, 10, 4), dt.date(2026, 11, 1), dt.date(2026, 3, 8),
                    dt.date(2026, 7, 1)):
            for minutes in range(0, 24 * 60, 15):
                yield tz, f"{day} {minutes // 60:02d}:{minutes % 60:02d}"


def test_standard_library_times_equal_pendulum_times():
    checked = refused = 0
    for tz, typed in _walk_times():
        try:
            want = utc(parse_local(typed, tz))
        except Exception as exc:  # the spring-forward gap: refused with the same words
            with pytest.raises(type(exc), match=re.escape(str(exc))):
                parse_local_utc(typed, tz)
            refused += 1
            continue
        got = parse_local_utc(typed, tz)
        assert got == want and got.tzinfo is dt.UTC, (tz, typed)
        assert typed_day(typed) == to_local(want, tz).date()
        loc, pl = wall(got, tz), to_local(want, tz)
        assert (loc.date(), loc.hour, loc.minute, loc.utcoffset()) == (
            pl.date(), pl.hour, pl.minute, pl.utcoffset())
        for end in ("23:55", "24:00", "10:00", "2026-12-01 10:00"):
            try:
                end_want = utc(parse_end(end, parse_local(typed, tz), tz))
            except Exception as exc:
                with pytest.raises(type(exc), match=re.escape(str(exc))):
                    parse_end_utc(end, got, tz)
                continue
            assert parse_end_utc(end, got, tz) == end_want, (tz, typed, end)
        checked += 1
    assert checked > 1500 and refused == 12  # one skipped hour in each zone, 4 quarters


@pytest.mark.parametrize("typed", ["2026-02-30 09:00", "2026-10-29 25:00", "2026-10-29",
                                   "nonsense", ""])
def test_standard_library_times_refuse_alike(typed):
    with pytest.raises(InvalidInput) as want:
        parse_local(typed, LONDON)
    with pytest.raises(InvalidInput, match=re.escape(str(want.value))):
        parse_local_utc(typed, LONDON)
    with pytest.raises(InvalidInput, match=re.escape(str(want.value))):
        parse_end_utc(typed, dt.datetime(2026, 10, 29, 9, tzinfo=dt.UTC), LONDON)
    assert typed_day(typed) == (dt.date(2026, 10, 29) if "25:00" in typed else None)


def test_local_utc_refuses_an_impossible_date():
    with pytest.raises(InvalidInput, match="2026-02-30 09:00 is not a real date and time"):
        local_utc(2026, 2, 30, 9, 0, LONDON)
