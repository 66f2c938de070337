"""A believable co-located jobcentre with four weeks of bookings around today.

Northgate Jobcentre hosts the National Careers Service, the council, Citizens Advice and
probation. The data is random but seeded, so every run on the same day is the same, and every
screen and report has something real to show: weekly partner slots, no-shows, released desks,
cancellations and recorded unmet demand.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from booking.models import SiteInfo
from booking.rules import opening_window
from booking.service import Cospace
from booking.timeutil import at_minutes, to_local, utc
from db import demo_queries, queries
from db.engine import write_tx
from db.tx import Row, Tx

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

#: Who books for the organisations, and who they book for (the host three times in seven).
BOOKERS = ("adviser", "front-desk")
PARTNERS = ["JCP", "JCP", "JCP", "NCS", "CNCL", "CAB", "PROB"]
WORKSHOPS = ["Group job search session", "Confidence workshop", "Digital skills class",
             "Employer recruitment day"]


def load_demo(app: Cospace, *, weeks_before: int = 2, weeks_after: int = 2) -> str:
    """Build the demo site in the store behind ``app``; a store that has it already is left
    as it is. The set-up goes through the use cases; the weeks of bookings are planned from a
    generator seeded with the day, then written in one transaction."""
    now = app.now()
    with write_tx(app.engine) as tx:
        if queries.site_row(tx, code=SITE) is not None:
            return f"The demo site {SITE} is already in this store; left as it is."
    _set_up(app)
    site = app.site(SITE)
    today = to_local(now, site.tz).date()
    with write_tx(app.engine) as tx:
        planner = _Planner(site, now, random.Random(today.toordinal()), *_directory(tx, site))
        plan = planner.plan(today, weeks_before, weeks_after)
        _apply(tx, plan)
        total, audits = demo_queries.booking_and_audit_counts(tx)
    return (f"Loaded the demo site {SITE} (Northgate Jobcentre): {len(SPACES)} spaces, "
            f"{len(ORGS)} organisations, {len(STAFF) + 1} staff, {total} bookings from "
            f"{plan.first:%d %b} to {plan.last - dt.timedelta(days=1):%d %b %Y}, "
            f"{len(plan.demand)} turned-away requests ({audits} audit records). "
            f"Try: cospace --as frontdesk\n"
            f"A reception screen of the site: cospace display {SITE}; a door sign: "
            f"cospace display {SITE} --space IR1 (docs/display.md).")


def _set_up(app: Cospace) -> None:
    """The organisations, the site, its spaces and staff, through the set-up use cases (the
    acting login becomes an administrator of the host)."""
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


def _directory(tx: Tx, site: SiteInfo) -> tuple[dict[str, Row[Any]], dict[str, int],
                                                dict[str, list[int]]]:
    """The site's spaces by code, the demo organisations' ids by code, and the ids of the
    staff who book for each organisation."""
    spaces = {r.code: r for r in queries.space_rows(tx, site_id=site.id)}
    org_ids = {code: row.id for code, _, _ in ORGS
               if (row := queries.org_row(tx, code=code)) is not None}
    bookers = demo_queries.staff_ids_by_org(tx, {i: c for c, i in org_ids.items()}, BOOKERS)
    return spaces, org_ids, bookers


@dataclass
class DemoPlan:
    """What the demo writes: booking rows (columns of ``booking``), turned-away requests
    (columns of ``unmet_demand``), and the days ``[first, last)`` they cover."""

    first: dt.date
    last: dt.date
    bookings: list[dict[str, Any]] = field(default_factory=list)
    demand: list[dict[str, Any]] = field(default_factory=list)


def _apply(tx: Tx, plan: DemoPlan) -> None:
    """Write the plan: each booking with its audit record, then the turned-away requests."""
    for row in plan.bookings:
        booking_id = queries.insert_booking(tx, row)
        queries.add_audit(tx, at=row["created_at"], actor="demo", action="create",
                          entity="booking", entity_id=booking_id,
                          after={k: v for k, v in row.items()
                                 if k not in ("created_at", "updated_at")})
    demo_queries.insert_unmet_demand(tx, plan.demand)


class _Planner:
    """Plans the demo's bookings and requests day by day from one seeded generator: the
    same store, day and generator give the same plan (the order of the draws matters)."""

    def __init__(self, site: SiteInfo, now: dt.datetime, rng: random.Random,
                 spaces: dict[str, Row[Any]], org_ids: dict[str, int],
                 bookers: Mapping[str, Sequence[int | None]]) -> None:
        self.site, self.tz, self.now, self.rng = site, site.tz, now, rng
        self.spaces, self.org_ids, self.bookers = spaces, org_ids, bookers
        self.taken: dict[str, list[tuple[int, int]]] = {}
        self.bookings: list[dict[str, Any]] = []

    def plan(self, today: dt.date, weeks_before: int, weeks_after: int) -> DemoPlan:
        first = today - dt.timedelta(days=today.weekday() + 7 * weeks_before)
        last = first + dt.timedelta(weeks=weeks_before + weeks_after)
        days = [first + dt.timedelta(days=n) for n in range((last - first).days)]
        for day in days:
            window = opening_window(self.site, day)
            if window is not None:
                self._day(day, *window)
        plan = DemoPlan(first, last, self.bookings)
        for day in days:
            if opening_window(self.site, day) is not None:
                plan.demand.extend(self._turned_away(day))
        return plan

    def _day(self, day: dt.date, opens: int, closes: int) -> None:
        for wd, space, org, s, e, purpose in WEEKLY:
            if day.weekday() == wd:
                a = int(s[:2]) * 60 + int(s[3:])
                b = min(int(e[:2]) * 60 + int(e[3:]), closes)
                self._add(space, day, a, b, org, purpose,
                          attendees=1 if self.spaces[space].kind == "desk" else 2)
        for code, row in self.spaces.items():
            if row.kind == "interview":
                self._interviews(code, day, opens, closes)
            elif row.kind == "desk":
                self._desk(code, day, opens, closes)
            else:
                self._workshops(code, row.capacity, day, opens, closes)

    def _interviews(self, code: str, day: dt.date, opens: int, closes: int) -> None:
        rng = self.rng
        for _ in range(rng.randint(3, 5)):
            length = rng.choice([30, 45, 60, 60, 90])
            a = opens + 15 * rng.randint(0, (closes - opens - length) // 15)
            org = rng.choice(PARTNERS)
            if code == "IR5" and org not in ("PROB", "JCP"):
                org = "PROB"
            if self._free(code, day, a, a + length):
                purpose = rng.choice(PURPOSES[org])
                attendees = rng.randint(1, 2)
                confidential = rng.random() < 0.25
                self._add(code, day, a, a + length, org, purpose, attendees=attendees,
                          confidential=confidential)

    def _desk(self, code: str, day: dt.date, opens: int, closes: int) -> None:
        rng = self.rng
        if rng.random() < 0.65:
            if rng.random() < 0.5:
                a, b = opens, closes
            else:
                a, b = rng.choice([(opens, 12 * 60 + 30), (13 * 60, closes)])
            org = rng.choice(PARTNERS)
            if self._free(code, day, a, b):
                self._add(code, day, a, b, org, rng.choice(PURPOSES[org]))

    def _workshops(self, code: str, capacity: int, day: dt.date, opens: int,
                   closes: int) -> None:
        rng = self.rng
        for _ in range(rng.randint(1, 2)):
            a = opens + 30 * rng.randint(0, (closes - opens - 120) // 30)
            org = rng.choice(PARTNERS)
            if self._free(code, day, a, a + 120):
                purpose = rng.choice(WORKSHOPS)
                self._add(code, day, a, a + 120, org, purpose,
                          attendees=rng.randint(4, capacity))

    def _free(self, space: str, day: dt.date, a: int, b: int) -> bool:
        return all(not (x < b and a < y) for x, y in self.taken.get(f"{space}{day}", []))

    def _add(self, space: str, day: dt.date, a: int, b: int, org: str, purpose: str,
             attendees: int = 1, confidential: bool = False) -> None:
        self.taken.setdefault(f"{space}{day}", []).append((a, b))
        start = utc(at_minutes(day, a, self.tz))
        end = utc(at_minutes(day, b, self.tz))
        status = self._status(self.spaces[space].kind, start, end)
        created = min(start - dt.timedelta(days=self.rng.randint(1, 10)), self.now)
        booker = self.rng.choice(self.bookers.get(org, [None]))
        self.bookings.append(dict(
            space_id=self.spaces[space].id, org_id=self.org_ids[org], booked_by_id=booker,
            start_at=start, end_at=end, status=status, attendees=attendees,
            purpose=purpose, confidential=confidential, created_at=created,
            updated_at=created,
        ))

    def _status(self, kind: str, start: dt.datetime, end: dt.datetime) -> str:
        """Past bookings were used, released, missed or cancelled; current ones mostly
        checked in; a few future ones cancelled already."""
        r = self.rng.random()
        if end <= self.now:
            if kind == "desk":
                return "checked_in" if r < 0.72 else ("released" if r < 0.9 else "cancelled")
            return "checked_in" if r < 0.74 else ("no_show" if r < 0.93 else "cancelled")
        if start <= self.now:
            return "checked_in" if r < 0.8 else "confirmed"
        return "cancelled" if r < 0.05 else "confirmed"

    def _turned_away(self, day: dt.date) -> list[dict[str, Any]]:
        """Requests that found no space: the workshop rooms and the private rooms at busy
        times."""
        rng, tz, out = self.rng, self.tz, []
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(["workshop", "interview", "interview", "desk"])
            a = rng.choice([9 * 60 + 30, 10 * 60, 13 * 60 + 30, 14 * 60])
            length = {"workshop": 120, "interview": 60, "desk": 240}[kind]
            org = rng.choice(PARTNERS)
            attendees = rng.randint(8, 20) if kind == "workshop" else 1
            features = "step-free" if rng.random() < 0.2 else ""
            out.append(dict(
                recorded_at=min(utc(at_minutes(day, a, tz)), self.now), site_id=self.site.id,
                kind=kind, start_at=utc(at_minutes(day, a, tz)),
                end_at=utc(at_minutes(day, a + length, tz)), attendees=attendees,
                features=features, org_id=self.org_ids[org], staff_id=None,
            ))
        return out
