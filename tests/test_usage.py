"""The usage summaries: cut at local hours across clock changes, kept right by the triggers
through every kind of change, and giving every report exactly what reading the bookings
directly gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import text

from booking import usage
from booking.reports import REPORT_KINDS, Reports, summary_table
from booking.service import Cospace
from db import queries as q
from db.engine import read_tx, write_tx
from db.usage_queries import month_split
from tests.conftest import as_user, seed


def epoch(text_: str, tz: str) -> int:
    """Wall time ``YYYY-MM-DDTHH:MM`` in ``tz`` (the first, if it happens twice) as epoch
    seconds."""
    from zoneinfo import ZoneInfo

    return int(dt.datetime.fromisoformat(text_).replace(tzinfo=ZoneInfo(tz)).timestamp())


def pieces(start: int, end: int, tz: str) -> list[tuple[str, int, float]]:
    clock = usage.LocalClock(tz, start - 86400, end + 86400)
    return [(usage.day_of(dn).isoformat(), h, m) for dn, h, m in
            usage.hour_pieces(start, end, clock)]


# ------------------------------------------------------------------ cutting at local hours
def test_autumn_clock_change_gives_hour_one_twice():
    # 00:30 BST to 03:00 GMT on Sun 25 Oct 2026 is 3.5 hours: the clocks went back at 02:00.
    s = epoch("2026-10-25T00:30", "Europe/London")
    e = s + int(3.5 * 3600)
    assert pieces(s, e, "Europe/London") == [
        ("2026-10-25", 0, 30.0), ("2026-10-25", 1, 60.0), ("2026-10-25", 1, 60.0),
        ("2026-10-25", 2, 60.0)]


def test_spring_clock_change_skips_hour_one():
    # 00:30 GMT to 03:00 BST on Sun 29 Mar 2026 is 1.5 hours: there is no 01:00-02:00.
    s = epoch("2026-03-29T00:30", "Europe/London")
    assert pieces(s, s + 90 * 60, "Europe/London") == [
        ("2026-03-29", 0, 30.0), ("2026-03-29", 2, 60.0)]


def test_midnight_and_half_hour_zones():
    # 23:00-01:30 London in winter: two local days.
    s = epoch("2026-11-30T23:00", "Europe/London")
    assert pieces(s, s + 150 * 60, "Europe/London") == [
        ("2026-11-30", 23, 60.0), ("2026-12-01", 0, 60.0), ("2026-12-01", 1, 30.0)]
    # Kolkata is UTC+05:30: its hours begin at half past the UTC hour.
    s = epoch("2026-06-01T09:15", "Asia/Kolkata")
    assert pieces(s, s + 90 * 60, "Asia/Kolkata") == [
        ("2026-06-01", 9, 45.0), ("2026-06-01", 10, 45.0)]
    # Lord Howe Island moves its clocks by half an hour (02:00 -> 02:30 on 4 Oct 2026).
    s = epoch("2026-10-04T01:30", "Australia/Lord_Howe")
    assert pieces(s, s + 60 * 60, "Australia/Lord_Howe") == [
        ("2026-10-04", 1, 30.0), ("2026-10-04", 2, 30.0)]


def test_local_clock_midnights_on_clock_change_days():
    clock = usage.LocalClock("Europe/London", epoch("2026-10-20T00:00", "UTC"),
                             epoch("2026-10-30T00:00", "UTC"))
    day = clock.midnight(dt.date(2026, 10, 26)) - clock.midnight(dt.date(2026, 10, 25))
    assert day == 25 * 3600
    assert clock.midnight(dt.date(2026, 10, 25)) == epoch("2026-10-24T23:00", "UTC")


def test_summary_table_choice():
    assert summary_table(("site", "kind")) == "usage_day"
    assert summary_table(("org", "kind", "month")) == "usage_day"
    assert summary_table(("weekday", "hour")) == "usage_hour"
    assert summary_table(("space", "week")) == "usage_space"
    # No day of the week: whole months come from the month rollups of usage_piece.
    assert summary_table(("org", "hour")) == "usage_org_month"
    assert summary_table(("org", "hour", "month", "kind")) == "usage_org_month"
    assert summary_table(("space", "hour")) == "usage_space_month"
    assert summary_table(("space",)) == "usage_space_month"
    for by in (("org", "hour", "weekday"), ("space", "org"), ("space", "hour", "week"),
               ("space", "org", "week")):
        assert summary_table(by) == "usage_piece"


def test_month_split():
    d = dt.date
    assert month_split(d(2026, 10, 1), d(2026, 11, 30)) == (("2026-10", "2026-11"), [])
    assert month_split(d(2026, 9, 14), d(2026, 11, 5)) == (
        ("2026-10", "2026-10"),
        [(d(2026, 9, 14), d(2026, 9, 30)), (d(2026, 11, 1), d(2026, 11, 5))])
    assert month_split(d(2026, 10, 2), d(2026, 10, 31)) == (
        None, [(d(2026, 10, 2), d(2026, 10, 31))])
    assert month_split(d(2026, 12, 1), d(2027, 1, 31)) == (("2026-12", "2027-01"), [])
    assert month_split(d(2026, 2, 1), d(2026, 2, 28)) == (("2026-02", "2026-02"), [])
    assert month_split(d(2026, 11, 3), d(2026, 11, 2)) == (None, [])


# ------------------------------------------------------------------ a random store
LONDON, NEW_YORK = "Europe/London", "America/New_York"
FIRST, LAST = dt.date(2026, 10, 19), dt.date(2026, 11, 8)  # both clock changes inside
STATUSES = ("confirmed", "checked_in", "no_show", "released", "cancelled")


def random_store(app, seed: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Two sites in two zones; bookings of every status and length (some across midnight,
    some across the clock change, some over the period's edges), written straight to the
    store so that no rule stands in the way."""
    admin = as_user(app, "admin")
    admin.add_site("NYC", "Midtown", tz=NEW_YORK, hours="mon-fri 07:00-19:00")
    for code, kind in (("NY-I1", "interview"), ("NY-I2", "interview"), ("NY-D1", "desk"),
                       ("NY-W1", "workshop")):
        admin.add_space(code, site="NYC", kind=kind, capacity=4)
    rng = random.Random(seed)
    with write_tx(app.engine) as conn:
        orgs = [q.org_row(conn, code=c).id for c in ("JCP", "NCS", "PROB")]
        spaces = [r.id for r in conn.execute(text("SELECT id FROM space"))]
        lo = dt.datetime(2026, 10, 17, tzinfo=dt.UTC)
        made = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
        for space_id in spaces:
            t = lo + dt.timedelta(minutes=15 * rng.randrange(0, 40))
            while t < dt.datetime(2026, 11, 11, tzinfo=dt.UTC):
                length = dt.timedelta(minutes=15 * rng.choice((1, 2, 4, 6, 8, 12, 30, 60)))
                status = rng.choice(STATUSES)
                q.insert_booking(conn, dict(
                    space_id=space_id, org_id=rng.choice(orgs), booked_by_id=None,
                    start_at=t, end_at=t + length, status=status, attendees=1, purpose="",
                    confidential=False, created_at=made, updated_at=made))
                if status == "released" and rng.random() < 0.5:  # the desk taken again
                    q.insert_booking(conn, dict(
                        space_id=space_id, org_id=rng.choice(orgs), booked_by_id=None,
                        start_at=t + length / 2, end_at=t + length, status="checked_in",
                        attendees=1, purpose="", confidential=False, created_at=made,
                        updated_at=made))
                t += length + dt.timedelta(minutes=15 * rng.choice((0, 1, 4, 20, 60)))


