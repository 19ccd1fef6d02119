"""The summary a pull request's checks leave for its comment, read as untrusted input: its size
checked before parsing, its JSON validated against schemas/pr-summary.schema.json; and what
the workflows' events (written by GitHub) say about the pull request and the run."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.check.report import SUMMARY_MAX_BYTES
from generator.check.schema import Schema
from generator.errors import UsageError
from generator.findings import shown
from generator.workflow.review import ChangeSummary

SCHEMA_NAME = "pr-summary.schema.json"
_SHA = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?")


@dataclass(frozen=True)
class FindingRow:
    path: str
    line: int
    column: int
    code: str
    severity: str
    message: str


ChangeRow = ChangeSummary
"""A request the pull request changes, as the checks summed it up (their words, untrusted)."""


@dataclass(frozen=True)
class Summary:
    """A summary that passed the schema. Its strings are still the pull request's words."""

    number: int | None
    head_sha: str | None
    files: int
    errors: int
    warnings: int
    findings: tuple[FindingRow, ...]
    findings_total: int
    changes: tuple[ChangeRow, ...]
    changes_total: int


@dataclass(frozen=True)
class Unreadable:
    """Why a summary cannot be used. ``reason`` is certgen's own words, fit for the comment;
    ``detail`` may quote the artifact (escaped and short) and goes to the job's log only."""

    reason: str
    detail: str = ""
    claimed_number: int | None = None
    """The pull request number the file names, when it parsed that far (to be verified)."""


@dataclass(frozen=True)
class WorkflowRun:
    """The checks run a workflow_run event reports."""

    id: int
    head_sha: str
    head_repository: str
    """owner/name of the repository the checked commit came from (a fork's, or this one)."""
    pull_requests: tuple[int, ...]
    """The pull requests of this repository the run belongs to: empty for a fork's."""


def read_summary(path: Path, schema: Schema) -> Summary | Unreadable:
    raw = _read_regular_file(path)
    if isinstance(raw, Unreadable):
        return raw
    try:
        data = json.loads(
            raw.decode("utf-8"), parse_constant=_no_constant, parse_float=_no_fraction
        )
    except UnicodeDecodeError:
        return Unreadable("it is not UTF-8 text")
    except _Fraction as error:
        return Unreadable("it holds a number that is not a whole number", str(error))
    except (ValueError, RecursionError) as error:
        return Unreadable("it is not JSON", str(error)[:200])
    claimed = _claimed_number(data)
    invalid = next(iter(schema.validator.iter_errors(data)), None)
    if invalid is not None:
        pointer = "/" + "/".join(str(step) for step in invalid.instance_path)
        return Unreadable("it does not have the summary's format", f"at {shown(pointer)}", claimed)
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate written as \ud800
        return Unreadable("it holds text that is not Unicode", "", claimed)
    return _summary(data)


def _read_regular_file(path: Path) -> bytes | Unreadable:
    """At most SUMMARY_MAX_BYTES of ``path``, never following a link nor waiting on a FIFO."""
    try:
        handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ENOENT:
            return Unreadable("the checks left no summary")
        if error.errno == errno.ELOOP:
            return Unreadable("it is not a regular file")
        return Unreadable("it cannot be opened", error.strerror or "")
    if not stat.S_ISREG(os.fstat(handle).st_mode):  # a FIFO, a device, a folder
        os.close(handle)
        return Unreadable("it is not a regular file")
    with os.fdopen(handle, "rb") as file:
        raw = file.read(SUMMARY_MAX_BYTES + 1)
    if len(raw) > SUMMARY_MAX_BYTES:
        return Unreadable(f"it is larger than {SUMMARY_MAX_BYTES:,} bytes")
    return raw


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


class _Fraction(ValueError):
    pass


def _no_fraction(text: str) -> None:
    """Every number of the summary is a count, a line or a pull request: ``41.0`` or ``1e9``
    would pass the schema's ``integer`` and then be shown (or compared) as a float."""
    raise _Fraction(f"{shown(text[:40])} has a fraction or an exponent")


def _claimed_number(data: Any) -> int | None:
    pull_request = data.get("pull_request") if isinstance(data, dict) else None
    number = pull_request.get("number") if isinstance(pull_request, dict) else None
    return number if type(number) is int and 0 < number < 10**9 else None


def _summary(data: dict[str, Any]) -> Summary:
    pull_request = data["pull_request"] or {}
    return Summary(
        number=pull_request.get("number"),
        head_sha=pull_request.get("head_sha"),
        files=data["files"],
        errors=data["errors"],
        warnings=data["warnings"],
        findings=tuple(FindingRow(**row) for row in data["findings"]),
        findings_total=data["findings_total"],
        changes=tuple(ChangeRow(**row) for row in data["changes"]),
        changes_total=data["changes_total"],
    )


def event_pull_request(event_path: str | None) -> tuple[int, str] | None:
    """The number and head commit of the pull request a pull_request (or pull_request_review)
    event is about; None outside such a workflow."""
    if not event_path:
        return None
    try:
        event = json.loads(Path(event_path).read_text("utf-8"))
        pull_request = event["pull_request"]
        number, head_sha = pull_request["number"], pull_request["head"]["sha"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if type(number) is not int or not isinstance(head_sha, str) or not _SHA.fullmatch(head_sha):
        return None
    return number, head_sha


def workflow_run(event_path: Path) -> WorkflowRun:
    """The run a workflow_run event reports, and the pull requests of this repository in it."""
    try:
        event = json.loads(event_path.read_text("utf-8"))
        run = event["workflow_run"]
        repository_id = event["repository"]["id"]
        numbers = tuple(
            p["number"] for p in run["pull_requests"] if p["base"]["repo"]["id"] == repository_id
        )
        found = WorkflowRun(
            id=run["id"],
            head_sha=run["head_sha"],
            head_repository=run["head_repository"]["full_name"],
            pull_requests=numbers,
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{event_path}: not a workflow_run event ({error!r})") from None
    if type(found.id) is not int or not _SHA.fullmatch(str(found.head_sha)):
        raise UsageError(f"{event_path}: the workflow_run has no valid id and head_sha")
    if not all(type(number) is int for number in numbers):
        raise UsageError(f"{event_path}: a pull request of the workflow_run has no number")
    return found
