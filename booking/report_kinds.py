"""The reports there are, what each measures and groups by, and the finished `Report`
(with its CSV): the vocabulary of :mod:`booking.reports`."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from booking.errors import InvalidInput
from booking.models import KINDS

REPORT_KINDS = ("utilisation", "occupancy", "demand", "attendance", "share", "shortfall",
                "trend")
GROUP_FIELDS = ("site", "space", "kind", "org", "weekday", "hour", "week", "month")
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_BY = {
    "utilisation": ("site", "kind"),
    "occupancy": ("site", "kind"),
    "demand": ("site", "kind"),
    "attendance": ("org", "kind"),
    "share": ("org",),
    "shortfall": ("site", "kind"),
    "trend": ("week", "kind"),
}
ALLOWED_BY = {
    "utilisation": set(GROUP_FIELDS),
    "occupancy": {"site", "kind", "weekday", "week", "month"},
    "demand": set(GROUP_FIELDS) - {"space"},
    "attendance": set(GROUP_FIELDS),
    "share": set(GROUP_FIELDS),
    "shortfall": {"site", "kind", "week", "month"},
    "trend": {"site", "kind", "week", "month"},
}
MEASURES = {
    "utilisation": ("available_hours", "booked_hours", "used_hours", "wasted_hours",
                    "utilisation", "used_utilisation"),
    "occupancy": ("spaces", "open_hours", "peak_occupancy", "saturated_hours",
                  "saturated_share"),
    "demand": ("requests", "hours"),
    "attendance": ("bookings", "checked_in", "no_shows", "released", "unmarked",
                   "no_show_rate", "released_rate"),
    "share": ("booked_hours", "used_hours", "share", "used_share"),
    "shortfall": ("rank", "spaces", "available_hours", "booked_hours", "utilisation",
                  "peak_occupancy", "saturated_hours", "unmet_requests", "unmet_hours",
                  "shortfall_hours"),
    "trend": ("days", "available_hours", "booked_hours", "used_hours", "utilisation",
              "used_utilisation", "saturated_hours", "unmet_requests", "unmet_hours",
              "bookings", "no_shows", "no_show_rate"),
}
#: Measures a comparison leaves alone (positions and counts of spaces, not amounts).
NOT_COMPARED = {"rank"}
#: The longest period one report covers.
MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Report:
    """A finished report: grouping fields then measures, rows ready to print."""

    kind: str
    by: tuple[str, ...]
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    start: dt.date
    end: dt.date
    sites: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())
    #: With a comparison: the previous period (first and last day).
    previous: tuple[dt.date, dt.date] | None = None


def write_csv(report: Report, stream: Any) -> None:
    """Plain CSV with a header row, numbers as numbers and blanks for missing values, so it
    opens cleanly in a spreadsheet."""
    from booking.limits import csv_writer

    writer = csv_writer(stream, lineterminator="\r\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in report.columns])


def parse_by(text: str | Sequence[str] | None, kind: str) -> tuple[str, ...]:
    """``site,kind`` -> ("site", "kind"), checked against what ``kind`` can group by."""
    if kind not in REPORT_KINDS:
        raise InvalidInput(f"'{kind}' is not a report ({', '.join(REPORT_KINDS)}).")
    if not text:
        return DEFAULT_BY[kind]
    items = text.split(",") if isinstance(text, str) else list(text)
    fields: list[str] = []
    for item in items:
        f = item.strip().lower()
        if not f:
            continue
        if f not in GROUP_FIELDS:
            raise InvalidInput(f"'{f}' is not something to group by "
                               f"({', '.join(GROUP_FIELDS)}).")
        if f not in ALLOWED_BY[kind]:
            raise InvalidInput(f"The {kind} report cannot be grouped by {f}; it groups by "
                               f"{', '.join(g for g in GROUP_FIELDS if g in ALLOWED_BY[kind])}.")
        if f not in fields:
            fields.append(f)
    if kind in ("occupancy", "shortfall"):
        # Peaks and saturation only mean something for one kind at one site.
        fields = ["site", "kind"] + [f for f in fields if f not in ("site", "kind")]
    if kind == "trend":
        # A trend is read week by week (or month by month), per kind of space.
        if "week" in fields and "month" in fields:
            raise InvalidInput("A trend goes by week or by month, not both.")
        when = "month" if "month" in fields else "week"
        fields = [when] + [f for f in ("site", "kind") if f in fields or f == "kind"]
    return tuple(fields) or DEFAULT_BY[kind]


def parse_rates(text: str | None) -> dict[str, float]:
    """``interview=12.50,desk=4`` -> {"interview": 12.5, "desk": 4.0} (per space-hour)."""
    rates: dict[str, float] = {}
    if not text:
        return rates
    for part in text.split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip().lower()
        if not sep or name not in KINDS:
            raise InvalidInput(f"'{part.strip()}' is not a rate: write kind=amount, e.g. "
                               "interview=12.50,desk=4 (kinds: interview, desk, workshop).")
        try:
            amount = float(value)
        except ValueError as exc:
            raise InvalidInput(f"'{value.strip()}' is not an amount of money.") from exc
        if amount < 0 or not math.isfinite(amount):
            raise InvalidInput(f"A rate cannot be {value.strip()}.")
        rates[name] = amount
    return rates

