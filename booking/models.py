"""Plain values the domain works on and hands to the CLI and the terminal app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from booking.timeutil import iso_local
from db.overlap import LONGEST_BOOKING_MINUTES
from db.tables import ACTIVE_STATUSES  # noqa: F401  (re-exported for the domain)

KINDS = ("interview", "desk", "workshop")
KIND_LABELS = {"interview": "interview room", "desk": "hot desk", "workshop": "workshop room"}
ROLES = ("front-desk", "adviser", "estates", "admin")
KNOWN_FEATURES = (
    "wifi", "pc", "printer", "phone", "hearing-loop", "step-free", "projector", "whiteboard",
)

#: Longest booking per kind, in minutes (a desk may be held for a whole opening day).
MAX_MINUTES = {"interview": 180, "workshop": 480, "desk": 24 * 60}
#: No booking of any kind is longer than this: it bounds every indexed range read (db.overlap).
MAX_BOOKING_MINUTES = LONGEST_BOOKING_MINUTES
DEFAULT_PARTNER_ADVANCE_WEEKS = 8


@dataclass(frozen=True)
class OrgInfo:
    id: int
    code: str
    name: str
    is_host: bool
    advance_weeks: int | None = None

    @property
    def effective_advance_weeks(self) -> int | None:
        """How far ahead this organisation may book, in weeks; None is no limit."""
        if self.advance_weeks is not None:
            return self.advance_weeks
        return None if self.is_host else DEFAULT_PARTNER_ADVANCE_WEEKS


@dataclass(frozen=True)
class SiteInfo:
    id: int
    code: str
    name: str
    tz: str
    holiday_region: str
    hours: dict[int, tuple[int, int]]
    closures: dict[dt.date, str] = field(default_factory=dict)
    release_after_minutes: int = 30


@dataclass(frozen=True)
class SpaceInfo:
    id: int
    code: str
    name: str
    site_id: int
    site_code: str
    kind: str
    capacity: int
    features: frozenset[str]
    private: bool
    active: bool = True
    restricted_to: frozenset[str] = frozenset()  # organisation codes; empty = anyone

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})" if self.name and self.name != self.code else self.code

    def to_json(self) -> dict[str, Any]:
        return {
            "space": self.code,
            "name": self.name,
            "site": self.site_code,
            "kind": self.kind,
            "capacity": self.capacity,
            "features": sorted(self.features),
            "private": self.private,
            "restricted_to": sorted(self.restricted_to),
        }


@dataclass(frozen=True)
class Actor:
    """Who is acting: a known staff member, or an unknown login that may only look."""

    login: str
    staff_id: int | None = None
    name: str = ""
    org_id: int | None = None
    org_code: str | None = None
    role: str | None = None

    @property
    def known(self) -> bool:
        return self.staff_id is not None


@dataclass(frozen=True)
class BookingView:
    """A booking as one person may see it: details of another organisation are left out."""

    id: int
    space: str
    space_name: str
    site: str
    kind: str
    org: str  # "" when the viewer is not known staff (the board shows busy/free only)
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC
    tz: str
    status: str
    attendees: int | None
    purpose: str | None  # None when the viewer may not see it
    confidential: bool
    series: int | None
    booked_by: str | None
    details_visible: bool
    #: a date of a series changed on its own: the start its rule planned (UTC), else None
    moved_from: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "space": self.space,
            "site": self.site,
            "kind": self.kind,
            "org": self.org or None,  # None: an unknown login sees busy/free only
            "start": iso_local(self.start, self.tz),
            "end": iso_local(self.end, self.tz),
            "status": self.status,
            "attendees": self.attendees,
            "purpose": self.purpose,
            "confidential": self.confidential,
            "series": self.series,
            "booked_by": self.booked_by,
        }


@dataclass(frozen=True)
class Suggestion:
    """A nearby free time for a request that found nothing at the time asked."""

    space: str
    start: dt.datetime
    end: dt.datetime
    tz: str

    def to_json(self) -> dict[str, Any]:
        return {
            "space": self.space,
            "start": iso_local(self.start, self.tz),
            "end": iso_local(self.end, self.tz),
        }


@dataclass(frozen=True)
class FreeResult:
    spaces: list[SpaceInfo]
    suggestions: list[Suggestion]
    unmet_demand_id: int | None = None
