"""What if a site had had more (or fewer) spaces of a kind? Placement of a period, replayed.

Pure functions over plain values (times in UTC epoch seconds); the use case that reads the
store and reports the figures is :mod:`booking.estates`.

The problem: put every booking that was not cancelled, and then as many of the requests that
were turned away (unmet demand) as possible, into a hypothetical set of spaces, each item in a
space that suits it (capacity, needed features, privacy for a confidential booking, a space
its organisation may use), no two items in one space at once (half-open intervals).

How it is solved (``place``):

- **Identical spaces** (every item suits every space, the usual case for desks and for a
  request without needs): only how many spaces are in use at each moment matters, because
  intervals that never exceed *k* at once always fit into *k* spaces (interval graphs are
  perfect). Bookings are taken earliest-ending first while fewer than *k* are in use
  throughout them (the classical greedy, optimal for the most intervals on *k* machines),
  then requests earliest-ending first into what is left (optimal for unit intervals under a
  capacity that varies over time). So the number of bookings kept, and then of requests met,
  is the largest possible.
- **Different spaces** (capacities, features, privacy or restrictions differ): the general
  problem (interval scheduling with eligibility) is NP-hard, so two placements are built and
  the better one kept (more bookings, then more requests, then more requested hours):
  (a) bookings stay in the space they really had (if that space is still there; those whose
  space was removed are re-placed into the gaps), then requests, earliest-ending first, each
  into the best-fitting free space; (b) every booking re-placed in start order into the
  best-fitting free space, then the requests likewise. *Best fitting* is the space fewest
  items of the period could use (so a hearing-loop room is kept for those who need one),
  then the smallest, then open before private and unrestricted before restricted (as
  :func:`booking.search.best_first`), then the one free longest before. (a) guarantees that
  adding a space never loses a booking; (b) lets a booking move out of the only room with a
  feature that a turned-away request needed.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shape:
    """What a space offers to a booking."""

    capacity: int
    features: frozenset[str] = frozenset()
    private: bool = False
    restricted_to: frozenset[str] = frozenset()  # organisation codes; empty = anyone


@dataclass(frozen=True)
class Item:
    """A booking or a request to place: ``[start, end)`` in UTC epoch seconds."""

    start: int
    end: int
    attendees: int = 1
    needs: frozenset[str] = frozenset()
    confidential: bool = False
    org: str | None = None
    space: str | None = None  # where a booking really was; None for a request

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60.0


def suits(shape: Shape, item: Item) -> bool:
    """Could ``item`` use a space of ``shape`` (ignoring whether it is free)?"""
    if shape.capacity < item.attendees or not item.needs <= shape.features:
        return False
    if item.confidential and not shape.private:
        return False
    return not (shape.restricted_to and item.org is not None
                and item.org not in shape.restricted_to)


@dataclass
class Placement:
    """Which bookings fitted and which requests were met (``where``: item -> space code,
    empty when the spaces were identical and only counts mattered)."""

    bookings: list[Item] = field(default_factory=list)
    not_fitted: list[Item] = field(default_factory=list)
    met: list[Item] = field(default_factory=list)
    where: dict[int, str] = field(default_factory=dict)

    def score(self) -> tuple[int, int, float]:
        return len(self.bookings), len(self.met), sum(r.minutes for r in self.met)


def place(spaces: Sequence[tuple[str, Shape]], bookings: Sequence[Item],
          requests: Sequence[Item]) -> Placement:
    """The placement of ``bookings`` then ``requests`` into ``spaces`` ((code, shape) pairs)
    described in the module's docstring."""
    items = [*bookings, *requests]
    shapes = [s for _, s in spaces]
    if not spaces:
        return Placement(not_fitted=list(bookings))
    if all(suits(s, it) for it in items for s in set(shapes)):
        return _identical(len(spaces), bookings, requests)
    flex = {s: sum(1 for it in items if suits(s, it)) for s in set(shapes)}
    kept = _assign(spaces, flex, bookings, requests, keep=True)
    moved = _assign(spaces, flex, bookings, requests, keep=False)
    return kept if kept.score() >= moved.score() else moved


# --------------------------------------------------------------------------- identical
def _clusters(items: Sequence[Item]) -> list[list[Item]]:
    """Items in runs that overlap one another (a new run starts when nothing is still on)."""
    out: list[list[Item]] = []
    reach = None
    for it in sorted(items, key=lambda i: (i.start, i.end)):
        if reach is None or it.start >= reach:
            out.append([])
            reach = it.end
        else:
            reach = max(reach, it.end)
        out[-1].append(it)
    return out


