"""Recurring bookings on a real store: book a series, clashes in one pass, change a series,
the CLI contract."""

from __future__ import annotations

import datetime as dt
import json

import pendulum
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from booking import series as S
from booking.errors import Conflict, InvalidInput, NotPermitted, RuleViolation
from booking.recurrence import Repeat
from booking.service import Cospace
from booking.timeutil import to_local
from cli.main import main
from db.engine import read_tx
from db.tables import Audit, Booking, Series
from tests.conftest import LONDON, NOW, as_user, seed

WEEKLY4 = Repeat("weekly", count=4)


def counts(app: Cospace) -> tuple[int, int, int]:
    with read_tx(app.engine) as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t.__table__)).scalar())
                     for t in (Booking, Series, Audit))  # type: ignore[return-value]


def local_times(views) -> list[str]:  # type: ignore[no-untyped-def]
    return [to_local(v.start, v.tz).format("YYYY-MM-DD HH:mm") for v in views]


# ----------------------------------------------------------------------------- booking
def test_series_books_every_date_as_a_real_booking(app: Cospace) -> None:
    before = counts(app)
    result = S.book_series(app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="NCS",
                           purpose="drop-in")
    assert local_times(result.booked) == ["2026-12-03 09:00", "2026-12-10 09:00",
                                          "2026-12-17 09:00", "2026-12-24 09:00"]
    assert {v.series for v in result.booked} == {result.series}
    assert result.booked == [app.get(v.id) for v in result.booked]  # as the store holds them
    assert result.clashes == [] and result.skipped == []
    info = S.series_info(app, result.series)
    assert info.rule == "FREQ=WEEKLY;BYDAY=TH;WKST=MO;COUNT=4" and info.tz == LONDON
    assert info.description == "every Thursday, 09:00–10:00, 4 times"
    assert [v.id for v in app.list_bookings(space="IR1")] == [v.id for v in result.booked]
    # Every row is audited: the series and its 4 bookings.
    assert counts(app) == (before[0] + 4, before[1] + 1, before[2] + 5)


def test_wall_time_kept_across_both_2026_clock_changes(app: Cospace, clock) -> None:
    clock.set(pendulum.datetime(2026, 3, 2, 8, 0, tz=LONDON).in_timezone("UTC"))
    result = S.book_series(app, "IR2", "2026-03-05 09:00", "10:30",
                           Repeat("weekly", every=4, until=dt.date(2026, 11, 12)), org="JCP")
    assert {to_local(v.start, v.tz).format("HH:mm") for v in result.booked} == {"09:00"}
    assert {to_local(v.end, v.tz).format("HH:mm") for v in result.booked} == {"10:30"}
    utc_hours = [(v.start.date().isoformat(), v.start.hour) for v in result.booked]
    assert ("2026-03-05", 9) in utc_hours and ("2026-04-02", 8) in utc_hours
    # Every 4 weeks: 15 October is in BST, 12 November in GMT, both 09:00 on the wall.
    assert utc_hours[-2:] == [("2026-10-15", 8), ("2026-11-12", 9)]
    assert len(utc_hours) == 10


def test_all_or_nothing_refuses_and_writes_nothing(app: Cospace) -> None:
    ncs = as_user(app, "ncs")
    held = ncs.book("IR1", "2026-12-10 09:30", "10:30")
    before = counts(app)
    with pytest.raises(S.SeriesConflict) as err:
        S.book_series(app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="JCP")
    assert counts(app) == before
    [clash] = err.value.plan.clashes
    assert clash.day == dt.date(2026, 12, 10) and clash.org == "NCS"
    assert clash.booking == held.id
    assert "Thu 10 Dec 2026 09:00–10:00" in err.value.message
    assert isinstance(err.value, Conflict) and err.value.exit_code == 1


def test_skip_clashes_books_the_free_dates(app: Cospace) -> None:
    held = as_user(app, "prob").book("IR1", "2026-12-17 08:30", "09:15")
    result = S.book_series(app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="JCP",
                           skip_clashes=True)
    assert local_times(result.booked) == ["2026-12-03 09:00", "2026-12-10 09:00",
                                          "2026-12-24 09:00"]
    assert [(c.day, c.org, c.booking) for c in result.clashes] == [
        (dt.date(2026, 12, 17), "PROB", held.id)]
    assert result.to_json()["clashes"][0]["start"] == "2026-12-17T09:00:00+00:00"


