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
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from generator.files import write_atomically
from generator.record.public import PublicCertificate, Summary
from generator.website.downloads import Part, group_of
from generator.website.register import LookupLayout
from generator.workers import collector_paused

PREFIX = "published-"
_SUMMARY = tuple(field.name for field in fields(Summary))


@dataclass(frozen=True)
class Published:
    certificates: dict[str, PublicCertificate]
    """By ID."""
    parts: dict[str, Part]
    """The downloads' parts, by group."""
    kept: dict[int, dict[str, tuple[Any, ...]]]
    """Each year's certificates as kept (what is kept again of those that did not change)."""


def _kept(certificate: PublicCertificate) -> tuple[Any, ...]:
    summary = certificate.summary
    return (
        certificate.digest,
        tuple([getattr(summary, name) for name in _SUMMARY]),
        certificate.status_fields,
        sorted(certificate.visible),
        certificate.status_key,
    )


def keep(
    place: Path,
    certificates: list[PublicCertificate],
    parts: dict[str, Part],
    years: set[int] | None = None,
    earlier: Published | None = None,
) -> None:
    """Keep ``certificates`` (every one published) and the downloads' ``parts``, for the
    years in ``years`` (None: all; the files of years with none left are removed); those
    ``earlier`` holds as kept are not made again."""
    by_year: dict[int, dict[str, tuple[Any, ...]]] = {}
    for certificate in certificates:
        if years is None or certificate.year in years:
            kept = earlier.kept.get(certificate.year, {}) if earlier else {}
            before = earlier.certificates.get(certificate.id) if earlier else None
            same = before is certificate and certificate.id in kept
            entry = kept[certificate.id] if same else _kept(certificate)
            by_year.setdefault(certificate.year, {})[certificate.id] = entry
    if years is None:
        for stale in place.glob(f"{PREFIX}*"):
            stale.unlink(missing_ok=True)
    for year in years if years is not None else set(by_year):
        path = place / f"{PREFIX}{year}"
        path.unlink(missing_ok=True)
        if year not in by_year:
            continue
        groups = {group_of(certificate_id) for certificate_id in by_year[year]}
        kept_parts = {g: (p.key, p.json, p.csv) for g, p in parts.items() if g in groups}
        try:
            content = marshal.dumps((by_year[year], kept_parts))
        except ValueError:  # a value marshal cannot keep: that year is left to full builds
            continue
        write_atomically(path, content)


def load(place: Path) -> Published | None:
    """Every certificate kept (their records' bytes left empty), and the downloads' parts;
    None when a file is damaged or of another Python."""
    found: dict[str, PublicCertificate] = {}
    parts: dict[str, Part] = {}
    kept: dict[int, dict[str, tuple[Any, ...]]] = {}
    try:
        with collector_paused():  # a hundred thousand new objects, none in a cycle
            _load(place, found, parts, kept)
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None
    return Published(found, parts, kept)


def _load(
    place: Path,
    found: dict[str, PublicCertificate],
    parts: dict[str, Part],
    kept: dict[int, dict[str, tuple[Any, ...]]],
) -> None:
    for path in sorted(place.glob(f"{PREFIX}*")):
        year = int(path.name.removeprefix(PREFIX))
        certificates, groups = marshal.loads(path.read_bytes())
        kept[year] = certificates
        for certificate_id, (digest, summary, status, visible, key) in certificates.items():
            certificate = PublicCertificate(
                certificate_id, year, b"", digest, Summary(*summary), status, frozenset(visible)
            )
            certificate.__dict__["status_key"] = key  # as computed when it was published
            found[certificate_id] = certificate
        parts.update({group: Part(*part) for group, part in groups.items()})


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