GROUPINGS = {
    "utilisation": [None, "site", "space", "org", "kind,weekday,hour", "org,month",
                    "space,week", "org,hour", "space,org", "space,hour", "week,org,kind"],
    "occupancy": [None, "weekday", "week", "month"],
    "demand": [None],
    "attendance": [None, "site,kind", "hour", "org,weekday", "space", "org,hour"],
    "share": [None, "org,kind", "org,week", "org,hour"],
    "shortfall": [None, "week"],
    "trend": [None, "month,site"],
}
PERIODS = [(FIRST, dt.date(2026, 11, 20)), (dt.date(2026, 10, 25), dt.date(2026, 10, 25)),
           (dt.date(2026, 10, 27), dt.date(2026, 11, 2)),
           # whole months (both clock changes inside) from the month rollups, with and
           # without days of a first and last month around them
           (dt.date(2026, 10, 1), dt.date(2026, 11, 30)),
           (dt.date(2026, 9, 28), dt.date(2026, 11, 4))]


def assert_same_reports(app, kind_filter: str | None = None) -> int:  # type: ignore[no-untyped-def]
    """Every report, grouping and period: the summaries give what the bookings give."""
    estates = as_user(app, "estates")
    fast, slow = Reports(estates), Reports(estates, use_summaries=False)
    compared = 0
    for kind in REPORT_KINDS:
        for by in GROUPINGS[kind]:
            for start, end in PERIODS:
                args = dict(sites=None, start=start, end=end, by=by, space_kind=kind_filter)
                a, b = fast.run(kind, **args), slow.run(kind, **args)
                assert a.rows == b.rows, (kind, by, start, end)
                compared += len(a.rows)
    return compared


