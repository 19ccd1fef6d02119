"""The review of a branch: history findings against the base branch, and the summary of each
request the branch adds or changes, as a reviewer (and the pull request's comment) shows it."""

from __future__ import annotations

from dataclasses import dataclass

from generator.check.outcomes import CheckResult
from generator.check.pipeline import Checker
from generator.check.rules import run_history_rules, run_tree_rules
from generator.check.transitions import Change
from generator.findings import Severity
from generator.project import Project
from generator.workflow.git_history import changes_against, tracked_outputs


@dataclass(frozen=True)
class ChangeSummary:
    path: str
    kind: str
    request_id: str
    transition: str
    document: str
    exporter: str
    destination: str
    service_level: str
    fee: str
    due: str
    errors: int
    warnings: int


def review(result: CheckResult, checker: Checker, project: Project, ref: str) -> None:
    """Add the history findings and the change summaries of the branch to ``result``."""
    changes = changes_against(project, ref)
    result.findings += run_history_rules(changes)
    result.findings.sort(key=lambda finding: finding.sort_key())
    result.changes = [_summary(change, checker, result) for change in changes]


def add_tree_findings(result: CheckResult, project: Project) -> None:
    """Add the findings on what git tracks (nothing where the build writes) to ``result``."""
    findings = run_tree_rules(tracked_outputs(project))
    if findings:
        result.findings = sorted([*result.findings, *findings], key=lambda f: f.sort_key())


def _summary(change: Change, checker: Checker, result: CheckResult) -> ChangeSummary:
    own = [f for f in result.findings if f.path == change.path]
    errors = sum(f.severity is Severity.ERROR for f in own)
    warnings = len(own) - errors
    document = change.head or change.base
    data = document.data if document else {}
    old, new = change.base_status, change.head_status
    transition = new or "" if old in (None, new) else f"{old} → {new or 'deleted'}"
    summary = ChangeSummary(
        path=change.path,
        kind=change.kind,
        request_id=str(data.get("id", "?")),
        transition=transition,
        document="",
        exporter=_exporter(data),
        destination="",
        service_level=str(data.get("service_level", "")),
        fee="",
        due="",
        errors=errors,
        warnings=warnings,
    )
    if change.head is None:
        return summary
    _, facts, _ = checker.inspect(change.path, change.path)
    if facts is None:
        return summary
    fee = f"{facts.fee.currency} {facts.fee.total:.2f}" if facts.fee else ""
    return ChangeSummary(
        **{
            **summary.__dict__,
            "document": facts.document_type.title,
            "destination": facts.market.name if facts.market else "United States",
            "fee": fee,
            "due": facts.due.isoformat() if facts.due else "",
        },
    )


def _exporter(data: dict[str, object]) -> str:
    exporter = data.get("exporter")
    if isinstance(exporter, dict):
        return f"{exporter.get('name', '')} ({exporter.get('operation_id', '')})"
    return ""
