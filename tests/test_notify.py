"""Issue 18, item 3: notifications by e-mail, delivered to a real SMTP server (aiosmtpd on
127.0.0.1, started by the test) from the outbox the audit trigger fills in the same transaction
as the change, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage

import icalendar
import pendulum
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from booking import mailer, notify
from booking.change import change_booking
from booking.errors import InvalidInput
from booking.service import Cospace
from cli.main import main
from tests.conftest import NOW, as_user

DAY = "2026-11-26"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ------------------------------------------------------------------ a real SMTP server
class Inbox:
    """An aiosmtpd handler that keeps what it accepted; it can refuse the first messages
    with 451 and hold one message until the test says."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.fail_first = 0
        self.refused = 0
        self.hold_at: int | None = None  # the n-th DATA (1-based) waits for release
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.seen = 0

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.seen += 1
        if self.hold_at is not None and self.seen == self.hold_at:
            self.arrived.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 the sender went away"
        if self.refused < self.fail_first:
            self.refused += 1
            return "451 4.3.0 try again later"
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp():  # type: ignore[no-untyped-def]
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{port}?from=bookings@jobcentre.example"  # type: ignore[attr-defined]
    inbox.config = mailer.parse(inbox.url)  # type: ignore[attr-defined]
    try:
        yield inbox
    finally:
        inbox.release.set()
        controller.stop()


def _with_addresses(app: Cospace) -> Cospace:
    notify.set_email(app, "ncs", "priya@ncs.example")
    notify.set_email(app, "ncs2", "ravi@ncs.example")
    notify.set_email(app, "prob", "mo@probation.example")
    return app


def _calendar(msg: EmailMessage) -> icalendar.Calendar:
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return icalendar.Calendar.from_ical(parts[0].get_content())