def summary_rows(app) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    out = {}
    with read_tx(app.engine) as conn:
        for name in ("usage_day", "usage_hour", "usage_space", "usage_piece", "usage_level",
                     "usage_org_month", "usage_space_month"):
            rows = conn.execute(text(f"SELECT * FROM {name}")).all()
            out[name] = sorted((tuple(str(v) if isinstance(v, dt.date) else v for v in r)
                                for r in rows), key=repr)
    return out


def rebuilt_from_scratch(app) -> dict[str, list[tuple]]:  # type: ignore[no-untyped-def]
    with write_tx(app.engine) as conn:
        conn.execute(text("INSERT INTO usage_mark (site_id) VALUES (NULL)"))
    usage.refresh(app.engine)
    return summary_rows(app)


def test_summaries_give_what_the_bookings_give(any_app, clock):
    random_store(any_app)
    clock.set(dt.datetime(2026, 10, 28, 15, 7, tzinfo=dt.UTC))  # attendance: half the period
    assert assert_same_reports(any_app) > 1000
    assert_same_reports(any_app, kind_filter="interview")


def test_charges_from_the_summaries_are_what_the_bookings_give(any_app, clock):
    """The share report's charge, worked out from the statuses side by side in one summed
    row, equals the charge of every booking read directly, for every grouping and period."""
    random_store(any_app)
    clock.set(dt.datetime(2026, 10, 28, 15, 7, tzinfo=dt.UTC))
    estates = as_user(any_app, "estates")
    fast, slow = Reports(estates), Reports(estates, use_summaries=False)
    rates = {"interview": 12.5, "desk": 4.0, "workshop": 30.0}
    charged = 0.0
    for by in GROUPINGS["share"] + ["kind,hour", "space,org"]:
        for start, end in PERIODS:
            for charge in ("booked", "used"):
                args = dict(sites=None, start=start, end=end, by=by, rates=rates,
                            charge=charge)
                a, b = fast.run("share", **args), slow.run("share", **args)
                assert a.rows == b.rows, (by, start, end, charge)
                charged += sum(r["charge"] for r in a.rows)
    assert charged > 0


def test_a_trend_over_an_ended_period_counts_what_attendance_counts(any_app, clock):
    """Over a period that has ended, the trend takes every booking as started (one read
    for both): its bookings and no-shows are attendance's, which reads the started ones."""
    random_store(any_app)
    clock.set(dt.datetime(2026, 10, 28, 15, 7, tzinfo=dt.UTC))
    reports = Reports(as_user(any_app, "estates"))
    for start, end in ((FIRST, dt.date(2026, 10, 27)), (FIRST, dt.date(2026, 11, 20))):
        trend = reports.run("trend", sites=None, start=start, end=end, by="week,kind")
        seen = reports.run("attendance", sites=None, start=start, end=end, by="week,kind")
        counted = {(r["week"], r["kind"]): (r["bookings"], r["no_shows"])
                   for r in trend.rows if r["bookings"]}
        assert counted == {(r["week"], r["kind"]): (r["bookings"], r["no_shows"])
                           for r in seen.rows}
        assert len(counted) >= 6


def test_every_kind_of_change_is_caught(any_app, clock):
    """Changes through the app and behind its back (the triggers see them all) leave the
    summaries as a rebuild from scratch would make them."""
    random_store(any_app)
    clock.set(dt.datetime(2026, 10, 28, 15, 7, tzinfo=dt.UTC))
    assert_same_reports(any_app)
    desk = as_user(any_app, "desk")
    clock.set(dt.datetime(2026, 11, 16, 7, 0, tzinfo=dt.UTC))
    made = [desk.book("IR1", "2026-11-16 09:00", "10:00", org="NCS"),
            desk.book("WS1", "2026-11-16 09:00", "12:00", org="PROB"),
            desk.book("D01", "2026-11-16 08:30", "16:30", org="JCP")]
    clock.set(dt.datetime(2026, 11, 16, 9, 10, tzinfo=dt.UTC))
    desk.checkin(made[0].id)
    desk.cancel(made[1].id)
    clock.set(dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC))
    desk.list_bookings(site="NGT")  # the sweep releases the desk nobody checked in for
    assert any_app.get(made[2].id).status == "released"
    with write_tx(any_app.engine) as conn:
        # a booking moved a day and a half later, another deleted outright, and a space
        # that becomes another kind
        moved = q.booking_row(conn, 7)
        q.update_booking(conn, 7, {"start_at": moved.start_at + dt.timedelta(hours=36),
                                   "end_at": moved.end_at + dt.timedelta(hours=36)})
        conn.execute(text("DELETE FROM booking WHERE id = 11"))
        conn.execute(text("UPDATE space SET kind = 'workshop' WHERE code = 'NY-I2'"))
    assert_same_reports(any_app)
    with write_tx(any_app.engine) as conn:
        conn.execute(text("UPDATE site SET tz = 'Europe/Dublin' WHERE code = 'NYC'"))
    assert_same_reports(any_app)
    incremental = summary_rows(any_app)
    assert sum(len(v) for v in incremental.values()) > 100
    assert incremental == rebuilt_from_scratch(any_app)


