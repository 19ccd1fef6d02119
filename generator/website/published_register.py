"""The certificates a build published, as it left them, without their records: what the
register's aggregates (year pages, lookups, downloads) are made from, kept beside the build
stamp so that a build after a few changes that publish remakes them without reading the
register again, and loads only what those changes touch.

Each certificate is kept as an entry (``register_view.Entry``): its record digest, summary,
status, the record fields the public sees and its files' key, everything ``PublicCertificate``
holds but the record's bytes, which are read from the frozen record (``records/<year>/
<id>.json``, whose digest the entry names) when a lookup entry must be signed. In marshal
files beside the stamp:

- ``published-<year>``: the year's entries, by ID (loaded for the years a change touches);
- ``published-<year>.summary``: how many, the downloads' lines of its groups
  (``downloads.Part``) and its newest entries (loaded for every year);
- ``lookup-layout``: how the lookup's entries are spread over its files;
- ``lookup-members/<file>``: the entries of a lookup file's members, without their year's
  rows (loaded for the files a change touches: their other members may be of any year).
"""

from __future__ import annotations

import marshal
from collections import Counter
from pathlib import Path
from typing import Any

from generator.files import write_atomically
from generator.record.public import PublicCertificate
from generator.website.downloads import Part
from generator.website.register import LookupLayout
from generator.website.register_view import (
    NEWEST_KEPT,
    Entry,
    KeptYear,
    RegisterView,
    certificate_of,
    group_of,
    made_after,
    newest_ids,
    well_formed,
    year_of,
)
from generator.workers import collector_paused

PREFIX = "published-"
SUMMARY = ".summary"
MEMBERS = "lookup-members"
"""The folder of each lookup file's members' entries (one file a lookup file)."""

_DAMAGED = (OSError, ValueError, EOFError, TypeError, AttributeError, KeyError)
"""What reading a damaged kept file, or one of another Python, raises."""


class Published:
    """The certificates the last build published, as kept: each year's summary (how many,
    the downloads' parts, the newest), and the entries of the years a build loads."""

    def __init__(
        self, place: Path, summaries: dict[int, tuple[int, dict[str, Part], dict[str, Entry]]]
    ) -> None:
        self.place = place
        self.summaries = summaries
        self.entries: dict[int, dict[str, Entry]] = {}
        """The entries of the years loaded, by year and ID."""
        self.parts = {
            group: part for _, parts, _ in summaries.values() for group, part in parts.items()
        }
        """The downloads' parts, by group."""

    def __len__(self) -> int:
        return sum(count for count, _, _ in self.summaries.values())

    def load_years(self, years: set[int] | None) -> bool:
        """Load the entries of the ``years`` given (None: all) not loaded yet; False when a
        file is missing, damaged, of another Python, or not as many as its summary says."""
        wanted = set(self.summaries) if years is None else years
        try:
            with collector_paused():  # many new objects, none in a cycle
                for year in wanted - self.entries.keys():
                    self.entries[year] = _year_entries(self.place, year, self.summaries)
        except _DAMAGED:
            return False
        return all(
            len(self.entries[year]) == self.summaries[year][0]
            for year in wanted
            if year in self.summaries
        )

    def get(self, certificate_id: str) -> PublicCertificate | None:
        """A certificate of a year loaded, as kept (its record's bytes left empty)."""
        year = year_of(certificate_id)
        entry = self.entries[year].get(certificate_id)
        return None if entry is None else certificate_of(certificate_id, year, entry)

    def after(
        self,
        changed: dict[str, PublicCertificate],
        gone: set[str],
        known: dict[str, Entry] | None = None,
    ) -> RegisterView:
        """The certificates published once ``changed`` (by ID) are and ``gone`` are not:
        the years loaded are made, with the changes; of the others, what is kept, and the
        ``known`` entries (the members of the lookup files to make)."""
        made, unchanged = made_after(self.entries, changed, gone)
        kept = {
            year: KeptYear(count, sorted(parts), newest)
            for year, (count, parts, newest) in self.summaries.items()
            if year not in made
        }
        return RegisterView(made, kept, known, unchanged)


