"""Month rollups of the usage summaries (migration 0009), beside those in :mod:`db.tables`.

The sums of ``usage_piece`` over each site's local months, without the space
(``usage_org_month``) or without the organisation (``usage_space_month``): what a report grouped
by hour with organisation or space reads for the whole months of its period. Derived data,
rebuilt with the days they sum (:mod:`booking.usage`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Float, Integer, String, Table
from sqlmodel import SQLModel


def _key(name: str, type_: Any) -> Column:
    return Column(name, type_, primary_key=True, autoincrement=False)


#: Booked minutes and bookings started per site, local month, kind, organisation, status and
#: local hour.
USAGE_ORG_MONTH = Table(
    "usage_org_month", SQLModel.metadata,
    _key("site_id", Integer), _key("month", String(7)), _key("kind", String(16)),
    _key("org_id", Integer), _key("status", String(16)), _key("hour", Integer),
    Column("minutes", Float, nullable=False), Column("bookings", Integer, nullable=False),
    sqlite_with_rowid=False)
#: The same per space (its kind beside it), without the organisation.
USAGE_SPACE_MONTH = Table(
    "usage_space_month", SQLModel.metadata,
    _key("site_id", Integer), _key("month", String(7)), _key("space_id", Integer),
    _key("status", String(16)), _key("hour", Integer),
    Column("kind", String(16), nullable=False),
    Column("minutes", Float, nullable=False), Column("bookings", Integer, nullable=False),
    sqlite_with_rowid=False)
