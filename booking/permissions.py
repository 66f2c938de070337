"""Who may do what: every refusal says what the role may not do."""

from __future__ import annotations

from booking.errors import NotPermitted
from booking.models import Actor

ROLE_LABELS = {
    "front-desk": "Front-desk staff",
    "adviser": "Advisers",
    "estates": "Estates staff",
    "admin": "Administrators",
}

#: action -> roles allowed for any organisation, roles allowed for their own organisation only
BOOKING_ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "book": (frozenset({"front-desk", "admin"}), frozenset({"adviser"})),
    "cancel": (frozenset({"front-desk", "admin"}), frozenset({"adviser"})),
    "move": (frozenset({"front-desk", "admin"}), frozenset({"adviser"})),
    "checkin": (frozenset({"front-desk", "admin"}), frozenset({"adviser"})),
    "noshow": (frozenset({"front-desk", "admin"}), frozenset({"adviser"})),
}
VERBS = {
    "book": "book",
    "cancel": "cancel",
    "move": "move",
    "checkin": "check in",
    "noshow": "mark no-shows for",
}

ADMIN_ACTIONS: dict[str, frozenset[str]] = {
    "manage-orgs": frozenset({"estates", "admin"}),
    "manage-sites": frozenset({"estates", "admin"}),
    "manage-spaces": frozenset({"estates", "admin"}),
    "manage-staff": frozenset({"admin"}),
    "reports": frozenset({"estates", "admin", "front-desk"}),
}
ADMIN_WORDS = {
    "manage-orgs": "manage organisations",
    "manage-sites": "manage sites",
    "manage-spaces": "manage spaces",
    "manage-staff": "manage staff",
    "reports": "read usage reports",
}


def require_known(actor: Actor) -> None:
    if not actor.known:
        raise NotPermitted(
            f"'{actor.login}' is not a cospace user: you can look at the board but not change "
            "anything. Ask an administrator to add you (cospace staff add)."
        )


def require_booking_action(actor: Actor, action: str, org_id: int, org_code: str) -> None:
    """Refuse unless ``actor`` may do ``action`` on a booking of organisation ``org_id``."""
    require_known(actor)
    any_org, own_org = BOOKING_ACTIONS[action]
    if actor.role in any_org:
        return
    if actor.role in own_org:
        if actor.org_id == org_id:
            return
        raise NotPermitted(
            f"{ROLE_LABELS[actor.role or '']} can {VERBS[action]} only their own organisation's "
            f"bookings ({actor.org_code}), not {org_code}'s."
        )
    raise NotPermitted(f"{ROLE_LABELS.get(actor.role or '', actor.role)} cannot {VERBS[action]} "
                       "bookings.")


def require_admin_action(actor: Actor, action: str) -> None:
    require_known(actor)
    if actor.role not in ADMIN_ACTIONS[action]:
        raise NotPermitted(
            f"{ROLE_LABELS.get(actor.role or '', actor.role)} cannot {ADMIN_WORDS[action]}."
        )


def may_see_details(actor: Actor, *, org_id: int, confidential: bool,
                    booked_by_id: int | None) -> bool:
    """Purpose and attendees are for the booking's own organisation only; a confidential
    booking's details are for the person who booked it and front-desk staff."""
    if not actor.known:
        return False
    if confidential:
        return actor.staff_id == booked_by_id or actor.role == "front-desk"
    return actor.org_id == org_id
