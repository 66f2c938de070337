"""What a notification says: a booking's message (with its calendar entry) as its recipient
may see it, and the MIME message handed to the SMTP server (:mod:`booking.notify`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from booking import mailer, permissions
from booking.ical import PRODID
from booking.limits import visible
from booking.models import Actor
from booking.timeutil import in_zone, to_local
from db import outbox_queries as oq

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


def clean(text: Any) -> str:
    """User text as data: one line, every control character visible."""
    return visible(" ".join(str(text).split()))


def as_actor(row: Any) -> Actor:
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
        lines.append(f"  {word.capitalize()}: {clean(old)} -> {clean(new)}")
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


def compose_booking(conn: Any, row: Any, person: Any, sender: str,
                     now: dt.datetime) -> Draft:
    place = oq.space(conn, row.space_id)
    booking = oq.booking(conn, row.booking_id)
    if place is None or booking is None:
        raise mailer.Permanent("the booking is no longer in the store")
    me = as_actor(person)
    seen = permissions.booking_visibility(me, org_id=booking.org_id,
                                          confidential=bool(booking.confidential),
                                          booked_by_id=booking.booked_by_id)
    tz = place.tz
    what = EVENT_WORDS.get(row.event, "changed")
    who = _who(conn, row.actor, person.org_id)
    space_text = clean(f"{place.name} ({place.code})" if place.name and place.name != place.code
                        else place.code)
    where = f"{space_text}, {clean(place.site_name)}"
    when = _when(row.start_at, row.end_at, tz)
    lines = [f"Hello {clean(person.name)},", "",
             f"Your booking #{row.booking_id} was {what} by {who}.", "",
             f"  Space: {where}", f"  When: {when}"]
    if seen.org:
        lines.append(f"  For: {clean(booking.org_name)}")
    if seen.purpose and booking.purpose:
        lines.append(f"  Purpose: {clean(booking.purpose)}")
    if row.reason and (seen.purpose or row.event in ("decline", "release", "noshow")):
        lines.append(f"  Reason: {clean(row.reason)}")
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
    cal = _calendar(row, sender, now, summary=clean(summary), location=where, tz=tz)
    return Draft(to=row.address, subject=clean(subject), text="\n".join(lines) + "\n",
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
