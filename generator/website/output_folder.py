"""The output folder, kept in step with a manifest of what each of its files was made from.

A file is rewritten only when the key it is made from changed (or it went missing), and
files an earlier build made but this one did not are removed; the manifest lives in the
build cache, keyed by the output folder's path.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Planned:
    """A file to be made only if its key differs from the one it was last made from."""

    key: str
    make: Callable[[], bytes]


def content_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


class Manifest:
    """What each file of an output folder was made from, so unchanged files are left alone."""

    def __init__(self, out_dir: Path, path: Path | None, entries: dict[str, str]) -> None:
        self.out_dir = out_dir
        self.root = str(out_dir)
        self.path = path
        self.previous = entries
        self.current: dict[str, str] = {}

    @classmethod
    def load(cls, cache_dir: Path | None, out_dir: Path) -> Manifest:
        if cache_dir is None:
            return cls(out_dir, None, {})
        name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
        path = cache_dir / "manifests" / f"{name}.json"
        try:
            entries = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(out_dir, path, entries if isinstance(entries, dict) else {})

    def wants(self, relative: str, key: str) -> bool:
        """Record that ``relative`` is made from ``key``; true when it must be (re)made."""
        self.current[relative] = key
        if self.previous.get(relative) != key:
            return True
        return not os.path.isfile(os.path.join(self.root, relative))

    def put_bytes(self, relative: str, content: bytes, key: str | None = None) -> int:
        if not self.wants(relative, key or hashlib.sha256(content).hexdigest()):
            return 0
        write_file(self.out_dir / relative, content)
        return 1

    def put_planned(self, relative: str, planned: Planned) -> int:
        if not self.wants(relative, planned.key):
            return 0
        write_file(self.out_dir / relative, planned.make())
        return 1

    def put_file(self, relative: str, source: Path) -> int:
        content = source.read_bytes()
        return self.put_bytes(relative, content)

    def finish(self) -> int:
        """Remove files an earlier build made that this one did not; save the manifest."""
        removed = 0
        for relative in set(self.previous) - set(self.current):
            target = self.out_dir / relative
            if target.is_file():
                target.unlink()
                removed += 1
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.current, sort_keys=True), "utf-8")
        return removed


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (creating its folder if needed) with one open and write:
    Python's file objects add three system calls per file, which a build of tens of
    thousands of files notices."""
    try:
        handle = os.open(path, _WRITE_FLAGS, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)
