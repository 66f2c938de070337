"""Notifications by e-mail: what a message says, and the sender that delivers the outbox.

A change to someone's booking made by someone else queues a message in the same transaction
(a trigger on ``audit``, migration 0007); :func:`run_once` delivers what is due. Each message
is claimed (no other sender takes it meanwhile), composed, handed to the SMTP server, and
marked sent in its own transaction right after the server accepted it. A message the server
could not take now is retried with a doubling wait (1 minute up to 1 hour); one it refused for
good is marked failed and kept. The Message-ID comes from the message's idempotency key, so the
one case that can repeat a message (the sender dies after the server accepted it and before
the mark was written) repeats it with the same Message-ID (docs/notifications.md).

A message says only what its recipient may see: their own booking, through the same privacy
rule as every other output (:func:`booking.permissions.booking_visibility`), the person who
changed it by role, never by name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from booking import mailer, permissions
from booking.errors import InvalidInput, NotPermitted
from booking.ical import PRODID
from booking.limits import visible
from booking.models import Actor
from booking.timeutil import day_bounds, in_zone, to_local
from db import outbox_queries as oq
from db import queries as q
from db.engine import read_tx, write_tx

#: The store setting that names the SMTP server when ``COSPACE_SMTP`` is not set.
SMTP_SETTING = "smtp"
#: The first retry waits this long; each next one twice as long, up to ``MAX_WAIT``.
FIRST_WAIT = dt.timedelta(minutes=1)
MAX_WAIT = dt.timedelta(hours=1)
#: How long a claimed message is held for its sender (a sender that died frees it then).
LEASE = dt.timedelta(minutes=10)
#: Digests of tomorrow's bookings are queued from this local hour on (the afternoon before).
DIGEST_HOUR = 16
MAX_ADDRESS = 254

#: What happened, after "Your booking #12 was ..."
EVENT_WORDS = {
    "create": "booked for you",
    "change": "changed",
    "cancel": "cancelled",
    "noshow": "marked a no-show",
    "release": "released",
    "undo": "put back to confirmed",
    "approve": "approved",
    "decline": "declined",
    "waitlist_book": "booked for you from the waitlist",
}
FIELD_WORDS = {"space": "space", "start_at": "start", "end_at": "end",
               "attendees": "attendees"}


# ------------------------------------------------------------------ addresses
def check_address(text: str) -> str:
    """An e-mail address, checked (one ``local@domain``, no spaces, quotes or control
    characters); anything else is refused in plain words."""
    value = (text or "").strip()
    shown = visible(value[:60])
    bad = any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in "<>()[],;:\"'\\"
              for c in value)
    if not value or bad or len(value) > MAX_ADDRESS or value.count("@") != 1:
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as name@example.org "
                           f"(at most {MAX_ADDRESS} characters).")
    local, domain = value.split("@")
    if not local or not domain or domain.startswith(".") or domain.endswith(".") or \
            ".." in domain:
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as name@example.org.")
    try:
        Address(addr_spec=value)
    except (ValueError, IndexError):
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as "
                           "name@example.org.") from None
    return value


def set_email(app: Any, login: str, email: str | None, *, digest: bool | None = None) -> None:
    """Set a staff member's address (administrators) and/or their digest choice (they
    themselves or an administrator)."""
    address = check_address(email) if email is not None else None
    me = app.actor
    permissions.require_known(me)
    with write_tx(app.engine) as conn:
        if address is not None or login != me.login:
            if me.role != "admin":
                raise NotPermitted("Only an administrator sets staff e-mail addresses or "
                                   "another person's digest.")
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        if address is None and oq.contact(conn, sid) is None:
            raise InvalidInput(f"{visible(login)} has no e-mail address yet: an administrator "
                               "adds one first (cospace staff add ... --email ADDRESS).")
        oq.set_contact(conn, sid, email=address, digest=digest)
        q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="staff",
                    entity_id=sid, after={k: v for k, v in (("email", address and "(set)"),
                                                            ("digest", digest)) if v is not None})


def remove_email(app: Any, login: str) -> bool:
    """Forget a staff member's address (administrators): no more messages to them; those
    already queued keep the address they were queued with. True if there was one."""
    me = app.actor
    permissions.require_admin_action(me, "manage-staff")
    with write_tx(app.engine) as conn:
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        removed = oq.remove_contact(conn, sid)
        if removed:
            q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="staff",
                        entity_id=sid, after={"email": None})
    return removed


def email_of(app: Any, login: str) -> str | None:
    """A staff member's address, as the acting person may read it (their own, or anyone's
    for an administrator); None when there is none."""
    me = app.actor
    permissions.require_known(me)
    if login != me.login and me.role != "admin":
        raise NotPermitted("Only an administrator reads another person's e-mail address.")
    with read_tx(app.engine) as conn:
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        row = oq.contact(conn, sid)
    return row.email if row is not None else None


def smtp_config(app: Any) -> mailer.SmtpConfig | None:
    """The SMTP server: ``COSPACE_SMTP``, else the store's ``smtp`` setting."""
    with read_tx(app.engine) as conn:
        stored = oq.setting(conn, SMTP_SETTING)
    return mailer.configured(stored)