def test_half_open_neighbours_do_not_clash(app: Cospace) -> None:
    app.book("IR1", "2026-12-10 08:30", "09:00", org="NCS")
    app.book("IR1", "2026-12-10 10:00", "11:00", org="NCS")
    assert len(S.book_series(app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4,
                             org="JCP").booked) == 4


def test_closed_days_are_skipped_and_listed(app: Cospace) -> None:
    result = S.book_series(app, "D01", "2026-12-18 09:00", "12:00",
                           Repeat("weekly", count=4), org="JCP")
    assert local_times(result.booked) == ["2026-12-18 09:00", "2027-01-08 09:00"]
    assert [(s.day, s.reason) for s in result.skipped] == [
        (dt.date(2026, 12, 25), "bank holiday (Christmas Day)"),
        (dt.date(2027, 1, 1), "bank holiday (New Year's Day)"),
    ]
    assert result.to_json()["skipped"] == ["2026-12-25", "2027-01-01"]


def test_a_rule_broken_on_one_date_refuses_the_series(app: Cospace) -> None:
    before = counts(app)
    # Fridays close at 16:30: the Thursday dates fit, the Friday ones do not.
    with pytest.raises(RuleViolation, match="Fridays"):
        S.book_series(app, "IR1", "2026-12-03 16:00", "17:00",
                      Repeat("weekly", weekdays=(3, 4), count=4), org="JCP")
    # Partners book at most 8 weeks ahead.
    with pytest.raises(RuleViolation, match="8 weeks ahead"):
        S.book_series(as_user(app, "ncs"), "IR1", "2026-12-03 09:00", "10:00",
                      Repeat("weekly", count=12))
    assert counts(app) == before


def test_advisers_book_series_only_for_their_own_organisation(app: Cospace) -> None:
    with pytest.raises(NotPermitted):
        S.book_series(as_user(app, "ncs"), "IR1", "2026-12-03 09:00", "10:00", WEEKLY4,
                      org="PROB")


def test_plan_previews_without_writing(app: Cospace) -> None:
    app.book("IR1", "2026-12-10 09:00", "10:00", org="NCS")
    before = counts(app)
    plan = S.plan_series(app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="JCP")
    assert len(plan.free) == 3 and plan.clash_days == [dt.date(2026, 12, 10)]
    assert counts(app) == before


def test_the_clash_check_is_one_query_however_long_the_series(app: Cospace) -> None:
    statements: list[str] = []

    @event.listens_for(app.engine, "before_cursor_execute")
    def log(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def run(count: int, day: str) -> int:
        statements.clear()
        S.book_series(app, "IR2", f"{day} 09:00", "10:00", Repeat("weekly", count=count),
                      org="JCP")
        return len(statements)

    assert run(2, "2026-11-30") == run(52, "2026-12-01")


def test_occurrences_of_one_series_never_overlap_each_other() -> None:
    a = S.Occurrence(dt.datetime(2026, 12, 3, 9), dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC),
                     dt.datetime(2026, 12, 3, 11, tzinfo=dt.UTC))
    b = S.Occurrence(dt.datetime(2026, 12, 3, 10), dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC),
                     dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC))
    free, clashes = S.split_clashes([b, a], [], LONDON, "JCP")
    assert free == [a] and clashes[0].booking is None and clashes[0].start == b.start


def test_series_on_both_backends(any_app: Cospace) -> None:
    any_app.book("IR1", "2026-12-10 09:00", "10:00", org="NCS")
    with pytest.raises(S.SeriesConflict):
        S.book_series(any_app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="JCP")
    result = S.book_series(any_app, "IR1", "2026-12-03 09:00", "10:00", WEEKLY4, org="JCP",
                           skip_clashes=True)
    assert len(result.booked) == 3 and len(result.clashes) == 1
    later = S.cancel_series(any_app, result.booked[1].id, "following")
    assert [v.status for v in later] == ["cancelled", "cancelled"]


# ----------------------------------------------------------------------------- changing
@pytest.fixture
def weekly6(app: Cospace) -> S.SeriesResult:
    return S.book_series(app, "IR1", "2026-11-26 09:00", "10:00", Repeat("weekly", count=6),
                         org="NCS")


def statuses(app: Cospace, series_id: int) -> list[str]:
    return [v.status for v in S.series_info(app, series_id).occurrences]


