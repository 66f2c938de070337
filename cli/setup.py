"""``org|site|space|staff list`` and ``... set``: read and change the set-up records.

This module extends the ``org``, ``site``, ``space`` and ``staff`` commands that
:mod:`cli.core` creates (where ``add`` lives), so it registers after it. Values of ``set`` are
texts as the import file's columns hold them, checked by the same validators
(:mod:`booking.records`).
"""

from __future__ import annotations

import argparse
from typing import Any

from booking import records
from booking.service import Cospace
from cli.core import _print_json, printable

YES_NO = "yes|no"


def _actions(sub: argparse._SubParsersAction, command: str) -> argparse._SubParsersAction:
    parser = sub.choices[command]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    json_help = "print the records as JSON (an array of objects, one per record)"

    act = _actions(sub, "org")
    p = act.add_parser("list", parents=[common], help="list organisations")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_list("orgs"))
    p = act.add_parser("set", parents=[common], help="change an organisation",
                       description="Change an organisation (estates, admin). Options left "
                                   "out keep their value.")
    p.add_argument("key", metavar="CODE", help="the organisation's code")
    p.add_argument("--name", help="full name")
    p.add_argument("--host", metavar=YES_NO, help="yes for the host organisation")
    p.add_argument("--advance-weeks", dest="advance_weeks", metavar="N",
                   help="weeks ahead its staff may book, 1 to 104 ('' for the default)")
    p.add_argument("--active", metavar=YES_NO, help="no to retire the organisation")
    _json(p)
    p.set_defaults(func=_set("orgs", ("name", "host", "advance_weeks", "active")))

    act = _actions(sub, "site")
    p = act.add_parser("list", parents=[common], help="list sites with their opening hours")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_list("sites"))
    p = act.add_parser("set", parents=[common], help="change a site (hours, name, zone...)",
                       description="Change a site (estates, admin). Options left out keep "
                                   "their value. Bookings that new hours leave out are kept "
                                   "and named, for you to cancel or move.")
    p.add_argument("key", metavar="CODE", help="the site's code")
    p.add_argument("--name", help="building name")
    p.add_argument("--hours", help='opening hours, e.g. "mon-thu 08:30-17:00, fri 08:30-16:30"')
    p.add_argument("--tz", help="IANA time zone, e.g. Europe/London")
    p.add_argument("--holidays", help="bank holidays of ENG (England and Wales), SCT, NIR "
                                      "or none")
    _json(p)
    p.set_defaults(func=_set("sites", ("name", "hours", "tz", "holidays")))

    act = _actions(sub, "space")
    p = act.add_parser("list", parents=[common], help="list spaces")
    p.add_argument("--site", help="only this site's spaces")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_list("spaces"))
    p = act.add_parser("set", parents=[common],
                       help="change a space (capacity, features, in use...)",
                       description="Change a space (estates, admin). Options left out keep "
                                   "their value. Bookings on a space taken out of use are "
                                   "kept and named, for you to cancel or move.")
    p.add_argument("key", metavar="CODE", help="the space's code")
    p.add_argument("--name", help="display name ('' for the code)")
    p.add_argument("--site", help="move it to this site")
    p.add_argument("--kind", help="interview, desk or workshop")
    p.add_argument("--capacity", metavar="N", help="how many people it holds (at least 1)")
    p.add_argument("--features", help="comma-separated, e.g. wifi,pc,step-free ('' for none); "
                                      "replaces the list")
    p.add_argument("--private", metavar=YES_NO, help="yes for a private room (confidential "
                                                     "interviews)")
    p.add_argument("--active", metavar=YES_NO, help="no to take it out of use")
    p.add_argument("--only", dest="restricted_to", metavar="ORG,ORG",
                   help="only these organisations may book it ('' for anyone)")
    p.add_argument("--approval", metavar=YES_NO,
                   help="yes when a partner's booking of it waits for approval")
    _json(p)
    p.set_defaults(func=_set("spaces", ("name", "site", "kind", "capacity", "features",
                                        "private", "active", "restricted_to", "approval")))

    act = _actions(sub, "staff")
    p = act.add_parser("list", parents=[common],
                       help="list staff (administrators: everyone; others: their organisation)")
    p.add_argument("--org", help="only this organisation's staff")
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=_list("staff"))
    p = act.add_parser("set", parents=[common], help="change a staff member (role, active...)",
                       description="Change a staff member (admin). Options left out keep "
                                   "their value. Nobody can change their own role or retire "
                                   "themselves.")
    p.add_argument("key", metavar="LOGIN", help="their login")
    p.add_argument("--name", help="full name")
    p.add_argument("--org", help="code of their organisation")
    p.add_argument("--role", help="front-desk, adviser, estates or admin")
    p.add_argument("--active", metavar=YES_NO, help="no when they leave")
    _json(p)
    p.set_defaults(func=_set("staff", ("name", "org", "role", "active")))


def _json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true",
                   help="print what changed and the record as JSON")


# ------------------------------------------------------------------------ list
def _list(kind: str):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace, url: str, login: str) -> int:
        rows = records.records(Cospace.open(url, login), kind,
                               site=getattr(args, "site", None), org=getattr(args, "org", None))
        if args.json:
            _print_json(rows)
            return 0
        if not rows:
            print(f"No {records.admin.WHAT[kind]} records." if kind != "staff"
                  else "No staff.")
            return 0
        print_table(kind, rows)
        return 0
    return run


#: The columns the text list shows, per kind.
TEXT_COLUMNS = {
    "orgs": ("code", "name", "host", "advance_weeks", "active"),
    "sites": ("code", "name", "tz", "holidays", "hours"),
    "spaces": ("code", "site", "kind", "capacity", "private", "active", "features",
               "restricted_to", "name"),
    "staff": ("login", "org", "role", "active", "name"),
}
HEADINGS = {"advance_weeks": "weeks ahead", "restricted_to": "only", "capacity": "cap"}


def _text(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(value) or "-"
    return printable(str(value))


def print_table(kind: str, rows: list[dict[str, Any]]) -> None:
    cols = TEXT_COLUMNS[kind]
    cells = [[_text(r.get(c)) for c in cols] for r in rows]
    heads = [HEADINGS.get(c, c) for c in cols]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(heads)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


# ------------------------------------------------------------------------ set
def _set(kind: str, fields: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def run(args: argparse.Namespace, url: str, login: str) -> int:
        changes = {f: getattr(args, f) for f in fields if getattr(args, f) is not None}
        if kind == "sites" and changes.get("holidays", None) == "":
            changes["holidays"] = "none"
        app = Cospace.open(url, login)
        saved = records.update(app, kind, args.key, changes)
        if args.json:
            _print_json({"key": saved.key, "action": saved.action,
                         "fields": {k: {"from": a, "to": b}
                                    for k, (a, b) in saved.fields.items()},
                         "warnings": saved.warnings,
                         "record": records.record(app, kind, saved.key)})
            return 0
        what = records.admin.WHAT[kind]
        if saved.action == "unchanged":
            print(f"No change to {what} {saved.key}: it already has those values.")
        else:
            print(f"Changed {what} {saved.key}: " + "; ".join(
                f"{k} '{_text(a)}' -> '{_text(b)}'" for k, (a, b) in saved.fields.items())
                + ".")
        for w in saved.warnings:
            print(f"Note: {w}")
        return 0
    return run
