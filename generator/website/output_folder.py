"""The output folder, kept in step with a manifest of what each of its files was made from.

A file is rewritten only when the key it is made from changed (or it went missing), and
files an earlier build made but this one did not are removed; the manifest lives in the
build cache, keyed by the output folder's path.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError
from generator.files import write_atomically
from generator.workers import collector_paused


@dataclass(frozen=True)
class Planned:
    """A file to be made only if its key differs from the one it was last made from."""

    key: str
    make: Callable[[], bytes]


def content_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


CERTIFICATES = "certificates/"
"""The folder of the certificates' own files (``<id>.json``, ``<id>.html``, ...)."""

MARKER = ".certgen-output"
"""A file in every output folder certgen build made: only such a folder is ever cleaned."""


class Manifest:
    """What each file of an output folder was made from, so unchanged files are left alone.

    With a cache folder, every file this build makes goes to a staging folder beside the
    output folder, which ``finish`` then moves in: a build killed before that leaves the
    output folder as it was (or, for a first build, no output folder at all). The manifest
    is removed while the files move in, so a build killed then is followed by one that
    remakes every file and removes any it does not make."""

    def __init__(
        self,
        out_dir: Path,
        path: Path | None,
        entries: dict[str, str],
        staging: Path | None,
        digests: dict[str, str] | None = None,
    ) -> None:
        self.out_dir = out_dir
        self.root = str(out_dir)
        self.path = path
        self.previous = entries
        self.current: dict[str, str] = {}
        self.previous_digests = digests or {}
        self.listed: dict[str, set[str]] = {}
        """The files of each folder of the output folder, as listed when first asked."""
        self.digests: dict[str, str] = {}
        """SHA-256 of the files whose digest is published (the PDFs), made by this build."""
        self.staging = staging
        self.write_dir = staging or out_dir
        """Where this build writes its files: the staging folder, or the output folder."""
        self.names_changed: tuple[list[str], list[str]] | None = None
        """With ``finish(names=True)``: the files it added to the output folder (that were
        not there) and those it removed, relative."""

    @classmethod
    def load(cls, cache_dir: Path | None, out_dir: Path) -> Manifest:
        if cache_dir is None:
            return cls(out_dir, None, {}, None)
        name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
        path = cache_dir / "manifests" / f"{name}.manifest"
        try:  # marshal: a manifest of 400,000 files is read in a tenth of the time JSON takes
            with collector_paused():
                saved = marshal.loads(path.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):  # marshal's: another Python's too
            saved = None
        files = saved.get("files") if isinstance(saved, dict) else None
        digests = saved.get("sha256") if isinstance(saved, dict) else None
        if not isinstance(files, dict) or not isinstance(digests, dict):
            files, digests = _untrusted(out_dir), {}
        staging = out_dir.parent / f".{out_dir.name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        return cls(out_dir, path, files, staging, digests)

    def digest(self, relative: str) -> str | None:
        """The SHA-256 of a file whose digest is kept: made now, or left as an earlier build
        made it."""
        if relative in self.digests:
            return self.digests[relative]
        unchanged = self.previous.get(relative) == self.current.get(relative)
        return self.previous_digests.get(relative) if unchanged else None

    def wants(self, relative: str, key: str) -> bool:
        """Record that ``relative`` is made from ``key``; true when it must be (re)made."""
        self.current[relative] = key
        if self.previous.get(relative) != key:
            return True
        return not self._present(relative)

    def _present(self, relative: str) -> bool:
        """Whether the output folder holds ``relative`` as a file (its folder listed once)."""
        folder, _, name = relative.rpartition("/")
        if folder not in self.listed:
            try:
                with os.scandir(os.path.join(self.root, folder)) as entries:
                    self.listed[folder] = {e.name for e in entries if e.is_file()}
            except OSError:
                self.listed[folder] = set()
        return name in self.listed[folder]

    def carry_files(self, relatives: list[str]) -> None:
        """Keep these files as the last build made them: not made again, not removed."""
        for relative in relatives:
            if relative in self.previous:
                self.current[relative] = self.previous[relative]

    def carry_certificates_but(self, certificate_ids: set[str]) -> None:
        """Keep the files of every certificate (``certificates/<id>.*``) but these as the last
        build made them: not made again, not removed."""
        excluded = tuple(f"{CERTIFICATES}{certificate_id}." for certificate_id in certificate_ids)
        carried = dict(self.previous)  # a copy, and a pass of C-level tests: 300,000 files
        left = [r for r in carried if not r.startswith(CERTIFICATES) or r.startswith(excluded)]
        for relative in left:
            del carried[relative]
        self.current.update(carried)

    def put_bytes(self, relative: str, content: bytes, key: str | None = None) -> int:
        if not self.wants(relative, key or hashlib.sha256(content).hexdigest()):
            return 0
        self.write(relative, content)
        return 1

    def put_planned(self, relative: str, planned: Planned) -> int:
        if not self.wants(relative, planned.key):
            return 0
        self.write(relative, planned.make())
        return 1

    def put_file(self, relative: str, source: Path) -> int:
        content = source.read_bytes()
        return self.put_bytes(relative, content)

    def write(self, relative: str, content: bytes) -> None:
        if self.staging is None:
            write_atomically(self.out_dir / relative, content)
        else:
            write_file(self.staging / relative, content)

    def finish(self, names: bool = False) -> int:
        """Move the files made into the output folder, remove those an earlier build made
        that this one did not, and save the manifest; return how many were removed. With
        ``names``, which files were added and removed is kept in ``names_changed`` (a
        look at each file moved in: for builds that move few)."""
        if self.staging is None:
            return 0
        if self.path is not None:
            self.path.unlink(missing_ok=True)
        if not self.out_dir.exists():
            write_file(self.staging / MARKER, MARKER_TEXT)
            os.replace(self.staging, self.out_dir)
            removed: list[str] = []
        else:
            if not (self.out_dir / MARKER).is_file():
                write_file(self.staging / MARKER, MARKER_TEXT)
            added = _move_into(self.staging, self.out_dir, names)
            removed = self._remove_leftovers()
            shutil.rmtree(self.staging, ignore_errors=True)
            if names:
                self.names_changed = added, removed
        if self.path is not None:
            kept = (self.digests.keys() | self.previous_digests.keys()) & self.current.keys()
            digests = {r: d for r in kept if (d := self.digest(r)) is not None}
            saved = {"files": self.current, "sha256": digests}
            write_atomically(self.path, marshal.dumps(saved))
        return len(removed)

    def _remove_leftovers(self) -> list[str]:
        removed = []
        for relative in self.previous.keys() - self.current.keys() - {MARKER}:
            target = self.out_dir / relative
            if target.is_file() or target.is_symlink():
                target.unlink()
                removed.append(relative)
        return removed


