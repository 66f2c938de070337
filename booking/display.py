"""Reception and door displays: what each space is doing now and for the rest of the day, for
customers walking past.

It shows no one's business: only busy/free and times, and an organisation's short code only
when the display was started with ``show_org`` and never for a confidential booking. It reads
through :func:`db.display_queries.display_rows` (public columns only), needs no staff login and
never writes (a desk not checked in in time is shown free, as the release sweep of any open app
will make it). Times are the site's wall time; the store's are UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from booking.errors import InvalidInput, NotFound, StoreUnavailable
from booking.models import KINDS, MAX_BOOKING_MINUTES, SiteInfo
from booking.rules import closed_reason
from booking.service import Clock, system_clock
from booking.timeutil import WEEKDAY_NAMES, day_bounds, hm, utc, wall
from db import display_queries
from db.display_queries import DisplayRows
from db.engine import read_tx
from db.tx import Engine, StoreFailure, Tx

#: A free space whose next booking starts within this is shown "Booked from ...".
SOON = dt.timedelta(minutes=15)
#: How far ahead to look for the next opening day (a long closure is "Closed today").
LOOKAHEAD_DAYS = 14
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

#: The states a space can be in, with the mark that says it without colour.
FREE, SOON_STATE, BUSY, CLOSED, OUT = "free", "soon", "busy", "closed", "out"
MARKS = {FREE: "✓", SOON_STATE: "◐", BUSY: "●", CLOSED: "✕", OUT: "✕"}


def plain(value: str) -> str:
    """User text with control characters taken out (it goes straight to a terminal)."""
    return _CONTROL.sub("", value or "")


@dataclass(frozen=True)
class Slot:
    """A busy time of a space today, in local minutes after midnight; ``org`` is the
    organisation's code only where the display may show it."""

    start: int
    end: int
    org: str | None = None

    @property
    def label(self) -> str:
        text = f"{hm(self.start)}–{hm(self.end)}"
        return f"{text} {self.org}" if self.org else text


@dataclass(frozen=True)
class SpaceState:
    code: str
    name: str
    kind: str
    state: str  # FREE, SOON_STATE, BUSY, CLOSED or OUT
    label: str  # "Free until 14:00", "In use until 11:30", "Booked from 10:45", ...
    next_label: str  # "Next 14:00" or ""
    slots: tuple[Slot, ...]  # the rest of today's bookings (and the one under way)
    org: str | None = None  # who holds it now, where it may be shown
    later: tuple[Slot, ...] = ()  # bookings still to start after the current one ends

    @property
    def mark(self) -> str:
        return MARKS[self.state]


@dataclass(frozen=True)
class DisplayState:
    """Everything a display draws, as plain values."""

    site_code: str
    site_name: str
    tz: str
    now: dt.datetime  # UTC
    time_text: str  # "10:05", the site's wall time
    date_text: str  # "Monday 23 November"
    minute: int  # local minutes after midnight
    opens: int | None  # today's opening hours, None when closed all day
    closes: int | None
    closed_reason: str | None  # why the site is closed today, or None
    status_text: str  # "Open until 17:00", "Closed today", "Opens 08:30" ...
    spaces: tuple[SpaceState, ...]
    show_org: bool = False  # organisation codes may be shown (never a confidential one's)

    @property
    def free_count(self) -> int:
        return sum(1 for s in self.spaces if s.state == FREE)


