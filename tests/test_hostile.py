"""Hostile and absurd input (issue 15): never a crash, never a leak, never a poisoned store.

The property tests drive the CLI entry point (``cli.main.main``) with generated hostile values
for every kind of argument (numbers, texts, codes, dates, URLs) on both backends, and check
the contract: exit 0, 1 or 2 only; no traceback, no "something went wrong", no SQL; nothing
written on a refusal (the row count of every table, the audit trail included); no password in
any output; no control character in any output.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Integer, String, Table, func, insert, select, text, update

from booking import limits
from booking.errors import CospaceError, InvalidInput, RaceConflict, StoreUnavailable
from booking.service import Cospace
from cli.main import main
from db.engine import make_engine, read_tx, write_tx
from db.tables import Booking, Organisation, Site, Space, SQLModel, Staff
from tests.conftest import NOW, seed

NOW_TEXT = "2026-11-23T08:00:00Z"
PASSWORD = "s3cr3t-Pa55"
SETTINGS = dict(max_examples=30, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


# ------------------------------------------------------------------------ the harness
@pytest.fixture
def store(any_url: str, monkeypatch: pytest.MonkeyPatch, clock) -> str:  # type: ignore[no-untyped-def]
    """A seeded store on each backend with one booking, the clock pinned for the CLI."""
    monkeypatch.setenv("COSPACE_NOW", NOW_TEXT)
    monkeypatch.setenv("COSPACE_USER", "admin")  # the acting login unless --as says otherwise
    monkeypatch.delenv("COSPACE_DB", raising=False)
    cs, _ = Cospace.init(any_url, "admin", clock)
    seed(cs)
    cs.book("IR1", "2026-11-24 10:00", "11:00", org="NCS", purpose="Careers")
    cs.engine.dispose()
    return any_url


def counts(url: str) -> dict[str, int]:
    """Rows of every table of the store (the audit trail included)."""
    engine = make_engine(url, create=False)
    try:
        with engine.connect() as conn:
            return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
                    for t in SQLModel.metadata.sorted_tables}
    finally:
        engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """``cospace ARGV``: the exit code and everything printed (stdout and stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    gc.collect()  # let the engines of finished commands close their connections
    return code, out.out + out.err


def assert_plain(code: int, output: str, *secrets: str) -> None:
    assert code in (0, 1, 2), output
    assert "Traceback" not in output
    assert "something went wrong" not in output
    assert "[SQL:" not in output and "[parameters:" not in output
    assert not CONTROL.search(output.replace("\r\n", "\n")), repr(output)  # CRLF ends lines
    for secret in secrets:
        assert secret not in output, output


def check_refusal_writes_nothing(capsys, url: str, *argv: str) -> int:  # type: ignore[no-untyped-def]
    before = counts(url)
    code, output = run(capsys, "--db", url, *argv)
    assert_plain(code, output)
    if code != 0:
        assert counts(url) == before, (argv, output)
    return code


# ------------------------------------------------------------------------ generated values
CONTROLS = "".join(chr(c) for c in [*range(0, 32), 127, 0x9B])
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list(CONTROLS) + list("[]/@=+-b ")), max_size=30),
    st.sampled_from(["[/b] swap rooms", "[@click=app.quit]click here[/]", "\x1b[2J\x1b[31mred",
                     "bell\x07back\x08", "=cmd|' /C calc'!A0", "Careers\r=cmd|' /C calc'!A0",
                     "@SUM(1+1)", "a\x00b", "x" * 600, "x" * 201, "é" * 65, "", " ",
                     "'; DROP TABLE booking; --"]),
)
hostile_int = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "-3", "1", "104", "105", str(2**31 - 1), str(2**31),
                     str(2**63), str(2**64), "nan", "inf", "-inf", "1e9", "1.5", "", "+7",
                     "0x10", "٣"]),
)
hostile_float = st.one_of(hostile_int, st.floats(allow_nan=True, allow_infinity=True).map(str))
hostile_date = st.one_of(
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(str),
    st.sampled_from(["0001-01-01", "9999-12-31", "9999-12-30", "1969-12-31", "2999-12-31",
                     "3000-01-01", "2026-02-30", "2026-13-01", "0000-00-00", "today", "",
                     "2026-11-24\x1b", "99999-01-01"]),
)
hostile_time = st.one_of(
    st.sampled_from(["09:00", "24:00", "23:59", "00:00", "25:00", "9:7", "10:00\x00", ""]),
    st.times().map(lambda t: f"{t:%H:%M}"),
)
hostile_datetime = st.one_of(
    st.tuples(hostile_date, hostile_time).map(" ".join),
    st.sampled_from(["9999-12-31 24:00", "9999-12-31 23:55", "0001-01-01 00:00",
                     "9999-12-30 09:00", "2999-12-31 09:00", "2026-11-24 09:00"]),
)


