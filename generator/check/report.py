"""Reporters: findings as text lines, as JSON, and as GitHub workflow annotations plus a
Markdown job summary; and the size-limited summary a pull request's comment is made from."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from typing import Any

from generator.check.outcomes import CheckResult
from generator.findings import Finding, Severity

ANNOTATION_LIMIT = 10
"""GitHub shows at most 10 error and 10 warning annotations per step; the summary has all."""

SUMMARY_FORMAT = "certgen-pr-summary/1"
SUMMARY_MAX_BYTES = 1_000_000
"""The largest summary the comment workflow reads (schemas/pr-summary.schema.json)."""
SUMMARY_ROWS = 1000
_TEXT_LIMITS = dict.fromkeys(("request_id", "transition", "service_level", "fee", "due"), 100)
_TEXT_LIMITS["message"] = 1000
_TEXT_LIMIT = 300
"""The longest strings the summary's schema allows (300 for the others)."""


def text_line(finding: Finding) -> str:
    prefix = "warning: " if finding.severity is Severity.WARNING else ""
    return (
        f"{finding.path}:{finding.line}:{finding.column}: {finding.code} {prefix}{finding.message}"
    )


def summary_line(result: CheckResult) -> str:
    files = f"{result.files} file{'s' if result.files != 1 else ''}"
    if not result.findings:
        return f"checked {files}: no problems"
    return (
        f"checked {files}: {result.errors} error{'s' if result.errors != 1 else ''}, "
        f"{result.warnings} warning{'s' if result.warnings != 1 else ''}"
    )


def as_text(result: CheckResult) -> str:
    lines = [text_line(f) for f in result.findings]
    lines += [change_line(change) for change in result.changes]
    return "\n".join([*lines, summary_line(result)]) + "\n"


def change_line(change: Any) -> str:
    """One request a branch adds, changes or deletes, for the review."""
    described = ", ".join(part for part in (change.document, change.transition) if part)
    return (
        f"{change.kind}: {change.path} ({change.request_id}{': ' if described else ''}{described})"
    )


def as_json(result: CheckResult) -> str:
    document = {
        "findings": [f.as_dict() for f in result.findings],
        "summary": {"files": result.files, "errors": result.errors, "warnings": result.warnings},
        "changes": [change.__dict__ for change in result.changes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def summary_json(result: CheckResult, pull_request: tuple[int, str] | None) -> str:
    """The summary for the pull request comment, valid against schemas/pr-summary.schema.json:
    long strings shortened, and rows left out (counted in the totals) until it fits
    ``SUMMARY_MAX_BYTES``."""
    findings = [_bounded(f.as_dict(), _FINDING_KEYS) for f in result.findings[:SUMMARY_ROWS]]
    changes = [_bounded(c.__dict__, _CHANGE_KEYS) for c in result.changes[:SUMMARY_ROWS]]
    number, head_sha = pull_request or (None, None)
    document: dict[str, Any] = {
        "format": SUMMARY_FORMAT,
        "pull_request": {"number": number, "head_sha": head_sha} if pull_request else None,
        "files": result.files,
        "errors": result.errors,
        "warnings": result.warnings,
        "findings": findings,
        "findings_total": len(result.findings),
        "changes": changes,
        "changes_total": len(result.changes),
    }
    while True:
        text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
        if len(text.encode("utf-8")) <= SUMMARY_MAX_BYTES or not findings + changes:
            return text
        rows = "findings" if len(findings) >= len(changes) else "changes"
        del document[rows][len(document[rows]) // 2 :]


_FINDING_KEYS = ("path", "line", "column", "code", "severity", "message")
_CHANGE_KEYS: tuple[str, ...] = ("request_id", "path", "kind", "transition", "document")
_CHANGE_KEYS += ("exporter", "destination", "service_level", "fee", "due", "errors", "warnings")


def _bounded(row: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """``row``'s ``keys``, each string cut to its length in the summary's schema."""
    bounded = {}
    for key in keys:
        value = row[key]
        limit = _TEXT_LIMITS.get(key, _TEXT_LIMIT)
        if isinstance(value, str) and len(value) > limit:
            value = value[: limit - 1] + "…"
        bounded[key] = value
    return bounded


def github_annotations(findings: Iterable[Finding]) -> str:
    """Workflow commands, capped at GitHub's per-step limits, with a notice for the rest."""
    lines = []
    left_out = 0
    counts = {Severity.ERROR: 0, Severity.WARNING: 0}
    for finding in findings:
        counts[finding.severity] += 1
        if counts[finding.severity] > ANNOTATION_LIMIT:
            left_out += 1
            continue
        properties = ",".join(
            [
                f"file={_property(finding.path)}",
                f"line={finding.line}",
                f"col={finding.column}",
                f"title={_property(finding.code)}",
            ]
        )
        lines.append(f"::{finding.severity} {properties}::{_data(finding.message)}")
    if left_out:
        lines.append(f"::notice::{left_out} more findings are listed in the job summary")
    return "".join(line + "\n" for line in lines)


def step_summary(result: CheckResult) -> str:
    """The job summary: every finding in a Markdown table, user text escaped."""
    lines = ["## certgen check", "", summary_line(result), ""]
    if result.changes:
        lines += _changes_table(result.changes)
    if result.findings:
        lines += [
            "| file | line | column | code | severity | message |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {markdown_text(f.path)} | {f.line} | {f.column} | {f.code} | {f.severity} | "
            f"{markdown_text(f.message)} |"
            for f in result.findings
        ]
    return "\n".join(lines) + "\n"


def _changes_table(changes: list[Any]) -> list[str]:
    rows = [
        "### Requests in this pull request",
        "",
        "| request | change | document | exporter | destination | service | fee | due | findings |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for c in changes:
        findings = (
            f"{c.errors} error(s), {c.warnings} warning(s)" if c.errors or c.warnings else "none"
        )
        cells = [
            c.request_id,
            f"{c.kind} {c.transition}".strip(),
            c.document,
            c.exporter,
            c.destination,
            c.service_level,
            c.fee,
            c.due,
            findings,
        ]
        rows.append("| " + " | ".join(markdown_text(str(cell)) for cell in cells) + " |")
    return [*rows, ""]


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def markdown_text(text: str) -> str:
    """Text shown in Markdown exactly as written: HTML and Markdown syntax escaped.

    A word joiner after each ``@`` keeps a quoted ``@someone`` from notifying anyone.
    """
    escaped = html.escape(text, quote=False)
    for char in "\\`*_[]|#<>!":
        escaped = escaped.replace(char, f"\\{char}")
    return escaped.replace("@", "@\u2060").replace("\n", " ")
