"""Estates decisions: "what if this site had had N more (or fewer) spaces of a kind?".

:func:`what_if` replays a period at one site (every booking not cancelled, then every request
that was turned away) into the spaces there would have been, with :func:`booking.whatif.place`,
and reports against what really happened. For estates staff, administrators and the front
desk, like every usage report; it shows no booking details at all.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from booking import permissions
from booking.context import parse_features, space_info
from booking.errors import InvalidInput
from booking.models import KIND_LABELS, KINDS, MAX_BOOKING_MINUTES, SpaceInfo
from booking.reports import MAX_DAYS, open_minutes
from booking.timeutil import day_bounds, utc
from booking.whatif import Item, Shape, place, saturated_minutes
from db import queries, whatif_queries

if TYPE_CHECKING:
    from booking.service import Cospace

#: The JSON fields, in order (a contract: scripts rely on them).
FIELDS = ("site", "kind", "spaces_before", "spaces_after", "unmet_requests",
          "unmet_requests_met", "unmet_hours_met", "bookings_not_fitted",
          "utilisation_before", "utilisation_after", "saturated_hours_after")


@dataclass(frozen=True)
class WhatIf:
    """The answer, against what really happened over the period."""

    site: str
    kind: str
    spaces_before: int
    spaces_after: int
    unmet_requests: int
    unmet_requests_met: int
    unmet_hours_met: float
    bookings_not_fitted: int
    utilisation_before: float
    utilisation_after: float
    saturated_hours_after: float
    # for reading, not in the JSON
    start: dt.date
    end: dt.date
    change: str  # "add 1 like D01" / "remove IR5"
    saturated_hours_before: float = 0.0
    unmet_hours: float = 0.0

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {k: d[k] for k in FIELDS}

    def summary(self) -> str:
        """The answer as lines a person reads (the CLI's table, the terminal app's modal)."""
        label = KIND_LABELS[self.kind]

        def line(name: str, value: str) -> str:
            return f"{name + ':':<26}{value}"

        return "\n".join([
            f"What if at {self.site}: {self.change}, {self.start:%a %d %b %Y} to "
            f"{self.end:%a %d %b %Y}", "",
            line(f"{label}s", f"{self.spaces_before} -> {self.spaces_after}"),
            line("turned-away requests met", f"{self.unmet_requests_met} of "
                 f"{self.unmet_requests} ({self.unmet_hours_met:,.1f} of "
                 f"{self.unmet_hours:,.1f} h)"),
            line("bookings not fitted", str(self.bookings_not_fitted)),
            line("utilisation", f"{self.utilisation_before * 100:.1f}% -> "
                 f"{self.utilisation_after * 100:.1f}%"),
            line("saturated hours", f"{self.saturated_hours_before:,.1f} -> "
                 f"{self.saturated_hours_after:,.1f}")])


def shape_of(space: SpaceInfo) -> Shape:
    return Shape(space.capacity, space.features, space.private, space.restricted_to)


def describe(space: SpaceInfo) -> str:
    bits = [f"capacity {space.capacity}"]
    if space.features:
        bits.append(", ".join(sorted(space.features)))
    if space.private:
        bits.append("private")
    if space.restricted_to:
        bits.append("only " + ",".join(sorted(space.restricted_to)))
    return f"{space.code} ({'; '.join(bits)})"


def most_common(spaces: list[SpaceInfo]) -> SpaceInfo:
    """The space whose shape (capacity, features, privacy, restriction) most spaces share;
    a tie goes to the first by code."""
    counts = Counter(shape_of(s) for s in spaces)
    return min(spaces, key=lambda s: (-counts[shape_of(s)], s.code))


def what_if(ctx: Cospace, *, site: str, kind: str, start: dt.date, end: dt.date, add: int = 0,
            remove: int = 0, like: str | None = None) -> WhatIf:
    """Replay ``start``..``end`` (local days, inclusive) at ``site`` with ``add`` more or
    ``remove`` fewer spaces of ``kind``.

    Added spaces copy the kind's most common space at the site, or ``like``. Removed spaces
    are the ones booked least in the period (ties: the last by code); with ``like``, that
    space first, then others of its shape.
    """
    if kind not in KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of space (interview, desk, workshop).")
    if (add > 0) == (remove > 0) or add < 0 or remove < 0:
        raise InvalidInput("Say what changes: --add N or --remove N (N at least 1).")
    if end < start:
        raise InvalidInput("--to is before --from.")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"A what-if covers at most {MAX_DAYS} days; ask for a shorter "
                           "period.")
    ctx.sweep_releases()
    with ctx.reading() as conn:
        permissions.require_admin_action(ctx.load_actor(conn), "reports")
        info = ctx.lookup_site(conn, code=site)
        rows = queries.space_rows(conn, site_id=info.id, kind=kind, active_only=True)
        restr = queries.restrictions(conn, [r.id for r in rows])
        spaces = [space_info(r, restr.get(r.id, frozenset())) for r in rows]
        template = ctx.lookup_space(conn, like) if like else None
        lo, hi = utc(day_bounds(start, info.tz)[0]), utc(day_bounds(end, info.tz)[1])
        raw_bookings = whatif_queries.kind_bookings(conn, info.id, kind, lo, hi,
                                                    MAX_BOOKING_MINUTES)
        raw_requests = whatif_queries.kind_requests(conn, info.id, kind, lo, hi)
    if template is not None and template.kind != kind:
        raise InvalidInput(f"{template.code} is a {template.kind} space, not a {kind} space.")
    code_of = {s.id: s.code for s in spaces}
    lo_s, hi_s = int(lo.timestamp()), int(hi.timestamp())
    nothing: frozenset[str] = frozenset()
    bookings = [Item(s if s > lo_s else lo_s, e if e < hi_s else hi_s, attendees, nothing,
                     conf, org, code_of.get(space_id))
                for space_id, org, attendees, conf, s, e in raw_bookings]
    requests = [Item(s, e, attendees, parse_features(features), False, org)
                for org, attendees, features, s, e in raw_requests]
    booked_by_space: Counter[str] = Counter()
    for b in bookings:
        if b.space:
            booked_by_space[b.space] += b.end - b.start
    after, change = _spaces_after(info.code, kind, spaces, template, add=add, remove=remove,
                                  booked=booked_by_space)
    placed = place(after, bookings, requests)
    per_space = sum(m for _, _, m in open_minutes(info, start, end, False))
    booked_min = sum(b.end - b.start for b in bookings) / 60.0
    after_min = sum(it.end - it.start for it in (*placed.bookings, *placed.met)) / 60.0
    before_cap, after_cap = per_space * len(spaces), per_space * len(after)
    return WhatIf(
        site=info.code, kind=kind, spaces_before=len(spaces), spaces_after=len(after),
        unmet_requests=len(requests), unmet_requests_met=len(placed.met),
        unmet_hours_met=round(sum(r.minutes for r in placed.met) / 60.0, 2),
        bookings_not_fitted=len(placed.not_fitted),
        utilisation_before=round(booked_min / before_cap, 4) if before_cap else 0.0,
        utilisation_after=round(after_min / after_cap, 4) if after_cap else 0.0,
        saturated_hours_after=round(saturated_minutes(
            [*placed.bookings, *placed.met], len(after)) / 60.0, 2),
        start=start, end=end, change=change,
        saturated_hours_before=round(saturated_minutes(bookings, len(spaces)) / 60.0, 2),
        unmet_hours=round(sum(r.minutes for r in requests) / 60.0, 2))


def _spaces_after(site: str, kind: str, spaces: list[SpaceInfo], template: SpaceInfo | None,
                  *, add: int, remove: int,
                  booked: Counter[str]) -> tuple[list[tuple[str, Shape]], str]:
    """The spaces of ``kind`` after the change (code, shape), and the change in words."""
    info_code = site
    code_of = {s.id: s.code for s in spaces}
    after = [(s.code, shape_of(s)) for s in spaces]
    if add:
        if template is None:
            if not spaces:
                raise InvalidInput(f"{info_code} has no {kind} spaces to copy: say which "
                                   "space the new ones are like with --like SPACE.")
            template = most_common(spaces)
        after += [(f"new-{i + 1}", shape_of(template)) for i in range(add)]
        change = f"add {add} like {describe(template)}"
    else:
        if remove > len(spaces):
            raise InvalidInput(f"{info_code} has only {len(spaces)} {kind} space"
                               f"{'' if len(spaces) == 1 else 's'} in use; cannot remove "
                               f"{remove}.")
        order = sorted(spaces, key=lambda s: (booked[s.code], _neg(s.code)))
        if template is not None:
            if template.code not in code_of.values():
                raise InvalidInput(f"{template.code} is not a {kind} space in use at "
                                   f"{info_code}.")
            same = [s for s in order if shape_of(s) == shape_of(template)
                    and s.code != template.code]
            order = [template, *same]
            if remove > len(order):
                raise InvalidInput(f"{info_code} has only {len(order)} {kind} space"
                                   f"{'' if len(order) == 1 else 's'} like {template.code}.")
        gone = {s.code for s in order[:remove]}
        after = [(c, sh) for c, sh in after if c not in gone]
        change = "remove " + ", ".join(sorted(gone))
    return after, change


def _neg(code: str) -> tuple[int, ...]:
    """Sorts codes last-first (so the least-booked tie goes to the highest code)."""
    return tuple(-ord(c) for c in code)