def set_smtp(app: Any, url: str) -> str:
    """Set the store's SMTP server (administrators; '' removes it). Returns it as shown."""
    config = mailer.parse(url) if url.strip() else None
    me = app.actor
    permissions.require_admin_action(me, "manage-settings")
    with write_tx(app.engine) as conn:
        old = oq.put_setting(conn, SMTP_SETTING, url.strip() if config else None)
        q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="setting",
                    entity_id=None, before={SMTP_SETTING: old},
                    after={SMTP_SETTING: url.strip() or None})
    return config.describe() if config else "none"


# ------------------------------------------------------------------ composing
def _who(conn: Any, login: str | None, recipient_org: int | None) -> str:
    """The person who made the change, by role (a message names no one)."""
    if not login:
        return "someone else"
    if login == "system":
        return "cospace, automatically"
    row = oq.actor(conn, login)
    if row is None:
        return "someone else"
    if row.role == "front-desk":
        return "the front desk"
    if row.role == "admin":
        return "an administrator"
    if row.role == "estates":
        return "estates"
    if row.org_id == recipient_org:
        return "a colleague at your organisation"
    return "another adviser"


def _when(start: dt.datetime, end: dt.datetime, tz: str) -> str:
    s, e = to_local(start, tz), to_local(end, tz)
    end_text = e.format("HH:mm") if e.date() == s.date() else e.format("ddd D MMM YYYY HH:mm")
    return f"{s.format('ddd D MMM YYYY, HH:mm')}–{end_text} ({tz})"


def _clean(text: Any) -> str:
    """User text as data: one line, every control character visible."""
    return visible(" ".join(str(text).split()))


def _as_actor(row: Any) -> Actor:
    return Actor(login=row.login, staff_id=row.id, name=row.name, org_id=row.org_id,
                 org_code=row.org_code, role=row.role)


def _changes(before: dict[str, Any], after: dict[str, Any], tz: str) -> list[str]:
    lines = []
    for key, word in FIELD_WORDS.items():
        if key not in before and key not in after:
            continue
        old, new = before.get(key), after.get(key)
        if key in ("start_at", "end_at"):
            old, new = (_time(v, tz) for v in (old, new))
        lines.append(f"  {word.capitalize()}: {_clean(old)} -> {_clean(new)}")
    return lines


def _time(value: Any, tz: str) -> str:
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return to_local(when, tz).format("ddd D MMM HH:mm")


@dataclass
class Draft:
    """A message composed for sending."""

    to: str
    subject: str
    text: str
    calendar: bytes | None = None
    method: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def compose(conn: Any, row: Any, sender: str, now: dt.datetime) -> Draft:
    """The message of one outbox row, as its recipient may see it."""
    person = oq.recipient(conn, row.staff_id)
    if person is None:
        raise mailer.Permanent("the recipient is no longer in the store")
    if row.kind == "digest":
        return _compose_digest(conn, row, person)
    return _compose_booking(conn, row, person, sender, now)


