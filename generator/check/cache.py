"""The check cache: what an earlier check computed of each file, reused when its inputs have
not changed.

The cache keeps each file's outcome under its path, size and modification and change times
(and the states of the files it was made from), and the SHA-256 of their contents: a file
whose state changed but whose bytes, and those of the files it was made from, did not (a
fresh checkout, as in CI) is not checked again. All are invalidated together when anything
else that shapes an outcome changes (schemas, reference data, certgen's own code). It is
stored as one pickle per folder of the register, named for
that environment (so a pickle of another environment is never read, even after a crash), in
the project's cache folder outside the repository; a change rewrites only its folder's
pickle, atomically.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from generator.check.outcomes import FileOutcome
from generator.files import write_atomically
from generator.fingerprints import code_hash, environment_hash, tree_hash
from generator.project import Project
from generator.workers import collector_paused

FileState = tuple[str, int, int, int, int, int]
"""A file as last seen: path, size, modification and change times, inode and mode (-1s:
missing). The change time cannot be set back, so a file rewritten with its old size and
modification time is still seen as changed."""
Stored = tuple[str, int, int, FileOutcome, tuple[FileState, ...], int]


class CheckCache:
    def __init__(self, folder: Path, environment: str) -> None:
        self.folder = folder
        self.environment = environment
        self.groups: dict[str, dict[str, Stored]] = {}
        self.dirty: set[str] = set()
        self.index: dict[str, str] = {}
        """Display path -> the group it is stored in."""
        self.suffix = f"-{environment[:16]}.pickle"
        for path in sorted(folder.glob(f"group-*{self.suffix}")):
            group = path.name.removesuffix(self.suffix)
            entries = _load(path)
            if entries is not None:
                self.groups[group] = entries
                self.index.update(dict.fromkeys(entries, group))

    def lookup(self, work: list[tuple[str, str, bool]]) -> dict[str, FileOutcome]:
        """Outcomes of the files of ``work`` that have not changed since they were stored."""
        found = {}
        unlinked: dict[str, bool] = {}
        for path, display, report in work:
            group = self.index.get(display)
            if group is None:
                continue
            stored = self.groups[group][display]
            if stored[0] != _mode(report):
                continue
            try:
                stat = os.stat(path)
            except OSError:
                continue
            unchanged = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns) == (
                *stored[1:3],
                stored[5],
            )
            if not _unlinked(stored[3].depends_on, unlinked):
                continue  # a record's folder that is a link is a finding
            if unchanged and all(state == file_state(state[0]) for state in stored[4]):
                found[display] = stored[3]
            elif _same_contents(path, stored):  # a fresh checkout: same bytes
                found[display] = stored[3]
                self.store((path, display, report), stored[3])  # its states as they are now
        return found

    def store(self, item: tuple[str, str, bool], outcome: FileOutcome) -> None:
        """Keep ``outcome`` for ``item``'s file; not when its contents' digests are not known
        to be of the bytes checked (``FileOutcome.contents`` left empty: a file changed just
        before or while it was checked is checked again next time)."""
        path, display, report = item
        if not outcome.contents:
            return
        try:
            stat = os.stat(path)
        except OSError:
            return
        group = "group-" + hashlib.sha256(os.path.dirname(display).encode()).hexdigest()[:12]
        self.groups.setdefault(group, {})[display] = (
            _mode(report),
            stat.st_size,
            stat.st_mtime_ns,
            outcome,
            tuple(file_state(dependency) for dependency in outcome.depends_on),
            stat.st_ctime_ns,
        )
        self.index[display] = group
        self.dirty.add(group)

    def touched(self, display: str) -> None:
        """Mark the group of ``display`` for saving (its outcome was updated in place)."""
        group = self.index.get(display)
        if group:
            self.dirty.add(group)

    def save(self) -> None:
        if not self.dirty:
            return
        for group in sorted(self.dirty):
            content = pickle.dumps(self.groups[group], protocol=pickle.HIGHEST_PROTOCOL)
            write_atomically(self.folder / f"{group}{self.suffix}", content)
            for stale in self.folder.glob(f"{group}-*.pickle"):
                if not stale.name.endswith(self.suffix):
                    stale.unlink(missing_ok=True)
        self.dirty.clear()


def settled_digests(paths: tuple[str, ...], read_from: int, racy_seconds: float) -> tuple[str, ...]:
    """The SHA-256 of each file's bytes, read after a check that started reading them at
    ``read_from`` (nanoseconds); empty when one of them changed within ``racy_seconds``
    before that or since (its bytes now may not be those the check read)."""
    window = read_from - int(racy_seconds * 10**9)
    for path in paths:
        state = file_state(path)
        if state[1] >= 0 and max(state[2], state[3]) >= window:
            return ()
    return content_digests(paths)


def content_digests(paths: tuple[str, ...]) -> tuple[str, ...]:
    """The SHA-256 of each file's bytes ("" for one that cannot be read)."""
    found = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                found.append(hashlib.sha256(handle.read()).hexdigest())
        except OSError:
            found.append("")
    return tuple(found)


def _same_contents(path: str, stored: Stored) -> bool:
    """Whether a file and the files its stored outcome was made from hold what they held
    when it was checked, each of the same kind (a record never a link where it was a file,
    or there where it was missing)."""
    outcome = stored[3]
    dependencies = outcome.depends_on
    if len(outcome.contents) != 1 + len(dependencies) or len(stored[4]) != len(dependencies):
        return False
    if any(file_state(state[0])[5] != state[5] for state in stored[4]):
        return False
    return content_digests((path, *dependencies)) == outcome.contents


def _unlinked(dependencies: tuple[str, ...], unlinked: dict[str, bool]) -> bool:
    """Whether the folders of these records (``records/<year>``) and their parent
    (``records``) are no links, as the check requires of them (``Checker.frozen_state``): a
    record's own state does not show that its folder became one (``unlinked`` keeps each
    folder's answer)."""
    for dependency in dependencies:
        folder = os.path.dirname(os.path.abspath(dependency))
        if folder not in unlinked:
            linked = os.path.islink(folder) or os.path.islink(os.path.dirname(folder))
            unlinked[folder] = not linked
        if not unlinked[folder]:
            return False
    return True


def file_state(path: str) -> FileState:
    """How ``path`` is now, without following a link."""
    try:
        status = os.lstat(path)
    except OSError:
        return (path, -1, -1, -1, -1, -1)
    return (
        path,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
        status.st_ino,
        status.st_mode,
    )


def _load(path: Path) -> dict[str, Stored] | None:
    """A folder's stored outcomes, unpickled with the garbage collector paused: hundreds of
    thousands of new objects would otherwise set off collections that walk all of them again
    and again (four fifths of the time it takes at 100,000 requests)."""
    try:
        with collector_paused(), path.open("rb") as handle:
            entries = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    return entries if isinstance(entries, dict) else None


def _mode(report: bool) -> str:
    return "check" if report else "index"


def environment_of(project: Project) -> str:
    """Everything besides a file that shapes its outcome: certgen's code, the schemas and the
    reference data. (Not the build's date: a drafted certificate is finalised again when the
    date it was finalised as of is not the build's, ``inputs._finalized``.)"""
    return environment_hash(
        code_hash(),
        tree_hash(project.schema_dir),
        tree_hash(project.data_dir),
    )
