"""What a branch changes in one request file, and the changes a record permits.

Records on the base branch are the published truth: an issued record changes only by a
permitted transition (cancelled, superseded), no record is deleted or renamed, and no ID is
ever used twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.check.document import Document, escape_pointer_token

PUBLISHED = frozenset({"issued", "cancelled", "superseded"})
TRANSITIONS = {
    ("requested", "issued"): frozenset({"status", "issuance"}),
    ("issued", "cancelled"): frozenset({"status", "cancellation"}),
    ("issued", "superseded"): frozenset({"status", "superseded_by"}),
}
"""Permitted status changes of a record, with the fields each may add or change."""


@dataclass(frozen=True)
class Change:
    """One request file that differs between the base branch and the working tree."""

    path: str
    """The file's path as shown in findings (relative to the current folder)."""
    kind: str
    """added, changed or deleted"""
    base: Document | None
    head: Document | None
    earlier_path_in_history: bool = False
    """For an added file: its path existed on the base branch before (a reused ID)."""

    @property
    def base_status(self) -> str | None:
        return _status(self.base)

    @property
    def head_status(self) -> str | None:
        return _status(self.head)


@dataclass(frozen=True)
class RecordChange:
    """One frozen record (records/<year>/<id>.json) that differs from the base branch."""

    path: str
    kind: str
    """added, changed or deleted"""
    request_id: str
    kept: bytes | None
    """The record as the branch keeps it (None when deleted)."""
    expected: bytes | None = None
    """For an added record: the record certgen makes of the request the branch issues, as
    it stands (None when there is no such request, or it does not pass the check)."""


def _status(document: Document | None) -> str | None:
    status = document.data.get("status") if document else None
    return status if isinstance(status, str) else None


def first_difference(base: Any, head: Any, pointer: str = "") -> str | None:
    """The pointer of the first value that differs, in document order, or None."""
    if isinstance(base, dict) and isinstance(head, dict):
        for key in head:
            if key not in base:
                return f"{pointer}/{escape_pointer_token(key)}"
            found = first_difference(base[key], head[key], f"{pointer}/{escape_pointer_token(key)}")
            if found is not None:
                return found
        return pointer if set(base) - set(head) else None
    if isinstance(base, list) and isinstance(head, list):
        for index, (old, new) in enumerate(zip(base, head, strict=False)):
            found = first_difference(old, new, f"{pointer}/{index}")
            if found is not None:
                return found
        return pointer if len(base) != len(head) else None
    if type(base) is not type(head) or base != head:
        return pointer
    return None


def without(data: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key not in fields}
