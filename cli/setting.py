"""``cospace setting``: per-store settings (administrators change them; anyone may read)."""

from __future__ import annotations

import argparse

from booking import horizon
from booking.service import Cospace


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("setting", parents=[common], help="show or change a store setting")
    p.add_argument("name", choices=["horizon-weeks", "smtp"],
                   help="horizon-weeks: how far ahead anyone, the host included, may book "
                        "(default 104); smtp: the mail server of 'cospace notify run' "
                        "(smtp://HOST:PORT, smtp+starttls://USER@HOST:PORT; '' for none)")
    p.add_argument("value", nargs="?", default=None, help="the new value (administrators)")
    p.set_defaults(func=cmd_setting)


def cmd_setting(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    if args.name == "smtp":
        from booking import notify

        if args.value is None:
            config = notify.smtp_config(app)
            print(f"smtp {config.describe() if config else 'none'}")
        else:
            print(f"Mail now goes through {notify.set_smtp(app, args.value)}.")
        return 0
    if args.value is None:
        print(f"horizon-weeks {horizon.get(app)}")
        return 0
    weeks = horizon.set_weeks(app, args.value)
    print(f"Bookings may now start at most {weeks} weeks ahead, for everyone.")
    return 0
