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
from dataclasses import fields
from typing import Any

from generator.record.public import PublicCertificate, Summary

_SUMMARY = tuple(field.name for field in fields(Summary))

Entry = tuple[Any, ...]
"""A certificate as kept: record digest, summary (a tuple), status, visible fields, status
key. Its record's bytes are not kept (read from the frozen record when a lookup entry is
signed)."""


def entry_of(certificate: PublicCertificate) -> Entry:
    summary = certificate.summary
    return (
        certificate.digest,
        tuple([getattr(summary, name) for name in _SUMMARY]),
        certificate.status_fields,
        sorted(certificate.visible),
        certificate.status_key,
    )


def certificate_of(certificate_id: str, year: int, entry: Entry) -> PublicCertificate:
    digest, summary, status, visible, key = entry
    certificate = PublicCertificate(
        certificate_id, year, b"", digest, Summary(*summary), status, frozenset(visible)
    )
    certificate.__dict__["status_key"] = key  # as computed when it was published
    return certificate


def well_formed(entries: dict[str, Entry]) -> bool:
    """Whether kept entries have the shape ``certificate_of`` reads (a damaged cache file
    gives a full build, never a failure half-way through publishing)."""
    size = len(_SUMMARY)
    return all(isinstance(i, str) and len(e) == 5 and len(e[1]) == size for i, e in entries.items())


def year_of(certificate_id: str) -> int:
    """The year of issue a certificate ID names (``EC-2026-0001``), as ``PublicCertificate``
    has it."""
    return int(certificate_id.split("-")[1])


def group_of(certificate_id: str) -> str:
    """The group of a certificate in the downloads: its kind, year and first digit
    (``EC-2026-0``, up to a thousand certificates), whose IDs follow each other in the
    downloads' order. A change remakes its group's lines only, so groups are kept small."""
    return certificate_id[:9]


NEWEST_KEPT = 200
"""How many of a year's newest certificates are kept with it (``RegisterView.newest`` of up
to as many reads only those of the years that did not change)."""


def newest_ids(certificates: Iterable[PublicCertificate], count: int = NEWEST_KEPT) -> list[str]:
    """The IDs of the ``count`` newest certificates: by day issued, then ID, newest first."""
    keys = ((certificate.summary.issued_on, certificate.id) for certificate in certificates)
    return [certificate_id for _, certificate_id in heapq.nlargest(count, keys)]


class RegisterView:
    """Every certificate published, a year at a time: made (``PublicCertificate``) for the
    years given or changed, kept entries for the others, made one by one when asked."""

    def __init__(
        self,
        made: dict[int, dict[str, PublicCertificate]],
        kept: dict[int, dict[str, Entry]] | None = None,
        unchanged: dict[str, Entry] | None = None,
        newest_kept: dict[int, list[str]] | None = None,
    ) -> None:
        self._made = {year: by_id for year, by_id in made.items() if by_id}
        self._kept = {y: e for y, e in (kept or {}).items() if e and y not in self._made}
        self._unchanged = unchanged or {}
        self._newest_kept = newest_kept or {}
        """Each kept year's ``NEWEST_KEPT`` newest IDs."""
        self._asked: dict[str, PublicCertificate] = {}

    @classmethod
    def of(cls, certificates: Iterable[PublicCertificate]) -> RegisterView:
        """Every certificate made (a full build)."""
        made: dict[int, dict[str, PublicCertificate]] = {}
        for certificate in certificates:
            made.setdefault(certificate.year, {})[certificate.id] = certificate
        return cls(made)

    @classmethod
    def after(
        cls,
        kept: dict[int, dict[str, Entry]],
        changed: dict[str, PublicCertificate],
        gone: Iterable[str],
        newest_kept: dict[int, list[str]] | None = None,
    ) -> RegisterView:
        """The last build's certificates (``kept``, by year and ID) with the ``changed`` ones
        (new or changed, by ID) and without the ``gone`` ones: the years they touch are made."""
        gone = set(gone)
        touched = {c.year for c in changed.values()} | {year_of(g) for g in gone}
        made: dict[int, dict[str, PublicCertificate]] = {}
        unchanged: dict[str, Entry] = {}
        for year in touched:
            entries = kept.get(year, {})
            left = [i for i in entries if i not in gone and i not in changed]
            unchanged.update({i: entries[i] for i in left})
            made[year] = {i: certificate_of(i, year, entries[i]) for i in left}
        for certificate in changed.values():
            made[certificate.year][certificate.id] = certificate
        return cls(made, kept, unchanged, newest_kept)

    def __len__(self) -> int:
        return sum(map(len, self._made.values())) + sum(map(len, self._kept.values()))

    @property
    def years(self) -> list[int]:
        """The years that hold a certificate, in order."""
        return sorted(self._made.keys() | self._kept.keys())

    def counts(self) -> dict[int, int]:
        """How many certificates each year holds."""
        return {year: len(self._made.get(year) or self._kept[year]) for year in self.years}

    def ids(self) -> list[str]:
        """Every certificate's ID, in order."""
        every = [i for by_id in self._made.values() for i in by_id]
        return sorted(every + [i for entries in self._kept.values() for i in entries])

    def get(self, certificate_id: str) -> PublicCertificate | None:
        year = year_of(certificate_id)
        if year in self._made:
            return self._made[year].get(certificate_id)
        entries = self._kept.get(year, {})
        if certificate_id not in entries:
            return None
        if certificate_id not in self._asked:
            self._asked[certificate_id] = certificate_of(
                certificate_id, year, entries[certificate_id]
            )
        return self._asked[certificate_id]

    def year(self, year: int) -> list[PublicCertificate]:
        """A year's certificates, in ID order."""
        if year in self._made:
            return [self._made[year][i] for i in sorted(self._made[year])]
        return [self._present(i) for i in sorted(self._kept.get(year, {}))]

    def group(self, group: str) -> list[PublicCertificate]:
        """The certificates of one group of the downloads, in ID order."""
        in_year = self.year(year_of(group))
        return [certificate for certificate in in_year if group_of(certificate.id) == group]

    def every(self) -> list[PublicCertificate]:
        """Every certificate, in ID order (all of them made)."""
        return [self._present(i) for i in self.ids()]

    def newest(self, count: int) -> list[PublicCertificate]:
        """The ``count`` newest certificates: by day issued, then ID, newest first."""
        candidates = [c for by_id in self._made.values() for c in by_id.values()]
        for year, entries in self._kept.items():
            kept = self._newest_kept.get(year)
            ids = kept if kept is not None and count <= NEWEST_KEPT else entries
            candidates += [self._present(i) for i in ids]
        return [self._present(i) for i in newest_ids(candidates, count)]

    def entry(self, certificate: PublicCertificate) -> Entry:
        """A certificate as kept: as the last build kept it when it did not change."""
        kept = self._unchanged.get(certificate.id)
        if kept is None:
            kept = self._kept.get(certificate.year, {}).get(certificate.id)
        return kept if kept is not None else entry_of(certificate)

    def _present(self, certificate_id: str) -> PublicCertificate:
        certificate = self.get(certificate_id)
        assert certificate is not None, certificate_id
        return certificate
