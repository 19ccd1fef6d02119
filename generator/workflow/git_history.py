"""What a branch changes in the register against its base branch, read from git.

Git itself answers which request files changed; the records on both sides are loaded with
certgen's own loader so that every finding points at a line and column. The history rules
(``check.rules.history``) judge the changes.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from generator.check.document import Document
from generator.check.load import load_bytes, load_file
from generator.check.transitions import Change, RecordChange
from generator.errors import UsageError
from generator.project import Project


def git(root: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=root, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        reason = completed.stderr.strip() or f"exit status {completed.returncode}"
        raise UsageError(f"git {' '.join(arguments)} failed: {reason}")
    return completed.stdout


def require_ref(root: Path, ref: str) -> None:
    """Refuse, in plain words, a ref that names no commit here."""
    try:
        git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UsageError:
        raise UsageError(
            f"there is no branch, tag or commit {ref!r} in this repository: check the name "
            "(git branch -a lists them), or fetch it first (git fetch origin)"
        ) from None


def changes_against(project: Project, ref: str) -> list[Change]:
    """Every request file added, changed or deleted since ``ref`` (committed or not)."""
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    require_ref(root, ref)
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


def record_changes(project: Project, ref: str) -> list[RecordChange]:
    """Every frozen record added, changed or deleted since ``ref`` (committed or not)."""
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    folder = os.path.relpath(project.records_dir, root)
    changes = []
    for relative, status in sorted(_name_status(root, ref, folder).items()):
        if not relative.endswith(".json"):
            continue
        path = root / relative
        kind = {"A": "added", "D": "deleted"}.get(status, "changed")
        kept = _regular_bytes(path) if kind != "deleted" else None
        request_id = Path(relative).stem
        changes.append(RecordChange(os.path.relpath(path), kind, request_id, kept))
    return changes


def _regular_bytes(path: Path) -> bytes | None:
    """The file's bytes, or None when it is missing or not a regular file (a link is never
    followed, a FIFO never opened)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
    except OSError:
        return None
    return path.read_bytes()


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


def tracked_outputs(project: Project) -> list[str]:
    """Files git tracks where the build writes (``build/``), as paths from the current
    folder; none outside a git work tree."""
    try:
        root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    except (UsageError, OSError):
        return []
    folder = os.path.relpath(project.root / "build", root)
    listed = git(root, "ls-files", "-z", "--", folder)
    return [os.path.relpath(root / relative) for relative in filter(None, listed.split("\0"))]
