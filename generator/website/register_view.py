"""The certificates a build publishes, as the register's aggregates (year pages, the newest
certificates, lookup files, downloads) read them: a year, a group of the downloads, a
certificate by ID, the newest few, each year's count.

A full build has every certificate made. A build after a few changes has the last build's
certificates as kept beside its stamp (``published_register``), one compact entry each, and
makes certificates of them only for the years that changed and the IDs asked: a register of a
hundred thousand is not made again for one changed certificate.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from generator.record.public import PublicCertificate, Summary
from generator.website.register import LATEST_ROWS, Row, YearRow

_SUMMARY = tuple(field.name for field in fields(Summary))
_ISSUED_ON = _SUMMARY.index("issued_on")

Entry = tuple[Any, ...]
"""A certificate as kept: record digest, summary (a tuple), status, visible fields, status
key, and its row of its year's page and index (``YearRow``'s HTML and JSON). Its record's
bytes are not kept (read from the frozen record when a lookup entry is signed)."""
_FIELDS = 7


def entry_of(certificate: PublicCertificate, year_row: YearRow | None) -> Entry:
    """A certificate as kept; without its ``year_row`` (None), as a lookup file's members
    keep it: a member of a year not made is asked for its certificate, never its year's row
    (``RegisterView.year_row`` refuses)."""
    summary = certificate.summary
    return (
        certificate.digest,
        tuple([getattr(summary, name) for name in _SUMMARY]),
        certificate.status_fields,
        sorted(certificate.visible),
        certificate.status_key,
        year_row.html if year_row else "",
        year_row.json if year_row else "",
    )


def certificate_of(certificate_id: str, year: int, entry: Entry) -> PublicCertificate:
    digest, summary, status, visible, key = entry[:5]
    certificate = PublicCertificate(
        certificate_id, year, b"", digest, Summary(*summary), status, frozenset(visible)
    )
    certificate.__dict__["status_key"] = key  # as computed when it was published
    return certificate


def well_formed(entries: dict[str, Entry]) -> bool:
    """Whether kept entries have the shape ``certificate_of`` and ``RegisterView`` read (a
    damaged cache file gives a full build, never a failure half-way through publishing)."""
    size = len(_SUMMARY)
    return all(
        isinstance(i, str)
        and isinstance(e, tuple)
        and len(e) == _FIELDS
        and isinstance(e[1], tuple)
        and len(e[1]) == size
        and isinstance(e[2], dict)
        and isinstance(e[3], list)
        and all(isinstance(text, str) for text in (e[0], e[4], e[5], e[6]))
        for i, e in entries.items()
    )


def year_of(certificate_id: str) -> int:
    """The year of issue a certificate ID names (``EC-2026-0001``), as ``PublicCertificate``
    has it."""
    return int(certificate_id.split("-")[1])


def group_of(certificate_id: str) -> str:
    """The group of a certificate in the downloads: its kind, year and first digit
    (``EC-2026-0``, up to a thousand certificates), whose IDs follow each other in the
    downloads' order. A change remakes its group's lines only, so groups are kept small."""
    return certificate_id[:9]


NEWEST_KEPT = LATEST_ROWS
"""How many of a year's newest certificates are kept with it (``RegisterView.newest`` of up
to as many reads only those of the years that did not change): as many as the register
shows when it opens (the feed shows fewer)."""


def newest_ids(certificates: Iterable[PublicCertificate], count: int = NEWEST_KEPT) -> list[str]:
    """The IDs of the ``count`` newest certificates: by day issued, then ID, newest first."""
    keys = ((certificate.summary.issued_on, certificate.id) for certificate in certificates)
    return [certificate_id for _, certificate_id in heapq.nlargest(count, keys)]


@dataclass(frozen=True)
class KeptYear:
    """A year the last build published and no change touches, as kept: how many
    certificates, its groups in the downloads, and its newest certificates (entries, by ID)."""

    count: int
    groups: list[str]
    newest: dict[str, Entry]


class RegisterView:
    """Every certificate published, a year at a time: made (``PublicCertificate``) for the
    years a build makes (every year in a full build; those a few changes touch after them),
    and, for the others, what is kept of them: their counts, groups and newest certificates,
    and the certificates asked for by ID (``known``: the members of the lookup files made)."""

    def __init__(
        self,
        made: dict[int, dict[str, PublicCertificate]],
        kept: dict[int, KeptYear] | None = None,
        known: dict[str, Entry] | None = None,
        unchanged: dict[str, Entry] | None = None,
    ) -> None:
        self._made = made
        self._kept = {y: k for y, k in (kept or {}).items() if y not in made and k.count}
        self._known = dict(known or {})
        for kept_year in self._kept.values():
            self._known.update(kept_year.newest)
        self._unchanged = unchanged or {}
        """The entries of the certificates made from kept entries (kept again as they were)."""
        self._asked: dict[str, PublicCertificate] = {}
        self._year_rows: dict[str, YearRow] = {}
        self._groups: dict[int, dict[str, list[PublicCertificate]]] = {}

    @classmethod
    def of(cls, certificates: Iterable[PublicCertificate]) -> RegisterView:
        """Every certificate made (a full build)."""
        made: dict[int, dict[str, PublicCertificate]] = {}
        for certificate in certificates:
            made.setdefault(certificate.year, {})[certificate.id] = certificate
        return cls(made)

    def __len__(self) -> int:
        made = sum(map(len, self._made.values()))
        return made + sum(kept_year.count for kept_year in self._kept.values())

    @property
    def years(self) -> list[int]:
        """The years that hold a certificate, in order."""
        return sorted({year for year, by_id in self._made.items() if by_id} | self._kept.keys())

    def counts(self) -> dict[int, int]:
        """How many certificates each year holds."""
        return {
            year: len(self._made[year]) if year in self._made else self._kept[year].count
            for year in self.years
        }

    def groups(self) -> list[str]:
        """The downloads' groups, in the downloads' (ID) order."""
        made = {group_of(i) for by_id in self._made.values() for i in by_id}
        return sorted(made.union(*(kept_year.groups for kept_year in self._kept.values())))

    def get(self, certificate_id: str) -> PublicCertificate | None:
        """A certificate by ID (None: not published). Of a year not made, only those
        ``known`` (a lookup file's members, a year's newest) can be asked for."""
        year = year_of(certificate_id)
        if year in self._made:
            return self._made[year].get(certificate_id)
        if certificate_id not in self._asked:
            if year not in self._kept:
                return None
            if certificate_id not in self._known:
                raise LookupError(f"{certificate_id}: its year is not made, nor is it known")
            entry = self._known[certificate_id]
            self._asked[certificate_id] = certificate_of(certificate_id, year, entry)
        return self._asked[certificate_id]

    def year(self, year: int) -> list[PublicCertificate]:
        """A year's certificates, in ID order (a year made)."""
        if year in self._kept:
            raise LookupError(f"{year}: not made")
        made = self._made.get(year, {})
        return [made[i] for i in sorted(made)]

    def group(self, group: str) -> list[PublicCertificate]:
        """The certificates of one group of the downloads, in ID order (a year made; its
        certificates are grouped once)."""
        year = year_of(group)
        if year not in self._groups:
            grouped: dict[str, list[PublicCertificate]] = {}
            for certificate in self.year(year):
                grouped.setdefault(group_of(certificate.id), []).append(certificate)
            self._groups[year] = grouped
        return self._groups[year].get(group, [])

    def every(self) -> list[PublicCertificate]:
        """Every certificate, in ID order (every year made)."""
        if self._kept:
            raise LookupError(f"{sorted(self._kept)}: not made")
        return sorted((c for by_id in self._made.values() for c in by_id.values()), key=_by_id)

    def newest(self, count: int) -> list[PublicCertificate]:
        """The ``count`` newest certificates: by day issued, then ID, newest first."""
        if count > NEWEST_KEPT and self._kept:
            raise LookupError(f"only the {NEWEST_KEPT} newest of a year not made are kept")
        candidates = [c for by_id in self._made.values() for c in by_id.values()]
        for kept_year in self._kept.values():
            candidates += [self._present(i) for i in kept_year.newest]
        return [self._present(i) for i in newest_ids(candidates, count)]

    def entry(self, certificate: PublicCertificate) -> Entry:
        """A certificate as kept: as the last build kept it when it did not change."""
        kept = self._kept_entry(certificate)
        return kept if kept is not None else entry_of(certificate, self.year_row(certificate))

    def member_entry(self, certificate: PublicCertificate) -> Entry:
        """A certificate as a lookup file's members keep it: without its year's row."""
        kept = self._kept_entry(certificate)
        return (*kept[:5], "", "") if kept is not None else entry_of(certificate, None)

    def year_row(self, certificate: PublicCertificate, row: Row | None = None) -> YearRow:
        """A certificate's row of its year's page and index: as kept when it did not change,
        else made (from its ``row``, when it is made already) once."""
        kept = self._kept_entry(certificate)
        if kept is not None:
            if not kept[5]:  # kept as a lookup file's member: its year is not made
                raise LookupError(f"{certificate.id}: its year's row is not kept")
            return YearRow(kept[1][_ISSUED_ON], certificate.id, certificate.year, *kept[5:7])
        if certificate.id not in self._year_rows:
            self._year_rows[certificate.id] = YearRow.of(row or Row.of(certificate))
        return self._year_rows[certificate.id]

    def _kept_entry(self, certificate: PublicCertificate) -> Entry | None:
        kept = self._unchanged.get(certificate.id)
        if kept is None and certificate.year in self._kept:
            kept = self._known.get(certificate.id)
        return kept

    def _present(self, certificate_id: str) -> PublicCertificate:
        certificate = self.get(certificate_id)
        assert certificate is not None, certificate_id
        return certificate


def made_after(
    entries: dict[int, dict[str, Entry]],
    changed: dict[str, PublicCertificate],
    gone: Iterable[str],
) -> tuple[dict[int, dict[str, PublicCertificate]], dict[str, Entry]]:
    """The certificates of the years in ``entries`` (kept entries by year and ID) once the
    ``changed`` ones (new or changed, by ID) are published and the ``gone`` ones are not, and
    the entries of those that did not change."""
    gone = set(gone)
    made: dict[int, dict[str, PublicCertificate]] = {}
    unchanged: dict[str, Entry] = {}
    for year, by_id in entries.items():
        left = [i for i in by_id if i not in gone and i not in changed]
        unchanged.update({i: by_id[i] for i in left})
        made[year] = {i: certificate_of(i, year, by_id[i]) for i in left}
    for certificate in changed.values():
        made.setdefault(certificate.year, {})[certificate.id] = certificate
    return made, unchanged


def _by_id(certificate: PublicCertificate) -> str:
    return certificate.id