def test_cancel_one_following_and_all(app: Cospace, weekly6: S.SeriesResult) -> None:
    ids = [v.id for v in weekly6.booked]
    assert [v.id for v in S.cancel_series(app, ids[1], "one")] == [ids[1]]
    assert [v.id for v in S.cancel_series(app, ids[3], "following")] == ids[3:]
    assert statuses(app, weekly6.series) == ["confirmed", "cancelled", "confirmed",
                                             "cancelled", "cancelled", "cancelled"]
    assert [v.id for v in S.cancel_series(app, ids[0], "all")] == [ids[0], ids[2]]
    with pytest.raises(RuleViolation, match="nothing was cancelled"):
        S.cancel_series(app, ids[0], "all")


def test_past_dates_are_never_changed(app: Cospace, clock, weekly6: S.SeriesResult) -> None:
    clock.set(pendulum.datetime(2026, 12, 10, 9, 30, tz=LONDON).in_timezone("UTC"))
    cancelled = S.cancel_series(app, weekly6.booked[0].id, "all")
    assert [v.id for v in cancelled] == [v.id for v in weekly6.booked[3:]]
    assert statuses(app, weekly6.series)[:3] == ["confirmed"] * 3
    with pytest.raises(RuleViolation, match="already started"):
        S.move_occurrence(app, weekly6.booked[2].id, "2026-12-10 14:00", "15:00")


def test_move_one_date(app: Cospace, weekly6: S.SeriesResult) -> None:
    b = weekly6.booked[2]
    moved = S.move_occurrence(app, b.id, "2026-12-11 14:00", "15:00")
    assert moved.series == weekly6.series
    assert to_local(moved.start, LONDON).format("YYYY-MM-DD HH:mm") == "2026-12-11 14:00"
    other = app.book("IR1", "2026-12-17 14:00", "15:00", org="JCP")
    with pytest.raises(Conflict, match=f"#{other.id}"):
        S.move_occurrence(app, weekly6.booked[3].id, "2026-12-17 14:30", "15:30")


def test_change_time_of_following_dates(app: Cospace, weekly6: S.SeriesResult) -> None:
    ids = [v.id for v in weekly6.booked]
    blocker = app.book("IR1", "2026-12-24 11:00", "12:00", org="PROB")
    before = counts(app)
    with pytest.raises(S.SeriesConflict) as err:
        S.retime_following(app, ids[2], "11:00", "12:00")
    assert [c.booking for c in err.value.plan.clashes] == [blocker.id]
    assert counts(app) == before
    result = S.retime_following(app, ids[2], "13:00", "14:30")
    assert [v.id for v in result.booked] == ids[2:]
    assert local_times(result.booked)[0] == "2026-12-10 13:00"
    assert result.series != weekly6.series
    assert result.description == "every Thursday, 13:00–14:30, 4 times"
    old = S.series_info(app, weekly6.series)
    assert old.description == "every Thursday, 09:00–10:00, until 9 Dec 2026"
    assert [v.id for v in old.occurrences] == ids[:2]


