"""The booking-core commands: init, org/site/space/staff add, book, free, cancel, checkin,
noshow, list."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from booking.errors import InvalidInput
from booking.models import KIND_LABELS, KINDS, ROLES
from booking.service import Cospace
from booking.timeutil import format_hours, human_span, human_time_span, parse_date, to_local


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help="create or upgrade the store")
    p.add_argument("--demo", action="store_true", help="also load the demo site")
    p.set_defaults(func=cmd_init)

    org = sub.add_parser("org", parents=[common], help="organisations")
    org_sub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    p = org_sub.add_parser("add", parents=[common], help="add an organisation")
    p.add_argument("code", help="short code, e.g. NCS (letters, digits, '.', '-', '_')")
    p.add_argument("--name", required=True, help="full name, e.g. National Careers Service")
    p.add_argument("--host", action="store_true", help="the host organisation (the jobcentre)")
    p.add_argument("--advance-weeks", type=int, default=None,
                   help="how far ahead its staff may book (default: host no limit, partner 8)")
    p.set_defaults(func=cmd_org_add)

    site = sub.add_parser("site", parents=[common], help="sites")
    site_sub = site.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    p = site_sub.add_parser("add", parents=[common], help="add a site")
    p.add_argument("code", help="short code, e.g. NGT")
    p.add_argument("--name", required=True, help="building name")
    p.add_argument("--tz", default="Europe/London",
                   help="IANA time zone (default Europe/London)")
    p.add_argument("--hours", default="mon-fri 08:30-17:00",
                   help='opening hours, e.g. "mon-thu 08:30-17:00, fri 08:30-16:30"')
    p.add_argument("--holidays", default="ENG", dest="holiday_region",
                   help="bank holidays of ENG (England and Wales), SCT, NIR, or '' for none")
    p.set_defaults(func=cmd_site_add)

    space = sub.add_parser("space", parents=[common], help="spaces")
    space_sub = space.add_subparsers(dest="space_command", metavar="ACTION", required=True)
    p = space_sub.add_parser("add", parents=[common], help="add a space")
    p.add_argument("code", help="short code, unique across sites, e.g. IR1")
    p.add_argument("--site", required=True, help="code of its site")
    p.add_argument("--kind", required=True, choices=KINDS, help="kind of space")
    p.add_argument("--capacity", required=True, type=int, metavar="N",
                   help="how many people it holds (at least 1)")
    p.add_argument("--features", default="", help="comma-separated: wifi,pc,step-free,...")
    p.add_argument("--private", action="store_true", help="a private room for confidential "
                   "interviews")
    p.add_argument("--name", default="", help="display name (default: the code)")
    p.add_argument("--only", default="", metavar="ORG,ORG",
                   help="only these organisations may book it (comma-separated)")
    p.add_argument("--approval", action="store_true",
                   help="a partner's booking of it is provisional until approved")
    p.set_defaults(func=cmd_space_add)

    staff = sub.add_parser("staff", parents=[common], help="staff")
    staff_sub = staff.add_subparsers(dest="staff_command", metavar="ACTION", required=True)
    p = staff_sub.add_parser("add", parents=[common], help="add a staff member")
    p.add_argument("staff_login", metavar="LOGIN",
                   help="their login (what they give to --as or COSPACE_USER)")
    p.add_argument("--name", required=True, help="full name")
    p.add_argument("--org", required=True, help="code of their organisation")
    p.add_argument("--role", required=True, choices=ROLES,
                   help="front-desk (host staff), adviser, estates or admin")
    p.add_argument("--email", metavar="ADDRESS",
                   help="their e-mail address, for notifications of changes to their bookings")
    p.set_defaults(func=cmd_staff_add)

    p = sub.add_parser("book", parents=[common], help="book a space")
    p.add_argument("space", help="code of the space, e.g. IR1")
    p.add_argument("start", help='local start, "YYYY-MM-DD HH:MM" (quoted)')
    p.add_argument("end", help='local end, HH:MM the same day or "YYYY-MM-DD HH:MM"')
    p.add_argument("--org", default=None,
                   help="the organisation it is for (default: your own)")
    p.add_argument("--attendees", type=int, default=1, metavar="N",
                   help="how many people (default 1; at most the space's capacity)")
    p.add_argument("--purpose", default="", metavar="TEXT",
                   help="what it is for; shown only to your organisation")
    p.add_argument("--confidential", action="store_true",
                   help="details only for you and the front desk; needs a private room")
    p.add_argument("--override", default=None, metavar="REASON",
                   help="book over the organisation's allocation (front desk, admin; audited)")
    p.add_argument("--json", action="store_true", help="print the booking as JSON")
    p.set_defaults(func=cmd_book)

    p = sub.add_parser("free", parents=[common], help="find free spaces")
    p.add_argument("site", help="code of the site, e.g. NGT")
    p.add_argument("kind", choices=KINDS, help="kind of space")
    p.add_argument("start", help='local start, "YYYY-MM-DD HH:MM" (quoted)')
    p.add_argument("end", help='local end, HH:MM the same day or "YYYY-MM-DD HH:MM"')
    p.add_argument("--attendees", type=int, default=1, metavar="N",
                   help="how many people (default 1)")
    p.add_argument("--needs", default="", help="comma-separated features, e.g. wifi,step-free")
    p.add_argument("--confidential", action="store_true", help="only private rooms")
    p.add_argument("--org", default=None,
                   help="the organisation asking (default: your own; for restricted spaces)")
    p.add_argument("--json", action="store_true", help="print the free spaces as JSON")
    p.set_defaults(func=cmd_free)

    for name, func, text in (
        ("cancel", cmd_cancel, "cancel a booking"),
        ("checkin", cmd_checkin, "check a booking in"),
        ("noshow", cmd_noshow, "mark a booking as a no-show"),
    ):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("booking_id", type=int, metavar="BOOKING_ID",
                       nargs="?" if name == "cancel" else None,
                       help="the booking's number (#12 is 12), as list shows it")
        p.add_argument("--json", action="store_true", help="print the result as JSON")
        p.set_defaults(func=func)
        if name == "cancel":  # cancel --org/--staff --from --to: issue 8, cli/io.py
            from cli.bulk_args import add_bulk_cancel_arguments

            add_bulk_cancel_arguments(p)

    p = sub.add_parser("list", parents=[common], help="list bookings")
    p.add_argument("--site", help="only this site")
    p.add_argument("--org", help="only this organisation's bookings")
    p.add_argument("--space", help="only this space")
    p.add_argument("--from", dest="date_from", metavar="DATE",
                   help="first day, YYYY-MM-DD (without dates: from today on)")
    p.add_argument("--to", dest="date_to", metavar="DATE",
                   help="last day, YYYY-MM-DD (inclusive)")
    p.add_argument("--json", action="store_true", help="print the bookings as JSON")
    p.set_defaults(func=cmd_list)


def _open(url: str, login: str) -> Cospace:
    return Cospace.open(url, login)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def cmd_init(args: argparse.Namespace, url: str, login: str) -> int:
    from booking.opening import safe_url

    app, was_new = Cospace.init(url, login)
    where = safe_url(url)
    outcome = getattr(app, "init_outcome", "created" if was_new else "upgraded")
    if outcome == "created":
        print(f"Created the store at {where}; {app.login} is its administrator.")
    elif outcome == "upgraded":
        print(f"Upgraded the store at {where}, keeping its data; {app.login} can carry on.")
    else:
        print(f"The store at {where} is up to date; nothing changed.")
    if args.demo:
        from booking.demo import load_demo

        summary = load_demo(app)
        print(summary.split(" Try: ")[0])
        print("Try: " + try_command(args, "--as", "frontdesk"))
    return 0


def try_command(args: argparse.Namespace, *words: str) -> str:
    """``cospace [--db URL] WORDS``: a command to copy, naming the store the way it was named."""
    import shlex

    db = getattr(args, "db", None)
    return shlex.join(["cospace", *(["--db", db] if db else []), *words])


def printable(text: str) -> str:
    """User text for a terminal: control characters (escape sequences) shown as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _add(url: str, login: str, kind: str, values: dict[str, str]) -> Cospace:
    """Add through the import's validators (booking/records.py); the app, for reading back."""
    from booking import records

    app = _open(url, login)
    records.add(app, kind, values)
    return app


