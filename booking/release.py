"""Auto-release: a desk booking nobody checked in for is given back.

A desk booking still ``confirmed`` ``site.release_after_minutes`` (default 30) after its start
becomes ``released``: the space shows free again, the booking stays for the reports, and the
change is audited with actor ``system``. A booking the front desk put back to confirmed (``cospace
undo``) is not released again. There is no job to schedule: :func:`release_unclaimed` runs
whenever the store is used (on open and before reads), at most once a minute per
:class:`~booking.service.Cospace`.
"""

from __future__ import annotations

import datetime as dt

from booking import approvals
from booking.errors import NotPermitted, StoreUnavailable
from db import release_queries
from db import status as status_queries
from db.engine import Engine, read_tx, write_tx

#: Kinds of space that are released when nobody checks in.
RELEASED_KINDS = ("desk",)
SYSTEM_ACTOR = "system"
#: The shortest gap between two runs of :func:`release_unclaimed` by one app.
THROTTLE = dt.timedelta(seconds=60)


def due(candidates: list, now: dt.datetime) -> list[int]:
    """Ids of the candidates (rows with ``start_at`` and ``release_after_minutes``) whose
    check-in time is over at ``now``."""
    return [r.id for r in candidates
            if r.start_at + dt.timedelta(minutes=r.release_after_minutes) <= now]


def release_unclaimed(engine: Engine, now: dt.datetime) -> list[int]:
    """Release every desk booking past its check-in time; returns the ids released.

    A cheap read first: the write lock is taken only when something is due. The update
    re-checks the status, so two terminals sweeping at once release each booking once.
    """
    approvals.sweep(engine, now)  # overdue approvals declined, started waiting requests expired
    with read_tx(engine) as conn:
        candidates = list(release_queries.release_candidates(conn, now, RELEASED_KINDS))
        ids = due(candidates, now)
        if ids:  # a release the front desk undid stays undone
            kept = release_queries.undone(conn, ids)
            ids = [i for i in ids if i not in kept]
        starts = {r.id: r.start_at for r in candidates}
    if not ids:
        return []
    from booking import status

    try:
        with write_tx(engine) as conn:
            # Locked and re-read: a booking checked in or moved meanwhile is left alone.
            rows = [r for r in status_queries.locked_rows(conn, ids)
                    if r.status == "confirmed" and r.start_at == starts[r.id]]
            status.apply(conn, actor=SYSTEM_ACTOR, action="release", rows=rows, at=now,
                         reason="not checked in in time")
    except StoreUnavailable:  # the store is busy: the next sweep will do it
        return []
    except NotPermitted:
        # PostgreSQL: a role that may not change bookings (estates, a display) leaves the
        # sweep to the front desk's terminals; row-level security limits an adviser's sweep
        # to their own organisation's desks.
        return []
    return [r.id for r in rows]
