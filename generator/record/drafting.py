"""The check of a register being published: every sound issued request is also drafted as
its public record, in the check's own workers, and kept in the check cache with its outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from generator.check.outcomes import CheckResult, FileOutcome
from generator.check.pipeline import Checker, entry_of
from generator.check.request import Request
from generator.findings import Severity
from generator.record.public import (
    Draft,
    PublicCertificate,
    draft_record,
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


class DraftingChecker(Checker):
    """The check, drafting the public record of each sound issued request it checks."""

    def check_file(self, path: str, display: str) -> FileOutcome:
        document, facts, findings = self.inspect(path, display)
        outcome = DraftedOutcome(findings, entry_of(document) if document else None)
        if document is None or facts is None:
            return outcome
        assert self.reference is not None
        outcome.latest = latest_date(document.data)
        errors = any(f.severity is Severity.ERROR for f in findings)
        if is_published(document.data) and not errors:
            outcome.draft = draft_record(
                Request(document),
                facts,
                self.reference,
                self.schema_document,
                self.reference.certifier.website,
            )
        return outcome


def drafted(result: CheckResult) -> list[DraftedOutcome]:
    """The outcomes of ``result`` that carry a draft public record."""
    return [o for o in result.outcomes if isinstance(o, DraftedOutcome) and o.draft is not None]


def latest_recorded(result: CheckResult) -> date | None:
    """The latest day any checked file records."""
    days = [o.latest for o in result.outcomes if isinstance(o, DraftedOutcome) and o.latest]
    return max(days, default=None)
