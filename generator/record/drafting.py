"""The check of a register being published: every sound issued request is also drafted as
its certificate (its frozen record and its status), in the check's own workers, and kept in
the check cache with its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from generator.check.outcomes import CheckResult, FileOutcome
from generator.check.pipeline import Checker, entry_of
from generator.check.request import Request
from generator.errors import CertgenError
from generator.findings import Severity
from generator.record.public import (
    Draft,
    PublicCertificate,
    draft_of,
    is_published,
    latest_date,
)


@dataclass
class DraftedOutcome(FileOutcome):
    latest: date | None = None
    """The latest day the file records (the build's "as of" date is the latest of all)."""
    draft: Draft | None = None
    """The public record, for an issued request without errors."""
    certificate: PublicCertificate | None = None
    """The draft finalised as of ``certificate_as_of`` (kept in the cache with the outcome)."""
    certificate_as_of: date | None = None
    source: str = ""
    """The request file, as shown."""


class DraftingChecker(Checker):
    """The check, drafting the public record of each sound issued request it checks."""

    def check_file(self, path: str, display: str) -> FileOutcome:
        document, _, findings = self.inspect(path, display)
        entry = entry_of(document, self.locked) if document else None
        outcome = DraftedOutcome(findings, entry, self.dependencies(document), source=display)
        errors = any(f.severity is Severity.ERROR for f in findings)
        if document is None or self.reference is None or errors:
            return outcome
        outcome.latest = latest_date(document.data)
        if is_published(document.data):
            outcome.draft = self._draft(Request(document).id, document.data)
        return outcome

    def _draft(self, request_id: str, data: dict[str, Any]) -> Draft:
        """The certificate, from the frozen record the check just read (R124 and R123 keep
        a missing or damaged one from reaching this)."""
        assert self.reference is not None
        kept = self.last_kept
        if kept is None or kept.request_id != request_id or kept.record is None:
            raise CertgenError(f"no sound frozen record of {request_id} was read")
        reference = self.reference
        exporter = reference.operations.get(str(data["exporter"].get("operation_id")))
        consent = exporter.publication_consent if exporter else None
        visible = reference.publication.visible(consent)
        site_url = reference.certifier.website
        return draft_of(data, kept.content, kept.record, self.schema_document, site_url, visible)


def drafted(result: CheckResult) -> list[DraftedOutcome]:
    """The outcomes of ``result`` that carry a draft public record."""
    return [o for o in result.outcomes if isinstance(o, DraftedOutcome) and o.draft is not None]


def latest_recorded(result: CheckResult) -> date | None:
    """The latest day any checked file records."""
    days = [o.latest for o in result.outcomes if isinstance(o, DraftedOutcome) and o.latest]
    return max(days, default=None)