def test_refresh_is_cheap_and_idempotent(any_app, clock):
    random_store(any_app)
    assert usage.refresh(any_app.engine) > 0
    assert usage.refresh(any_app.engine) == 0  # nothing marked: nothing to do
    before = summary_rows(any_app)
    with read_tx(any_app.engine) as conn:
        one = conn.execute(text("SELECT min(id) FROM booking WHERE status = 'checked_in'")
                           ).scalar()
    # A status changed and changed back marks its day twice; an update that changes
    # nothing marks nothing.
    with write_tx(any_app.engine) as conn:
        for status in ("no_show", "checked_in", "checked_in"):
            conn.execute(text("UPDATE booking SET status = :s WHERE id = :i"),
                         {"s": status, "i": one})
    with read_tx(any_app.engine) as conn:
        assert conn.execute(text("SELECT count(*) FROM usage_mark")).scalar() == 2
    assert 1 <= usage.refresh(any_app.engine) <= 2  # one booking: one day, two at most
    assert summary_rows(any_app) == before
    assert usage.refresh(any_app.engine) == 0


def test_a_failed_refresh_keeps_its_marks(any_app, clock, monkeypatch):
    random_store(any_app)
    usage.refresh(any_app.engine)
    with write_tx(any_app.engine) as conn:
        conn.execute(text("UPDATE booking SET status = 'cancelled' WHERE id = 5"))

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    marks = "SELECT site_id, start_at, end_at FROM usage_mark ORDER BY id"
    with read_tx(any_app.engine) as conn:
        before = conn.execute(text(marks)).all()
    assert len(before) == 1
    kept = summary_rows(any_app)
    monkeypatch.setattr(usage, "summarise", boom)
    with pytest.raises(RuntimeError):
        usage.refresh(any_app.engine)
    with read_tx(any_app.engine) as conn:
        assert conn.execute(text(marks)).all() == before  # the claim was rolled back
    assert summary_rows(any_app) == kept
    monkeypatch.undo()
    assert usage.refresh(any_app.engine) >= 1
    assert_same_reports(any_app)


def test_a_big_refresh_renews_the_planners_statistics(pg_url, clock, monkeypatch):
    """PostgreSQL: after a refresh of many days the summaries have statistics (autovacuum
    may be off or late; without them a region's report groups its rows by sorting on
    disk); a small refresh leaves them be."""
    app = seed(Cospace.init(pg_url, "admin", clock)[0])
    random_store(app)
    sql = ("SELECT c.relname, c.reltuples, s.n_live_tup FROM pg_class c JOIN "
           "pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname LIKE 'usage_%' "
           "AND c.relname <> 'usage_mark' ORDER BY 1")

    def stats() -> dict[str, float]:
        with read_tx(app.engine) as conn:
            return {r[0]: r[1] for r in conn.execute(text(sql))}

    monkeypatch.setattr(usage, "ANALYZE_DAYS", 10_000)
    assert 10 < usage.refresh(app.engine) < 10_000
    assert all(n <= 0 for n in stats().values())  # never analyzed since they filled
    monkeypatch.setattr(usage, "ANALYZE_DAYS", 10)
    with write_tx(app.engine) as conn:
        conn.execute(text("INSERT INTO usage_mark (site_id) VALUES (NULL)"))
    assert usage.refresh(app.engine) >= 10
    counts = {}
    with read_tx(app.engine) as conn:
        for name in stats():
            counts[name] = conn.execute(text(f"SELECT count(*) FROM {name}")).scalar()
    assert len(counts) == 7 and min(counts.values()) > 0
    assert stats() == {name: float(n) for name, n in counts.items()}