def _text(msg: EmailMessage) -> str:
    return "".join(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")


# ------------------------------------------------------------------ the outbox and delivery
def test_changes_by_someone_else_are_delivered_with_a_calendar_entry(any_app, smtp, clock):
    app = _with_addresses(any_app)
    ncs, desk = as_user(app, "ncs"), as_user(app, "desk")
    b = ncs.book("IR1", f"{DAY} 09:00", "10:00", purpose="Careers plan")
    change_booking(desk, b.id, start=f"{DAY} 11:00", end="12:00")
    desk.cancel(b.id)
    assert [m.event for m in notify.outbox(app, b.id)] == ["change", "cancel"]

    report = notify.run_once(app, smtp.config)
    assert len(report.sent) == 2 and report.pending == 0
    assert [m["To"] for m in smtp.messages] == ["priya@ncs.example"] * 2
    changed, cancelled = (_calendar(m) for m in smtp.messages)
    assert changed["METHOD"] == "REQUEST" and cancelled["METHOD"] == "CANCEL"
    ev1, ev2 = (next(c for c in cal.walk("VEVENT")) for cal in (changed, cancelled))
    assert str(ev1["UID"]) == str(ev2["UID"]) == f"booking-{b.id}@cospace"
    assert int(ev2["SEQUENCE"]) > int(ev1["SEQUENCE"]) > 0
    start = ev1.decoded("DTSTART")
    assert (start.hour, start.minute) == (11, 0)  # site-local, as the change left it
    assert str(start.tzinfo) == "Europe/London"
    body = _text(smtp.messages[1])
    assert f"Your booking #{b.id} was cancelled by the front desk." in body
    assert "Thu 26 Nov 2026, 11:00–12:00" in body and "Careers plan" in body
    assert "Amy" not in body  # the front desk by role, not by name
    assert "Start:" in _text(smtp.messages[0])  # what changed

    # Sent is sent: another pass sends nothing again.
    assert notify.run_once(app, smtp.config).sent == []
    assert len(smtp.messages) == 2
    assert all(m.status == "sent" and m.sent_at is not None for m in notify.outbox(app, b.id))


def test_own_changes_and_people_without_an_address_get_no_message(any_app):
    app = _with_addresses(any_app)
    ncs = as_user(app, "ncs")
    own = ncs.book("IR1", f"{DAY} 09:00", "10:00")
    change_booking(ncs, own.id, end="10:30")
    ncs.cancel(own.id)
    desk = as_user(app, "desk")
    theirs = desk.book("IR2", f"{DAY} 09:00", "10:00")  # the desk has no address
    as_user(app, "admin").cancel(theirs.id)
    assert notify.outbox(app) == []


def test_the_server_refusing_at_first_is_retried_with_backoff_and_nothing_twice(app, smtp,
                                                                                clock):
    _with_addresses(app)
    b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00")
    as_user(app, "desk").cancel(b.id)
    smtp.fail_first = 2

    first = notify.run_once(app, smtp.config)
    assert first.sent == [] and len(first.retrying) == 1 and smtp.refused == 1
    (row,) = notify.outbox(app)
    assert row.attempts == 1 and row.next_attempt_at == clock.value + dt.timedelta(minutes=1)
    assert "451" in row.last_error

    assert notify.run_once(app, smtp.config).retrying == []  # not due yet: not tried
    assert smtp.refused == 1
    clock.set(clock.value + dt.timedelta(minutes=1))
    assert len(notify.run_once(app, smtp.config).retrying) == 1 and smtp.refused == 2
    (row,) = notify.outbox(app)
    assert row.next_attempt_at == clock.value + dt.timedelta(minutes=2)  # twice as long
    clock.set(clock.value + dt.timedelta(minutes=2))
    assert len(notify.run_once(app, smtp.config).sent) == 1
    clock.set(clock.value + dt.timedelta(hours=3))
    assert notify.run_once(app, smtp.config).sent == []
    assert len(smtp.messages) == 1
    (row,) = notify.outbox(app)
    assert (row.status, row.attempts) == ("sent", 3)


def test_an_unreachable_server_loses_nothing(app, clock):
    _with_addresses(app)
    b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00")
    as_user(app, "desk").cancel(b.id)
    config = mailer.parse(f"smtp://127.0.0.1:{_free_port()}")  # nobody listens there
    report = notify.run_once(app, config)
    assert report.sent == [] and len(report.retrying) == 1
    (row,) = notify.outbox(app)
    assert row.status == "pending" and "cannot reach" in row.last_error


def _cospace(db: str, now: dt.datetime, smtp_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "COSPACE_DB": db, "COSPACE_USER": "admin",
           "COSPACE_NOW": now.isoformat(), "COSPACE_SMTP": smtp_url}
    return subprocess.Popen(
        [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())",
         *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_sender_killed_mid_batch_loses_and_repeats_nothing(app, sqlite_url, smtp):
    _with_addresses(app)
    desk = as_user(app, "desk")
    for space, login in (("IR1", "ncs"), ("IR2", "ncs2"), ("IR5", "prob")):
        desk.cancel(as_user(app, login).book(space, f"{DAY} 09:00", "10:00").id)
    keys = [m.key for m in notify.outbox(app)]
    assert len(keys) == 3

    smtp.hold_at = 2  # the second message waits at the server until the sender is dead
    proc = _cospace(sqlite_url, NOW, smtp.url, "notify", "run")
    try:
        assert smtp.arrived.wait(60), proc.stderr.read() if proc.stderr else ""
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.wait(30)
    finally:
        smtp.release.set()
    assert proc.returncode == -9
    rows = {m.key: m for m in notify.outbox(app)}
    assert [rows[k].status for k in keys] == ["sent", "pending", "pending"]
    assert rows[keys[1]].attempts == 1  # claimed by the dead sender: held for the lease

    later = NOW + notify.LEASE + dt.timedelta(seconds=1)
    again = _cospace(sqlite_url, later, smtp.url, "notify", "run")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert "Sent 2, 0 to retry, 0 failed" in out
    assert [m.status for m in notify.outbox(app)] == ["sent"] * 3
    assert len(smtp.messages) == 3 and len(set(smtp.ids())) == 3
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        ["priya@ncs.example", "ravi@ncs.example", "mo@probation.example"])


def test_without_an_smtp_server_notify_run_says_so_and_keeps_the_outbox(app, sqlite_url,
                                                                       monkeypatch, capsys):
    _with_addresses(app)
    b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00")
    as_user(app, "desk").cancel(b.id)
    monkeypatch.delenv("COSPACE_SMTP", raising=False)
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    assert main(["--db", sqlite_url, "--as", "admin", "notify", "run"]) == 2
    err = capsys.readouterr().err
    assert "No SMTP server is configured" in err and "1 message waits" in err
    (row,) = notify.outbox(app)
    assert (row.status, row.attempts) == ("pending", 0)
    assert main(["--db", sqlite_url, "--as", "ncs", "notify", "run"]) == 1  # not theirs
    assert "Only an administrator" in capsys.readouterr().err


def test_the_smtp_setting_is_used_and_never_holds_a_password(app, sqlite_url, smtp,
                                                             monkeypatch, capsys):
    _with_addresses(app)
    b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00")
    as_user(app, "desk").cancel(b.id)
    monkeypatch.delenv("COSPACE_SMTP", raising=False)
    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    run = ["--db", sqlite_url, "--as", "admin"]
    assert main([*run, "setting", "smtp", "smtp+starttls://bob:hunter2@mail.example:587"]) == 2
    out, err = capsys.readouterr()
    assert "hunter2" not in out + err and "COSPACE_SMTP_PASSWORD" in err
    assert main([*run, "setting", "smtp", smtp.url]) == 0
    assert main([*run, "notify", "run"]) == 0
    assert "Sent 1, 0 to retry, 0 failed" in capsys.readouterr().out
    assert len(smtp.messages) == 1


def test_smtp_urls_are_checked_in_plain_words(monkeypatch):
    with pytest.raises(InvalidInput, match="password in the URL"):
        mailer.parse("smtp+starttls://u:secret@host:587")
    with pytest.raises(InvalidInput, match="unencrypted"):
        mailer.parse("smtp://u@host:25")
    with pytest.raises(InvalidInput, match="not an SMTP scheme"):
        mailer.parse("http://host")
    monkeypatch.setenv("COSPACE_SMTP", "smtp+starttls://bob@mail.example:2525")
    monkeypatch.setenv("COSPACE_SMTP_PASSWORD", "hunter2")
    config = mailer.configured(None)
    assert config is not None and config.password == "hunter2" and config.port == 2525
    assert "hunter2" not in config.describe() + repr(config)
    monkeypatch.delenv("COSPACE_SMTP")
    assert mailer.configured(None) is None


# ------------------------------------------------------------------ privacy and content
SECRETS = ("PROB-licence-meeting-7733", "NCS2-confidential-7734")


def _privacy_store(app: Cospace) -> int:
    _with_addresses(app)
    as_user(app, "prob").book("IR5", f"{DAY} 09:00", "10:00", purpose=SECRETS[0])
    as_user(app, "ncs2").book("IR2", f"{DAY} 09:00", "10:00", purpose=SECRETS[1],
                              confidential=True)
    return as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00", purpose="Own plan").id


def test_a_message_says_only_what_its_recipient_may_see(any_app, smtp, clock):
    app = any_app
    mine = _privacy_store(app)
    as_user(app, "desk").cancel(mine)
    # The digest of tomorrow, from the afternoon before.
    notify.set_email(as_user(app, "ncs"), "ncs", None, digest=True)
    clock.set(pendulum.datetime(2026, 11, 25, 16, 30, tz="Europe/London").in_timezone("UTC"))
    as_user(app, "ncs").book("IR4", f"{DAY} 14:00", "15:00", purpose="Tomorrow's own")
    notify.run_once(app, smtp.config)
    assert [m["To"] for m in smtp.messages] == ["priya@ncs.example"] * 2
    for msg in smtp.messages:
        raw = msg.as_string() + _text(msg) + "".join(
            p.get_content() for p in msg.walk() if p.get_content_type() == "text/calendar")
        assert "Own plan" in raw or "Tomorrow's own" in raw  # the decoded text is searched
        assert not any(s in raw for s in SECRETS)
        assert "Probation" not in raw and "IR5" not in raw and "IR2" not in raw
    digest = next(m for m in smtp.messages if "tomorrow" in m["Subject"])
    body = _text(digest)
    assert "14:00–15:00" in body and "Tomorrow's own" in body
    assert "09:00" not in body  # the cancelled one is not listed
    # Once a day, however often the sender runs.
    notify.run_once(app, smtp.config)
    clock.set(clock.value + dt.timedelta(hours=2))
    notify.run_once(app, smtp.config)
    assert sum("tomorrow" in m["Subject"] for m in smtp.messages) == 1
    assert [m.key for m in notify.outbox(app) if m.kind == "digest"] == [
        f"digest-{as_user(app, 'ncs').actor.staff_id}-{DAY}"]


def test_addresses_are_checked_and_user_text_stays_data(app, smtp):
    for bad in ("", "no-at-sign", "a@b@c", "x@y.org\r\nBcc: evil@example.org",
                "<a@b.org>", "a b@c.org", "a@.org"):
        with pytest.raises(InvalidInput, match="not an e-mail address"):
            notify.check_address(bad)
    with pytest.raises(InvalidInput):
        notify.set_email(app, "ncs", "x@y.org\nBcc: evil@example.org")
    notify.set_email(app, "ncs", "priya@ncs.example")
    b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00",
                                 purpose="Plan\nBcc: evil@example.org")
    as_user(app, "desk").cancel(b.id)
    notify.run_once(app, smtp.config)
    (msg,) = smtp.messages
    assert msg["Bcc"] is None and msg["To"] == "priya@ncs.example"
    assert msg["Auto-Submitted"] == "auto-generated"


