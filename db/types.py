"""Column types shared by the tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned as an aware UTC datetime.

    SQLite has no time zone type, so values are stored there as naive UTC text that sorts
    correctly; PostgreSQL gets a real ``timestamptz`` (needed by the exclusion constraint).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {value!r}")
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give a time zone")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return dt.datetime(
                value.year, value.month, value.day, value.hour, value.minute,
                value.second, value.microsecond,
            )
        return dt.datetime(
            value.year, value.month, value.day, value.hour, value.minute,
            value.second, value.microsecond, tzinfo=dt.UTC,
        )

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any] | None:
        """On SQLite, the stored text straight to an aware UTC datetime in one C call
        (``fromisoformat`` of the text with ``+00:00``): the same value as the general path
        (SQLite's DATETIME processor, then :meth:`process_result_value`) at a fraction of
        its cost, which dominated reads of many rows (bench/README.md, issue 17 item 1).
        Any text that is not a plain naive timestamp goes the general way."""
        general = super().result_processor(dialect, coltype)
        if dialect.name != "sqlite" or general is None:
            return general

        def process(value: Any) -> dt.datetime | None:
            if value is None:
                return None
            try:
                return _fromisoformat(value + "+00:00")
            except (TypeError, ValueError):
                return general(value)

        return process


_fromisoformat = dt.datetime.fromisoformat