# ----------------------------------------------------------------------------- property
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    existing=st.lists(st.tuples(st.integers(0, 55), st.integers(0, 14), st.integers(1, 6)),
                      max_size=12),
    start_slot=st.integers(0, 14),
    length=st.integers(1, 6),
    weekdays=st.sets(st.integers(0, 4), min_size=1, max_size=3),
    every=st.integers(1, 3),
    count=st.integers(1, 20),
)
def test_property_series_never_overlap(app: Cospace, existing, start_slot, length,
                                       weekdays, every, count) -> None:
    """Whatever the series and whatever the space already holds, active bookings of the space
    never overlap after booking it (skip-clashes), and clashing dates are all reported."""
    code = f"P{abs(hash((tuple(existing), start_slot, length, tuple(weekdays), every, count)))}"
    app.add_space(code[:30], site="NGT", kind="interview", capacity=2)
    code = code[:30]
    base = dt.date(2026, 11, 30)  # a Monday
    for day, slot, n in existing:
        d = base + dt.timedelta(days=day)
        if d.weekday() > 3:
            continue
        s = dt.datetime.combine(d, dt.time(9)) + dt.timedelta(minutes=30 * slot)
        e = s + dt.timedelta(minutes=30 * n)
        try:
            app.book(code, s.strftime("%Y-%m-%d %H:%M"), e.strftime("%H:%M"), org="NCS")
        except (Conflict, RuleViolation):
            pass
    first = base + dt.timedelta(days=min(weekdays))
    s = dt.datetime.combine(first, dt.time(9)) + dt.timedelta(minutes=30 * start_slot)
    e = s + dt.timedelta(minutes=30 * length)
    try:
        S.book_series(app, code, s.strftime("%Y-%m-%d %H:%M"), e.strftime("%H:%M"),
                      Repeat("weekly", every=every, weekdays=tuple(weekdays), count=count),
                      org="JCP", skip_clashes=True)
    except (Conflict, RuleViolation):
        pass
    active = sorted((v.start, v.end) for v in app.list_bookings(
        space=code, start=base, end=base + dt.timedelta(days=800)) if v.active)
    for (_, e1), (s2, _) in zip(active, active[1:], strict=False):
        assert e1 <= s2


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def cli(app: Cospace, sqlite_url: str, monkeypatch, capsys):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())

    def run(*argv: str, login: str = "admin") -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            code = main(["--db", sqlite_url, "--as", login, *argv])
        except SystemExit as exc:  # argparse refuses malformed arguments this way
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def test_cli_books_a_series(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                         "--count", "3", "--org", "NCS")
    assert code == 0, err
    assert out.startswith("Booked series #1: IR1, every Thursday, 09:00–10:00, 3 times")
    assert "Thu 17 Dec 2026 09:00–10:00" in out


def test_cli_all_or_nothing(cli, app: Cospace) -> None:  # type: ignore[no-untyped-def]
    held = app.book("IR1", "2026-12-10 09:00", "10:00", org="PROB")
    code, out, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                         "--on", "thu", "--until", "2026-12-24", "--json", login="ncs")
    assert code == 1
    data = json.loads(out)
    assert data["series"] is None and data["booked"] == []
    assert data["clashes"] == [{
        "date": "2026-12-10", "start": "2026-12-10T09:00:00+00:00",
        "end": "2026-12-10T10:00:00+00:00", "org": "PROB", "booking": held.id,
        "held_start": "2026-12-10T09:00:00+00:00", "held_end": "2026-12-10T10:00:00+00:00"}]
    assert "Thu 10 Dec 2026 09:00–10:00" in err and "nothing was booked" in err
    assert len(app.list_bookings(space="IR1")) == 1
    code, out, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                         "--count", "4", login="ncs")
    assert code == 1 and out == "" and "10 Dec" in err


def test_cli_skip_clashes(cli, app: Cospace) -> None:  # type: ignore[no-untyped-def]
    held = app.book("IR1", "2026-12-10 09:00", "10:00", org="PROB")
    code, out, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                         "--count", "4", "--skip-clashes", "--json", login="ncs")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == {"series", "booked", "clashes", "skipped"}
    assert [b["start"] for b in data["booked"]] == [
        "2026-12-03T09:00:00+00:00", "2026-12-17T09:00:00+00:00", "2026-12-24T09:00:00+00:00"]
    assert {b["series"] for b in data["booked"]} == {data["series"]}
    assert data["booked"][0] == app.get(data["booked"][0]["id"]).to_json() | {
        "booked_by": "ncs", "attendees": 1, "purpose": ""}
    assert [(c["org"], c["booking"]) for c in data["clashes"]] == [("PROB", held.id)]
    code, out, err = cli("book", "D01", "2026-12-18 09:00", "12:00", "--repeat", "weekly",
                         "--count", "3", "--json")
    assert code == 0 and json.loads(out)["skipped"] == ["2026-12-25", "2027-01-01"]


def test_cli_monthly_and_every(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("book", "IR2", "2026-12-01 10:00", "11:00", "--repeat", "monthly",
                       "--count", "3", "--json")
    assert code == 0
    assert [b["start"][:10] for b in json.loads(out)["booked"]] == [
        "2026-12-01", "2027-01-05", "2027-02-02"]
    code, out, _ = cli("book", "IR2", "2026-12-03 10:00", "11:00", "--repeat", "weekly",
                       "--every", "2", "--on", "thu,fri", "--until", "2026-12-18", "--json")
    assert [b["start"][:10] for b in json.loads(out)["booked"]] == [
        "2026-12-03", "2026-12-04", "2026-12-17", "2026-12-18"]


def test_cli_bad_input_exits_2(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly")[0] == 2
    assert cli("book", "IR1", "2026-12-03 09:00", "10:00", "--count", "3")[0] == 2
    code, _, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                       "--count", "3", "--until", "2027-01-01")
    assert code == 2 and "not allowed with" in err
    code, _, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                       "--on", "mon", "--count", "3")
    assert code == 2 and "Traceback" not in err
    code, _, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                       "--count", "105")
    assert code == 1 and "104" in err


