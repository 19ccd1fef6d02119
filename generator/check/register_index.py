"""The register index: what cross-request rules need of each request file (its ``Entry``: ID,
status, links, official number, departure), kept in a SQLite database in the cache and brought
up to date, before every use, for exactly the files that changed since.

Checking one file of a register needs, besides the file, only the few requests that share its
ID or official number or are linked with it by an amendment; the index finds them without
reading the register. It is kept under the project's cache folder (outside the repository, as
every cache), one database a register and environment (certgen's code, the amendment policy's
locked fields, Python's version): a database of another environment is never opened.

A stale row cannot be used: each year folder's row holds the state of every file as it was
read (size, modification and change times, inode, mode), and every use first lists the folders
and compares the states (a digest a folder, then file by file where it differs); a file that
differs, appeared or went is read again or forgotten before any row is looked up. The change
time cannot be set back, so a file rewritten with its old size and times still differs. A file
changed within the last ``RACY_SECONDS`` is not trusted to stay as seen (it could change again
within the clock's tick), so it is stored as unread and read again next time, as git does.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any, TypeVar

from generator.check import listing
from generator.check.discovery import Target
from generator.check.listing import Listing, ListingFailed, State
from generator.check.rules import Entry
from generator.fingerprints import code_hash, environment_hash

T = TypeVar("T")
SCHEMA_VERSION = 1
RACY_SECONDS = 2
UNREAD = "unread"
"""The digest kept for a folder with files read too soon after they changed: no listing has it."""
BUSY_SECONDS = 60
"""How long a check waits for another check that is updating the same index."""

ReadEntries = Callable[[list[Target]], list[Entry | None]]
"""Reads request files (path, path shown) and gives each one's entry (None: it has no ID)."""

_TABLES = """
CREATE TABLE IF NOT EXISTS folders (
    year TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    states TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    name TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    supersedes TEXT,
    superseded_by TEXT,
    official_number TEXT,
    entry TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_id ON entries (id);
CREATE INDEX IF NOT EXISTS entries_by_supersedes ON entries (supersedes);
CREATE INDEX IF NOT EXISTS entries_by_number ON entries (official_number);
"""


class IndexUnavailable(Exception):
    """The index cannot be opened or written here (a read-only or full disk, a database left
    damaged): the check reads the register instead."""