def cmd_org_add(args: argparse.Namespace, url: str, login: str) -> int:
    weeks = "" if args.advance_weeks is None else str(args.advance_weeks)
    _add(url, login, "orgs", {"code": args.code, "name": args.name,
                              "host": "yes" if args.host else "no", "advance_weeks": weeks})
    print(f"Added {'host' if args.host else 'partner'} organisation {args.code}: "
          f"{printable(args.name)}.")
    return 0


def cmd_site_add(args: argparse.Namespace, url: str, login: str) -> int:
    app = _add(url, login, "sites", {"code": args.code, "name": args.name, "tz": args.tz,
                                     "hours": args.hours,
                                     "holidays": args.holiday_region or "none"})
    site = app.site(args.code)
    print(f"Added site {site.code}: {printable(site.name)} ({site.tz}), "
          f"open {format_hours(site.hours)}.")
    return 0


def cmd_space_add(args: argparse.Namespace, url: str, login: str) -> int:
    app = _add(url, login, "spaces", {
        "code": args.code, "site": args.site, "kind": args.kind,
        "capacity": str(args.capacity), "features": args.features,
        "private": "yes" if args.private else "no", "name": args.name,
        "restricted_to": args.only, "approval": "yes" if args.approval else "no"})
    space = app.space(args.code)
    extra = []
    if space.features:
        extra.append(", ".join(sorted(space.features)))
    if space.private:
        extra.append("private")
    if space.restricted_to:
        extra.append("only " + ", ".join(sorted(space.restricted_to)))
    print(f"Added {KIND_LABELS[space.kind]} {space.code} at {space.site_code} for "
          f"{space.capacity}" + (f" ({'; '.join(extra)})" if extra else "") + ".")
    return 0