class DisplaySource:
    """One display's view of the store: a site (and optionally some of its spaces or one
    kind), read with :meth:`load`; :meth:`changed` says cheaply whether to read again."""

    def __init__(self, engine: Engine, site: str, *, spaces: Sequence[str] = (),
                 kind: str | None = None, show_org: bool = False,
                 clock: Clock = system_clock) -> None:
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
        self.engine = engine
        self.site = site
        self.space_codes = tuple(dict.fromkeys(spaces))
        self.kind = kind
        self.show_org = show_org
        self.clock = clock
        self._watch: Tx | None = None
        self._token: object = None

    @classmethod
    def open(cls, url: str, site: str, *, spaces: Sequence[str] = (), kind: str | None = None,
             show_org: bool = False, clock: Clock = system_clock) -> DisplaySource:
        """A source over the store at ``url``, checked once: an unknown site or space is
        :class:`NotFound`, a store that cannot be read :class:`StoreUnavailable`."""
        try:
            engine = display_queries.display_engine(url)
        except Exception as exc:
            raise StoreUnavailable(f"Cannot open the store: {_short(exc)}") from exc
        source = cls(engine, site, spaces=spaces, kind=kind, show_org=show_org, clock=clock)
        source.load()
        return source

    @property
    def door(self) -> bool:
        """One space: a door sign rather than a reception list."""
        return len(self.space_codes) == 1

    def now(self) -> dt.datetime:
        return utc(self.clock())

    def load(self, now: dt.datetime | None = None) -> DisplayState:
        """Read the site and build what the display shows at ``now`` (default: the clock)."""
        now = utc(now) if now is not None else self.now()
        try:
            with read_tx(self.engine) as conn:
                rows = display_queries.display_rows(
                    conn, self.site, lo=now - dt.timedelta(hours=26),
                    hi=now + dt.timedelta(hours=26), first_day=(now - dt.timedelta(days=1)
                                                                ).date(),
                    last_day=(now + dt.timedelta(days=LOOKAHEAD_DAYS + 1)).date(),
                    max_minutes=MAX_BOOKING_MINUTES)
        except StoreFailure as exc:
            raise StoreUnavailable(f"Cannot read the store: {_short(exc)}") from exc
        if rows is None:
            raise NotFound(f"There is no site '{self.site}'.")
        return build_display(rows, now, spaces=self.space_codes, kind=self.kind,
                             show_org=self.show_org)

    def changed(self) -> bool:
        """Whether the store may have changed since the last call (True the first time and
        after the store was unreachable). Holds one connection for it (SQLite's data version
        is per connection); a failure drops it and raises :class:`StoreUnavailable`."""
        try:
            if self._watch is None:
                self._watch = self.engine.connect()
            token = display_queries.change_token(self._watch)
            self._watch.rollback()
        except StoreFailure as exc:
            self.close()
            raise StoreUnavailable(f"Cannot reach the store: {_short(exc)}") from exc
        changed = token is None or token != self._token
        self._token = token
        return changed

    def forget(self) -> None:
        """Make the next :meth:`changed` say True (a read failed: try it again)."""
        self._token = None

    def close(self) -> None:
        """Let go of the held connection (it is opened again when needed)."""
        watch, self._watch, self._token = self._watch, None, None
        if watch is not None:
            try:
                watch.invalidate()
                watch.close()
            except Exception:  # already gone with the server
                pass


def build_display(rows: DisplayRows, now: dt.datetime, *, spaces: Sequence[str] = (),
                  kind: str | None = None, show_org: bool = False) -> DisplayState:
    """The display at ``now`` from one read (a plain function: the tests' clock is ``now``)."""
    r = rows.site
    site = SiteInfo(id=r.id, code=r.code, name=r.name, tz=r.tz,
                    holiday_region=r.holiday_region, hours=rows.hours,
                    closures={d: "" for d in rows.closed},
                    release_after_minutes=r.release_after_minutes)
    tz = site.tz
    local = wall(now, tz)
    today = local.date()
    minute = local.hour * 60 + local.minute
    reason = closed_reason(site, today)
    opens, closes = (None, None) if reason is not None else site.hours[today.weekday()]
    chosen = _chosen_spaces(rows, site.code, spaces, kind)
    busy = _busy_slots(rows, chosen, site, today, now, show_org)
    next_open = _next_opening(site, today, minute)
    states = tuple(_space_state(s, busy[s.id], minute, reason, opens, closes, next_open)
                   for s in chosen)
    return DisplayState(
        site_code=site.code, site_name=plain(site.name), tz=tz, now=now,
        time_text=f"{local.hour:02d}:{local.minute:02d}",
        date_text=f"{WEEKDAY_NAMES[today.weekday()]} {today.day} {local:%B}",
        minute=minute, opens=opens, closes=closes, closed_reason=reason,
        status_text=_status_text(minute, reason, opens, closes, next_open), spaces=states,
        show_org=show_org)


def _chosen_spaces(rows: DisplayRows, site_code: str, spaces: Sequence[str],
                   kind: str | None) -> list[Any]:
    """The spaces asked for, in that order (an unknown one is :class:`NotFound`), or every
    active space by kind and code; only those of ``kind`` if given."""
    by_code = {s.code: s for s in rows.spaces}
    if spaces:
        missing = [c for c in spaces if c not in by_code]
        if missing:
            raise NotFound(f"There is no space '{missing[0]}' at {site_code}.")
        chosen = [by_code[c] for c in spaces]
    else:
        chosen = sorted((s for s in rows.spaces if s.active),
                        key=lambda s: (KINDS.index(s.kind) if s.kind in KINDS else 9, s.code))
    if kind is not None:
        chosen = [s for s in chosen if s.kind == kind]
    return chosen