def test_cli_cancel_series_and_following(cli, app: Cospace) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                       "--count", "5", "--json")
    ids = [b["id"] for b in json.loads(out)["booked"]]
    code, out, err = cli("cancel", str(ids[3]), "--following")
    assert code == 0, err
    assert out.startswith(f"Cancelled 2 dates of series #1 from #{ids[3]} on")
    code, out, _ = cli("cancel", str(ids[0]), "--series", "--json")
    assert code == 0 and [b["id"] for b in json.loads(out)] == ids[:3]
    assert cli("cancel", str(ids[0]), "--series", "--following")[0] == 2
    single = app.book("IR2", "2026-12-03 09:00", "10:00")
    code, _, err = cli("cancel", str(single.id), "--series")
    assert code == 2 and "not part of a series" in err
    assert cli("cancel", str(single.id))[0] == 0  # the core command is unchanged


def test_cli_series_permission_refused(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("book", "IR1", "2026-12-03 09:00", "10:00", "--repeat", "weekly",
                       "--count", "2", "--org", "PROB", login="ncs")
    assert code == 1 and "only their own" in err


def test_fresh_store_cli_round(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A seeded store opened only through the CLI (no fixture app in the same process)."""
    url = f"sqlite:///{tmp_path / 'c.db'}"
    app, _ = Cospace.init(url, "admin")
    seed(app)
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    assert main(["--db", url, "--as", "desk", "book", "WS1", "2026-12-07 13:00", "15:00",
                 "--repeat", "weekly", "--on", "mon,wed", "--count", "4", "--org", "NCS"]) == 0
    assert "Booked series #1" in capsys.readouterr().out
    with pytest.raises(InvalidInput):
        S.parse_repeat("daily")


def test_concurrent_series_never_double_book(any_app: Cospace) -> None:
    """Four terminals book overlapping series at once: SQLite's BEGIN IMMEDIATE (or
    PostgreSQL's exclusion constraint) lets no two active bookings of the space overlap."""
    import threading

    results: list[object] = []

    def run(i: int) -> None:
        app = Cospace(any_app.engine, "admin", any_app.clock)
        try:
            results.append(S.book_series(
                app, "IR2", f"2026-12-0{1 + i % 2} 09:00", "11:00",
                Repeat("weekly", weekdays=(1, 2), count=10), org="JCP", skip_clashes=True))
        except Conflict as exc:
            results.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    active = sorted((v.start, v.end) for v in any_app.list_bookings(space="IR2") if v.active)
    assert 10 <= len(active) <= 11  # the series from Wednesday runs one day further
    for (_, e1), (s2, _) in zip(active, active[1:], strict=False):
        assert e1 <= s2
    assert any(isinstance(r, S.SeriesResult) for r in results)


def test_series_counts_against_the_allocation_all_at_once(app):
    """A weekly series is one request against each week's allocation; over it, nothing is
    written."""
    from booking import allocations
    from booking.errors import RuleViolation
    from booking.series import book_series, parse_repeat
    from tests.conftest import as_user

    allocations.set_allocation(as_user(app, "estates"), "NCS", site="NGT", kind="interview",
                               hours_per_week=2)
    ncs = as_user(app, "ncs")
    ncs.book("IR4", "2026-12-08 09:00", "10:00")  # 1 of 2 hours in the week of 7 Dec
    before = ncs.counts()["bookings"]
    with pytest.raises(RuleViolation, match="NCS has used 1 of its 2 interview-room hours"):
        book_series(ncs, "IR1", "2026-11-26 09:00", "11:00", parse_repeat("weekly", count=3))
    assert ncs.counts()["bookings"] == before
    result = book_series(ncs, "IR1", "2026-11-26 09:00", "10:00",
                         parse_repeat("weekly", count=3))
    assert len(result.booked) == 3