# ------------------------------------------------------------------------ properties
# Each example runs one command: a template for every place that argument type is taken,
# filled with a generated hostile value.
NUMBER_COMMANDS = [
    ["--as", "desk", "book", "IR2", "2026-11-25 09:00", "10:00", "--attendees={}"],
    ["--as", "desk", "book", "IR2", "2026-11-25 09:00", "10:00", "--attendees={}", "--repeat",
     "weekly", "--count", "2"],
    ["free", "NGT", "interview", "2026-11-25 09:00", "10:00", "--attendees={}"],
    ["space", "add", "HX1", "--site", "NGT", "--kind", "desk", "--capacity={}"],
    ["org", "add", "HXO", "--name", "Hostile", "--advance-weeks={}"],
    ["cancel", "--", "{}"], ["checkin", "--", "{}"], ["noshow", "--", "{}"],
    ["audit", "--booking={}"], ["setting", "horizon-weeks", "--", "{}"],
    ["allocation", "set", "NCS", "--site", "NGT", "--kind", "interview", "--max-at-once={}"],
    ["allocation", "set", "NCS", "--site", "NGT", "--kind", "interview",
     "--hours-per-week={}"],
    ["--as", "desk", "book", "IR2", "2026-11-25 09:00", "10:00", "--repeat", "weekly",
     "--every={}", "--count", "2"],
    ["--as", "desk", "book", "IR2", "2026-11-25 09:00", "10:00", "--repeat", "weekly",
     "--count={}"],
]
TEXT_COMMANDS = [
    ["org", "add", "--name", "x", "--", "{}"],
    ["org", "add", "HT1", "--name={}"],
    ["site", "add", "HS1", "--name={}"],
    ["site", "add", "HS2", "--name", "x", "--tz={}"],
    ["site", "add", "HS3", "--name", "x", "--hours={}"],
    ["space", "add", "HP1", "--site", "NGT", "--kind", "desk", "--capacity", "1", "--name={}"],
    ["space", "add", "HP2", "--site", "NGT", "--kind", "desk", "--capacity", "1",
     "--features={}"],
    ["space", "add", "HP3", "--site", "NGT", "--kind", "desk", "--capacity", "1", "--only={}"],
    ["staff", "add", "--name", "x", "--org", "NCS", "--role", "adviser", "--", "{}"],
    ["staff", "add", "hst", "--name={}", "--org", "NCS", "--role", "adviser"],
    ["--as", "desk", "book", "IR4", "2026-11-26 09:00", "09:30", "--org", "NCS",
     "--purpose={}"],
    ["--as", "desk", "book", "IR5", "2026-11-26 09:00", "09:30", "--org", "JCP",
     "--override={}"],
    ["--as", "desk", "book", "--", "{}", "2026-11-26 09:00", "09:30"],
    ["closure", "add", "NGT", "2026-12-09", "--reason={}"],
    ["list", "--org={}"], ["list", "--site={}"], ["--as={}", "list"],
    ["free", "NGT", "interview", "2026-11-26 09:00", "10:00", "--needs={}"],
    ["report", "share", "--from", "2026-11-23", "--to", "2026-11-27", "--by={}"],
    ["report", "share", "--from", "2026-11-23", "--to", "2026-11-27", "--rate={}"],
    ["export", "ical", "--org={}"],
]
DATE_COMMANDS = [
    ["list", "--from", "{a}", "--to", "{b}"], ["list", "--json", "--from", "{a}"],
    ["audit", "--from", "{a}", "--to", "{b}"],
    ["report", "utilisation", "--from", "{a}", "--to", "{b}"],
    ["report", "share", "--from", "{a}", "--to", "{b}", "--format", "csv"],
    ["report", "pack", "--site", "NGT", "--from", "{a}", "--to", "{b}", "--out", "{out}"],
    ["export", "bookings", "--site", "NGT", "--from", "{a}", "--to", "{b}"],
    ["export", "ical", "--org", "NCS", "--from", "{a}", "--to", "{b}"],
    ["closure", "list", "NGT", "--from", "{a}", "--to", "{b}"],
    ["closure", "add", "NGT", "{a}", "--to", "{b}", "--reason", "edge"],
    ["allocation", "usage", "--site", "NGT", "--week", "{a}"],
    ["--as", "desk", "cancel", "--org", "JCP", "--from", "{a}", "--to", "{b}", "--dry-run"],
    ["--as", "desk", "book", "IR2", "2026-11-25 09:00", "10:00", "--repeat", "weekly",
     "--until", "{a}"],
]
TIME_COMMANDS = [
    ["--as", "admin", "book", "WS1", "{a}", "{b}", "--org", "JCP"],
    ["--as", "desk", "book", "IR2", "{a}", "{b}", "--repeat", "weekly", "--count", "3"],
    ["--as", "desk", "book", "IR2", "{a}", "{b}", "--repeat", "monthly", "--count", "2"],
    ["free", "NGT", "workshop", "{a}", "{b}"],
]


