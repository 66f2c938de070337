"""The sender: delivers the due messages of the outbox, one claim, send and mark at a time,
retrying with a doubling wait (:mod:`booking.notify`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from booking import mailer, permissions
from booking.errors import NotPermitted
from booking.notify_compose import Draft, compose_booking, to_email
from booking.notify_digest import compose_digest, queue_digests
from db import outbox_queries as oq
from db.engine import read_tx, write_tx

#: The first retry waits this long; each next one twice as long, up to ``MAX_WAIT``.
FIRST_WAIT = dt.timedelta(minutes=1)
MAX_WAIT = dt.timedelta(hours=1)
#: How long a claimed message is held for its sender (a sender that died frees it then).
LEASE = dt.timedelta(minutes=10)


def compose(conn: Any, row: Any, sender: str, now: dt.datetime) -> Draft:
    """The message of one outbox row, as its recipient may see it."""
    person = oq.recipient(conn, row.staff_id)
    if person is None:
        raise mailer.Permanent("the recipient is no longer in the store")
    if row.kind == "digest":
        return compose_digest(conn, row, person)
    return compose_booking(conn, row, person, sender, now)


@dataclass
class Report:
    """What one pass of the sender did."""

    sent: list[str] = field(default_factory=list)  # keys
    retrying: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    pending: int = 0
    next_due: dt.datetime | None = None


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: 1, 2, 4 ... minutes, at most 1 h."""
    wait = FIRST_WAIT * (2 ** max(attempts - 1, 0))
    return min(wait, MAX_WAIT)


def require_sender(app: Any) -> None:
    me = app.actor
    permissions.require_known(me)
    if me.role != "admin":
        raise NotPermitted("Only an administrator runs the sender: it reads every outgoing "
                           "message and address.")


def run_once(app: Any, config: mailer.SmtpConfig, *, limit: int = 200,
             on_sent: Callable[[str], None] | None = None,
             digests: bool = True) -> Report:
    """Deliver the due messages (at most ``limit``), one claim, send and mark at a time."""
    require_sender(app)
    report = Report()
    if digests:
        queue_digests(app, app.now())
    smtp = mailer.Connection(config)
    try:
        with read_tx(app.engine) as conn:
            ids = oq.due_ids(conn, app.now(), limit)
        for message_id_ in ids:
            now = app.now()
            with write_tx(app.engine) as conn:
                if not oq.claim(conn, message_id_, now, now + LEASE):
                    continue  # another sender took it
                row = oq.message(conn, message_id_)
                assert row is not None
                try:
                    msg: EmailMessage | None = to_email(
                        compose(conn, row, config.sender, now), row, config.sender, now)
                    problem: Exception | None = None
                except mailer.Permanent as exc:
                    msg, problem = None, exc
            try:
                if problem is not None:
                    raise problem
                assert msg is not None
                smtp.send(msg)
            except mailer.Transient as exc:
                wait = backoff(int(row.attempts))  # this attempt counted at the claim
                with write_tx(app.engine) as conn:
                    oq.mark_retry(conn, message_id_, app.now() + wait, str(exc))
                report.retrying.append(row.key)
                report.errors.append(f"{row.key}: {exc} (next try in {_minutes(wait)})")
                if "cannot reach" in str(exc):
                    break  # the server is down: the rest wait for the next pass
                continue
            except mailer.Permanent as exc:
                with write_tx(app.engine) as conn:
                    oq.mark_failed(conn, message_id_, str(exc))
                report.failed.append(row.key)
                report.errors.append(f"{row.key}: {exc} (given up)")
                continue
            with write_tx(app.engine) as conn:
                oq.mark_sent(conn, message_id_, app.now())
            report.sent.append(row.key)
            if on_sent is not None:
                on_sent(row.key)
    finally:
        smtp.close()
    with read_tx(app.engine) as conn:
        report.pending = oq.counts(conn)["pending"]
        report.next_due = oq.next_due(conn)
    return report


def _minutes(wait: dt.timedelta) -> str:
    minutes = int(wait.total_seconds() // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def counts(app: Any) -> dict[str, int]:
    require_sender(app)
    with read_tx(app.engine) as conn:
        return oq.counts(conn)


def outbox(app: Any, booking_id: int | None = None) -> Sequence[Any]:
    """The outbox rows (administrators), oldest first."""
    require_sender(app)
    with read_tx(app.engine) as conn:
        return oq.messages(conn, booking_id=booking_id)
