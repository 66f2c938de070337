"""The daily digest: each opted-in person's bookings of tomorrow, queued the afternoon
before and composed as they may see them (:mod:`booking.notify`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from booking import permissions
from booking.notify_compose import Draft, as_actor, clean
from booking.timeutil import day_bounds, to_local
from db import outbox_queries as oq
from db.engine import read_tx, write_tx

#: Digests of tomorrow's bookings are queued from this local hour on (the afternoon before).
DIGEST_HOUR = 16


def compose_digest(conn: Any, row: Any, person: Any) -> Draft:
    me = as_actor(person)
    bookings = oq.digest_bookings(conn, row.staff_id, row.start_at, row.end_at)
    lines = [f"Hello {clean(person.name)},", ""]
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
        text = (f"  {s:HH:mm}–{e:HH:mm}  {clean(place.name or place.code)} ({clean(place.code)}),"
                f" {clean(place.site_name)}  #{b.id}")
        if seen.purpose and b.purpose:
            text += f"  {clean(b.purpose)}"
        lines.append(text)
    if not bookings:
        lines.append("You have no bookings tomorrow any more.")
    lines += ["", "If you no longer need one, please cancel it so that someone else can use "
              "the space.", "", "-- cospace (this message was sent automatically)"]
    label = (day or to_local(row.start_at, "UTC")).format("ddd D MMM")
    return Draft(to=row.address, subject=f"Your bookings tomorrow, {label}",
                 text="\n".join(lines) + "\n")


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
