"""Bank holidays of a UK region and year, from the ``holidays`` library, kept in a small
cache file so that a command does not import the library's calendars each time.

``holidays`` imports the module of every country it knows before it answers for one (about a
tenth of a ``cospace book`` or ``cospace free``; bench/README.md, start-up). What it answers
depends only on its own version, the region and the year, so the answers are kept in
``bank-holidays.json`` in the user cache directory (``COSPACE_CACHE_DIR`` overrides it), keyed
by the installed version: another version of the library starts a new cache. A cache that
cannot be read or written is ignored (the library answers, as before); it is written whole to
a temporary file and renamed, so a reader never sees half of it.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

CACHE_ENV = "COSPACE_CACHE_DIR"
CACHE_FILE = "bank-holidays.json"


@lru_cache(maxsize=64)
def bank_holidays(region: str, year: int) -> dict[dt.date, str]:
    """The bank holidays of ``region`` (ENG, SCT, WLS, NIR) in ``year``: date -> name."""
    if not region:
        return {}
    version = library_version()
    cache = _read_cache(version)
    key = f"{region}/{year}"
    if key in cache:
        return {dt.date.fromisoformat(day): name for day, name in cache[key]}
    days = _from_library(region, year)
    cache[key] = [[day.isoformat(), name] for day, name in sorted(days.items())]
    _write_cache(version, cache)
    return days


def _from_library(region: str, year: int) -> dict[dt.date, str]:
    import holidays  # the calendars: only when the cache does not have the year

    return dict(holidays.country_holidays("GB", subdiv=region, years=year).items())


def library_version() -> str | None:
    """The installed ``holidays`` distribution's name and version (its ``dist-info``
    directory), found without importing it; None when it cannot be told."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return None
    package = Path(spec.origin).parent
    infos = sorted(p.name for p in package.parent.glob("holidays-*.dist-info"))
    if infos:
        return infos[-1]
    try:
        return f"{package}@{package.joinpath('__init__.py').stat().st_mtime_ns}"
    except OSError:
        return None


def cache_path() -> Path:
    where = os.environ.get(CACHE_ENV)
    if not where:
        import platformdirs

        where = platformdirs.user_cache_dir("cospace", appauthor=False)
    return Path(where) / CACHE_FILE


def _read_cache(version: str | None) -> dict[str, list[list[str]]]:
    if version is None:
        return {}
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("holidays") != version:
        return {}
    calendars = data.get("calendars")
    return calendars if isinstance(calendars, dict) and _well_formed(calendars) else {}


def _well_formed(calendars: dict[str, object]) -> bool:
    try:
        for days in calendars.values():
            for day, name in days:  # type: ignore[attr-defined]
                dt.date.fromisoformat(day)
                if not isinstance(name, str):
                    return False
    except (TypeError, ValueError):
        return False
    return True


def _write_cache(version: str | None, calendars: dict[str, list[list[str]]]) -> None:
    if version is None:
        return
    import tempfile

    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".bank-holidays-", suffix=".tmp")
    except OSError:
        return  # a read-only home: the library answers each time
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"holidays": version, "calendars": calendars}, out)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