MARKER_TEXT = (
    b"Made by certgen build: every file in this folder is replaced or removed by the next.\n"
)


def _untrusted(out_dir: Path) -> dict[str, str]:
    """With no manifest to trust, every file of an output folder certgen made is to be made
    again (or removed); a folder certgen did not make is refused rather than cleaned."""
    if not out_dir.exists():
        return {}
    if not out_dir.is_dir() or (any(out_dir.iterdir()) and not (out_dir / MARKER).is_file()):
        raise UsageError(
            f"{out_dir} holds files that certgen build did not make (it has no {MARKER}); "
            "delete it, or choose another output folder"
        )
    entries = {}
    for root, _, files in os.walk(out_dir):
        for name in files:
            relative = os.path.relpath(os.path.join(root, name), out_dir)
            entries[Path(relative).as_posix()] = ""
    return entries


def _move_into(staging: Path, out_dir: Path, names: bool) -> list[str]:
    """Move the staged files in; with ``names``, the relative paths of those that were not
    in the output folder."""
    added = []
    for root, _, files in os.walk(staging):
        folder = os.path.relpath(root, staging)
        target_dir = out_dir / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            target = target_dir / name
            if names and not os.path.lexists(target):
                added.append(Path(folder, name).as_posix())
            os.replace(os.path.join(root, name), target)
    return added


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
