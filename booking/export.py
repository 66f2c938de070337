"""Bookings out to CSV or Excel, as the acting person may see them.

Rows are built from :class:`~booking.models.BookingView`, which already leaves out another
organisation's details, so an export never shows more than the board does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import IO, Any
from zoneinfo import ZoneInfo

from booking import permissions
from booking.errors import InvalidInput
from booking.limits import csv_cell, csv_writer
from booking.models import BookingView
from booking.timeutil import in_zone

FORMATS = ("csv", "xlsx")
COLUMNS = ("id", "date", "start", "end", "site", "space", "space_name", "kind", "org",
           "status", "attendees", "purpose", "confidential", "series", "booked_by")
#: The longest export in one go: a year of one site.
MAX_DAYS = 400


def booking_rows(app: Any, site: str, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """One dict per booking at ``site`` from ``first`` to ``last`` (local dates, inclusive)."""
    permissions.require_known(app.actor)
    if last < first:
        raise InvalidInput("--to is before --from.")
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput(f"Export at most {MAX_DAYS} days at once.")
    return [row(v) for v in app.list_bookings(site=site, start=first, end=last)]


def row(v: BookingView) -> dict[str, Any]:
    # The standard library's ZoneInfo is cached per zone: thousands of rows convert in
    # milliseconds, where building a pendulum zone per row took seconds.
    zone = ZoneInfo(v.tz)
    s, e = in_zone(v.start, zone), in_zone(v.end, zone)
    return {
        "id": v.id,
        "date": s.date().isoformat(),
        "start": f"{s:%H:%M}",
        "end": f"{e:%H:%M}" if e.date() == s.date() else f"{e:%Y-%m-%d %H:%M}",
        "site": v.site,
        "space": v.space,
        "space_name": v.space_name,
        "kind": v.kind,
        "org": v.org,
        "status": v.status.replace("_", "-"),
        "attendees": v.attendees,
        "purpose": v.purpose,
        "confidential": v.confidential,
        "series": v.series,
        "booked_by": v.booked_by,
    }


def _cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula is kept as text (CSV/formula injection):
    :func:`booking.limits.csv_cell`, the one rule for every CSV and workbook cell."""
    return csv_cell(value)


def write_csv(rows: Sequence[dict[str, Any]], out: IO[str]) -> None:
    w = csv_writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in COLUMNS])


def write_xlsx(rows: Sequence[dict[str, Any]], out: IO[bytes], *, title: str = "Bookings"
               ) -> None:
    """An Excel workbook, streamed (openpyxl's write-only mode: a year of a site in seconds,
    not minutes)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    widths = {"date": 11, "space_name": 24, "purpose": 32, "booked_by": 14}
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = widths.get(c, 10)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for c in COLUMNS:
        cell = WriteOnlyCell(ws, value=c)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for r in rows:
        ws.append([_cell(r[c]) for c in COLUMNS])
    wb.save(out)