def keep(
    place: Path,
    register: RegisterView,
    parts: dict[str, Part],
    years: set[int] | None = None,
) -> None:
    """Keep the ``register``'s certificates (each year's entries, and its summary) and the
    downloads' ``parts``, for the years in ``years`` (None: all; the files of years with none
    left are removed)."""
    if years is None:
        for stale in place.glob(f"{PREFIX}*"):
            stale.unlink(missing_ok=True)
    for year in years if years is not None else register.years:
        path, summary = place / f"{PREFIX}{year}", place / f"{PREFIX}{year}{SUMMARY}"
        summary.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        certificates = register.year(year)
        if not certificates:
            continue
        by_id = {c.id: register.entry(c) for c in certificates}
        sizes = Counter(group_of(certificate_id) for certificate_id in by_id)
        kept_parts = {g: (p.key, p.json, p.csv) for g, p in parts.items() if g in sizes}
        newest = {i: by_id[i] for i in newest_ids(certificates)}
        try:
            content = marshal.dumps(by_id)
            summary_content = marshal.dumps((len(by_id), kept_parts, newest, dict(sizes)))
        except ValueError:  # a value marshal cannot keep: that year is left to full builds
            continue
        write_atomically(path, content)
        write_atomically(summary, summary_content)


def load(place: Path) -> Published | None:
    """Each year's summary (``Published.load_years`` loads the years' entries); None when a
    file is missing, damaged or of another Python."""
    summaries: dict[int, tuple[int, dict[str, Part], dict[str, Entry]]] = {}
    try:
        with collector_paused():  # many new objects, none in a cycle
            for path in sorted(place.glob(f"{PREFIX}*{SUMMARY}")):
                year = int(path.name.removeprefix(PREFIX).removesuffix(SUMMARY))
                count, parts, newest, sizes = marshal.loads(path.read_bytes())
                if not _summary_holds(count, parts, newest, sizes):
                    return None
                summaries[year] = (count, {g: Part(*part) for g, part in parts.items()}, newest)
    except _DAMAGED:
        return None
    return Published(place, summaries)


def _summary_holds(count: Any, parts: Any, newest: Any, sizes: Any) -> bool:
    """Whether a year's summary is whole: a part of the downloads for each of its groups,
    whose certificates add up to its count, and its newest entries of those groups."""
    return (
        isinstance(count, int)
        and isinstance(parts, dict)
        and isinstance(sizes, dict)
        and parts.keys() == sizes.keys()
        and all(isinstance(n, int) and n > 0 for n in sizes.values())
        and sum(sizes.values()) == count
        and all(len(part) == 3 and all(isinstance(t, str) for t in part) for part in parts.values())
        and isinstance(newest, dict)
        and well_formed(newest)
        and len(newest) == min(count, NEWEST_KEPT)
        and {group_of(certificate_id) for certificate_id in newest} <= sizes.keys()
    )


def _year_entries(place: Path, year: int, summaries: dict[int, Any]) -> dict[str, Entry]:
    if year not in summaries:  # no certificate of that year was published
        return {}
    by_id: dict[str, Entry] = marshal.loads((place / f"{PREFIX}{year}").read_bytes())
    if not well_formed(by_id):
        raise ValueError(year)
    return by_id


def keep_members(
    place: Path, register: RegisterView, layout: LookupLayout | None, names: set[str] | None
) -> None:
    """Keep the entries of the members of the lookup files named (None: of every one, and
    forget those of files the layout no longer has), as ``layout`` spreads them."""
    folder = place / MEMBERS
    if names is None:
        for stale in folder.glob("*"):
            stale.unlink(missing_ok=True)
    if layout is None:
        return
    for name in sorted(layout.members) if names is None else sorted(names):
        path = folder / name
        path.unlink(missing_ok=True)
        members = [register.get(i) for i in layout.members.get(name, ())]
        entries = {c.id: register.member_entry(c) for c in members if c is not None}
        try:
            write_atomically(path, marshal.dumps(entries))
        except ValueError:
            continue


def load_members(place: Path, layout: LookupLayout, names: set[str]) -> dict[str, Entry] | None:
    """The kept entries of the members of the lookup files named; None when one is missing,
    damaged or does not hold the members the layout names."""
    known: dict[str, Entry] = {}
    try:
        for name in names:
            entries = marshal.loads((place / MEMBERS / name).read_bytes())
            if not well_formed(entries) or set(entries) != set(layout.members.get(name, ())):
                return None
            known.update(entries)
    except _DAMAGED:
        return None
    return known


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
