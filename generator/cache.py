"""Build caches: what an earlier run computed, reused when its inputs have not changed.

The check cache keeps each file's outcome under its path, size and modification time, all
invalidated together when anything else that shapes an outcome changes (schemas, reference
data, certgen's own code). It is a pickle in the build folder, which only certgen writes.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.check import FileOutcome

PACKAGE = Path(__file__).resolve().parent


def tree_hash(*folders: Path, suffixes: tuple[str, ...] = ()) -> str:
    """A hash of the names and contents of the files under ``folders``."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and (not suffixes or path.suffix in suffixes):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def code_hash() -> str:
    """certgen's own code and templates: a change to them invalidates every cache."""
    return tree_hash(PACKAGE, suffixes=(".py", ".j2", ".css"))


class CheckCache:
    def __init__(self, path: Path, environment: str) -> None:
        self.path = path
        self.environment = environment
        self.entries: dict[str, tuple[str, int, int, FileOutcome]] = {}
        self.changed = False
        try:
            with path.open("rb") as handle:
                stored = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return
        if isinstance(stored, dict) and stored.get("environment") == environment:
            self.entries = stored["entries"]

    def lookup(self, work: list[tuple[str, str, bool]]) -> dict[str, FileOutcome]:
        """Outcomes of the files of ``work`` that have not changed since they were stored."""
        found = {}
        for path, display, report in work:
            stored = self.entries.get(display)
            if stored is None or stored[0] != _mode(report):
                continue
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if (stat.st_size, stat.st_mtime_ns) == stored[1:3]:
                found[display] = stored[3]
        return found

    def store(self, item: tuple[str, str, bool], outcome: FileOutcome) -> None:
        path, display, report = item
        try:
            stat = os.stat(path)
        except OSError:
            return
        self.entries[display] = (_mode(report), stat.st_size, stat.st_mtime_ns, outcome)
        self.changed = True

    def save(self, keep: set[str] | None = None) -> None:
        if keep is not None:
            self.entries = {k: v for k, v in self.entries.items() if k in keep}
        if not self.changed and keep is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            pickle.dump(
                {"environment": self.environment, "entries": self.entries},
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
        temporary.replace(self.path)


def _mode(report: bool) -> str:
    return "check" if report else "index"


def environment_hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()
