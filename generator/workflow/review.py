"""The review of a branch: history findings against the base branch, and the summary of each
request the branch adds or changes, as a reviewer (and the pull request's comment) shows it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from generator.check.outcomes import CheckResult
from generator.check.pipeline import Checker
from generator.check.request import Request
from generator.check.rules import run_history_rules, run_record_rules, run_tree_rules
from generator.check.transitions import PUBLISHED, Change, RecordChange
from generator.findings import Severity
from generator.project import Project
from generator.record.public import issued_record
from generator.workflow.git_history import changes_against, record_changes, tracked_outputs

TRACKED_SHOWN = 10


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
    """Add the history findings and the change summaries of the branch to ``result``.

    A request the branch issues is judged by every rule, against today's data, even when
    its record is already frozen in the working tree; each record the branch adds must be
    the one certgen makes of that request."""
    changes = changes_against(project, ref)
    findings = run_history_rules(changes)
    for change in changes:
        if _issues(change):
            findings += checker.inspect(change.path, change.path, as_issued_now=True)[2]
    records = [_expected(r, checker, project) for r in record_changes(project, ref)]
    findings += run_record_rules(records)
    result.findings = sorted(set(result.findings) | set(findings), key=lambda f: f.sort_key())
    result.changes = [_summary(change, checker, result) for change in changes]


def _issues(change: Change) -> bool:
    """Whether the branch issues this request: published now, not on the base branch."""
    return change.head_status in PUBLISHED and change.base_status not in PUBLISHED


def _expected(change: RecordChange, checker: Checker, project: Project) -> RecordChange:
    """``change`` with the record certgen makes of its request, for a record the branch adds."""
    if change.kind != "added" or checker.reference is None:
        return change
    request = project.frozen_record(change.request_id)  # records/<year>/<id>.json
    path = project.requests_dir / request.parent.name / f"{change.request_id}.yaml"
    if not path.is_file():
        return change
    document, facts, findings = checker.inspect(path, str(path), as_issued_now=True)
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if document is None or facts is None or errors or document.data.get("status") not in PUBLISHED:
        return change
    record = issued_record(
        Request(document),
        facts,
        checker.reference,
        checker.schema_document,
        checker.reference.certifier.website,
    )
    return replace(change, expected=record)


def add_tree_findings(result: CheckResult, project: Project) -> None:
    """Add the findings on what git tracks (nothing where the build writes) to ``result``."""
    tracked = tracked_outputs(project)
    findings = run_tree_rules(tracked[:TRACKED_SHOWN])
    if len(tracked) > TRACKED_SHOWN:  # a committed build folder: name a few, count the rest
        more = (
            f" (and {len(tracked) - TRACKED_SHOWN} more files under build/: remove them all "
            "from git with git rm -r --cached build)"
        )
        findings[-1] = replace(findings[-1], message=findings[-1].message + more)
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