def _busy_slots(rows: DisplayRows, chosen: Sequence[Any], site: SiteInfo, today: dt.date,
                now: dt.datetime, show_org: bool) -> dict[int, list[Slot]]:
    """The rest of today's bookings of each chosen space, by space id, as local minutes: not
    those over already, nor a desk nobody checked in for (released, so free)."""
    tz = site.tz
    lo, hi = day_bounds(today, tz)
    release_after = dt.timedelta(minutes=site.release_after_minutes)
    busy: dict[int, list[Slot]] = {s.id: [] for s in chosen}
    kinds = {s.id: s.kind for s in rows.spaces}
    for b in rows.bookings:
        if b.space_id not in busy or b.end_at <= lo or b.start_at >= hi:
            continue
        if b.end_at <= now:
            continue  # over: the strip shows the rest of the day
        if (kinds.get(b.space_id) == "desk" and b.status == "confirmed"
                and b.start_at + release_after <= now):
            continue  # nobody checked in: released (by the next sweep), so free
        org = b.org_code if show_org and not b.confidential else None
        busy[b.space_id].append(Slot(_minutes(b.start_at, tz, lo, hi),
                                     _minutes(b.end_at, tz, lo, hi), org))
    return busy


def _status_text(minute: int, reason: str | None, opens: int | None, closes: int | None,
                 next_open: str | None) -> str:
    """``Open until 17:00``, ``Opens 08:30, closes 17:00``, ``Closed now · opens ...``."""
    if reason is not None:
        return "Closed today" + (f" · opens {next_open}" if next_open else "")
    if opens is not None and minute < opens:
        return f"Opens {hm(opens)}, closes {hm(closes or 0)}"
    if closes is not None and minute >= closes:
        return "Closed now" + (f" · opens {next_open}" if next_open else "")
    return f"Open until {hm(closes or 0)}"


def _minutes(value: dt.datetime, tz: str, lo: dt.datetime, hi: dt.datetime) -> int:
    """Local minutes after midnight, clipped to the day (a booking from yesterday starts at 0,
    one into tomorrow ends at 1440)."""
    if value <= lo:
        return 0
    if value >= hi:
        return 1440
    w = wall(value, tz)
    return w.hour * 60 + w.minute


def _next_opening(site: SiteInfo, today: dt.date, minute: int) -> str | None:
    """``08:30`` (later today), ``tomorrow 08:30`` or ``Mon 08:30``: when the site next opens."""
    for ahead in range(LOOKAHEAD_DAYS + 1):
        day = today + dt.timedelta(days=ahead)
        if closed_reason(site, day) is not None:
            continue
        opens = site.hours[day.weekday()][0]
        if ahead == 0:
            if minute < opens:
                return hm(opens)
            continue
        when = "tomorrow" if ahead == 1 else WEEKDAY_NAMES[day.weekday()][:3]
        return f"{when} {hm(opens)}"
    return None


def _space_state(space: Any, slots: list[Slot], minute: int, reason: str | None,
                 opens: int | None, closes: int | None, next_open: str | None) -> SpaceState:
    slots.sort(key=lambda s: (s.start, s.end))

    def state(kind: str, label: str, next_label: str = "", *, org: str | None = None,
              later: Sequence[Slot] = ()) -> SpaceState:
        return SpaceState(code=plain(space.code), name=plain(space.name or space.code),
                          kind=space.kind, state=kind, label=label, next_label=next_label,
                          slots=tuple(slots), org=org, later=tuple(later))

    if not space.active:
        return state(OUT, "Out of use")
    if reason is not None or opens is None or closes is None:
        return state(CLOSED, "Closed today", f"Opens {next_open}" if next_open else "")
    upcoming = [s for s in slots if s.start > minute]
    if minute >= closes or minute < opens:
        if minute < opens and upcoming:
            return state(CLOSED, "Closed now", f"Next {hm(upcoming[0].start)}", later=upcoming)
        return state(CLOSED, "Closed now", f"Opens {next_open}" if next_open else "",
                     later=upcoming)
    current = [s for s in slots if s.start <= minute < s.end]
    if current:
        until = max(s.end for s in current)
        for s in slots:  # back-to-back bookings: in use until the run ends
            if s.start <= until:
                until = max(until, s.end)
        after = [s for s in slots if s.start >= until]
        return state(BUSY, f"In use until {hm(min(until, 1440))}",
                     f"Next {hm(after[0].start)}" if after else "", org=current[0].org,
                     later=after)
    if not upcoming or upcoming[0].start >= closes:
        return state(FREE, f"Free until {hm(closes)}", later=upcoming)
    first = upcoming[0].start
    if first - minute <= SOON.total_seconds() // 60:
        return state(SOON_STATE, f"Booked from {hm(first)}", f"Next {hm(first)}",
                     later=upcoming)
    return state(FREE, f"Free until {hm(first)}", f"Next {hm(first)}", later=upcoming)


def _short(exc: BaseException) -> str:
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