def _compose_booking(conn: Any, row: Any, person: Any, sender: str,
                     now: dt.datetime) -> Draft:
    place = oq.space(conn, row.space_id)
    booking = oq.booking(conn, row.booking_id)
    if place is None or booking is None:
        raise mailer.Permanent("the booking is no longer in the store")
    me = _as_actor(person)
    seen = permissions.booking_visibility(me, org_id=booking.org_id,
                                          confidential=bool(booking.confidential),
                                          booked_by_id=booking.booked_by_id)
    tz = place.tz
    what = EVENT_WORDS.get(row.event, "changed")
    who = _who(conn, row.actor, person.org_id)
    space_text = _clean(f"{place.name} ({place.code})" if place.name and place.name != place.code
                        else place.code)
    where = f"{space_text}, {_clean(place.site_name)}"
    when = _when(row.start_at, row.end_at, tz)
    lines = [f"Hello {_clean(person.name)},", "",
             f"Your booking #{row.booking_id} was {what} by {who}.", "",
             f"  Space: {where}", f"  When: {when}"]
    if seen.org:
        lines.append(f"  For: {_clean(booking.org_name)}")
    if seen.purpose and booking.purpose:
        lines.append(f"  Purpose: {_clean(booking.purpose)}")
    if row.reason and (seen.purpose or row.event in ("decline", "release", "noshow")):
        lines.append(f"  Reason: {_clean(row.reason)}")
    if row.event == "change" and row.audit_id is not None:
        before, after = oq.audit_values(conn, row.audit_id)
        changed = _changes(before, after, tz)
        if changed:
            lines += ["", "What changed:", *changed]
    lines += ["", ("The calendar entry attached removes it from your calendar."
                   if row.method == "CANCEL" else
                   "The calendar entry attached adds it to your calendar, or updates it."),
              "", "-- cospace (this message was sent automatically)"]
    start = to_local(row.start_at, tz)
    subject = f"Booking #{row.booking_id} {what}: {space_text}, {start:ddd D MMM HH:mm}"
    summary = f"{place.name or place.code}" + (f" — {booking.purpose}" if seen.purpose and
                                               booking.purpose else "")
    cal = _calendar(row, sender, now, summary=_clean(summary), location=where, tz=tz)
    return Draft(to=row.address, subject=_clean(subject), text="\n".join(lines) + "\n",
                 calendar=cal, method=row.method)


