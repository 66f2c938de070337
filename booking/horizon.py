"""How far ahead anyone may book: a per-store setting (default 104 weeks, two years).

Partners also have their organisation's advance window (``--advance-weeks``); the horizon
binds everyone, the host included, so a mistyped year (``9999-12-30``) is refused rather than
stored. ``cospace setting horizon-weeks N`` (administrators) changes it for a store.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from booking import limits, permissions
from db import queries as q
from db.engine import read_tx, write_tx
from db.tables import StoreSetting

SETTING = StoreSetting.__table__  # type: ignore[attr-defined]
NAME = "horizon_weeks"


def weeks(conn: Connection) -> int:
    """The store's horizon in weeks (its default when unset or unreadable)."""
    return from_value(conn.execute(select(SETTING.c.value)
                                   .where(SETTING.c.name == NAME)).scalar())


def from_value(raw: str | None) -> int:
    """The horizon a stored setting's text gives (its default when unset or unreadable)."""
    try:
        value = int(raw) if raw is not None else limits.DEFAULT_HORIZON_WEEKS
    except ValueError:
        return limits.DEFAULT_HORIZON_WEEKS
    lo, hi = limits.HORIZON_WEEKS
    return value if lo <= value <= hi else limits.DEFAULT_HORIZON_WEEKS


def get(app: Any) -> int:
    with read_tx(app.engine) as conn:
        return weeks(conn)


def set_weeks(app: Any, value: Any) -> int:
    """Set the store's horizon (administrators; audited)."""
    new = limits.bounded_int(value, "The booking horizon in weeks", *limits.HORIZON_WEEKS)
    now = app.now()
    with write_tx(app.engine) as conn:
        actor = app._load_actor(conn)
        permissions.require_admin_action(actor, "manage-settings")
        old = weeks(conn)
        exists = conn.execute(select(SETTING.c.name).where(SETTING.c.name == NAME)).first()
        if exists:
            conn.execute(SETTING.update().where(SETTING.c.name == NAME).values(value=str(new)))
        else:
            conn.execute(SETTING.insert().values(name=NAME, value=str(new)))
        q.add_audit(conn, at=now, actor=actor.login, action="update", entity="setting",
                    entity_id=None, before={NAME: old}, after={NAME: new})
    return new


__all__ = ["from_value", "get", "set_weeks", "weeks"]
