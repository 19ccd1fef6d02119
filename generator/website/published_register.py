"""The certificates a build published, as it left them, without their records: what the
register's aggregates (year pages, lookups, downloads) are made from, kept beside the build
stamp so that a build after a few changes that publish remakes them without reading the
register again.

Each certificate is kept as its ID, record digest, summary, status and the record fields the
public sees: everything ``PublicCertificate`` holds but the record's bytes, which are read from
the frozen record (``records/<year>/<id>.json``, whose digest the certificate names) when a
lookup entry must be signed. One marshal file a year of issue.
"""

from __future__ import annotations

import marshal
from dataclasses import fields
from pathlib import Path
from typing import Any

from generator.files import write_atomically
from generator.record.public import PublicCertificate, Summary

PREFIX = "published-"


_SUMMARY = tuple(field.name for field in fields(Summary))


def _kept(certificate: PublicCertificate) -> tuple[Any, ...]:
    summary = certificate.summary
    return (
        certificate.digest,
        tuple([getattr(summary, name) for name in _SUMMARY]),
        certificate.status_fields,
        sorted(certificate.visible),
        certificate.status_key,
    )


def keep(place: Path, certificates: list[PublicCertificate], years: set[int] | None = None) -> None:
    """Keep ``certificates`` (every one published), for the years in ``years`` (None: all;
    the files of years with none left are removed)."""
    by_year: dict[int, dict[str, tuple[Any, ...]]] = {}
    for certificate in certificates:
        if years is None or certificate.year in years:
            by_year.setdefault(certificate.year, {})[certificate.id] = _kept(certificate)
    if years is None:
        for stale in place.glob(f"{PREFIX}*"):
            stale.unlink(missing_ok=True)
    for year in years if years is not None else set(by_year):
        path = place / f"{PREFIX}{year}"
        path.unlink(missing_ok=True)
        if year in by_year:
            try:
                content = marshal.dumps(by_year[year])
            except ValueError:  # a value marshal cannot keep: that year is left to full builds
                continue
            write_atomically(path, content)


def load(place: Path) -> dict[str, PublicCertificate] | None:
    """Every certificate kept, by ID (their records' bytes left empty); None when a file is
    damaged or of another Python."""
    found: dict[str, PublicCertificate] = {}
    try:
        for path in sorted(place.glob(f"{PREFIX}*")):
            year = int(path.name.removeprefix(PREFIX))
            for certificate_id, (digest, summary, status, visible, key) in marshal.loads(
                path.read_bytes()
            ).items():
                certificate = PublicCertificate(
                    certificate_id,
                    year,
                    b"",
                    digest,
                    Summary(*summary),
                    status,
                    frozenset(visible),
                )
                certificate.__dict__["status_key"] = key  # as computed when it was published
                found[certificate_id] = certificate
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        return None
    return found
