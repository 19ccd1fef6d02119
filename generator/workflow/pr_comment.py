"""The pull request comment, rendered by trusted code from the summary the checks left: every
string of the summary shown as a code span (no mention, link, image or HTML can come alive),
cut to GitHub's size on a row boundary, and posted only on the pull request the run checked."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from generator.github import GitHub
from generator.workflow.pr_summary import (
    ChangeRow,
    FindingRow,
    Summary,
    Unreadable,
    WorkflowRun,
)

MARKER = "<!-- certgen-summary -->"
"""The comment's first line: the comment the bot edits on each run."""
BOT = "github-actions[bot]"
COMMENT_LIMIT = 65_536
"""GitHub's limit on a comment's length, counted here in UTF-16 code units (never fewer than
its characters)."""

CHANGE_HEADER = (
    "| request | change | document | exporter | destination | service | fee | due | findings |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
)
FINDING_HEADER = (
    "| file | line | column | code | severity | message |",
    "| --- | --- | --- | --- | --- | --- |",
)
_RUN_URL = re.compile(r"https://[A-Za-z0-9.-]+(:[0-9]+)?/[\w.-]+/[\w.-]+/actions/runs/[0-9]+")
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
"""Control, format (bidi, zero-width), surrogate and line or paragraph separator characters:
shown as escapes, so a cell never breaks its line or hides text."""


@dataclass(frozen=True)
class Outcome:
    number: int | None
    """The pull request commented on, if any."""
    message: str
    failed: bool


def comment_on_run(
    client: GitHub, read: Summary | Unreadable, run: WorkflowRun, run_url: str | None
) -> Outcome:
    """Comment ``read`` on the pull request ``run`` checked, unless that pull request's head
    is not (or no longer) the run's commit and repository. An unreadable summary is commented
    as such, and fails."""
    read = _belongs_to_run(read, run)
    number = _target(read, run)
    if number is None:
        return Outcome(None, "no pull request to comment on: " + why(read), failed=True)
    pull = client.pull_request(number)
    if (pull.head_sha, pull.head_repository) != (run.head_sha, run.head_repository):
        return Outcome(
            None,
            f"pull request #{number} is at {pull.head_sha[:12]} of {pull.head_repository}, not "
            f"at the run's {run.head_sha[:12]} of {run.head_repository} (it moved on, or the "
            "run is not its): not commenting",
            failed=False,
        )
    client.comment(number, comment_body(read, run_url), marker=MARKER, author=BOT)
    if isinstance(read, Unreadable):
        return Outcome(number, f"commented on #{number}: " + why(read), failed=True)
    return Outcome(number, f"commented the checks' summary on #{number}", failed=False)


def _belongs_to_run(read: Summary | Unreadable, run: WorkflowRun) -> Summary | Unreadable:
    if isinstance(read, Unreadable):
        return read
    if read.number is None:
        return Unreadable("it names no pull request")
    if run.pull_requests and read.number not in run.pull_requests:
        return Unreadable("it names a pull request the run did not check")
    if read.head_sha != run.head_sha:
        return Unreadable("it was written for another commit", "", read.number)
    return read


def _target(read: Summary | Unreadable, run: WorkflowRun) -> int | None:
    """The pull request to comment on: one the run names (a branch of this repository), else
    the one the summary names (a fork's), to be confirmed by its head commit."""
    named = read.number if isinstance(read, Summary) else read.claimed_number
    if run.pull_requests:
        return named if named in run.pull_requests else run.pull_requests[0]
    return named


def why(read: Summary | Unreadable) -> str:
    """What went wrong with an unreadable summary, for the job's log."""
    if isinstance(read, Summary):
        return "the summary names none"
    detail = f" ({read.detail})" if read.detail else ""
    return f"the checks' summary could not be read: {read.reason}{detail}"


def render(summary: Summary, run_url: str | None, limit: int = COMMENT_LIMIT) -> str:
    """The comment: counts, the requests and the findings, as many rows as fit in ``limit``,
    then how many were left out and where to see them."""
    trailer = _left_out(summary.findings_total, summary.changes_total, run_url)
    page = _Page(limit - utf16_length(trailer) - 2)
    page.add(MARKER, "## certgen check", "", _counts(summary), "", _from_run(run_url))
    changes = page.table("Requests in this pull request", CHANGE_HEADER, _change_rows(summary))
    findings = page.table("Findings", FINDING_HEADER, _finding_rows(summary))
    missing_changes = max(summary.changes_total - changes, 0)
    missing_findings = max(summary.findings_total - findings, 0)
    if missing_changes or missing_findings:
        page.lines += ["", _left_out(missing_findings, missing_changes, run_url)]
    return cut("\n".join(page.lines) + "\n", limit)


def render_unreadable(unreadable: Unreadable, run_url: str | None) -> str:
    """The comment that replaces the summary when it could not be read: certgen's words only."""
    return "\n".join(
        [
            MARKER,
            "## certgen check",
            "",
            f"**The checks' summary could not be read** ({unreadable.reason}), so nothing of it "
            "is shown here. Do not rely on an earlier version of this comment: see the checks "
            f"themselves, {_run(run_url)}.",
            "",
        ]
    )


