"""Notifications by e-mail: what a message says, and the sender that delivers the outbox.

A change to someone's booking made by someone else queues a message in the same transaction
(a trigger on ``audit``, migration 0007); :func:`run_once` delivers what is due. Each message
is claimed (no other sender takes it meanwhile), composed, handed to the SMTP server, and
marked sent in its own transaction right after the server accepted it. A message the server
could not take now is retried with a doubling wait (1 minute up to 1 hour); one it refused for
good is marked failed and kept. The Message-ID comes from the message's idempotency key, so the
one case that can repeat a message (the sender dies after the server accepted it and before
the mark was written) repeats it with the same Message-ID (docs/notifications.md).

A message says only what its recipient may see: their own booking, through the same privacy
rule as every other output (:func:`booking.permissions.booking_visibility`), the person who
changed it by role, never by name.
"""

from __future__ import annotations

from email.headerregistry import Address
from typing import Any

from booking import mailer, permissions
from booking.errors import InvalidInput, NotPermitted
from booking.limits import visible

# Re-exported: the parts of the notifications, reached as ``notify.X``. What a message says
# is in booking.notify_compose, the digest in booking.notify_digest, the sender loop in
# booking.notify_send.
from booking.notify_compose import (  # noqa: F401
    EVENT_WORDS,
    FIELD_WORDS,
    Draft,
    message_id,
    to_email,
)
from booking.notify_digest import DIGEST_HOUR, queue_digests  # noqa: F401
from booking.notify_send import (  # noqa: F401
    FIRST_WAIT,
    LEASE,
    MAX_WAIT,
    Report,
    backoff,
    compose,
    counts,
    outbox,
    require_sender,
    run_once,
)
from db import outbox_queries as oq
from db import queries as q
from db.engine import read_tx, write_tx

#: The store setting that names the SMTP server when ``COSPACE_SMTP`` is not set.
SMTP_SETTING = "smtp"
MAX_ADDRESS = 254


def check_address(text: str) -> str:
    """An e-mail address, checked (one ``local@domain``, no spaces, quotes or control
    characters); anything else is refused in plain words."""
    value = (text or "").strip()
    shown = visible(value[:60])
    bad = any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in "<>()[],;:\"'\\"
              for c in value)
    if not value or bad or len(value) > MAX_ADDRESS or value.count("@") != 1:
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as name@example.org "
                           f"(at most {MAX_ADDRESS} characters).")
    local, domain = value.split("@")
    if not local or not domain or domain.startswith(".") or domain.endswith(".") or \
            ".." in domain:
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as name@example.org.")
    try:
        Address(addr_spec=value)
    except (ValueError, IndexError):
        raise InvalidInput(f"'{shown}' is not an e-mail address: write it as "
                           "name@example.org.") from None
    return value


def set_email(app: Any, login: str, email: str | None, *, digest: bool | None = None) -> None:
    """Set a staff member's address (administrators) and/or their digest choice (they
    themselves or an administrator)."""
    address = check_address(email) if email is not None else None
    me = app.actor
    permissions.require_known(me)
    with write_tx(app.engine) as conn:
        if address is not None or login != me.login:
            if me.role != "admin":
                raise NotPermitted("Only an administrator sets staff e-mail addresses or "
                                   "another person's digest.")
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        if address is None and oq.contact(conn, sid) is None:
            raise InvalidInput(f"{visible(login)} has no e-mail address yet: an administrator "
                               "adds one first (cospace staff add ... --email ADDRESS).")
        oq.set_contact(conn, sid, email=address, digest=digest)
        q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="staff",
                    entity_id=sid, after={k: v for k, v in (("email", address and "(set)"),
                                                            ("digest", digest)) if v is not None})


def remove_email(app: Any, login: str) -> bool:
    """Forget a staff member's address (administrators): no more messages to them; those
    already queued keep the address they were queued with. True if there was one."""
    me = app.actor
    permissions.require_admin_action(me, "manage-staff")
    with write_tx(app.engine) as conn:
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        removed = oq.remove_contact(conn, sid)
        if removed:
            q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="staff",
                        entity_id=sid, after={"email": None})
    return removed


def email_of(app: Any, login: str) -> str | None:
    """A staff member's address, as the acting person may read it (their own, or anyone's
    for an administrator); None when there is none."""
    me = app.actor
    permissions.require_known(me)
    if login != me.login and me.role != "admin":
        raise NotPermitted("Only an administrator reads another person's e-mail address.")
    with read_tx(app.engine) as conn:
        sid = oq.staff_id(conn, login)
        if sid is None:
            raise InvalidInput(f"There is no staff member '{visible(login[:64])}'.")
        row = oq.contact(conn, sid)
    return row.email if row is not None else None


def smtp_config(app: Any) -> mailer.SmtpConfig | None:
    """The SMTP server: ``COSPACE_SMTP``, else the store's ``smtp`` setting."""
    with read_tx(app.engine) as conn:
        stored = oq.setting(conn, SMTP_SETTING)
    return mailer.configured(stored)


def set_smtp(app: Any, url: str) -> str:
    """Set the store's SMTP server (administrators; '' removes it). Returns it as shown."""
    config = mailer.parse(url) if url.strip() else None
    me = app.actor
    permissions.require_admin_action(me, "manage-settings")
    with write_tx(app.engine) as conn:
        old = oq.put_setting(conn, SMTP_SETTING, url.strip() if config else None)
        q.add_audit(conn, at=app.now(), actor=me.login, action="update", entity="setting",
                    entity_id=None, before={SMTP_SETTING: old},
                    after={SMTP_SETTING: url.strip() or None})
    return config.describe() if config else "none"


__all__ = ["Draft", "Report", "backoff", "check_address", "compose", "counts", "email_of",
           "message_id", "outbox", "queue_digests", "remove_email", "run_once", "set_email",
           "set_smtp", "smtp_config", "to_email"]