def fill(template: list[str], **values: str) -> list[str]:
    return [part.replace("{}", values.get("v", "")).replace("{a}", values.get("a", ""))
            .replace("{b}", values.get("b", "")).replace("{out}", values.get("out", ""))
            for part in template]


@settings(**SETTINGS)
@given(template=st.sampled_from(NUMBER_COMMANDS), n=hostile_float)
def test_numbers_are_bounded_everywhere(store: str, capsys, template, n: str) -> None:  # type: ignore[no-untyped-def]
    code = check_refusal_writes_nothing(capsys, store, *fill(template, v=n))
    if n.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
        assert code == 2


@settings(**SETTINGS)
@given(template=st.sampled_from(TEXT_COMMANDS), value=hostile_text)
def test_texts_never_reach_a_terminal_or_the_store_unchecked(store: str, capsys,  # type: ignore[no-untyped-def]
                                                             template, value: str) -> None:
    check_refusal_writes_nothing(capsys, store, *fill(template, v=value))
    engine = make_engine(store, create=False)
    try:
        with engine.connect() as conn:
            for table, column in (("organisation", "code"), ("organisation", "name"),
                                  ("site", "name"), ("space", "name"), ("space", "features"),
                                  ("booking", "purpose"), ("staff", "login"),
                                  ("closure", "reason"), ("audit", "reason")):
                for (v,) in conn.execute(text(f"SELECT {column} FROM {table}")):
                    assert not CONTROL.search(v) and "\x00" not in v, (table, column, v)
    finally:
        engine.dispose()
    for org in ("NCS", "JCP"):  # free the slots again for the next example
        run(capsys, "--db", store, "--as", "desk", "cancel", "--org", org, "--from",
            "2026-11-26", "--to", "2026-11-26", "--yes")


