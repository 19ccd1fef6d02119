"""The inputs every site build shares: the checked register, its public certificates as of
the build's date, and what ``certgen build`` tells the MkDocs plugin it has prepared."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import NamedTuple

from generator.check.cache import CheckCache
from generator.check.outcomes import CheckResult
from generator.check.pipeline import run_check
from generator.check.reference_data import Reference
from generator.check.rules import Entry
from generator.errors import CertgenError
from generator.project import Project
from generator.record.drafting import DraftedOutcome, DraftingChecker, drafted, latest_recorded
from generator.record.public import PublicCertificate, finalize
from generator.workers import collector_paused


class FileFacts(NamedTuple):
    """What a request file gives a build besides its findings."""

    id: str | None
    supersedes: str | None
    superseded_by: str | None
    official_number: str | None
    """With the ID and links: what other files' cross-request rules compare it with."""
    latest: str | None
    """The latest day it records (the build's "as of" date is the latest of all)."""
    status_key: str | None
    """The key of its published certificate's files (``PublicCertificate.status_key``, which
    covers the record, what is public of it and its status; None: it publishes nothing)."""
    valid_to: str | None
    """For an issued time-frame certificate, the last day of its validity: it shows as
    expired in a build as of a later day (``status_of``)."""

    def flips_between(self, one: str, other: str) -> bool:
        """Whether its certificate's status as of day ``one`` differs from that as of
        ``other`` (ISO days)."""
        return self.valid_to is not None and expires_between(self.valid_to, one, other)


def expires_between(valid_to: str, one: str, other: str) -> bool:
    """Whether a certificate valid to ``valid_to`` is expired as of one of the days and not
    as of the other (ISO days): its validity ends between them (``status_of``)."""
    return min(one, other) <= valid_to < max(one, other)


@dataclass(frozen=True)
class SiteInputs:
    project: Project
    reference: Reference
    certificates: list[PublicCertificate]
    as_of: date
    files: dict[str, FileFacts] = field(default_factory=dict)
    """Each request file's facts, by absolute path."""
    entries: dict[str, Entry] = field(default_factory=dict)
    """What cross-request rules need of each request file, by absolute path."""


class BuildRefused(CertgenError):
    """The register has errors: nothing is published until they are fixed."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"the register has {result.errors} error(s); nothing was published")
        self.result = result


@dataclass
class HookSettings:
    publish: bool = True
    """Whether ``on_post_build`` publishes the certificates into MkDocs' site folder."""
    inputs: SiteInputs | None = None
    """Inputs prepared by certgen build; None lets the plugin prepare their own."""
    compiled: tuple[Path, str] | None = None
    """Where certgen build keeps the theme's compiled templates, and what shapes them besides
    their sources (``compiled_templates``); None: they are compiled, not kept."""


SETTINGS = HookSettings()


def source_date() -> date | None:
    """SOURCE_DATE_EPOCH as a day, if set (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC).date() if epoch else None


@collector_paused()  # the certificates of a large register: many objects, none in a cycle
def site_inputs(
    project: Project, jobs: int | None = None, cache: CheckCache | None = None
) -> SiteInputs:
    """Check the whole register and make the public certificates, or refuse."""
    checker = DraftingChecker(project)
    result = run_check(checker, [str(project.requests_dir)], jobs, cache)
    if result.errors or checker.reference is None:
        raise BuildRefused(result)
    reference = checker.reference
    as_of = as_of_date(latest_recorded(result), reference)
    certificates = [_finalized(outcome, as_of, cache) for outcome in drafted(result)]
    certificates.sort(key=lambda certificate: certificate.id)
    checked = [o for o in result.outcomes if isinstance(o, DraftedOutcome)]
    files = {os.path.abspath(outcome.source): facts_of(outcome) for outcome in checked}
    entries = {os.path.abspath(o.source): o.entry for o in checked if o.entry is not None}
    return SiteInputs(project, reference, certificates, as_of, files, entries)


def as_of_date(latest: date | None, reference: Reference) -> date:
    """The date a build publishes as of: SOURCE_DATE_EPOCH, else the latest day any request
    file records (``latest``), or the OID snapshot's if that is later."""
    return source_date() or max(filter(None, (latest, reference.snapshot_taken_on)))


def facts_of(outcome: DraftedOutcome) -> FileFacts:
    """The facts of a checked file (its certificate finalised already, if it has one)."""
    entry, latest, certificate = outcome.entry, outcome.latest, outcome.certificate
    draft, valid_to = outcome.draft, None
    if draft is not None and draft.summary.status in ("issued", "expired"):
        valid_to = draft.valid_to  # what status_of expires a certificate by
    return FileFacts(
        entry.id if entry else None,
        entry.supersedes if entry else None,
        entry.superseded_by if entry else None,
        entry.official_number if entry else None,
        latest.isoformat() if latest else None,
        certificate.status_key if certificate else None,
        valid_to,
    )


def _finalized(outcome: DraftedOutcome, as_of: date, cache: CheckCache | None) -> PublicCertificate:
    """The outcome's certificate as of ``as_of``, finalised again only when that date moved."""
    if outcome.certificate is None or outcome.certificate_as_of != as_of:
        assert outcome.draft is not None
        outcome.certificate, outcome.certificate_as_of = finalize(outcome.draft, as_of), as_of
        if cache is not None and outcome.entry is not None:
            cache.touched(outcome.entry.path)
    return outcome.certificate


def mkdocs_build_date(reference: Reference) -> date:
    """The date MkDocs writes into the sitemap: SOURCE_DATE_EPOCH, else the OID snapshot's."""
    return source_date() or reference.snapshot_taken_on
