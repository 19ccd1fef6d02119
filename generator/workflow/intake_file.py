"""``certgen intake --file``: a request file from the site's "Request a certificate" page (sent
to the desk by email) -> a request in the register, with the next free ID, written and checked.

The file is a client's: it is read by the checker's own loader (no aliases, tags or duplicate
keys) and must be a new request of a known kind. Intake keeps every value the client gave and
sets only the ID, who prepared the request and, when missing, when it was requested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ruamel.yaml.comments import CommentedMap

from generator.check.document import Document
from generator.check.load import load_bytes
from generator.errors import Refused
from generator.files import write_atomically
from generator.findings import Finding, Severity, shown
from generator.workflow.lifecycle import Lifecycle, yaml_editor

KINDS = ("import", "export")
WHAT_TO_SEND = "the file the site's Request a certificate page downloads"


@dataclass(frozen=True)
class FileIntake:
    path: Path
    findings: list[Finding]
    """The error findings of the written request, located in it."""


def intake_file(
    lifecycle: Lifecycle, raw: bytes, display: str, by: str, base: str | None
) -> FileIntake:
    """Write the request in ``raw`` (shown as ``display``) under the next free ID; refuse, with
    findings located in ``raw``, anything that is not a new certificate request."""
    document = _new_request(raw, display)
    data = yaml_editor().load(raw.decode("utf-8-sig"))
    assert isinstance(data, CommentedMap)  # the loader above accepted a mapping
    year = _received_year(lifecycle, document) or lifecycle.today().year
    request_id = lifecycle.next_id(document.data["kind"], year, base)
    _put(data, "id", request_id, after=None)
    _put(data, "prepared_by", by, after="kind")
    if "requested_at" not in data:
        _put(data, "requested_at", lifecycle.now(), after="prepared_by")
    path = lifecycle.project.requests_dir / str(year) / f"{request_id}.yaml"
    if path.exists():
        raise Refused(f"{path} exists already; nothing was written")
    text = lifecycle.render(data)
    shown_path = str(path.relative_to(lifecycle.project.root))
    findings = lifecycle.errors_of(text, shown_path)
    write_atomically(path, text.encode("utf-8"))
    return FileIntake(path, findings)


def _new_request(raw: bytes, display: str) -> Document:
    """The loaded file, when it is a new request of a known kind; refused otherwise."""
    loaded = load_bytes(raw, display)
    errors = [f for f in loaded.findings if f.severity is Severity.ERROR]
    problems = errors or ([] if loaded.document is None else _not_new(loaded.document))
    if problems or loaded.document is None:
        raise Refused(f"{display} is not a new certificate request; nothing was written", problems)
    return loaded.document


def _not_new(document: Document) -> list[Finding]:
    data = document.data
    if data.get("kind") not in KINDS:
        return [_at(document, "/kind", "'kind' (import or export)", data.get("kind"))]
    if data.get("status") != "requested":
        return [_at(document, "/status", "'status: requested'", data.get("status"))]
    return [_decided(document, key) for key in DECISIONS if key in data]


DECISIONS = ("issuance", "cancellation", "supersedes", "superseded_by", "policy_exception")
"""What only the certifier decides, in its own pull request: never taken from a client's file."""


def _decided(document: Document, key: str) -> Finding:
    line, column = document.locate_key(f"/{key}")
    message = (
        f"'{key}' is the certifier's decision, never a client's: remove it from the file; "
        "ask the desk for an exception or a correction in words"
    )
    return Finding(document.path, line, column, "S003", Severity.ERROR, message, f"/{key}")


def _at(document: Document, pointer: str, wanted: str, found: object) -> Finding:
    line, column = document.locate(pointer)
    code = "S002" if found is None else "S004"
    what = "has none" if found is None else f"has {shown(found)}"
    message = (
        f"intake takes a new certificate request, which has {wanted}; this file {what}: "
        f"send {WHAT_TO_SEND}"
    )
    return Finding(document.path, line, column, code, Severity.ERROR, message, pointer)


def _received_year(lifecycle: Lifecycle, document: Document) -> int | None:
    """The year, in the certifier's time zone, of the file's ``requested_at`` (the ID's year
    must be the year a request was received), or None when it has none or it is malformed."""
    value = document.data.get("requested_at")
    try:
        received = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if received is None or received.tzinfo is None:
        return None
    return received.astimezone(ZoneInfo(lifecycle.ref.calendar.timezone)).year


def _put(data: CommentedMap, key: str, value: object, after: str | None) -> None:
    """Set ``key``, in place if present, else right after ``after`` (or first)."""
    if key in data:
        data[key] = value
        return
    position = list(data).index(after) + 1 if after in data else 0
    data.insert(position, key, value)