def _calendar(row: Any, sender: str, now: dt.datetime, *, summary: str, location: str,
              tz: str) -> bytes:
    """The iCalendar part: METHOD, the booking's UID (as ``cospace export ical`` writes it),
    SEQUENCE the number of the booking's changes so far."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", row.method)
    event = icalendar.Event()
    event.add("uid", f"booking-{row.booking_id}@cospace")
    event.add("sequence", int(row.sequence))
    event.add("dtstamp", now)
    zone = ZoneInfo(tz)
    event.add("dtstart", in_zone(row.start_at, zone))
    event.add("dtend", in_zone(row.end_at, zone))
    event.add("summary", summary)
    event.add("location", location)
    event.add("status", "CANCELLED" if row.method == "CANCEL" else "CONFIRMED")
    event.add("organizer", f"mailto:{sender}")
    attendee = icalendar.vCalAddress(f"mailto:{row.address}")
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    event.add("attendee", attendee)
    cal.add_component(event)
    # The zone's rules around the booking only (its whole history is ~60 times longer to
    # write and to send).
    year = row.start_at.year
    try:
        cal.add_missing_timezones(first_date=dt.date(year - 1, 1, 1),
                                  last_date=dt.date(year + 2, 1, 1))
    except Exception:  # noqa: BLE001 — an unknown zone: the TZID alone still says it
        pass
    return cal.to_ical()


def _compose_digest(conn: Any, row: Any, person: Any) -> Draft:
    me = _as_actor(person)
    bookings = oq.digest_bookings(conn, row.staff_id, row.start_at, row.end_at)
    lines = [f"Hello {_clean(person.name)},", ""]
    day = None
    if bookings:
        lines.append("Your bookings tomorrow:")
    for b in bookings:
        place = oq.space(conn, b.space_id)
        if place is None:
            continue
        seen = permissions.booking_visibility(me, org_id=b.org_id,
                                              confidential=bool(b.confidential),
                                              booked_by_id=b.booked_by_id)
        s, e = to_local(b.start_at, place.tz), to_local(b.end_at, place.tz)
        day = day or s
        text = (f"  {s:HH:mm}–{e:HH:mm}  {_clean(place.name or place.code)} ({_clean(place.code)}),"
                f" {_clean(place.site_name)}  #{b.id}")
        if seen.purpose and b.purpose:
            text += f"  {_clean(b.purpose)}"
        lines.append(text)
    if not bookings:
        lines.append("You have no bookings tomorrow any more.")
    lines += ["", "If you no longer need one, please cancel it so that someone else can use "
              "the space.", "", "-- cospace (this message was sent automatically)"]
    label = (day or to_local(row.start_at, "UTC")).format("ddd D MMM")
    return Draft(to=row.address, subject=f"Your bookings tomorrow, {label}",
                 text="\n".join(lines) + "\n")


def message_id(row: Any, sender: str) -> str:
    """A Message-ID that depends only on the outbox row: a resent message is the same one."""
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    tag = hashlib.sha256(f"{row.key}|{row.created_at.isoformat()}".encode()).hexdigest()[:16]
    return f"<{row.key}.{tag}@{domain}>"


def to_email(draft: Draft, row: Any, sender: str, now: dt.datetime) -> EmailMessage:
    """The message as MIME: a text part and, for a booking, a text/calendar part."""
    msg = EmailMessage()  # default policy: a header with a line break raises, nothing injects
    msg["From"] = Address("cospace", addr_spec=sender)
    msg["To"] = Address(addr_spec=draft.to)
    msg["Subject"] = draft.subject
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = message_id(row, sender)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(draft.text)
    if draft.calendar is not None:
        msg.add_alternative(draft.calendar.decode("utf-8"), subtype="calendar",
                            params={"method": draft.method or "REQUEST"})
    return msg


# ------------------------------------------------------------------ digests
def queue_digests(app: Any, now: dt.datetime) -> int:
    """Queue each opted-in person's digest of tomorrow's bookings, once per person and day,
    from :data:`DIGEST_HOUR` local time; returns how many were queued now."""
    with read_tx(app.engine) as conn:
        found = oq.digest_candidates(conn, now, now + dt.timedelta(hours=56))
    wanted: dict[str, dict[str, Any]] = {}
    for b in found:
        here = to_local(now, b.tz)
        tomorrow = here.date() + dt.timedelta(days=1)
        if here.hour < DIGEST_HOUR or to_local(b.start_at, b.tz).date() != tomorrow:
            continue
        key = f"digest-{b.booked_by_id}-{tomorrow.isoformat()}"
        if key in wanted:
            continue
        start, end = day_bounds(tomorrow, b.tz)
        wanted[key] = dict(key=key, kind="digest", staff_id=b.booked_by_id, address=b.email,
                           event="digest", method=None, sequence=0, start_at=start,
                           end_at=end, reason="", created_at=now, status="pending",
                           attempts=0, next_attempt_at=now, last_error="")
    if not wanted:
        return 0
    with write_tx(app.engine) as conn:
        return oq.enqueue(conn, list(wanted.values()))


# ------------------------------------------------------------------ sending
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


__all__ = ["Draft", "Report", "backoff", "check_address", "compose", "counts", "email_of",
           "message_id", "outbox", "queue_digests", "remove_email", "run_once", "set_email",
           "set_smtp", "smtp_config", "to_email"]
