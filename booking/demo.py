"""A believable co-located jobcentre with four weeks of bookings around today.

Northgate Jobcentre hosts the National Careers Service, the council, Citizens Advice and
probation. The data is random but seeded, so every run on the same day is the same, and every
screen and report has something real to show: weekly partner slots, no-shows, released desks,
cancellations and recorded unmet demand.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select

from booking.rules import opening_window
from booking.service import Cospace
from booking.timeutil import at_minutes, to_local, utc
from db import queries as q
from db.engine import write_tx
from db.tables import Audit, Booking, Staff, UnmetDemand

SITE = "NGT"

ORGS = [
    ("JCP", "Northgate Jobcentre Plus", True),
    ("NCS", "National Careers Service", False),
    ("CNCL", "Northgate City Council", False),
    ("CAB", "Citizens Advice Northgate", False),
    ("PROB", "Probation Service", False),
]

# code, name, kind, capacity, features, private, restricted_to
SPACES = [
    ("IR1", "Interview Room 1", "interview", 3, "wifi,phone", True, ()),
    ("IR2", "Interview Room 2", "interview", 3, "wifi,phone", True, ()),
    ("IR3", "Interview Room 3 (accessible)", "interview", 4,
     "wifi,phone,step-free,hearing-loop", True, ()),
    ("IR4", "Interview Booth 4", "interview", 2, "wifi", False, ()),
    ("IR5", "Secure Interview Room", "interview", 3, "wifi,phone,step-free", True,
     ("PROB", "JCP")),
    *[
        (f"D{n:02d}", f"Hot Desk {n}", "desk", 1,
         "wifi,pc,phone" if n <= 4 else ("wifi,pc" if n <= 8 else "wifi"), False, ())
        for n in range(1, 13)
    ],
    ("WS1", "Small Workshop Room", "workshop", 10, "wifi,projector,whiteboard", False, ()),
    ("WS2", "Large Workshop Room", "workshop", 24,
     "wifi,projector,whiteboard,step-free,hearing-loop", False, ()),
]

# login, name, org, role
STAFF = [
    ("frontdesk", "Amy Reception", "JCP", "front-desk"),
    ("jcp.adviser", "Tom Work Coach", "JCP", "adviser"),
    ("ncs.adviser", "Priya Careers", "NCS", "adviser"),
    ("council.adviser", "Dan Housing", "CNCL", "adviser"),
    ("cab.adviser", "Grace Advice", "CAB", "adviser"),
    ("probation", "Mo Probation", "PROB", "adviser"),
    ("estates", "Sam Estates", "JCP", "estates"),
]

PURPOSES = {
    "JCP": ["Work search review", "New claim interview", "Health and work conversation",
            "Restart meeting", "Job fair prep"],
    "NCS": ["Careers guidance", "CV clinic", "Skills action plan", "Apprenticeship advice"],
    "CNCL": ["Housing options", "Council tax support", "Homelessness prevention"],
    "CAB": ["Debt advice", "Benefits check", "Energy bills help"],
    "PROB": ["Supervision appointment", "Employment support", "Programme session"],
}

# Regular weekly slots: weekday, space, org, start, end, purpose
WEEKLY = [
    (3, "D05", "NCS", "13:00", "17:00", "NCS Thursday drop-in"),
    (3, "D06", "NCS", "13:00", "17:00", "NCS Thursday drop-in"),
    (3, "IR2", "NCS", "13:30", "16:30", "Careers interviews"),
    (1, "IR3", "CAB", "09:30", "12:30", "Citizens Advice Tuesday clinic"),
    (2, "IR5", "PROB", "09:00", "12:00", "Probation reporting"),
    (0, "WS2", "JCP", "10:00", "12:00", "Monday jobs club"),
    (4, "D09", "CNCL", "09:00", "12:30", "Housing surgery"),
]


def load_demo(app: Cospace, *, weeks_before: int = 2, weeks_after: int = 2) -> str:
    """Build the demo site in the store behind ``app``; a store that has it already is left
    as it is."""
    now = app.now()
    with write_tx(app.engine) as conn:
        if q.site_row(conn, code=SITE) is not None:
            return f"The demo site {SITE} is already in this store; left as it is."
    for code, name, host in ORGS:
        if code not in {o.code for o in app.orgs()}:
            app.add_org(code, name, host=host)
    app.add_site(SITE, "Northgate Jobcentre", hours="mon-thu 08:30-17:00, fri 08:30-16:30")
    for code, name, kind, cap, feats, private, only in SPACES:
        app.add_space(code, site=SITE, kind=kind, capacity=cap, features=feats,
                      private=private, name=name, restricted_to=only)
    app.add_staff(app.login, name=app.login, org="JCP", role="admin")
    for login, name, org, role in STAFF:
        if login != app.login:
            app.add_staff(login, name=name, org=org, role=role)

    site = app.site(SITE)
    tz = site.tz
    today = to_local(now, tz).date()
    rng = random.Random(today.toordinal())
    with write_tx(app.engine) as conn:
        spaces = {r.code: r for r in q.space_rows(conn, site_id=site.id)}
        orgs = {code: q.org_row(conn, code=code) for code, _, _ in ORGS}
        staff_by_org: dict[str, list[int]] = {}
        for r in conn.execute(select(Staff.__table__)):
            org_code = next((c for c, o in orgs.items() if o is not None and o.id == r.org_id),
                            None)
            if org_code and r.role in ("adviser", "front-desk"):
                staff_by_org.setdefault(org_code, []).append(r.id)

        taken: dict[str, list[tuple[int, int]]] = {}

        def free(space: str, day: dt.date, a: int, b: int) -> bool:
            return all(not (x < b and a < y) for x, y in taken.get(f"{space}{day}", []))

        rows: list[dict] = []

        def add(space: str, day: dt.date, a: int, b: int, org: str, purpose: str,
                attendees: int = 1, confidential: bool = False) -> None:
            taken.setdefault(f"{space}{day}", []).append((a, b))
            start = utc(at_minutes(day, a, tz))
            end = utc(at_minutes(day, b, tz))
            if end <= now:
                r = rng.random()
                kind = spaces[space].kind
                if kind == "desk":
                    status = "checked_in" if r < 0.72 else ("released" if r < 0.9 else
                                                            "cancelled")
                else:
                    status = "checked_in" if r < 0.74 else ("no_show" if r < 0.93 else
                                                            "cancelled")
            elif start <= now:
                status = "checked_in" if rng.random() < 0.8 else "confirmed"
            else:
                status = "cancelled" if rng.random() < 0.05 else "confirmed"
            created = min(start - dt.timedelta(days=rng.randint(1, 10)), now)
            rows.append(dict(
                space_id=spaces[space].id, org_id=orgs[org].id,  # type: ignore[union-attr]
                booked_by_id=rng.choice(staff_by_org.get(org, [None])),  # type: ignore[list-item]
                start_at=start, end_at=end, status=status, attendees=attendees,
                purpose=purpose, confidential=confidential, created_at=created,
                updated_at=created,
            ))

        first = today - dt.timedelta(days=today.weekday() + 7 * weeks_before)
        last = first + dt.timedelta(weeks=weeks_before + weeks_after)
        day = first
        partners = ["JCP", "JCP", "JCP", "NCS", "CNCL", "CAB", "PROB"]
        while day < last:
            window = opening_window(site, day)
            if window is None:
                day += dt.timedelta(days=1)
                continue
            opens, closes = window
            for wd, space, org, s, e, purpose in WEEKLY:
                if day.weekday() == wd:
                    a = int(s[:2]) * 60 + int(s[3:])
                    b = min(int(e[:2]) * 60 + int(e[3:]), closes)
                    add(space, day, a, b, org, purpose, attendees=1 if spaces[space].kind
                        == "desk" else 2)
            for code, row in spaces.items():
                if row.kind == "interview":
                    for _ in range(rng.randint(3, 5)):
                        length = rng.choice([30, 45, 60, 60, 90])
                        a = opens + 15 * rng.randint(0, (closes - opens - length) // 15)
                        org = rng.choice(partners)
                        if code == "IR5" and org not in ("PROB", "JCP"):
                            org = "PROB"
                        if free(code, day, a, a + length):
                            add(code, day, a, a + length, org, rng.choice(PURPOSES[org]),
                                attendees=rng.randint(1, 2),
                                confidential=rng.random() < 0.25)
                elif row.kind == "desk":
                    if rng.random() < 0.65:
                        if rng.random() < 0.5:
                            a, b = opens, closes
                        else:
                            a, b = rng.choice([(opens, 12 * 60 + 30), (13 * 60, closes)])
                        org = rng.choice(partners)
                        if free(code, day, a, b):
                            add(code, day, a, b, org, rng.choice(PURPOSES[org]))
                else:
                    for _ in range(rng.randint(1, 2)):
                        a = opens + 30 * rng.randint(0, (closes - opens - 120) // 30)
                        org = rng.choice(partners)
                        if free(code, day, a, a + 120):
                            add(code, day, a, a + 120, org,
                                rng.choice(["Group job search session", "Confidence workshop",
                                            "Digital skills class", "Employer recruitment day"]),
                                attendees=rng.randint(4, row.capacity))
            day += dt.timedelta(days=1)

        for r in rows:
            booking_id = q.insert_booking(conn, r)
            q.add_audit(conn, at=r["created_at"], actor="demo", action="create",
                        entity="booking", entity_id=booking_id,
                        after={k: v for k, v in r.items() if k not in ("created_at",
                                                                       "updated_at")})
        # Turned-away requests: the workshop rooms and the private rooms at busy times.
        demand = 0
        day = first
        while day < last:
            if opening_window(site, day) is not None:
                for _ in range(rng.randint(0, 3)):
                    kind = rng.choice(["workshop", "interview", "interview", "desk"])
                    a = rng.choice([9 * 60 + 30, 10 * 60, 13 * 60 + 30, 14 * 60])
                    length = {"workshop": 120, "interview": 60, "desk": 240}[kind]
                    org = rng.choice(partners)
                    conn.execute(insert(UnmetDemand.__table__).values(
                        recorded_at=min(utc(at_minutes(day, a, tz)), now), site_id=site.id,
                        kind=kind, start_at=utc(at_minutes(day, a, tz)),
                        end_at=utc(at_minutes(day, a + length, tz)),
                        attendees=rng.randint(8, 20) if kind == "workshop" else 1,
                        features="step-free" if rng.random() < 0.2 else "",
                        org_id=orgs[org].id, staff_id=None,  # type: ignore[union-attr]
                    ))
                    demand += 1
            day += dt.timedelta(days=1)
        total = q.count(conn, Booking)
        audits = q.count(conn, Audit)
    return (f"Loaded the demo site {SITE} (Northgate Jobcentre): {len(SPACES)} spaces, "
            f"{len(ORGS)} organisations, {len(STAFF) + 1} staff, {total} bookings from "
            f"{first:%d %b} to {last - dt.timedelta(days=1):%d %b %Y}, {demand} turned-away "
            f"requests ({audits} audit records). Try: cospace --as frontdesk\n"
            f"A reception screen of the site: cospace display {SITE}; a door sign: "
            f"cospace display {SITE} --space IR1 (docs/display.md).")
