"""Public holidays of the desk's calendar, from the holidays package, kept in the cache.

Importing the package and building one country's year takes about a tenth of a second, more
than checking a request; the table stays the same until the package changes, so it is kept in
the project's cache folder as JSON, one file a country and year, named for the package's
version file (a new version of the package is never answered from an old table).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from contextlib import suppress
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from generator.files import write_atomically

_SETTINGS: dict[str, Path | None] = {}
_CODE = re.compile(r"[A-Z]{2,3}\Z")


def use_cache(folder: Path | None) -> None:
    """Keep the tables in ``folder`` from now on (None: keep none)."""
    _SETTINGS["folder"] = folder


@lru_cache(maxsize=64)
def holidays_of(country: str, year: int) -> dict[date, str]:
    """The public holidays of ``country`` in ``year``; NotImplementedError for a country the
    package does not cover."""
    kept = _kept_file(country, year)
    if kept is not None:
        try:
            table = json.loads(kept.read_bytes())
            return {date.fromisoformat(day): name for day, name in table.items()}
        except (OSError, ValueError, AttributeError):
            pass  # not kept yet, or damaged: made again below
    import holidays  # imported only when the table is not kept

    found = dict(holidays.country_holidays(country, years=year))
    if kept is not None:
        table = {day.isoformat(): str(name) for day, name in found.items()}
        with suppress(OSError):  # a read-only cache: the table is made each time
            write_atomically(kept, json.dumps(table, sort_keys=True).encode())
    return found


def known(country: str) -> bool:
    """Whether the holidays package has a calendar for ``country``."""
    try:
        holidays_of(country, date.today().year)
    except NotImplementedError:
        return False
    return True


def _kept_file(country: str, year: int) -> Path | None:
    folder = _SETTINGS.get("folder")
    version = _package_version()
    if folder is None or version is None or not _CODE.match(country):
        return None
    return folder / f"{country}-{year}-{version}.json"


@cache
def _package_version() -> str | None:
    """A digest of the installed package's version file, without importing the package."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or spec.origin is None:
        return None
    try:
        content = (Path(spec.origin).parent / "version.py").read_bytes()
    except OSError:
        return None
    return hashlib.sha256(content).hexdigest()[:12]