def test_staff_add_takes_an_email_address(sqlite_url, capsys, monkeypatch):
    Cospace.init(sqlite_url, "admin")
    run = ["--db", sqlite_url, "--as", "admin"]
    assert main([*run, "org", "add", "JCP", "--name", "Jobcentre", "--host"]) == 0
    assert main([*run, "staff", "add", "admin", "--name", "Ada", "--org", "JCP",
                 "--role", "admin"]) == 0
    assert main([*run, "staff", "add", "amy", "--name", "Amy", "--org", "JCP",
                 "--role", "front-desk", "--email", "not an address"]) == 2
    assert "not an e-mail address" in capsys.readouterr().err
    assert main([*run, "staff", "list", "--json"]) == 0
    assert '"amy"' not in capsys.readouterr().out  # refused whole: no staff member either
    assert main([*run, "staff", "add", "amy", "--name", "Amy", "--org", "JCP",
                 "--role", "front-desk", "--email", "amy@jobcentre.example"]) == 0
    assert main([*run, "--as", "amy", "notify", "digest", "on"]) == 0
    assert main([*run, "notify", "status", "--json"]) == 0
    assert '"pending": 0' in capsys.readouterr().out
    assert main([*run, "--as", "amy", "notify", "address", "amy"]) == 0
    assert "amy: amy@jobcentre.example" in capsys.readouterr().out
    assert main([*run, "--as", "amy", "notify", "address", "admin"]) == 1  # not theirs
    assert main([*run, "--as", "amy", "notify", "address", "amy", "x@y.example"]) == 1
    assert main([*run, "notify", "address", "amy", "amy@new.example"]) == 0
    assert main([*run, "notify", "address", "amy", "none"]) == 0
    capsys.readouterr()
    assert main([*run, "notify", "address", "amy"]) == 0
    assert "amy: no e-mail address" in capsys.readouterr().out
    assert main([*run, "audit", "--json"]) == 0
    assert "@jobcentre.example" not in capsys.readouterr().out  # set, but not recorded


