"""Statements behind ``cospace import`` and the set-up forms: the stored set-up records read
as an import file's values, and the writes of a checked import (:mod:`booking.imports`).

Every function takes an open connection from :func:`db.engine.write_tx` or
:func:`db.engine.read_tx`; none commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from db.tables import OpeningHours, Organisation, Site, Space, SpaceRestriction, Staff

SITE = Site.__table__
ORG = Organisation.__table__
SPACE = Space.__table__
STAFF = Staff.__table__
HOURS = OpeningHours.__table__
RESTRICTION = SpaceRestriction.__table__
#: The table behind each kind of import file.
TABLES = {"orgs": ORG, "sites": SITE, "spaces": SPACE, "staff": STAFF}


class StoredRecords:
    """What an import needs from the store, read in a few queries rather than a few per row.

    Sites and organisations are read whole (a region has dozens); the records being imported
    are read by their keys in chunks.
    """

    CHUNK = 500

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.sites = {r.code: r for r in conn.execute(select(SITE))}
        self.orgs = {r.code: r for r in conn.execute(select(ORG))}
        self.org_codes = {r.id: r.code for r in self.orgs.values()}
        self.site_codes = {r.id: r.code for r in self.sites.values()}

    def _chunks(self, keys: Sequence[str]) -> Iterable[list[str]]:
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), self.CHUNK):
            yield keys[i:i + self.CHUNK]

    def current(self, kind: str, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """The stored rows matching ``keys``, as the values an import file would give."""
        read = {"orgs": self._orgs, "sites": self._sites, "spaces": self._spaces}
        return read.get(kind, self._staff)(keys)

    def _orgs(self, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        out: dict[str, tuple[int, dict[str, Any]]] = {}
        for k in keys:
            r = self.orgs.get(k)
            if r is not None:
                out[k] = (r.id, {"code": r.code, "name": r.name, "host": bool(r.is_host),
                                 "advance_weeks": r.advance_weeks, "active": bool(r.active)})
        return out

    def _sites(self, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        found = [self.sites[k] for k in keys if k in self.sites]
        hours_by: dict[int, dict[int, tuple[int, int]]] = {r.id: {} for r in found}
        if found:
            for h in self.conn.execute(select(HOURS).where(HOURS.c.site_id.in_(list(hours_by)))):
                hours_by[h.site_id][h.weekday] = (h.opens_min, h.closes_min)
        return {r.code: (r.id, {"code": r.code, "name": r.name, "hours": hours_by[r.id],
                                "tz": r.tz, "holidays": r.holiday_region}) for r in found}

    def _spaces(self, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        out: dict[str, tuple[int, dict[str, Any]]] = {}
        for chunk in self._chunks(keys):
            rows = self.conn.execute(select(SPACE).where(SPACE.c.code.in_(chunk))).all()
            restr: dict[int, set[str]] = {r.id: set() for r in rows}
            if rows:
                for x in self.conn.execute(select(RESTRICTION).where(
                        RESTRICTION.c.space_id.in_(list(restr)))):
                    restr[x.space_id].add(self.org_codes[x.org_id])
            for r in rows:
                out[r.code] = (r.id, {
                    "code": r.code, "site": self.site_codes[r.site_id], "kind": r.kind,
                    "capacity": r.capacity, "name": r.name,
                    "features": frozenset(f for f in (r.features or "").split(",") if f),
                    "private": bool(r.private), "active": bool(r.active),
                    "restricted_to": frozenset(restr[r.id]),
                    "approval": bool(r.requires_approval)})
        return out

    def _staff(self, keys: Sequence[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        out: dict[str, tuple[int, dict[str, Any]]] = {}
        for chunk in self._chunks(keys):
            for r in self.conn.execute(select(STAFF).where(STAFF.c.login.in_(chunk))):
                out[r.login] = (r.id, {
                    "login": r.login, "name": r.name,
                    "org": self.org_codes.get(r.org_id) if r.org_id else None,
                    "role": r.role, "active": bool(r.active)})
        return out


def insert_records(conn: Connection, kind: str, key: str,
                   rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """New rows of ``kind`` in one multi-row insert; their ids by key column ``key``."""
    table = TABLES[kind]
    result = conn.execute(
        insert(table).returning(table.c.id, table.c[key], sort_by_parameter_order=True),
        list(rows))
    return {r[1]: r[0] for r in result}


def update_record(conn: Connection, kind: str, row_id: int, values: dict[str, Any]) -> None:
    table = TABLES[kind]
    conn.execute(update(table).where(table.c.id == row_id).values(**values))


def replace_hours(conn: Connection,
                  hours: Sequence[tuple[int, dict[int, tuple[int, int]]]]) -> None:
    """Each site's opening hours replaced by the ones given (site id, weekday -> minutes)."""
    if not hours:
        return
    conn.execute(delete(HOURS).where(HOURS.c.site_id.in_([i for i, _ in hours])))
    conn.execute(insert(HOURS), [dict(site_id=i, weekday=day, opens_min=o, closes_min=c)
                                 for i, by_day in hours for day, (o, c) in sorted(by_day.items())])


def replace_restrictions(conn: Connection, space_ids: Sequence[int],
                         pairs: Sequence[tuple[int, int]]) -> None:
    """The restrictions of ``space_ids`` replaced by ``pairs`` (space id, organisation id)."""
    if not space_ids:
        return
    conn.execute(delete(RESTRICTION).where(RESTRICTION.c.space_id.in_(list(space_ids))))
    if pairs:
        conn.execute(insert(RESTRICTION), [dict(space_id=s, org_id=o) for s, o in pairs])
