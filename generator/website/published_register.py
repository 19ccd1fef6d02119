"""The certificates a build published, as it left them, without their records: what the
register's aggregates (year pages, lookups, downloads) are made from, kept beside the build
stamp so that a build after a few changes that publish remakes them without reading the
register again.

Each certificate is kept as its ID, record digest, summary, status, the record fields the
public sees and its files' key: everything ``PublicCertificate`` holds but the record's bytes,
which are read from the frozen record (``records/<year>/<id>.json``, whose digest the
certificate names) when a lookup entry must be signed. With them, the downloads' lines of each
group of certificates (``downloads.Part``). One marshal file a year of issue.
"""

from __future__ import annotations

import marshal
from dataclasses import dataclass
from pathlib import Path

from generator.files import write_atomically
from generator.record.public import PublicCertificate
from generator.website.downloads import Part
from generator.website.register import LookupLayout
from generator.website.register_view import (
    Entry,
    RegisterView,
    certificate_of,
    group_of,
    newest_ids,
    well_formed,
    year_of,
)
from generator.workers import collector_paused

PREFIX = "published-"


@dataclass(frozen=True)
class Published:
    kept: dict[int, dict[str, Entry]]
    """Each year's certificates as kept, by ID."""
    parts: dict[str, Part]
    """The downloads' parts, by group."""
    newest: dict[int, list[str]]
    """Each year's newest certificates (``register_view.NEWEST_KEPT``), by ID."""

    def __len__(self) -> int:
        return sum(map(len, self.kept.values()))

    def get(self, certificate_id: str) -> PublicCertificate | None:
        """A certificate as kept (its record's bytes left empty)."""
        entry = self.kept.get(year_of(certificate_id), {}).get(certificate_id)
        return (
            None
            if entry is None
            else certificate_of(certificate_id, year_of(certificate_id), entry)
        )

    def after(self, changed: dict[str, PublicCertificate], gone: set[str]) -> RegisterView:
        """The certificates published once ``changed`` (by ID) are and ``gone`` are not."""
        return RegisterView.after(self.kept, changed, gone, self.newest)


def keep(
    place: Path,
    register: RegisterView,
    parts: dict[str, Part],
    years: set[int] | None = None,
) -> None:
    """Keep the ``register`` (every certificate published) and the downloads' ``parts``, for
    the years in ``years`` (None: all; the files of years with none left are removed)."""
    if years is None:
        for stale in place.glob(f"{PREFIX}*"):
            stale.unlink(missing_ok=True)
    for year in years if years is not None else register.years:
        path = place / f"{PREFIX}{year}"
        path.unlink(missing_ok=True)
        by_id = {c.id: register.entry(c) for c in register.year(year)}
        if not by_id:
            continue
        groups = {group_of(certificate_id) for certificate_id in by_id}
        kept_parts = {g: (p.key, p.json, p.csv) for g, p in parts.items() if g in groups}
        newest = newest_ids(register.year(year))
        try:
            content = marshal.dumps((by_id, kept_parts, newest))
        except ValueError:  # a value marshal cannot keep: that year is left to full builds
            continue
        write_atomically(path, content)


def load(place: Path) -> Published | None:
    """Every certificate kept, and the downloads' parts; None when a file is damaged or of
    another Python."""
    parts: dict[str, Part] = {}
    kept: dict[int, dict[str, Entry]] = {}
    newest: dict[int, list[str]] = {}
    try:
        with collector_paused():  # a hundred thousand new objects, none in a cycle
            for path in sorted(place.glob(f"{PREFIX}*")):
                year = int(path.name.removeprefix(PREFIX))
                kept[year], groups, newest[year] = marshal.loads(path.read_bytes())
                if not well_formed(kept[year]) or not set(newest[year]) <= kept[year].keys():
                    return None
                parts.update({group: Part(*part) for group, part in groups.items()})
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None
    return Published(kept, parts, newest)


LAYOUT = "lookup-layout"


def keep_layout(place: Path, layout: LookupLayout | None) -> None:
    """Keep how the lookup's entries are spread (None: forget it)."""
    path = place / LAYOUT
    path.unlink(missing_ok=True)
    if layout is not None:
        write_atomically(path, marshal.dumps((layout.count, layout.members, layout.entries)))


def load_layout(place: Path) -> LookupLayout | None:
    try:
        with collector_paused():
            count, members, entries = marshal.loads((place / LAYOUT).read_bytes())
        return LookupLayout(int(count), dict(members), int(entries))
    except (OSError, ValueError, EOFError, TypeError):
        return None