class _Page:
    """Lines added while they fit in a budget of UTF-16 code units."""

    def __init__(self, budget: int) -> None:
        self.lines: list[str] = []
        self.budget = budget

    def add(self, *lines: str) -> bool:
        cost = sum(utf16_length(line) + 1 for line in lines)
        if cost > self.budget:
            return False
        self.lines += lines
        self.budget -= cost
        return True

    def table(self, title: str, header: tuple[str, ...], rows: Iterable[str]) -> int:
        """Add a table with as many of ``rows`` as fit; return how many did."""
        shown = 0
        for row in rows:
            opening = ("", f"### {title}", "", *header) if shown == 0 else ()
            if not self.add(*opening, row):
                break
            shown += 1
        return shown


def _counts(summary: Summary) -> str:
    files = _plural(summary.files, "file")
    if not summary.errors and not summary.warnings:
        return f"checked {files}: no problems"
    return f"checked {files}: {_plural(summary.errors, 'error')}, " + _plural(
        summary.warnings, "warning"
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _from_run(run_url: str | None) -> str:
    return f"_Rendered by certgen from the summary of {_run(run_url)}._"


def _run(run_url: str | None) -> str:
    if run_url and _RUN_URL.fullmatch(run_url):
        return f"the [Pull request checks run]({run_url})"
    return "the Pull request checks run"


def _left_out(findings: int, changes: int, run_url: str | None) -> str:
    return (
        f"_{_plural(findings, 'finding')} and {_plural(changes, 'request')} are not shown here "
        f"(GitHub's limit on a comment's size): the job summary of {_run(run_url)} lists "
        "them all._"
    )


def _change_rows(summary: Summary) -> Iterable[str]:
    for change in summary.changes:
        yield _row(
            code_span(change.request_id),
            code_span(f"{change.kind} {change.transition}".strip()),
            *(code_span(text) for text in _described(change)),
            _finding_counts(change),
        )


def _described(change: ChangeRow) -> tuple[str, ...]:
    return (
        change.document,
        change.exporter,
        change.destination,
        change.service_level,
        change.fee,
        change.due,
    )


def _finding_counts(change: ChangeRow) -> str:
    if not change.errors and not change.warnings:
        return "none"
    return f"{change.errors:,} error(s), {change.warnings:,} warning(s)"


def _finding_rows(summary: Summary) -> Iterable[str]:
    for finding in summary.findings:
        yield _finding_row(finding)


def _finding_row(finding: FindingRow) -> str:
    # code (^[A-Z][0-9]{3}$), severity (an enum) and the numbers are bounded by the schema
    return _row(
        code_span(finding.path),
        str(finding.line),
        str(finding.column),
        finding.code,
        finding.severity,
        code_span(finding.message),
    )


def _row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def code_span(text: str, in_table: bool = True) -> str:
    """``text`` as a Markdown code span, shown exactly and never parsed: a backtick fence
    longer than any run of backticks in it, hidden and line-breaking characters as escapes,
    and, in a table cell, pipes escaped (GitHub unescapes them before reading the span)."""
    if not text:
        return ""
    text = "".join(_visible(char) for char in text)
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {text} {fence}" if _padded(text) else f"{fence}{text}{fence}"


def _padded(text: str) -> bool:
    """Whether a code span of ``text`` needs a space inside each fence: to keep a backtick
    apart from the fence, or spaces at both ends (Markdown takes one off each end)."""
    if text.startswith("`") or text.endswith("`"):
        return True
    return text.startswith(" ") and text.endswith(" ") and bool(text.strip(" "))


def _visible(char: str) -> str:
    if char == "\t":
        return " "
    if unicodedata.category(char) not in _HIDDEN:
        return char
    point = ord(char)
    return f"\\u{point:04x}" if point <= 0xFFFF else f"\\U{point:08x}"


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-16 code units, on a character boundary (a
    character outside the BMP, two code units, is kept whole or left out)."""
    if utf16_length(text) <= limit:
        return text
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return text[:index]
    return text


def preview(read: Summary | Unreadable, path: Path, write: Callable[[Path, str], None]) -> Outcome:
    """Write the comment to ``path`` (with ``write``, the command's) instead of posting it."""
    write(path, comment_body(read, None))
    if isinstance(read, Unreadable):
        return Outcome(None, f"wrote {path}: " + why(read), failed=True)
    return Outcome(None, f"wrote {path}", failed=False)


def comment_body(read: Summary | Unreadable, run_url: str | None) -> str:
    return render(read, run_url) if isinstance(read, Summary) else render_unreadable(read, run_url)


def run_url(repository: str, run_id: int, server: str | None) -> str:
    """The address of a run of this repository's workflows (``server``: GITHUB_SERVER_URL)."""
    return f"{(server or 'https://github.com').rstrip('/')}/{repository}/actions/runs/{run_id}"
