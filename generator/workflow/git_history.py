"""History stage: what a branch changes in the register, judged against its base branch.

Records on the base branch are the published truth: an issued record changes only by a
permitted transition (cancelled, superseded), no record is deleted or renamed, and no ID is
ever used twice. Git itself answers what changed; the records are loaded with certgen's own
loader so that every finding points at a line and column.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.check.document import Document, escape_pointer_token
from generator.check.load import load_bytes, load_file
from generator.errors import UsageError
from generator.project import Project

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


def _status(document: Document | None) -> str | None:
    status = document.data.get("status") if document else None
    return status if isinstance(status, str) else None


def git(root: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise UsageError(f"git {' '.join(arguments)} failed: {completed.stderr.strip()}")
    return completed.stdout


def changes_against(project: Project, ref: str) -> list[Change]:
    """Every request file added, changed or deleted since ``ref`` (committed or not)."""
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    folder = os.path.relpath(project.requests_dir, root)
    statuses = _name_status(root, ref, folder)
    changes = []
    for relative, status in sorted(statuses.items()):
        if not relative.endswith((".yaml", ".yml")):
            continue
        display = os.path.relpath(root / relative)
        base = _load_base(root, ref, relative, display) if status != "A" else None
        head = load_file(root / relative, display).document if status != "D" else None
        kind = {"A": "added", "D": "deleted"}.get(status, "changed")
        reused = kind == "added" and _existed_before(root, ref, relative)
        changes.append(Change(display, kind, base, head, reused))
    return changes


def _name_status(root: Path, ref: str, folder: str) -> dict[str, str]:
    """Path -> A, M or D for the request files that differ from ``ref``, untracked included."""
    statuses = {}
    output = git(root, "diff", "-z", "--name-status", "--no-renames", ref, "--", folder)
    fields = output.split("\0")
    for status, relative in zip(fields[0::2], fields[1::2], strict=False):
        statuses[relative] = status[0]
    untracked = git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", folder)
    for relative in filter(None, untracked.split("\0")):
        statuses[relative] = "A"
    return statuses


def _load_base(root: Path, ref: str, relative: str, display: str) -> Document | None:
    content = subprocess.run(
        ["git", "show", f"{ref}:{relative}"], cwd=root, capture_output=True, check=False
    )
    return load_bytes(content.stdout, display).document if content.returncode == 0 else None


def _existed_before(root: Path, ref: str, relative: str) -> bool:
    return bool(git(root, "log", "--format=%H", "-1", ref, "--", relative).strip())


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
