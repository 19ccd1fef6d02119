"""Listing a register: the state of every request file a check reads (size, modification and
change times, inode, mode), a digest a year folder.

This is what the register index compares before every use, and what a large register's check
of one file waits for: the file system answers one file at a time. So it needs nothing but the
standard library, and for a large register it runs in two forked processes that can be started
before the checker is even imported (``start``), and collected when the index needs them.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import re
import stat
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field

REGISTER = "requests"
YEAR = re.compile(r"[0-9]{4}\Z")
PARALLEL_FILES = 20_000
"""From this many files (by the folders' own sizes), the folders are listed by two forked
processes."""
BYTES_A_FILE = 32
"""About what a file's entry takes in its folder's own size (ext4: 8 bytes and the name)."""
INODE = 2**63 - 1
"""An inode number as stored (a signed 64-bit number)."""

State = tuple[str, int, int, int, int, int]
"""A request file as listed: its name in its year folder, size, modification and change times
(nanoseconds), inode and mode."""


@dataclass(frozen=True)
class FolderListing:
    """A year folder's request files: their names (NUL-separated) and states (five numbers a
    file), and a digest of both."""

    year: str
    digest: str
    names: bytes
    numbers: bytes

    def newest(self) -> int:
        """The latest modification or change time of anything in the folder (nanoseconds)."""
        numbers = array("q", self.numbers)
        return max([*numbers[1::5], *numbers[2::5], 0])

    def states(self) -> list[State]:
        """The state of each request file a check reads: what the layout admits
        (``<id>.yaml`` of the folder's year, regular files, no links)."""
        names = self.names.decode().split("\0") if self.names else []
        numbers = array("q", self.numbers)
        named = re.compile(rf"(?:IC|EC)-{self.year}-[0-9]{{4}}\.yaml\Z").match
        return [
            (name, *numbers[5 * i : 5 * i + 5])  # type: ignore[misc]
            for i, name in enumerate(names)
            if named(name) and stat.S_ISREG(numbers[5 * i + 4])
        ]


def register_root(path: str) -> str | None:
    """The nearest folder named ``requests`` holding ``path`` (absolute), or ``path`` itself."""
    while True:
        if os.path.basename(path) == REGISTER:
            return path
        parent = os.path.dirname(path)
        if parent == path:
            return None
        path = parent


def year_folders(root: str) -> list[tuple[str, str]]:
    """The year folders of the register at ``root`` that a check reads (no links): each
    one's year and path, by year."""
    try:
        with os.scandir(root) as listing:
            found = [
                (entry.name, entry.path)
                for entry in listing
                if YEAR.match(entry.name) and entry.is_dir(follow_symlinks=False)
            ]
    except OSError:
        return []  # not listed: a check of the register reports it
    return sorted(found)


def list_folder(year: str, folder: str) -> FolderListing:
    """The state of everything in a year folder as it is now (one pass, no object a file, no
    test of names: what a large register's check waits for); ``states`` keeps what a check
    reads."""
    names: list[str] = []
    numbers = array("q")
    name, add = names.append, numbers.extend
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    status = entry.stat(follow_symlinks=False)
                except OSError:  # gone since it was listed: the next check sees it go
                    continue
                name(entry.name)
                add(
                    (
                        status.st_size,
                        status.st_mtime_ns,
                        status.st_ctime_ns,
                        status.st_ino & INODE,
                        status.st_mode,
                    )
                )
    except OSError:
        pass  # not listed: a check of the register reports it
    joined = "\0".join(names).encode()
    content = numbers.tobytes()
    return FolderListing(year, digest(joined, content), joined, content)


def top_level(root: str) -> FolderListing:
    """The state of everything directly in a register's folder (its year folders, and what
    does not belong there)."""
    return list_folder("", root)


def digest(names: bytes, numbers: bytes) -> str:
    """A digest of the states' values (never of how the objects are laid out in memory)."""
    found = hashlib.sha256(names)
    found.update(b"\0\0")
    found.update(numbers)
    return found.hexdigest()


class ListingFailed(Exception):
    """A forked process listing a register ended without its listing."""


@dataclass
class _Child:
    pid: int
    reader: int


@dataclass
class Listing:
    """A register's listing, being made by forked processes or to be made when asked."""

    root: str
    folders: list[tuple[str, str]]
    children: list[_Child] = field(default_factory=list)
    made: list[FolderListing] | None = None
    """The listing, when it was made already (``collected``)."""

    @classmethod
    def collected(cls, root: str, made: list[FolderListing]) -> Listing:
        """A listing made earlier, given again to whoever collects it."""
        return cls(root, [], made=made)

    def collect(self) -> list[FolderListing]:
        """Every year folder's listing (waiting for the processes making it, if any)."""
        if self.made is not None:
            return self.made
        if not self.children:
            return [list_folder(*folder) for folder in self.folders]
        found: list[FolderListing] = []
        failed = None
        for child in self.children:
            with os.fdopen(child.reader, "rb", closefd=False) as answer:
                content = answer.read()
            _close(child.reader)
            _, status = os.waitpid(child.pid, 0)
            if status != 0 or not content:
                failed = f"a process listing {self.root} ended with status {status}"
                continue
            found += [FolderListing(*row) for row in marshal.loads(content)]
        self.children = []
        if failed:
            raise ListingFailed(failed)
        return sorted(found, key=lambda listing: listing.year)

    def discard(self) -> None:
        """Stop the processes making the listing, if it was not collected."""
        for child in self.children:
            _close(child.reader)  # the child's write fails, and it ends
        for child in self.children:
            os.waitpid(child.pid, 0)
        self.children = []


def start_for(arguments: list[str]) -> dict[str, Listing]:
    """Start listing the registers that a check of ``arguments`` (files or folders) takes
    other files from (before they are discovered: each argument stands for what it holds)."""
    targets = [(argument, argument) for argument in arguments]
    return {root: start(root) for root in context_roots(targets, arguments)}


def context_roots(targets: Iterable[tuple[str, str]], arguments: Iterable[str] = ()) -> list[str]:
    """The registers (absolute paths of ``requests`` folders, never a link) that the targets
    belong to, unless they were given whole."""
    folders = {os.path.dirname(os.path.abspath(path)) for path, _ in targets}
    roots = {root for root in map(register_root, folders) if root is not None}
    roots -= {os.path.abspath(a) for a in arguments if os.path.isdir(a)}
    return sorted(root for root in roots if not os.path.islink(root))


def start(root: str) -> Listing:
    """Start listing the register at ``root`` (absolute): in two forked processes when it is
    large, else when collected."""
    folders = year_folders(root)
    halves = _halves(folders)
    listing = Listing(root, folders)
    if halves:
        listing.children = [_fork(half) for half in halves]
    return listing


_READERS: set[int] = set()
"""The parent's ends of the pipes of the listing processes still running: a process forked
later closes its copies, so that it never keeps an earlier one's pipe open (that one would
then wait on it forever once the parent stops reading)."""


def _close(reader: int) -> None:
    _READERS.discard(reader)
    os.close(reader)


def _fork(folders: list[tuple[str, str]]) -> _Child:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        code = 1
        try:
            for inherited in (reader, *_READERS):
                os.close(inherited)
            rows = [
                (f.year, f.digest, f.names, f.numbers)
                for f in (list_folder(*folder) for folder in folders)
            ]
            with os.fdopen(writer, "wb") as out:
                out.write(marshal.dumps(rows))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    _READERS.add(reader)
    return _Child(pid, reader)


def _halves(folders: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The folders in two halves of about as many files (by the folders' own sizes, the
    largest first); none below ``PARALLEL_FILES`` or with one folder."""
    sizes = {path: _size(path) for _, path in folders}
    if len(folders) < 2 or sum(sizes.values()) < PARALLEL_FILES * BYTES_A_FILE:
        return []
    halves: list[list[tuple[str, str]]] = [[], []]
    weights = [0, 0]
    for folder in sorted(folders, key=lambda f: -sizes[f[1]]):
        lighter = 0 if weights[0] <= weights[1] else 1
        halves[lighter].append(folder)
        weights[lighter] += sizes[folder[1]]
    return halves


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