def _identical(k: int, bookings: Sequence[Item], requests: Sequence[Item]) -> Placement:
    out = Placement()
    tagged = [(it, True) for it in bookings] + [(it, False) for it in requests]
    by_id = {id(it): is_booking for it, is_booking in tagged}
    for run in _clusters([it for it, _ in tagged]):
        if _peak(run) <= k:  # everything fits: nothing to choose
            for it in run:
                (out.bookings if by_id[id(it)] else out.met).append(it)
            continue
        points = sorted({t for it in run for t in (it.start, it.end)})
        index = {t: i for i, t in enumerate(points)}
        load = [0] * len(points)
        for want_booking in (True, False):
            for it in sorted((i for i in run if by_id[id(i)] is want_booking),
                             key=lambda i: (i.end, i.start)):
                a, b = index[it.start], index[it.end]
                if max(load[a:b]) < k:
                    for t in range(a, b):
                        load[t] += 1
                    (out.bookings if want_booking else out.met).append(it)
                elif want_booking:
                    out.not_fitted.append(it)
    return out


def _peak(items: Sequence[Item]) -> int:
    events = sorted([(it.start, 1) for it in items] + [(it.end, -1) for it in items])
    n = peak = 0
    for _, step in events:
        n += step
        peak = max(peak, n)
    return peak


# --------------------------------------------------------------------------- different
class _Space:
    __slots__ = ("code", "shape", "rank", "busy")

    def __init__(self, code: str, shape: Shape, rank: tuple) -> None:
        self.code, self.shape, self.rank = code, shape, rank
        self.busy: list[tuple[int, int]] = []

    def gap_before(self, start: int, end: int) -> int | None:
        """None if ``[start, end)`` clashes; else how long the space was free before it."""
        i = bisect_left(self.busy, (start, start))
        if i < len(self.busy) and self.busy[i][0] < end:
            return None
        if i > 0 and self.busy[i - 1][1] > start:
            return None
        return start - (self.busy[i - 1][1] if i > 0 else 0)

    def take(self, start: int, end: int) -> None:
        insort(self.busy, (start, end))


def _assign(spaces: Sequence[tuple[str, Shape]], flex: dict[Shape, int],
            bookings: Sequence[Item], requests: Sequence[Item], *, keep: bool) -> Placement:
    pool = [_Space(code, s, (flex[s], s.capacity, s.private, bool(s.restricted_to),
                             len(s.features), code)) for code, s in spaces]
    by_code = {sp.code: sp for sp in pool}
    out = Placement()
    todo = list(bookings)
    if keep:
        todo = []
        for it in bookings:
            sp = by_code.get(it.space or "")
            if sp is not None and sp.gap_before(it.start, it.end) is not None:
                sp.take(it.start, it.end)
                out.bookings.append(it)
                out.where[id(it)] = sp.code
            else:
                todo.append(it)
    suitable: dict[tuple, list[_Space]] = {}

    def best(it: Item) -> _Space | None:
        key = (it.attendees, it.needs, it.confidential, it.org)
        cands = suitable.get(key)
        if cands is None:
            cands = suitable[key] = sorted((sp for sp in pool if suits(sp.shape, it)),
                                           key=lambda sp: sp.rank)
        chosen, chosen_key = None, None
        for sp in cands:
            gap = sp.gap_before(it.start, it.end)
            if gap is None:
                continue
            k = (sp.rank[:-1], -gap, sp.code)
            if chosen_key is None or k < chosen_key:
                chosen, chosen_key = sp, k
        return chosen

    for it in sorted(todo, key=lambda i: (i.start, i.end)):
        sp = best(it)
        if sp is None:
            out.not_fitted.append(it)
            continue
        sp.take(it.start, it.end)
        out.bookings.append(it)
        out.where[id(it)] = sp.code
    for it in sorted(requests, key=lambda i: (i.end, i.start)):
        sp = best(it)
        if sp is not None:
            sp.take(it.start, it.end)
            out.met.append(it)
            out.where[id(it)] = sp.code
    return out


def saturated_minutes(items: Sequence[Item], k: int) -> float:
    """Minutes during which at least ``k`` of ``items`` are under way at once (0 for k = 0)."""
    if k <= 0:
        return 0.0
    events = sorted([(it.start, 1) for it in items] + [(it.end, -1) for it in items])
    n, prev, total = 0, None, 0
    for t, step in events:
        if prev is not None and n >= k:
            total += t - prev
        n += step
        prev = t
    return total / 60.0