def _connect(database: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(database, timeout=BUSY_SECONDS, isolation_level=None)
    try:
        connection.executescript(_TABLES)
    except sqlite3.Error:
        connection.close()
        raise
    return connection


class RegisterIndex:
    """The index of one register (a ``requests`` folder), open for one refresh and lookup."""

    def __init__(self, root: str, database: Path) -> None:
        self.root = root
        self.database = database
        try:
            database.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.connection = _connect(database)
            except sqlite3.OperationalError:
                raise  # locked, or cannot be written: never taken for damage
            except sqlite3.DatabaseError:  # not a database (a crash, a full disk): made again
                database.unlink(missing_ok=True)
                self.connection = _connect(database)
        except (OSError, sqlite3.Error) as error:
            raise IndexUnavailable(f"{database}: {error}") from error

    @classmethod
    def open(cls, folder: Path, root: str, environment: str) -> RegisterIndex:
        """The index of the register at ``root`` (absolute) for ``environment``, in ``folder``;
        the databases of other environments of that register are removed."""
        register = hashlib.sha256(root.encode()).hexdigest()[:12]
        key = hashlib.sha256(f"{SCHEMA_VERSION}:{sys.version}:{environment}".encode())
        database = folder / f"register-{register}-{key.hexdigest()[:16]}.sqlite3"
        with suppress(OSError):
            for stale in folder.glob(f"register-{register}-*.sqlite3*"):
                if not stale.name.startswith(database.name):
                    stale.unlink(missing_ok=True)
        return cls(root, database)

    @classmethod
    def open_for(cls, folder: Path, root: str, locked: tuple[str, ...]) -> RegisterIndex:
        """The index of the register at ``root`` as this certgen makes its entries, with
        ``locked`` the amendment policy's locked fields (what an entry's digests are of)."""
        return cls.open(folder, root, environment_hash(code_hash(), locked))

    def close(self) -> None:
        self.connection.close()

    def refresh(self, read: ReadEntries, listed: Listing) -> None:
        """Bring every row up to date with the register as ``listed`` (``read`` reads the
        files that changed)."""
        self._refreshed(read, listed, lambda: None)

    def neighbours(
        self,
        read: ReadEntries,
        targets: Iterable[Entry],
        skip: set[str],
        listed: Listing | None = None,
    ) -> list[Entry]:
        """The entries of the register that cross-request rules compare ``targets`` with,
        in the order a check of the whole register reads them, after bringing the index up
        to date (``read`` reads the files that changed); files in ``skip`` (absolute paths,
        the targets themselves) left out; ``listed`` is the register's listing if it was
        started already.

        They are every entry that shares an ID or official number with a target, that a
        target's ``supersedes`` or ``superseded_by`` names, and that amends what a target is
        or amends: all that the repository rules look at to judge a target."""
        targets = list(targets)
        ids = {
            value
            for entry in targets
            for value in (entry.id, entry.supersedes, entry.superseded_by)
            if value
        }
        numbers = {entry.official_number for entry in targets if entry.official_number}
        listed = listed or listing.start(self.root)
        rows = self._refreshed(read, listed, lambda: self._rows(ids, numbers))
        found = []
        for name, text in rows:
            path = os.path.join(self.root, *name.split("/"))
            if os.path.abspath(path) not in skip:
                found.append(entry_from_json(text, os.path.relpath(path)))
        return found

    def _refreshed(self, read: ReadEntries, listed: Listing, then: Callable[[], T]) -> T:
        """``then()`` on the rows brought up to date, in one transaction."""
        try:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                self._refresh(read, listed)
                found = then()
                self.connection.execute("COMMIT")
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
        except (sqlite3.Error, ListingFailed) as error:
            raise IndexUnavailable(f"{self.database}: {error}") from error
        return found

    def _rows(self, ids: set[str], numbers: set[str]) -> list[tuple[str, str]]:
        if not ids and not numbers:
            return []
        id_marks = ",".join("?" * len(ids)) or "NULL"
        number_marks = ",".join("?" * len(numbers)) or "NULL"
        query = (
            f"SELECT name, entry FROM entries WHERE id IN ({id_marks}) "
            f"OR supersedes IN ({id_marks}) OR official_number IN ({number_marks}) ORDER BY name"
        )
        cursor = self.connection.execute(query, [*ids, *ids, *numbers])
        return cursor.fetchall()

    def _refresh(self, read: ReadEntries, listed: Listing) -> None:
        """Bring every row up to date with the files as they are now."""
        started = time.time_ns()
        stored = dict(self.connection.execute("SELECT year, digest FROM folders").fetchall())
        folders = {folder.year: folder for folder in listed.collect()}
        for year in sorted(set(stored) | set(folders)):
            folder = folders.get(year)
            if folder is None:
                self._refresh_folder(year, [], "", started, read)
            elif stored.get(year) != folder.digest:
                self._refresh_folder(year, folder.states(), folder.digest, started, read)

    def _refresh_folder(
        self, year: str, states: list[State], digest: str, started: int, read: ReadEntries
    ) -> None:
        """Bring a year folder's rows up to date with ``states``, its request files as listed
        (``digest``: of everything the folder held)."""
        row = self.connection.execute(
            "SELECT states FROM folders WHERE year = ?", (year,)
        ).fetchone()
        before = {state[0]: tuple(state) for state in json.loads(row[0])} if row else {}
        now = {state[0]: state for state in states}
        gone = [name for name in before if name not in now]
        changed = [name for name, state in now.items() if before.get(name) != state]
        self.connection.executemany(
            "DELETE FROM entries WHERE name = ?", [(f"{year}/{n}",) for n in (*gone, *changed)]
        )
        folder = os.path.join(self.root, year)
        paths = [os.path.join(folder, name) for name in changed]
        entries = read([(path, os.path.relpath(path)) for path in paths]) if paths else []
        self.connection.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    f"{year}/{name}",
                    entry.id,
                    entry.supersedes,
                    entry.superseded_by,
                    entry.official_number,
                    entry_json(entry),
                )
                for name, entry in zip(changed, entries, strict=True)
                if entry is not None
            ],
        )
        kept = [_unread(state) if _racy(state, started) else state for state in states]
        if not digest:
            self.connection.execute("DELETE FROM folders WHERE year = ?", (year,))
            return
        self.connection.execute(
            "INSERT OR REPLACE INTO folders VALUES (?, ?, ?)",
            (year, digest if kept == states else UNREAD, json.dumps(kept)),
        )


def _racy(state: State, started: int) -> bool:
    return max(state[2], state[3]) >= started - RACY_SECONDS * 1_000_000_000


def _unread(state: State) -> State:
    """A state no file has: the file is read again next time."""
    return (state[0], -1, -1, -1, -1, -1)


def entry_json(entry: Entry) -> str:
    """An entry as stored (its path is the row's name, not stored)."""
    fields = {
        "id": entry.id,
        "kind": entry.kind,
        "status": entry.status,
        "supersedes": entry.supersedes,
        "superseded_by": entry.superseded_by,
        "official_number": entry.official_number,
        "positions": entry.positions,
        "received": entry.received,
        "leaves": entry.leaves,
        "issued_on": entry.issued_on,
        "locked": entry.locked,
    }
    return json.dumps(fields, separators=(",", ":"))


def entry_from_json(text: str, path: str) -> Entry:
    fields: dict[str, Any] = json.loads(text)
    fields["positions"] = {k: (v[0], v[1]) for k, v in fields["positions"].items()}
    fields["locked"] = tuple((p, d) for p, d in fields["locked"])
    return Entry(path=path, **fields)
