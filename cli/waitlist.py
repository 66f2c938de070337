"""The waitlist and approvals commands: ``wait``, ``waitlist`` (and ``waitlist cancel``),
``approve``, ``decline`` and ``approvals`` (the queue, and a site's decision lead time)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from booking import approvals, waitlist
from booking.limits import visible
from booking.models import KINDS, BookingView
from booking.service import Cospace
from booking.timeutil import human_span


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("wait", parents=[common],
                       help="wait for a space nothing can meet now: booked when one frees")
    p.add_argument("site", help="code of the site, e.g. NGT")
    p.add_argument("kind", choices=KINDS, help="kind of space")
    p.add_argument("start", help='local start, "YYYY-MM-DD HH:MM" (quoted)')
    p.add_argument("end", help='local end, HH:MM the same day or "YYYY-MM-DD HH:MM"')
    p.add_argument("--attendees", type=int, default=1, metavar="N",
                   help="how many people (default 1)")
    p.add_argument("--needs", default="", help="comma-separated features, e.g. wifi,step-free")
    p.add_argument("--org", default=None,
                   help="the organisation it is for (default: your own; front desk: any)")
    p.add_argument("--json", action="store_true", help="print the request as JSON")
    p.set_defaults(func=cmd_wait)

    p = sub.add_parser("waitlist", parents=[common],
                       help="the waiting requests (advisers: their organisation's)")
    p.add_argument("--site", help="only this site")
    p.add_argument("--json", action="store_true", help="print the requests as JSON")
    p.set_defaults(func=cmd_waitlist)
    wsub = p.add_subparsers(dest="waitlist_command", metavar="ACTION", required=False)
    c = wsub.add_parser("cancel", parents=[common], help="take a request off the waitlist")
    c.add_argument("request_id", type=int, metavar="REQUEST_ID",
                   help="the request's number, as waitlist shows it")
    c.add_argument("--json", action="store_true", help="print the request as JSON")
    c.set_defaults(func=cmd_waitlist_cancel)

    p = sub.add_parser("approve", parents=[common],
                       help="confirm a provisional booking (front desk, estates, admin)")
    p.add_argument("booking_id", type=int, metavar="BOOKING_ID",
                   help="the booking's number (as in list)")
    p.add_argument("--json", action="store_true", help="print the booking as list --json does")
    p.set_defaults(func=cmd_approve)

    p = sub.add_parser("decline", parents=[common],
                       help="decline a provisional booking with a reason (front desk, "
                            "estates, admin)")
    p.add_argument("booking_id", type=int, metavar="BOOKING_ID",
                   help="the booking's number (as in list)")
    p.add_argument("--reason", required=True, metavar="TEXT",
                   help="why (shown to the booker)")
    p.add_argument("--json", action="store_true", help="print the booking as list --json does")
    p.set_defaults(func=cmd_decline)

    p = sub.add_parser("approvals", parents=[common],
                       help="the provisional bookings waiting for a decision")
    p.add_argument("--site", help="only this site")
    p.add_argument("--json", action="store_true", help="print the bookings as list --json does")
    p.set_defaults(func=cmd_approvals)
    asub = p.add_subparsers(dest="approvals_command", metavar="ACTION", required=False)
    c = asub.add_parser("lead", parents=[common],
                        help="hours before its start by which a booking must be decided")
    c.add_argument("site_code", metavar="SITE", help="code of the site")
    c.add_argument("hours", type=int, metavar="HOURS",
                   help="decision lead time in hours (default 24)")
    c.set_defaults(func=cmd_approvals_lead)


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _line(r: waitlist.WaitInfo) -> str:
    extra = f" -> booking #{r.booking}" if r.status == "booked" and r.booking else ""
    needs = f" needs {','.join(r.needs)}" if r.needs else ""
    return (f"  #{r.id:<5} {human_span(r.start, r.end, r.tz)}  {r.site} {r.kind} "
            f"x{r.attendees}{needs}  {r.org}  {r.status}{extra}")


def cmd_wait(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    r = waitlist.wait(app, args.site, args.kind, args.start, args.end,
                      attendees=args.attendees, needs=args.needs, org=args.org)
    if args.json:
        _print_json(r.to_json())
        return 0
    print(f"Request #{r.id} is waiting: {r.kind} at {r.site}, "
          f"{human_span(r.start, r.end, r.tz)}. It is booked for you when a fitting space "
          "frees.")
    return 0


def cmd_waitlist(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    rows = waitlist.requests(app, site=args.site)
    if args.json:
        _print_json([r.to_json() for r in rows])
        return 0
    if not rows:
        print("No waiting requests.")
        return 0
    for r in rows:
        print(visible(_line(r)))
    return 0


def cmd_waitlist_cancel(args: argparse.Namespace, url: str, login: str) -> int:
    app = Cospace.open(url, login)
    r = waitlist.cancel(app, args.request_id)
    if args.json:
        _print_json(r.to_json())
        return 0
    print(f"Request #{r.id} cancelled.")
    return 0


def _booking_out(args: argparse.Namespace, v: BookingView, verb: str) -> int:
    if args.json:
        _print_json(v.to_json())
        return 0
    print(f"Booking #{v.id} {verb}: {v.space}, {human_span(v.start, v.end, v.tz)}, {v.org}.")
    return 0


def cmd_approve(args: argparse.Namespace, url: str, login: str) -> int:
    return _booking_out(args, approvals.approve(Cospace.open(url, login), args.booking_id),
                        "approved")


def cmd_decline(args: argparse.Namespace, url: str, login: str) -> int:
    return _booking_out(args, approvals.decline(Cospace.open(url, login), args.booking_id,
                                                args.reason), "declined")


def cmd_approvals(args: argparse.Namespace, url: str, login: str) -> int:
    rows = approvals.queue(Cospace.open(url, login), site=args.site)
    if args.json:
        _print_json([v.to_json() for v in rows])
        return 0
    if not rows:
        print("No bookings waiting for approval.")
        return 0
    for v in rows:
        print(f"  #{v.id:<6} {human_span(v.start, v.end, v.tz)}  {v.space:<8} {v.org}")
    return 0


def cmd_approvals_lead(args: argparse.Namespace, url: str, login: str) -> int:
    hours = approvals.set_lead_hours(Cospace.open(url, login), args.site_code, args.hours)
    print(f"{args.site_code}: provisional bookings are decided {hours} h before they start.")
    return 0
