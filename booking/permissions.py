"""Who may do what: every refusal says what the role may not do.

The roles (issue 7):

- *front-desk* (host staff): book, move, cancel, check in and mark no-show for any organisation;
  override an allocation with a reason; run the Today screen; read reports.
- *adviser* (any organisation): book, move and cancel for their own organisation only (within
  its advance window and allocation); see their organisation's bookings in full. Check-in and
  no-show are the front desk's job.
- *estates*: manage sites, spaces, opening hours, closures, organisations and allocations; all
  reports and the whole audit trail; never booking details beyond organisation, space and time,
  so estates staff do not book.
- *admin*: everything, including staff and roles.

A login that is not a known, active staff member may only look at the board (busy/free).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "checkin": (frozenset({"front-desk", "admin"}), frozenset()),
    "noshow": (frozenset({"front-desk", "admin"}), frozenset()),
    "release": (frozenset({"front-desk", "admin"}), frozenset()),
    "undo": (frozenset({"front-desk", "admin"}), frozenset()),
    "override": (frozenset({"front-desk", "admin"}), frozenset()),
}
#: "Advisers can <own> only ..." for roles limited to their own organisation
OWN_ORG_WORDS = {
    "book": "book for only their own organisation",
    "cancel": "cancel only their own organisation's bookings",
    "move": "move only their own organisation's bookings",
}
#: "<Role> cannot <words>" for roles with no right at all
NO_WORDS = {
    "book": "book spaces (booking details are for the organisations themselves)",
    "cancel": "cancel bookings",
    "move": "move bookings",
    "checkin": "check bookings in; the front desk does that",
    "noshow": "mark bookings as no-shows; the front desk does that",
    "release": "release bookings; the front desk does that",
    "undo": "undo a check-in, no-show or release; the front desk does that",
    "override": "override an allocation; ask the front desk or an administrator",
}

ADMIN_ACTIONS: dict[str, frozenset[str]] = {
    "manage-orgs": frozenset({"estates", "admin"}),
    "manage-sites": frozenset({"estates", "admin"}),
    "manage-spaces": frozenset({"estates", "admin"}),
    "manage-hours": frozenset({"estates", "admin"}),
    "manage-closures": frozenset({"estates", "admin"}),
    "manage-allocations": frozenset({"estates", "admin"}),
    "manage-staff": frozenset({"admin"}),
    "upgrade-store": frozenset({"admin"}),
    "manage-settings": frozenset({"admin"}),
    "reports": frozenset({"estates", "admin", "front-desk"}),
    "audit-all": frozenset({"estates", "admin"}),
    "today": frozenset({"front-desk", "admin"}),
}
ADMIN_WORDS = {
    "manage-orgs": "manage organisations",
    "manage-sites": "manage sites",
    "manage-spaces": "manage spaces",
    "manage-hours": "change opening hours",
    "manage-closures": "manage closures",
    "manage-allocations": "set allocations",
    "manage-staff": "manage staff or roles",
    "upgrade-store": "upgrade the store",
    "manage-settings": "change the store's settings",
    "reports": "read usage reports",
    "audit-all": "read the whole audit trail",
    "today": "run the Today screen (check-ins and no-shows are the front desk's)",
}


def role_label(actor: Actor) -> str:
    return ROLE_LABELS.get(actor.role or "", actor.role or "Unknown users")


def require_known(actor: Actor) -> None:
    """Refuse anything but looking at the board to a login that is not active staff."""
    if not actor.known:
        raise NotPermitted(
            f"'{actor.login}' is not a cospace user: you can look at the board (busy/free) "
            "but nothing else. Ask an administrator to add you "
            f"(cospace staff add {actor.login} --name ... --org ... --role ...)."
        )


def may_booking_action(actor: Actor, action: str, org_id: int) -> bool:
    if not actor.known:
        return False
    any_org, own_org = BOOKING_ACTIONS[action]
    return actor.role in any_org or (actor.role in own_org and actor.org_id == org_id)


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
            f"{role_label(actor)} can {OWN_ORG_WORDS[action]} ({actor.org_code}), "
            f"not {org_code}."
        )
    raise NotPermitted(f"{role_label(actor)} cannot {NO_WORDS[action]}.")


def may_admin_action(actor: Actor, action: str) -> bool:
    return actor.known and actor.role in ADMIN_ACTIONS[action]


def require_admin_action(actor: Actor, action: str) -> None:
    require_known(actor)
    if actor.role not in ADMIN_ACTIONS[action]:
        raise NotPermitted(f"{role_label(actor)} cannot {ADMIN_WORDS[action]}.")


def may_see_org(actor: Actor) -> bool:
    """Which organisation holds a space is for staff; an unknown login sees busy/free only."""
    return actor.known


@dataclass(frozen=True)
class Seen:
    """What one person may see of one booking, field by field (the one privacy rule)."""

    org: bool  # which organisation holds it, its confidential flag and its series
    people: bool  # attendees and who booked it (the adviser's name)
    purpose: bool  # why it was booked (and a reason given with it, e.g. an override)


NOTHING = Seen(org=False, people=False, purpose=False)


def booking_visibility(actor: Actor, *, org_id: int, confidential: bool,
                       booked_by_id: int | None) -> Seen:
    """The privacy rule, in one place (mirrored in SQL by ``db/security.py`` for
    PostgreSQL, so ``psql`` shows no more than cospace does).

    - A login that is not active staff sees busy/free only: not even the organisation.
    - Estates staff see organisation, space, time and status, never details.
    - The booking's own organisation sees attendees, who booked and the purpose.
    - The front desk sees attendees and who booked of every booking (to direct a customer),
      never another organisation's purpose (not even one it typed in for them).
    - A confidential booking's purpose is for the person who booked it only (when they are
      of its organisation); its attendees and booker for them and the front desk.
    """
    if not actor.known:
        return NOTHING
    if actor.role == "estates":
        return Seen(org=True, people=False, purpose=False)
    same_org = actor.org_id is not None and actor.org_id == org_id
    booker = actor.staff_id is not None and actor.staff_id == booked_by_id
    people = booker or actor.role == "front-desk" or (same_org and not confidential)
    purpose = same_org and (booker if confidential else True)
    return Seen(org=True, people=people, purpose=purpose)


def may_see_details(actor: Actor, *, org_id: int, confidential: bool,
                    booked_by_id: int | None) -> bool:
    """Whether ``actor`` sees a booking's attendees and booker (see
    :func:`booking_visibility`)."""
    return booking_visibility(actor, org_id=org_id, confidential=confidential,
                              booked_by_id=booked_by_id).people