def cmd_staff_add(args: argparse.Namespace, url: str, login: str) -> int:
    from booking import notify

    email = notify.check_address(args.email) if args.email is not None else None
    app = _add(url, login, "staff", {"login": args.staff_login, "name": args.name,
                                     "org": args.org, "role": args.role, "active": "yes"})
    if email is not None:
        notify.set_email(app, args.staff_login, email)
    print(f"Added {args.staff_login} ({printable(args.name)}), {args.role} at {args.org}.")
    return 0


def cmd_book(args: argparse.Namespace, url: str, login: str) -> int:
    view = _open(url, login).book(
        args.space, args.start, args.end, org=args.org, attendees=args.attendees,
        purpose=args.purpose, confidential=args.confidential, override=args.override,
    )
    if args.json:
        _print_json(view.to_json())
    else:
        print(f"Booked #{view.id}: {_space_label(view)}, "
              f"{human_span(view.start, view.end, view.tz)}, for {view.org}.")
        if view.status == "provisional":  # booking/approvals.py
            print("It is provisional: the slot is held until the front desk, estates or an "
                  "administrator approves or declines it.")
    return 0


def _space_label(view: Any) -> str:
    if view.space_name and view.space_name != view.space:
        return f"{view.space_name} ({view.space})"
    return view.space


def cmd_free(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    result = app.find_free(args.site, args.kind, args.start, args.end,
                           attendees=args.attendees, needs=args.needs,
                           confidential=args.confidential, org=args.org)
    if args.json:
        _print_json([s.to_json() for s in result.spaces])
        if not result.spaces and result.suggestions:
            print("No fitting space is free then. Nearest free times: " + "; ".join(
                f"{s.space} {human_time_span(s.start, s.end, s.tz)}" for s in result.suggestions
            ), file=sys.stderr)
        return 0
    if result.spaces:
        print(f"{len(result.spaces)} free {KIND_LABELS[args.kind]}"
              f"{'s' if len(result.spaces) != 1 else ''}, best first:")
        for s in result.spaces:
            feats = ", ".join(sorted(s.features)) or "-"
            print(f"  {s.code:<8} {s.name:<24} capacity {s.capacity:<3} {feats}"
                  + ("  private" if s.private else ""))
        return 0
    print(f"No {KIND_LABELS[args.kind]} that fits is free then; the request is recorded as "
          "unmet demand.")
    if result.suggestions:
        print("Nearest free times that day:")
        for hint in result.suggestions:
            print(f"  {hint.space:<8} {human_span(hint.start, hint.end, hint.tz)}")
    else:
        print("Nothing fitting is free for that long on that day.")
    return 0


def _status_cmd(method: str, verb: str):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace, url: str, login: str) -> int:
        view = getattr(_open(url, login), method)(args.booking_id)
        if args.json:
            _print_json(view.to_json())
        else:
            print(f"{verb} #{view.id}: {view.space} "
                  f"{human_span(view.start, view.end, view.tz)}, {view.org}.")
        return 0
    return run


_cancel_one = _status_cmd("cancel", "Cancelled")


def cmd_cancel(args: argparse.Namespace, url: str, login: str) -> int:
    """``cancel BOOKING_ID``, or the bulk form (cli/io.py) when no BOOKING_ID is given."""
    bulk_flags = any(getattr(args, k, None) for k in ("org", "staff", "date_from", "date_to",
                                                      "dry_run"))
    if args.booking_id is None or bulk_flags:
        if args.booking_id is not None:
            raise InvalidInput("Give either BOOKING_ID or --org/--staff/--from/--to "
                               "(with --dry-run), not both.")
        from cli.io import cmd_bulk_cancel

        return cmd_bulk_cancel(args, url, login)
    return _cancel_one(args, url, login)
cmd_checkin = _status_cmd("checkin", "Checked in")
cmd_noshow = _status_cmd("noshow", "Marked no-show")


def cmd_list(args: argparse.Namespace, url: str, login: str) -> int:
    app = _open(url, login)
    start = parse_date(args.date_from) if args.date_from else None
    end = parse_date(args.date_to) if args.date_to else None
    if start and end and end < start:
        raise InvalidInput("--to is before --from.")
    views = app.list_bookings(site=args.site, org=args.org, space=args.space,
                              start=start, end=end)
    if not app.actor.known:
        print(f"cospace: showing busy/free only: '{app.login}' is not a cospace user; ask an "
              f"administrator to add you (cospace staff add {app.login} ...).",
              file=sys.stderr)
    if args.json:
        _print_json([v.to_json() for v in views])
        return 0
    if not views:
        print("No bookings.")
        return 0
    day = None
    for v in views:
        local_day = to_local(v.start, v.tz).date()
        if local_day != day:
            day = local_day
            print(to_local(v.start, v.tz).format("dddd D MMMM YYYY"))
        status = v.status.replace("_", "-")
        detail = f"  {v.purpose}" if v.purpose else ""
        print(f"  #{v.id:<6} {human_time_span(v.start, v.end, v.tz)}  {v.space:<8} "
              f"{v.org or 'busy':<6} {status:<10}{detail}")
    return 0

