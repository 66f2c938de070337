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
  capacity that varies over time). So the most bookings fit, and the most requests fit around
  them; when every booking fits (always, adding spaces) that is the best placement there is.
  (Removing spaces, another largest set of bookings might leave room for more requests.)
- **Different spaces** (capacities, features, privacy or restrictions differ): the general
  problem (interval scheduling with eligibility) is NP-hard, so two placements are built and
  the better one kept (more bookings, then more requests, then more requested hours):
  (a) bookings stay in the space they really had (if that space is still there; those whose
  space was removed are re-placed into the gaps), then requests, earliest-ending first, each
  into the best-fitting free space; (b) every booking re-placed in start order into the
  best-fitting free space, then the requests likewise. *Best fitting* is the space fewest
  items of the period could use (so a hearing-loop room is kept for those who need one),
  then the smallest, then open before private and unrestricted before restricted (as
  :func:`booking.search.best_first`), then the one whose free time it fits most tightly.
  (a) guarantees that adding a space never loses a booking; (b) lets a booking move out of
  the only room with a feature that a turned-away request needed.
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


@dataclass(slots=True, eq=False)
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


def _need(item: Item) -> tuple:
    return (item.attendees, item.needs, item.confidential, item.org)


def place(spaces: Sequence[tuple[str, Shape]], bookings: Sequence[Item],
          requests: Sequence[Item]) -> Placement:
    """The placement of ``bookings`` then ``requests`` into ``spaces`` ((code, shape) pairs)
    described in the module's docstring.

    Items are taken in runs that overlap one another (in practice, a day); runs do not
    interact, so each run keeps the better of its two placements, and a run where the
    bookings keep their spaces and every request fits needs no other.
    """
    if not spaces:
        return Placement(not_fitted=list(bookings))
    shapes = set(s for _, s in spaces)
    needs: dict[tuple, Item] = {}
    counts: dict[tuple, int] = {}
    for it in (*bookings, *requests):
        key = _need(it)
        needs.setdefault(key, it)
        counts[key] = counts.get(key, 0) + 1
    if all(suits(s, it) for it in needs.values() for s in shapes):
        return _identical(len(spaces), bookings, requests)
    flex = {s: sum(n for key, n in counts.items() if suits(s, needs[key])) for s in shapes}
    ranks = [(flex[s], s.capacity, s.private, bool(s.restricted_to), len(s.features), code)
             for code, s in spaces]
    suitable = {key: sorted((i for i, (_, s) in enumerate(spaces) if suits(s, it)),
                            key=lambda i: ranks[i]) for key, it in needs.items()}
    is_booking = {id(it) for it in bookings}
    out = Placement()
    for run in _clusters([*bookings, *requests]):
        bs = [it for it in run if id(it) in is_booking]
        rs = [it for it in run if id(it) not in is_booking]
        got = _assign(spaces, ranks, suitable, bs, rs, keep=True)
        if got.not_fitted or len(got.met) < len(rs):
            moved = _assign(spaces, ranks, suitable, bs, rs, keep=False)
            if moved.score() > got.score():
                got = moved
        out.bookings += got.bookings
        out.not_fitted += got.not_fitted
        out.met += got.met
        out.where.update(got.where)
    return out


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
    __slots__ = ("code", "rank", "busy", "last_end")

    def __init__(self, code: str, rank: tuple) -> None:
        self.code, self.rank = code, rank[:-1]
        self.busy: list[tuple[int, int]] = []
        self.last_end = 0

    def gap_before(self, start: int, end: int) -> int | None:
        """None if ``[start, end)`` clashes; else how long the space was free before it."""
        if start >= self.last_end:
            return start - self.last_end
        i = bisect_left(self.busy, (start, start))
        if i < len(self.busy) and self.busy[i][0] < end:
            return None
        if i > 0 and self.busy[i - 1][1] > start:
            return None
        return start - (self.busy[i - 1][1] if i > 0 else 0)

    def take(self, start: int, end: int) -> None:
        if start >= self.last_end:
            self.busy.append((start, end))
            self.last_end = end
        else:
            insort(self.busy, (start, end))


def _assign(spaces: Sequence[tuple[str, Shape]], ranks: list[tuple],
            suitable: dict[tuple, list[int]], bookings: Sequence[Item],
            requests: Sequence[Item], *, keep: bool) -> Placement:
    pool = [_Space(code, ranks[i]) for i, (code, _) in enumerate(spaces)]
    by_code = {sp.code: sp for sp in pool}
    out = Placement()
    todo = sorted(bookings, key=lambda i: (i.start, i.end))
    if keep:
        rest = []
        for it in todo:
            sp = by_code.get(it.space or "")
            if sp is not None and sp.gap_before(it.start, it.end) is not None:
                sp.take(it.start, it.end)
                out.bookings.append(it)
                out.where[id(it)] = sp.code
            else:
                rest.append(it)
        todo = rest
    else:
        _in_start_order(spaces, ranks, pool, todo, out)
        todo = []

    def best(it: Item) -> _Space | None:
        chosen, chosen_key = None, None
        for i in suitable[_need(it)]:
            sp = pool[i]
            gap = sp.gap_before(it.start, it.end)
            if gap is None:
                continue
            k = (sp.rank, gap, sp.code)
            if chosen_key is None or k < chosen_key:
                chosen, chosen_key = sp, k
        return chosen

    for it in todo:
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


def _in_start_order(spaces: Sequence[tuple[str, Shape]], ranks: list[tuple],
                    pool: list[_Space], bookings: Sequence[Item], out: Placement) -> None:
    """Bookings (in start order) each into the best-ranked kind of space that suits it and
    has one free, there the one that became free last (the tightest fit in time).

    Spaces of one shape are interchangeable, so each shape keeps its spaces' free-from
    times sorted and a booking costs a bisect per shape, not a look at every space.
    """
    classes: dict[tuple, list[tuple[int, int]]] = {}
    for i, (_, shape) in enumerate(spaces):
        classes.setdefault((ranks[i][:-1], shape), []).append((0, i))
    order = sorted(classes, key=lambda c: c[0])
    fits: dict[tuple, list[list[tuple[int, int]]]] = {}
    for it in bookings:
        key = _need(it)
        lists = fits.get(key)
        if lists is None:
            lists = fits[key] = [classes[c] for c in order if suits(c[1], it)]
        for free in lists:
            j = bisect_left(free, (it.start + 1, -1)) - 1
            if j >= 0:
                _, i = free.pop(j)
                insort(free, (it.end, i))
                sp = pool[i]
                sp.busy.append((it.start, it.end))
                sp.last_end = it.end
                out.bookings.append(it)
                out.where[id(it)] = sp.code
                break
        else:
            out.not_fitted.append(it)


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