@settings(**SETTINGS)
@given(template=st.sampled_from(DATE_COMMANDS), a=hostile_date, b=hostile_date)
def test_dates_at_the_edges(store: str, capsys, tmp_path_factory, template, a: str,  # type: ignore[no-untyped-def]
                            b: str) -> None:
    out = str(tmp_path_factory.mktemp("pack") / "p.html")
    code = check_refusal_writes_nothing(capsys, store, *fill(template, a=a, b=b, out=out))
    assert code in (0, 1, 2)  # done or refused in words, never "something went wrong"
    if template[0] == "closure" and template[1] == "add":
        run(capsys, "--db", store, "closure", "remove", "NGT", a, "--to", b)


@settings(**SETTINGS)
@given(template=st.sampled_from(TIME_COMMANDS), start=hostile_datetime,
       end=st.one_of(hostile_time, hostile_datetime))
def test_booking_times_at_the_edges(store: str, capsys, template, start: str,  # type: ignore[no-untyped-def]
                                    end: str) -> None:
    code = check_refusal_writes_nothing(capsys, store, *fill(template, a=start, b=end))
    engine = make_engine(store, create=False)
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(Booking.__table__.c.start_at))).scalar()
    engine.dispose()
    # nobody, the host included, books beyond the horizon (104 weeks)
    assert latest <= NOW + dt.timedelta(weeks=104, days=1)
    if code == 0 and "book" in template:
        run(capsys, "--db", store, "--as", "admin", "cancel", "--org", "JCP", "--from",
            "2026-11-23", "--to", "2027-11-22", "--yes")
        run(capsys, "--db", store, "--as", "admin", "cancel", "--org", "JCP", "--from",
            "2027-11-23", "--to", "2028-11-22", "--yes")


