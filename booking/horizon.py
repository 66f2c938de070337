"""How far ahead anyone may book: a per-store setting (default 104 weeks, two years).

Partners also have their organisation's advance window (``--advance-weeks``); the horizon
binds everyone, the host included, so a mistyped year (``9999-12-30``) is refused rather than
stored. ``cospace setting horizon-weeks N`` (administrators) changes it for a store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from booking import limits, permissions
from db import queries, setup_queries
from db.engine import Tx

if TYPE_CHECKING:
    from booking.context import Context

NAME = "horizon_weeks"


def weeks(conn: Tx) -> int:
    """The store's horizon in weeks (its default when unset or unreadable)."""
    return from_value(setup_queries.setting(conn, NAME))


def from_value(raw: str | None) -> int:
    """The horizon a stored setting's text gives (its default when unset or unreadable)."""
    try:
        value = int(raw) if raw is not None else limits.DEFAULT_HORIZON_WEEKS
    except ValueError:
        return limits.DEFAULT_HORIZON_WEEKS
    lo, hi = limits.HORIZON_WEEKS
    return value if lo <= value <= hi else limits.DEFAULT_HORIZON_WEEKS


def get(ctx: Context) -> int:
    with ctx.reading() as conn:
        return weeks(conn)


def set_weeks(ctx: Context, value: Any) -> int:
    """Set the store's horizon (administrators; audited)."""
    new = limits.bounded_int(value, "The booking horizon in weeks", *limits.HORIZON_WEEKS)
    now = ctx.now()
    with ctx.writing() as conn:
        actor = ctx.load_actor(conn)
        permissions.require_admin_action(actor, "manage-settings")
        old = weeks(conn)
        setup_queries.set_setting(conn, NAME, str(new))
        queries.add_audit(conn, at=now, actor=actor.login, action="update", entity="setting",
                    entity_id=None, before={NAME: old}, after={NAME: new})
    return new


__all__ = ["from_value", "get", "set_weeks", "weeks"]
