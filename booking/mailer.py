"""Where mail goes and how it gets there: the SMTP server named by ``COSPACE_SMTP`` (or the
store's ``smtp`` setting), reached with :mod:`smtplib`.

``smtp://host:port`` (plain, e.g. a relay on the same network), ``smtp+starttls://user@host:port``
(STARTTLS, then login with ``COSPACE_SMTP_PASSWORD``) or ``smtps://user@host:port`` (TLS from
the start). ``?from=ADDRESS`` sets the sender (default ``cospace@localhost``). A password is
never part of the URL (the store's settings are readable by every staff role): it comes from
``COSPACE_SMTP_PASSWORD`` only, and nothing prints it.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from booking.errors import InvalidInput
from booking.limits import visible

ENV_URL = "COSPACE_SMTP"
ENV_PASSWORD = "COSPACE_SMTP_PASSWORD"
SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
DEFAULT_FROM = "cospace@localhost"
#: Seconds to wait for the server on any one step.
TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpConfig:
    scheme: str
    host: str
    port: int
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = DEFAULT_FROM

    def describe(self) -> str:
        """Where mail goes, for people (never the password)."""
        who = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{who}{self.host}:{self.port} (from {self.sender})"


def parse(url: str, password: str | None = None) -> SmtpConfig:
    """An SMTP URL as a configuration; anything else is refused in plain words."""
    from booking.notify import check_address

    text = url.strip()
    shown = visible(text[:120])
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"'{shown}' is not an SMTP URL: write smtp://HOST:PORT or "
                           "smtp+starttls://USER@HOST:PORT.") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InvalidInput(f"'{visible(parts.scheme[:20])}' is not an SMTP scheme: use smtp://, "
                           "smtp+starttls:// or smtps://.")
    if parts.password is not None:
        raise InvalidInput("Do not put the SMTP password in the URL (settings are readable by "
                           f"every staff role): set {ENV_PASSWORD} instead.")
    if not parts.hostname:
        raise InvalidInput(f"'{shown}' names no SMTP server: write smtp://HOST:PORT.")
    user = unquote(parts.username) if parts.username else None
    if user and scheme == "smtp":
        raise InvalidInput("A login over plain smtp:// would send the password unencrypted: "
                           "use smtp+starttls://USER@HOST:PORT or smtps://.")
    query = parse_qs(parts.query)
    sender = check_address(query["from"][0]) if query.get("from") else DEFAULT_FROM
    return SmtpConfig(scheme=scheme, host=parts.hostname, port=port or SCHEMES[scheme],
                      user=user, password=password if user else None, sender=sender)


def configured(stored: str | None) -> SmtpConfig | None:
    """The configuration from ``COSPACE_SMTP``, else the store's setting ``stored``; None when
    neither names a server."""
    url = os.environ.get(ENV_URL, "").strip() or (stored or "").strip()
    if not url:
        return None
    return parse(url, os.environ.get(ENV_PASSWORD) or None)


class Transient(Exception):
    """The server could not take the message now (4xx, unreachable): try again later."""


class Permanent(Exception):
    """The server refused the message for good (5xx): retrying will not help."""


def _error(code: int, text: bytes | str) -> Exception:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    message = visible(f"{code} {words}".strip())[:400]
    return Permanent(message) if 500 <= code < 600 else Transient(message)


class Connection:
    """One SMTP session, opened on first use and reused for a batch."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        c = self.config
        try:
            smtp: smtplib.SMTP
            if c.scheme == "smtps":
                smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=TIMEOUT,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=TIMEOUT)
                if c.scheme == "smtp+starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if c.user:
                if not c.password:
                    smtp.close()
                    raise Permanent(f"The SMTP server needs a password for {c.user}: set "
                                    f"{ENV_PASSWORD}.")
                smtp.login(c.user, c.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise Permanent(f"The SMTP server refused the login of {c.user}: "
                            f"{_error(exc.smtp_code, exc.smtp_error)}") from None
        except smtplib.SMTPResponseException as exc:
            raise _error(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise Transient(f"cannot reach the SMTP server {c.host}:{c.port}: "
                            f"{visible(str(exc))[:200]}") from None
        return smtp

    def send(self, msg: EmailMessage) -> None:
        """Hand one message to the server; returns once it accepted it."""
        if self._smtp is None:
            self._smtp = self._open()
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise _error(code, text) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _error(exc.smtp_code, exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Transient(f"the SMTP connection failed: {visible(str(exc))[:200]}") from None
        if refused:  # one recipient only: refused means not sent
            code, text = next(iter(refused.values()))
            raise _error(code, text)

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()


__all__ = ["Connection", "ENV_PASSWORD", "ENV_URL", "Permanent", "SmtpConfig", "Transient",
           "configured", "parse"]
