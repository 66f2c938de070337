"""``cospace notify``: deliver the outbox by e-mail, see what waits, opt in to the digest.

The SMTP server comes from ``COSPACE_SMTP`` or the store's ``smtp`` setting (``cospace setting
smtp URL``), the password from ``COSPACE_SMTP_PASSWORD`` only (docs/notifications.md).
"""

from __future__ import annotations

import argparse
import json
import time

from booking import notify
from booking.errors import InvalidInput, StoreUnavailable
from booking.limits import visible
from booking.service import Cospace

#: Seconds between passes of ``notify run --watch`` when nothing is due sooner.
WATCH_INTERVAL = 30.0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("notify", parents=[common],
                       help="e-mail notifications: deliver the outbox, the daily digest")
    act = p.add_subparsers(dest="notify_command", metavar="ACTION", required=True)
    run = act.add_parser(
        "run", parents=[common], help="deliver the outbox over SMTP (administrators)",
        description="Send every message that is due, each once, retrying later what the "
                    "server cannot take now. The server is COSPACE_SMTP (smtp://HOST:PORT, "
                    "smtp+starttls://USER@HOST:PORT) or the store's smtp setting; the "
                    "password is COSPACE_SMTP_PASSWORD. Without a server it says so and "
                    "exits 2, sending nothing.")
    run.add_argument("--watch", action="store_true",
                     help="keep going: deliver new messages as they come (Ctrl-C stops)")
    run.add_argument("--interval", type=float, default=WATCH_INTERVAL, metavar="SECONDS",
                     help=f"with --watch, seconds between passes (default {WATCH_INTERVAL:g})")
    run.set_defaults(func=cmd_run)
    st = act.add_parser("status", parents=[common],
                        help="how many messages are pending, sent and failed (administrators)")
    st.add_argument("--json", action="store_true",
                    help='print {"pending": N, "sent": N, "failed": N}')
    st.set_defaults(func=cmd_status)
    ad = act.add_parser("address", parents=[common],
                        help="show, set or remove a staff member's e-mail address")
    ad.add_argument("staff", metavar="LOGIN", help="the staff member (yourself to show yours)")
    ad.add_argument("address", nargs="?", default=None, metavar="ADDRESS",
                    help="the new address, or 'none' to remove it (administrators)")
    ad.set_defaults(func=cmd_address)
    dg = act.add_parser("digest", parents=[common],
                        help="opt in to (or out of) the daily e-mail of tomorrow's bookings")
    dg.add_argument("choice", choices=["on", "off"], help="on: the digest each afternoon; off")
    dg.add_argument("--staff", metavar="LOGIN",
                    help="for this staff member instead of yourself (administrators)")
    dg.set_defaults(func=cmd_digest)


def _config(app: Cospace):  # type: ignore[no-untyped-def]
    config = notify.smtp_config(app)
    if config is None:
        waiting = notify.counts(app)["pending"]
        raise InvalidInput(
            "No SMTP server is configured, so nothing was sent: set COSPACE_SMTP (e.g. "
            "smtp://mail.example.org:25 or smtp+starttls://USER@HOST:587 with "
            "COSPACE_SMTP_PASSWORD) or run 'cospace setting smtp URL'. "
            + (f"{waiting} messages wait" if waiting != 1 else "1 message waits")
            + " in the outbox, untouched.")
    return config


def _pass(app: Cospace, config) -> int:  # type: ignore[no-untyped-def]
    report = notify.run_once(app, config, on_sent=lambda key: print(f"sent {key}", flush=True))
    for line in report.errors:
        print(f"cospace: {line}", flush=True)
    waiting = f"{report.pending} waiting"
    if report.pending and report.next_due is not None:
        waiting += f" (next try {report.next_due:%Y-%m-%d %H:%M} UTC)"
    print(f"Sent {len(report.sent)}, {len(report.retrying)} to retry, {len(report.failed)} "
          f"failed; {waiting}.", flush=True)
    return 1 if report.retrying or report.failed else 0


def cmd_run(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    notify.require_sender(app)
    config = _config(app)
    print(f"Delivering through {visible(config.describe())}.", flush=True)
    if not args.watch:
        return _pass(app, config)
    if args.interval <= 0:
        raise InvalidInput("--interval must be more than 0 seconds.")
    try:
        while True:
            try:
                _pass(app, config)
            except StoreUnavailable as exc:  # busy or restarting: the next pass retries
                print(f"cospace: {exc.message} (trying again in {args.interval:g} s)",
                      flush=True)
            time.sleep(args.interval)
    except KeyboardInterrupt:
        return 0


def cmd_status(args: argparse.Namespace, url: str, login: str) -> int:
    counts = notify.counts(Cospace.open(url, login))
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"{counts['pending']} pending, {counts['sent']} sent, {counts['failed']} failed.")
    return 0


def cmd_address(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    who = visible(args.staff)
    if args.address is None:
        found = notify.email_of(app, args.staff)
        print(f"{who}: {visible(found) if found else 'no e-mail address'}")
    elif args.address.strip().lower() == "none":
        removed = notify.remove_email(app, args.staff)
        print(f"{who}: address removed." if removed else f"{who} had no e-mail address.")
    else:
        notify.set_email(app, args.staff, args.address)
        print(f"{who}: notifications go to {visible(args.address.strip())}.")
    return 0


def cmd_digest(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    who = args.staff or app.actor.login
    notify.set_email(app, who, None, digest=args.choice == "on")
    print(f"Daily digest {args.choice} for {visible(who)}.")
    return 0