URLS = [
    f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:notaport/x",
    f"postgresql+psycopg://u:{PASSWORD}@[::1/x",
    f"postgresql+psycopg://u:{PASSWORD}@[zz::1]:5432/x",
    f"postgresql+psycopg://u@127.0.0.1:1/x?password={PASSWORD}",
    f"postgresql+psycopg://u@127.0.0.1:1/x?sslmode=require&password={PASSWORD}&a=b",
    f"postgresql+psycopg:///x?host=127.0.0.1&port=1&user=u&password={PASSWORD}",
    f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:1/x",
    f"postgresql+psycopg://u:{PASSWORD}@/x?host=/nonexistent",
    f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:99999/x",
    f"mysql://u:{PASSWORD}@h/x",
    f"nosuchdb+driver://u:{PASSWORD}@h/x",
    f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:5432/\x1b[31m",
    f"postgresql+psycopg://u:{PASSWORD}@h@127.0.0.1:1/x",
]


@pytest.mark.parametrize("url", URLS)
def test_no_password_in_any_message(url: str, capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COSPACE_NOW", NOW_TEXT)
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    for argv in (["list"], ["init"], ["report", "share", "--from", "2026-11-01", "--to",
                                      "2026-11-02"]):
        code, output = run(capsys, "--db", url, *argv)
        assert_plain(code, output, PASSWORD)
        assert code == 2, output
    monkeypatch.setenv("COSPACE_DB", url)
    code, output = run(capsys, "list")
    assert_plain(code, output, PASSWORD)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(user=st.text(alphabet=st.characters(blacklist_characters="@/:?#[]"), min_size=1,
                    max_size=8),
       password=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=4,
                        max_size=16), port=st.sampled_from(["notaport", "1", "", "99999"]))
def test_mask_passwords_hides_any_password(user: str, password: str, port: str) -> None:
    url = f"postgresql+psycopg://{user}:{password}@127.0.0.1:{port}/x"
    for message in (url, f"Cannot open {url}: bad", f"x password={password} y"):
        assert password not in limits.mask_passwords(message, url)


def test_an_unreadable_clock_is_a_plain_exit_2(store: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for value in ("garbage", "2026-13-45", "9999-12-31T23:59:59-14:00", "\x1b[2J", "0001-01-01"):
        monkeypatch.setenv("COSPACE_NOW", value)
        code, output = run(capsys, "--db", store, "list")
        assert_plain(code, output)
        assert code == 2 and "COSPACE_NOW" in output


def test_an_unwritable_out_is_a_plain_exit_2(store: str, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for out in (tmp_path / "no" / "such" / "x.csv", tmp_path):
        for argv in (["export", "bookings", "--site", "NGT", "--from", "2026-11-23", "--to",
                      "2026-11-27", "--out", str(out)],
                     ["export", "bookings", "--site", "NGT", "--from", "2026-11-23", "--to",
                      "2026-11-27", "--format", "xlsx", "--out", str(out)],
                     ["report", "pack", "--site", "NGT", "--from", "2026-11-23", "--to",
                      "2026-11-27", "--out", str(out)]):
            code, output = run(capsys, "--db", store, *argv)
            assert_plain(code, output)
            assert code == 2, output
    assert not (tmp_path / "no").exists()


# ------------------------------------------------------------------------ a poisoned store
def _far_rows(url: str) -> None:
    """Rows no person can make, written by SQL: year 9999 and year 1, in Tokyo, Los Angeles
    and London, active and cancelled, with control characters in the purpose."""
    cs = Cospace.open(url, "admin", lambda: NOW)
    cs.add_site("TKY", "Tokyo", tz="Asia/Tokyo", hours="mon-sun 00:00-24:00")
    cs.add_site("LAX", "Los Angeles", tz="America/Los_Angeles", hours="mon-sun 00:00-24:00")
    cs.add_space("T1", site="TKY", kind="workshop", capacity=5)
    cs.add_space("L1", site="LAX", kind="workshop", capacity=5)
    engine = cs.engine
    b = Booking.__table__
    with engine.begin() as conn:
        jcp = conn.execute(select(Organisation.__table__.c.id).where(
            Organisation.__table__.c.code == "JCP")).scalar()
        spaces = dict(conn.execute(select(Space.__table__.c.code, Space.__table__.c.id)).all())
        stamp = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        rows = []
        for code in ("T1", "L1", "IR1"):
            for start, end, status in (
                    (dt.datetime(9999, 12, 31, 22, tzinfo=dt.UTC),
                     dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), "confirmed"),
                    (dt.datetime(9999, 12, 30, 9, tzinfo=dt.UTC),
                     dt.datetime(9999, 12, 30, 10, tzinfo=dt.UTC), "cancelled"),
                    (dt.datetime(2999, 12, 31, 20, tzinfo=dt.UTC),
                     dt.datetime(2999, 12, 31, 21, tzinfo=dt.UTC), "confirmed"),
                    (dt.datetime(1, 1, 1, 0, 10, tzinfo=dt.UTC),
                     dt.datetime(1, 1, 1, 1, tzinfo=dt.UTC), "confirmed")):
                rows.append(dict(space_id=spaces[code], org_id=jcp, booked_by_id=None,
                                 start_at=start, end_at=end, status=status, attendees=1,
                                 purpose="far\x1b[2J\r=cmd|' /C calc'!A0", confidential=False,
                                 created_at=stamp, updated_at=stamp))
        conn.execute(insert(b), rows)
    engine.dispose()


def test_no_row_the_store_can_hold_takes_it_down(store: str, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _far_rows(store)
    commands = [["init"], ["list"], ["list", "--json"], ["list", "--site", "TKY"],
                ["list", "--from", "1970-01-01", "--to", "2999-12-31"],
                ["audit"], ["export", "ical", "--org", "JCP"],
                ["export", "ical", "--org", "JCP", "--from", "1970-01-01", "--to", "2999-12-31"],
                ["report", "pack", "--site", "NGT", "--from", "2026-11-01", "--to",
                 "2026-11-30", "--out", str(tmp_path / "p.html")],
                ["report", "pack", "--site", "TKY", "--from", "2026-11-01", "--to",
                 "2026-11-30", "--out", str(tmp_path / "t.html")],
                ["init"]]
    for kind in ("utilisation", "occupancy", "demand", "attendance", "share", "shortfall"):
        commands.append(["report", kind, "--from", "2026-11-01", "--to", "2026-11-30"])
        commands.append(["report", kind, "--site", "TKY", "--site", "LAX", "--from",
                         "2999-01-01", "--to", "2999-12-31", "--format", "csv"])
    for site in ("NGT", "TKY", "LAX"):
        for first, last in (("2026-11-01", "2026-11-30"), ("2999-06-01", "2999-12-31")):
            commands.append(["export", "bookings", "--site", site, "--from", first, "--to",
                             last])
            commands.append(["export", "bookings", "--site", site, "--from", first, "--to",
                             last, "--format", "xlsx", "--out", str(tmp_path / "x.xlsx")])
    for argv in commands:
        code, output = run(capsys, "--db", store, *argv)
        assert_plain(code, output)
        assert code == 0, (argv, output)
    # the rows can be cancelled and the store still reads
    engine = make_engine(store, create=False)
    with engine.begin() as conn:
        conn.execute(update(Booking.__table__).where(
            Booking.__table__.c.start_at > dt.datetime(3000, 1, 1, tzinfo=dt.UTC)).values(
            status="cancelled"))
    engine.dispose()
    for argv in (["init"], ["report", "utilisation", "--from", "2026-11-01", "--to",
                            "2026-11-30"]):
        code, output = run(capsys, "--db", store, *argv)
        assert code == 0, output


def test_far_rows_in_ical_and_workbooks_are_readable(store: str) -> None:
    import icalendar
    from openpyxl import load_workbook

    from booking import export
    from booking.ical import export_ical

    _far_rows(store)
    cs = Cospace.open(store, "admin", lambda: NOW)
    cal = icalendar.Calendar.from_ical(export_ical(cs, "JCP"))
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert summaries and not any(CONTROL.search(s) for s in summaries)
    rows = export.booking_rows(cs, "NGT", dt.date(2999, 6, 1), dt.date(2999, 12, 31))
    assert rows
    buf = io.BytesIO()
    export.write_xlsx(rows, buf)
    buf.seek(0)
    values = [c.value for row in load_workbook(buf).active.iter_rows() for c in row]
    assert any(isinstance(v, str) and v.startswith("far") for v in values)
    assert not any(isinstance(v, str) and CONTROL.search(v) for v in values)
    cs.engine.dispose()


# ------------------------------------------------------------------------ CSV
def _formula_lines(data: str) -> list[str]:
    """Every "line" a reader splitting on any CR or LF would see that starts a formula."""
    return [line for line in re.split(r"\r\n|\r|\n", data)
            if line[:1] in ("=", "+", "@", "-") and not line.startswith("-,")]


def test_no_csv_a_spreadsheet_can_run(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(store, create=False)
    with engine.begin() as conn:  # as an older version (or SQL) could have left them
        conn.execute(update(Booking.__table__).values(
            purpose="Careers\r=cmd|' /C calc'!A0\n+1\r\n@SUM(1+1)\n\t=x"))
        conn.execute(update(Organisation.__table__).where(
            Organisation.__table__.c.code == "NCS").values(name="=HYPERLINK(\"x\")"))
    engine.dispose()
    code, data = run(capsys, "--db", store, "--as", "ncs", "export", "bookings", "--site",
                     "NGT", "--from", "2026-11-23", "--to", "2026-11-27")
    assert code == 0
    assert _formula_lines(data) == []
    rows = list(csv.reader(io.StringIO(data)))
    purpose = rows[1][rows[0].index("purpose")]
    assert purpose.startswith("Careers") and "'=cmd" in purpose
    assert all(len(r) == len(rows[0]) for r in rows)  # the CR and LF stayed inside the cell
    for line in re.split(r"\r\n|\r|\n", purpose):
        assert line[:1] not in ("=", "+", "-", "@", "\t")


def test_report_csv_is_neutralised(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(store, create=False)
    with engine.begin() as conn:
        conn.execute(update(Organisation.__table__).where(
            Organisation.__table__.c.code == "NCS").values(code="=1+1"))
    engine.dispose()
    code, data = run(capsys, "--db", store, "report", "share", "--from", "2026-11-23", "--to",
                     "2026-11-27", "--format", "csv")
    assert code == 0, data
    assert "'=1+1" in data and _formula_lines(data) == []


def test_codes_are_letters_digits_dash_underscore(store: str, capsys) -> None:  # type: ignore[no-untyped-def]
    for bad in ("@SUM(1+1)", "=A1", "+1", "a.b", "a b", "-x", "x" * 17, "ü"):
        code, output = run(capsys, "--db", store, "org", "add", "--", bad, "--name", "x")
        assert code == 2, output
    code, output = run(capsys, "--db", store, "org", "add", "Ok_1-2", "--name", "x")
    assert code == 0, output


# ------------------------------------------------------------------------ import
def test_an_unterminated_quote_is_refused_with_its_line(store: str, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "orgs.csv"
    path.write_text('code,name\nUQ1,"Alpha\nUQ2,Beta\nUQ3,Gamma\n', encoding="utf-8")
    before = counts(store)
    code, output = run(capsys, "--db", store, "import", "orgs", str(path))
    assert code == 2
    assert "line 2" in output and "quote" in output
    assert counts(store) == before


# ------------------------------------------------------------------------ reading creates nothing
def test_reading_creates_no_store(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tui.app import make_app

    monkeypatch.setenv("COSPACE_NOW", NOW_TEXT)
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    for argv in (["list"], ["report", "share", "--from", "2026-11-01", "--to", "2026-11-02"],
                 ["export", "ical", "--org", "X"], ["audit"], ["setting", "horizon-weeks"],
                 ["org", "add", "X", "--name", "x"]):
        code, output = run(capsys, "--db", f"sqlite:///{missing}", *argv)
        assert code == 2 and "cospace init" in output, output
    with pytest.raises(CospaceError):
        make_app(f"sqlite:///{missing}", "admin")
    with pytest.raises(CospaceError):
        make_app(f"sqlite:///{tmp_path / 'typo.db'}", "admin")
    assert not (tmp_path / "no").exists() and not (tmp_path / "typo.db").exists()
    code, _ = run(capsys, "--db", f"sqlite:///{missing}", "init")
    assert code == 0 and missing.exists()


# ------------------------------------------------------------------------ one translation point
def test_a_duplicate_made_at_the_same_moment_is_already_exists(any_app: Cospace) -> None:
    """What a second terminal's insert meets when the first committed between its check and
    its insert: the unique constraint, translated by the transaction helper."""
    for table, values in ((Organisation.__table__, dict(code="NCS", name="x", is_host=False,
                                                         active=True)),
                          (Site.__table__, dict(code="NGT", name="x", tz="Europe/London",
                                                holiday_region="ENG", release_after_minutes=30,
                                                active=True)),
                          (Staff.__table__, dict(login="ncs", name="x", role="adviser",
                                                 active=True))):
        with pytest.raises(InvalidInput) as caught:
            with write_tx(any_app.engine) as conn:
                conn.execute(insert(table).values(**values))
        assert "already exists" in caught.value.message
        assert "INSERT" not in caught.value.message and "UNIQUE" not in caught.value.message


def test_numbers_past_the_store_are_plain(any_app: Cospace) -> None:
    with pytest.raises(InvalidInput) as caught:
        with write_tx(any_app.engine) as conn:
            conn.execute(update(Space.__table__).where(Space.__table__.c.code == "IR1").values(
                capacity=2**70))
    assert "too large" in caught.value.message or "range" in caught.value.message


def test_a_clash_the_database_catches_is_a_conflict(pg_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    cs, _ = Cospace.init(pg_url, "admin", clock)
    seed(cs)
    first = cs.book("IR1", "2026-11-24 10:00", "11:00", org="NCS")
    b = Booking.__table__
    with pytest.raises(RaceConflict):
        with write_tx(cs.engine) as conn:
            conn.execute(insert(b).values(
                space_id=select(Space.__table__.c.id).where(Space.__table__.c.code == "IR1")
                .scalar_subquery(), org_id=select(Organisation.__table__.c.id).where(
                    Organisation.__table__.c.code == "JCP").scalar_subquery(),
                start_at=first.start, end_at=first.end, status="confirmed", attendees=1,
                purpose="", confidential=False, created_at=NOW, updated_at=NOW))


def test_a_lost_connection_is_plain(pg_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    cs, _ = Cospace.init(pg_url, "admin", clock)
    with pytest.raises(StoreUnavailable) as caught:
        with read_tx(cs.engine) as conn:
            conn.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            conn.execute(text("SELECT 1"))
    assert "connection to the store was lost" in caught.value.message


def test_a_lock_timeout_is_busy(pg_url: str, clock) -> None:  # type: ignore[no-untyped-def]
    cs, _ = Cospace.init(pg_url, "admin", clock)
    seed(cs)
    holder = make_engine(pg_url).connect()
    try:
        holder.begin()
        holder.execute(text("LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE"))
        with pytest.raises(StoreUnavailable) as caught:
            with write_tx(cs.engine) as conn:
                conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
                conn.execute(text("SELECT count(*) FROM organisation"))
        assert "busy" in caught.value.message
    finally:
        holder.rollback()
        holder.close()


# ------------------------------------------------------------------------ the limits agree
def test_limits_match_the_columns() -> None:
    def length(table: Table, column: str) -> int:
        col = table.c[column]
        assert isinstance(col.type, String)
        return int(col.type.length)  # type: ignore[arg-type]

    org, site, space = Organisation.__table__, Site.__table__, Space.__table__
    assert limits.TEXT_LIMITS["org_code"] == length(org, "code")
    assert limits.TEXT_LIMITS["site_code"] == length(site, "code")
    assert limits.TEXT_LIMITS["space_code"] == length(space, "code")
    assert limits.TEXT_LIMITS["login"] == length(Staff.__table__, "login")
    assert limits.TEXT_LIMITS["name"] == length(org, "name") == length(space, "name")
    assert limits.TEXT_LIMITS["purpose"] == length(Booking.__table__, "purpose")
    assert limits.TEXT_LIMITS["features"] == length(space, "features")
    assert limits.TEXT_LIMITS["tz"] == length(site, "tz")
    assert isinstance(Space.__table__.c.capacity.type, Integer)
    assert limits.CAPACITY[1] <= limits.INT_MAX and limits.ATTENDEES[1] <= limits.INT_MAX


def test_visible_leaves_no_control_character() -> None:
    every = "".join(chr(c) for c in range(0, 0xA0))
    shown = limits.visible(every)
    assert not CONTROL.search(shown) and "\n" not in shown and "\t" not in shown
    assert limits.visible("plain [b]text[/b]") == "plain [b]text[/b]"


def test_the_safe_stream_keeps_line_breaks(capsys) -> None:  # type: ignore[no-untyped-def]
    from cli.main import SafeStream

    buf = io.StringIO()
    s = SafeStream(buf)
    s.write("a\r\nb\nc\td\re\x1b[31m")
    assert buf.getvalue() == "a\r\nb\nc\td␍e␛[31m"
