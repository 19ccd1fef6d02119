"""What the check found: each file's outcome, and the result of a whole run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.check.rules import Entry
from generator.findings import Finding, Severity


@dataclass
class FileOutcome:
    """The findings of one file, and what cross-request rules need of it."""

    findings: list[Finding]
    entry: Entry | None
    depends_on: tuple[str, ...] = ()
    """Other files the outcome was made from (an issued request's frozen record): a cached
    outcome is reused only while they are as they were."""
    contents: tuple[str, ...] = ()
    """The SHA-256 of the file and of each of ``depends_on`` as checked ("" for one missing):
    a cached outcome is reused for files with new states but the same contents (a fresh
    checkout)."""


@dataclass
class CheckResult:
    findings: list[Finding]
    files: int
    entries: list[Entry] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    """Every file's outcome, the other files of the register included."""
    changes: list[Any] = field(default_factory=list)
    """With --base: a ``review.ChangeSummary`` for each request the branch adds or changes."""

    @property
    def errors(self) -> int:
        return sum(f.severity is Severity.ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity is Severity.WARNING for f in self.findings)