# ------------------------------------------------------------------ PostgreSQL: the store
@pytest.mark.postgres
def test_postgres_queues_in_the_trigger_and_keeps_addresses_private(pg_url, clock):
    from tests.test_store_privacy import Deployment

    d = Deployment(pg_url, clock)
    owner = d.owner
    for key in ("ncs", "ncs2", "prob"):
        notify.set_email(owner, d.login[key], f"{key}@partner.example")
    mine = d.app("ncs").book("IR1", f"{DAY} 09:00", "10:00", purpose="Own plan").id
    own = d.app("prob").book("IR5", f"{DAY} 09:00", "10:00").id
    d.app("desk").cancel(mine)  # the front desk's login may not read the outbox: the
    d.app("prob").cancel(own)  # trigger queues it as the owner
    rows = notify.outbox(owner)
    assert [(r.booking_id, r.event, r.method, r.address) for r in rows] == [
        (mine, "cancel", "CANCEL", "ncs@partner.example")]

    eng = create_engine(d.url_of("ncs"))
    try:
        with eng.connect() as conn:
            seen = conn.execute(text("SELECT email FROM staff_contact")).scalars().all()
            assert seen == ["ncs@partner.example"]  # their own address only
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text("SELECT * FROM outbox"))
    finally:
        eng.dispose()
    eng = create_engine(d.url_of("desk"))
    try:
        with eng.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM staff_contact")).scalar() == 0
    finally:
        eng.dispose()


def test_watch_keeps_delivering(app, sqlite_url, smtp):
    _with_addresses(app)
    proc = _cospace(sqlite_url, NOW, smtp.url, "notify", "run", "--watch", "--interval", "0.2")
    try:
        time.sleep(1.0)
        b = as_user(app, "ncs").book("IR1", f"{DAY} 09:00", "10:00")
        as_user(app, "desk").cancel(b.id)
        deadline = time.monotonic() + 60
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(30)
    assert len(smtp.messages) == 1


@pytest.mark.postgres
def test_least_privilege_deployment_queues_and_delivers(pg_server_url, smtp, capsys,
                                                         monkeypatch):
    """As docs/shared-postgresql.md sets it up (an owner with CREATEROLE, no superuser): the
    front desk's own login cancels an adviser's booking, the trigger (as the owner) finds the
    adviser's address, and the owner's sender delivers it."""
    from sqlalchemy.engine import make_url

    monkeypatch.setenv("COSPACE_NOW", NOW.isoformat())
    monkeypatch.setenv("COSPACE_SMTP", smtp.url)
    base = make_url(pg_server_url)
    name = f"cospace_t_nt_{os.getpid()}_{int(time.time() * 1000) % 100000}"
    owner = f"{name}_owner"
    su = create_engine(base.set(database="postgres").render_as_string(hide_password=False),
                       isolation_level="AUTOCOMMIT")
    with su.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{owner}" LOGIN CREATEROLE'))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{owner}"'))
        conn.execute(text(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC'))
    url = base.set(database=name, username=owner).render_as_string(hide_password=False)
    adviser, desk = f"ncs.{name[-6:]}", f"desk.{name[-6:]}"

    def as_login(login: str) -> str:
        return make_url(url).set(username=login).render_as_string(hide_password=False)
    try:
        assert main(["--db", url, "init"]) == 0
        for args in (["org", "add", "JCP", "--name", "Jobcentre", "--host"],
                     ["org", "add", "NCS", "--name", "Careers"],
                     ["site", "add", "NGT", "--name", "Northgate"],
                     ["space", "add", "IR1", "--site", "NGT", "--kind", "interview",
                      "--capacity", "2"],
                     ["staff", "add", adviser, "--name", "Priya", "--org", "NCS",
                      "--role", "adviser", "--email", "priya@ncs.example"],
                     ["staff", "add", desk, "--name", "Amy", "--org", "JCP",
                      "--role", "front-desk"]):
            assert main(["--db", url, *args]) == 0, args
        assert main(["--db", as_login(adviser), "book", "IR1", f"{DAY} 09:00", "10:00",
                     "--json"]) == 0
        assert main(["--db", as_login(desk), "cancel", "1"]) == 0
        assert main(["--db", as_login(desk), "notify", "run"]) == 1  # not the desk's job
        capsys.readouterr()
        assert main(["--db", url, "notify", "run"]) == 0
        assert "Sent 1, 0 to retry, 0 failed" in capsys.readouterr().out
        (msg,) = smtp.messages
        assert msg["To"] == "priya@ncs.example" and _calendar(msg)["METHOD"] == "CANCEL"
    finally:
        with su.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            for suffix in ("frontdesk", "adviser", "estates", "admin", "display"):
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}_{suffix}"'))
            for role in (adviser, desk, owner):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        su.dispose()
