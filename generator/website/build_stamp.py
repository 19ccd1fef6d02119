"""The build stamp: what a finished build was made from and what it left in its output folder,
kept in the cache. A build that finds the same has nothing to do; one that finds only a few
request files changed knows exactly which (``changes``), and what the last build took of each
(``FileFacts``), so it can find out whether anything it publishes changed (build_delta.py).

What a build is made from:

- the base: certgen's code, data/, schemas/, site/, mkdocs.yml (by content), and the
  environment it reads (SOURCE_DATE_EPOCH, whether PDFs are made, the signing and holder keys'
  public fingerprints, the output folder);
- the register, by the state of every file (size, modification and change times, inode,
  mode: as the register index compares them), listed in two processes for a large register:
  a digest a year folder, and each file's state with its facts, kept a year folder a file
  (marshal: read in a fiftieth of a second for ten thousand files), with the last day of
  validity of every time-frame request (``expiries``: what a new day may publish expired);
- the register's top level (which year folders there are, and any stray entry), and the frozen
  records' (a change there gives a full build);
- every frozen record, by its state, kept like the request files: a record added or changed
  (an issuance) stands for a change of the request it belongs to, which is the only file that
  reads it (``requests/<year>/<id>.yaml`` for ``records/<year>/<id>.json``: R102 and
  ``Project.frozen_record``).

What it left: the name of every file in the output folder (what a full build checks of a file
it would not rewrite is that it is there), and the times of each of its folders, which change
whenever a name in them does: a build finds the folders as they were with a few calls, and
lists every file only when they are not. A folder's times are trusted only when they are
earlier than the file system's clock when they were read (the time it gives the folder's
marker file, touched just before): a folder changed at that moment or later could change
again unseen within the clock's tick.

A stamp is written only after a build finished, and removed before a build starts changing
anything. A file changed within the racy window (it could change again unseen within the
clock's tick) is kept as unread, so the next build reads it again.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import posixpath
import re
import stat
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.check import listing, register_index
from generator.check.listing import FolderListing
from generator.files import write_atomically
from generator.fingerprints import environment_hash, tree_hash
from generator.project import Project
from generator.website.inputs import FileFacts, expires_between
from generator.website.output_folder import MARKER
from generator.workers import collector_paused

UNREAD = register_index.UNREAD
_UNREAD_STATE = (-1, -1, -1, -1, -1)
_FIELDS = 5
"""A file's state as kept: size, modification and change times, inode, mode."""
_VALID_TO = FileFacts._fields.index("valid_to")
EXPIRIES = "expiries"
"""The file of the kept expiries (``Stamp.expiries``), beside the year folders' entries."""


def base_key(project: Project, settings: tuple[object, ...], code: str) -> str:
    """What a build is made from besides the register and its records, as one digest."""
    return environment_hash(
        code,
        tree_hash(project.data_dir),
        tree_hash(project.schema_dir),
        tree_hash(project.root / "site"),
        (project.root / "mkdocs.yml").read_bytes(),
        os.environ.get("SOURCE_DATE_EPOCH"),
        settings,
    )


@dataclass(frozen=True)
class Listed:
    """The register and its frozen records as listed before a build reads them."""

    root: str
    """The register's folder (absolute)."""
    folders: list[FolderListing]
    """Its year folders."""
    top: str
    """A digest of its top level: the names of its folders, the state of anything else
    (UNREAD: changed within the racy window)."""
    records: str
    """A digest of the frozen records' top level, as ``top`` is of the register's."""
    record_folders: list[FolderListing]
    """The frozen records' year folders."""
    started: int
    """When the listing started (nanoseconds)."""

    def racy(self, state: tuple[int, ...]) -> bool:
        """Whether a file's state (size, times, ...) is too recent to be trusted as seen."""
        return max(state[1], state[2]) >= _window(self.started)


def _window(now: int) -> int:
    """The start of the racy window before ``now`` (nanoseconds): a file changed since could
    change again unseen within the clock's tick."""
    return now - register_index.RACY_SECONDS * 10**9


def list_register(project: Project) -> Listed:
    """List the register and the frozen records (two processes each for a large one)."""
    started = time.time_ns()
    root = os.path.abspath(project.requests_dir)
    requests, records = listing.start(root), listing.start(os.path.abspath(project.records_dir))
    try:
        folders = requests.collect()
        record_folders = records.collect()
    finally:
        requests.discard()
        records.discard()
    return Listed(
        root,
        folders,
        _top_of(root, started),
        _top_of(records.root, started),
        record_folders,
        started,
    )


def _top_of(root: str, started: int) -> str:
    """A digest of a folder's top level (UNREAD: something in it changed within the racy
    window)."""
    top = listing.top_level(root)
    return _top_digest(top) if _top_settled(top, _window(started)) else UNREAD


def _entries(folder: FolderListing) -> dict[str, tuple[int, ...]]:
    """Every entry of a listed folder (admitted or not) and its state."""
    names = folder.names.decode().split("\0") if folder.names else []
    numbers = memoryview(folder.numbers).cast("q")
    return {n: tuple(numbers[_FIELDS * i : _FIELDS * i + _FIELDS]) for i, n in enumerate(names)}


def _top_digest(top: FolderListing) -> str:
    """The register's top level: a folder by its name (its times change with what it holds,
    which its own listing covers), anything else by its whole state."""
    shown = sorted(
        (name, state[4]) if stat.S_ISDIR(state[4]) else (name, *state)
        for name, state in _entries(top).items()
    )
    return environment_hash(*shown)


def _top_settled(top: FolderListing, window: int) -> bool:
    return all(
        stat.S_ISDIR(state[4]) or max(state[1], state[2]) < window
        for state in _entries(top).values()
    )


def outputs_key(out_dir: Path) -> tuple[str, dict[str, list[int]]]:
    """The names of every file under ``out_dir`` (no link followed; relative to it, so
    however it is spelled), as one digest; and each folder's modification and change times
    and inode (which change whenever a name in it is added, removed or replaced), or -1s for
    a folder changed within the racy window, by its path relative to ``out_dir``."""
    total, count = 0, 0
    folders: dict[str, list[int]] = {}
    pending = [""]
    clock = _clock_of(out_dir)
    while pending:
        relative = pending.pop()
        try:
            entries = os.scandir(os.path.join(out_dir, relative))
            status = os.lstat(os.path.join(out_dir, relative))
        except OSError:
            total, count = total + _name_hash(f"unlisted {relative}"), count + 1
            continue
        folders[relative] = _folder_times(status, clock)
        prefix = f"{relative}/" if relative else ""
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(prefix + entry.name)
                else:
                    total, count = total + _name_hash(prefix + entry.name), count + 1
    return _names_digest(total, count), folders


def outputs_after(
    out_dir: Path, stamp: Stamp, added: list[str], removed: list[str]
) -> tuple[str, dict[str, list[int]]]:
    """``outputs_key`` of an output folder whose key was the stamp's when a build began,
    once the build added the files ``added`` (relative; they were not there) and removed
    ``removed``, without listing its files again: the digest of the names is a sum, so
    names are added to it and taken from it. Each folder's times are read again.

    It rests on the output folder being certgen build's alone while a build runs: another
    build into it waits (a lock), but a file another program removes from it meanwhile is
    not noticed, as a full build's listing of it would not notice either (the next build's
    output folder is then as that program left it until a full build)."""
    count_text, _, total_text = stamp.outputs.partition(":")
    total = int(total_text, 16) + sum(map(_name_hash, added)) - sum(map(_name_hash, removed))
    count = int(count_text) + len(added) - len(removed)
    names = set(stamp.output_folders)
    for relative in added:  # the folders a file moved in may have made
        folder = posixpath.dirname(relative)
        while folder not in names:
            names.add(folder)
            folder = posixpath.dirname(folder)
    clock = _clock_of(out_dir)
    folders = {}
    for folder in names:
        try:
            folders[folder] = _folder_times(os.lstat(os.path.join(out_dir, folder)), clock)
        except OSError:
            return outputs_key(out_dir)
    return _names_digest(total, count), folders


@dataclass(frozen=True)
class _Clock:
    """When an output folder's folders were read, by which their times are trusted."""

    before: int
    """A folder changed before this time (nanoseconds, the file system's) is trusted."""
    device: int | None
    """The output folder's file system (None: any): a folder on another, mounted within it,
    stamps its times by another clock and is never trusted."""


_SAME_CLOCK_NS = 50_000_000
"""How far the marker's time may be from this process's clock for the two to be taken as
one: the kernel stamps files by a clock at most a tick behind its own (a few milliseconds)."""


def _clock_of(out_dir: Path) -> _Clock:
    """The output folder's file-system clock now, read from the time it gives the folder's
    marker file when touched (which changes no folder's times): a folder whose times are
    earlier was last changed before this moment, so any later change gives it other times.
    That holds when the file system stamps the marker and the folders by one fine clock, the
    kernel's: the marker's time is then close to this process's clock and has a fraction of
    a second (a file system that keeps whole seconds or two, or stamps by another machine's
    clock, such as sshfs, does not). Otherwise, and when the marker cannot be touched (a
    folder certgen did not make, a read-only one), the racy window: a folder changed within
    two seconds is not trusted."""
    marker = os.path.join(out_dir, MARKER)
    racy = _Clock(_window(time.time_ns()), None)
    try:
        os.utime(marker, follow_symlinks=False)
        status = os.lstat(marker)
    except OSError:
        return racy
    stamped = status.st_mtime_ns
    local = abs(stamped - time.time_ns()) < _SAME_CLOCK_NS and stamped % 10**9 != 0
    if not (stat.S_ISREG(status.st_mode) and local):
        return racy
    return _Clock(stamped, status.st_dev)


def _folder_times(status: os.stat_result, clock: _Clock) -> list[int]:
    """A folder's times as kept: untrusted ones as -1s."""
    times = _times(status)
    other = clock.device is not None and status.st_dev != clock.device
    return [-1, -1, -1] if other or max(times[:2]) >= clock.before else times


def _times(status: os.stat_result) -> list[int]:
    """What of a folder changes whenever a name in it does: modification and change times,
    inode."""
    return [status.st_mtime_ns, status.st_ctime_ns, status.st_ino & listing.INODE]


_NAMES = 1 << 128


def _name_hash(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=16).digest(), "big")


def _names_digest(total: int, count: int) -> str:
    """How many names, and the sum of their hashes (what ``outputs_after`` adds names to)."""
    return f"{count}:{total % _NAMES:032x}"


def _folders_as_kept(out_dir: Path, folders: dict[str, list[int]]) -> bool:
    """Whether every folder of an output folder is as kept (so no name in it changed)."""
    if not folders:
        return False
    for folder, kept_times in folders.items():
        try:
            status = os.lstat(os.path.join(out_dir, folder))
        except OSError:
            return False
        if _times(status) != kept_times:
            return False
    return True


@dataclass
class Stamp:
    base: str
    outputs: str
    certificates: int
    as_of: str
    """The date the build published as of (ISO)."""
    latest_days: dict[str, int]
    """How many request files record each latest day (the "as of" date is the latest)."""
    top: str
    records: str
    folders: dict[str, str]
    """Each year folder's digest as the build read it (UNREAD: a file in it was racy)."""
    output_folders: dict[str, list[int]] = field(default_factory=dict)
    """The output folder's folders as the build left them (``outputs_key``)."""
    record_folders: dict[str, str] = field(default_factory=dict)
    """Each frozen records' year folder's digest as the build read it (UNREAD: a record in
    it was racy)."""
    files: dict[str, dict[str, list[Any]]] = field(default_factory=dict, repr=False)
    """Each year folder's entries: state, and facts for a request file (loaded when asked)."""
    changed: set[str] = field(default_factory=set, repr=False)
    """The year folders whose entries this build made or changed: ``keep`` writes those."""
    expiries: dict[str, str] | None = field(default=None, repr=False)
    """The last day of validity of each time-frame certificate's request file (by
    ``<year>/<name>``), kept beside the entries so that a new day finds what expires without
    reading every year's (loaded when asked; None: not loaded)."""
    expiries_changed: bool = field(default=False, repr=False)
    record_files: dict[str, dict[str, list[Any]]] = field(default_factory=dict, repr=False)
    """Each frozen records' year folder's entries: their states (loaded when asked)."""

    def same_outputs(self, out_dir: Path) -> bool:
        """Whether the output folder holds the files the stamp's build left: its folders are
        as kept (a few calls), else the name of every file is (the folders' times are then
        kept again)."""
        if _folders_as_kept(out_dir, self.output_folders):
            return True
        names, self.output_folders = outputs_key(out_dir)
        return names == self.outputs

    def same_register(self, listed: Listed) -> bool:
        """Whether the register and records are as this stamp's build read them."""
        return (
            self.same_around(listed)
            and self.folders == _digests(listed.folders)
            and self.record_folders == _digests(listed.record_folders)
        )

    def same_around(self, listed: Listed) -> bool:
        """Whether the register's top level (its year folders) and the frozen records' are as
        this stamp's build read them (UNREAD never is)."""
        return UNREAD not in (listed.top, listed.records) and (self.top, self.records) == (
            listed.top,
            listed.records,
        )


@dataclass(frozen=True)
class Change:
    """A request file that differs from what the stamp's build read."""

    path: str
    """Absolute."""
    year: str
    name: str
    state: tuple[int, ...] | None
    """As listed now; None: it is gone."""
    before: FileFacts | None
    """What the stamp's build took of it; None: it was not there."""


def changes(cache_dir: Path, out_dir: Path, stamp: Stamp, listed: Listed) -> list[Change] | None:
    """The request files that changed since the stamp's build read the register; None when
    something else changed there (a file the check does not read as a request, a folder's
    kept entries missing or damaged) and only a full build knows what it means."""
    found: list[Change] = []
    where = place(cache_dir, out_dir)
    for folder in listed.folders:
        if stamp.folders.get(folder.year) == folder.digest:
            continue
        kept = _year_entries(stamp, where, folder.year)
        if kept is None:
            return None
        now = _entries(folder)
        admitted = {state[0] for state in folder.states()}
        for name in sorted(set(kept) | set(now)):
            before, state = kept.get(name), now.get(name)
            if before is not None and state is not None and tuple(before[:_FIELDS]) == state:
                continue
            known = before is None or len(before) > _FIELDS
            if not known or (state is not None and name not in admitted):
                return None
            path = os.path.join(listed.root, folder.year, name)
            facts = FileFacts(*before[_FIELDS:]) if before else None
            found.append(Change(path, folder.year, name, state, facts))
    return _with_records_changed(where, stamp, listed, found)


def _year_entries(stamp: Stamp, where: Path, year: str) -> dict[str, list[Any]] | None:
    """A year folder's entries as the stamp's build kept them (read once from ``where``);
    None when they are missing or damaged."""
    if year not in stamp.files:
        kept = _kept_folder(where, year)
        if kept is None:
            return None
        stamp.files[year] = kept
    return stamp.files[year]


def _with_records_changed(
    where: Path, stamp: Stamp, listed: Listed, found: list[Change]
) -> list[Change] | None:
    """``found`` with the request of each frozen record added, changed or removed since the
    stamp's build (the one file that reads it); None when a file in records/ is not named as
    a record, or the stamp's entries are missing (a full build knows what it means)."""
    requests = _Requests({folder.year: folder for folder in listed.folders})
    changed = {change.path for change in found}
    for folder in listed.record_folders:
        if stamp.record_folders.get(folder.year) == folder.digest:
            continue
        kept = _kept_folder(where, f"records-{folder.year}")
        if kept is None:
            return None
        stamp.record_files[folder.year] = kept
        now = _entries(folder)
        named = re.compile(rf"(?:IC|EC)-{folder.year}-[0-9]{{4}}\.json\Z").match
        for name in sorted(set(kept) | set(now)):
            before, state = kept.get(name), now.get(name)
            if before is not None and state is not None and tuple(before) == state:
                continue
            if not named(name):
                return None
            year, request_name = folder.year, name.removesuffix(".json") + ".yaml"
            if os.path.join(listed.root, year, request_name) in changed:
                continue  # a change already (an issuance adds both)
            try:
                request = _request_of(where, stamp, listed, requests, request_name)
            except _NotKept:
                return None
            if request is not None:
                changed.add(request.path)
                found.append(request)
    return found


@dataclass
class _Requests:
    """The register's year folders as listed now: each one's request files the check reads,
    and their states (made when first asked)."""

    folders: dict[str, FolderListing]
    made: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)

    def state(self, year: str, name: str) -> tuple[int, ...] | None:
        if year not in self.made:
            folder = self.folders.get(year)
            states = folder.states() if folder else []
            self.made[year] = {state[0]: tuple(state[1:]) for state in states}
        return self.made[year].get(name)


class _NotKept(Exception):
    """The stamp's entries of a request folder are missing or hold no facts of a file."""


def _request_of(
    where: Path, stamp: Stamp, listed: Listed, requests: _Requests, name: str
) -> Change | None:
    """The request file ``name`` (``<id>.yaml``), which reads the frozen record of its ID,
    as a change (the file itself is as the stamp's build read it, or it would be a change
    already); None when it is not there, or not a file the check reads."""
    year = name.split("-")[1]
    state = requests.state(year, name)
    if state is None:
        return None
    kept = _year_entries(stamp, where, year)
    before = kept.get(name) if kept is not None else None
    if before is None or len(before) <= _FIELDS:
        raise _NotKept(name)
    path = os.path.join(listed.root, year, name)
    return Change(path, year, name, state, FileFacts(*before[_FIELDS:]))


def stamp_of(
    base: str,
    outputs: tuple[str, dict[str, list[int]]],
    certificates: int,
    as_of: str,
    listed: Listed,
    facts: dict[str, FileFacts],
) -> Stamp:
    """The stamp of a full build: the register as listed before it read it, and what it took
    of each request file (``facts``, by absolute path)."""
    names, folders = outputs
    stamp = Stamp(base, names, certificates, as_of, {}, listed.top, listed.records, {}, folders)
    latest: Counter[str] = Counter()
    for folder in listed.folders:
        admitted = {state[0] for state in folder.states()}
        entries: dict[str, list[Any]] = {}
        for name, state in _entries(folder).items():
            path = os.path.join(listed.root, folder.year, name)
            kept_facts = facts.get(path) if name in admitted else None
            if kept_facts is None:
                entries[name] = list(state)
                continue
            entries[name] = [*_as_read(state, listed), *kept_facts]
            if kept_facts.latest:
                latest[kept_facts.latest] += 1
        stamp.files[folder.year] = entries
        stamp.changed.add(folder.year)
    stamp.latest_days = dict(latest)
    stamp.expiries, stamp.expiries_changed = _expiries_of(stamp.files), True
    _settle(stamp, listed)
    _settle_records(stamp, listed, every=True)
    return stamp


def latest_days_after(
    stamp: Stamp, found: list[Change], after: dict[str, str | None]
) -> dict[str, int]:
    """How many request files record each latest day, once the changed files are as now
    (``after``: the latest day each records now, by path)."""
    latest = Counter(stamp.latest_days)
    for change in found:
        if change.before and change.before.latest:
            latest[change.before.latest] -= 1
        day = after.get(change.path) if change.state is not None else None
        if day:
            latest[day] += 1
    return {day: count for day, count in sorted(latest.items()) if count > 0}


def expiring(
    cache_dir: Path, out_dir: Path, stamp: Stamp, listed: Listed, days: tuple[str, str]
) -> list[Change] | None:
    """The request files, unchanged since the stamp's build, whose certificate's status
    differs as of one of ``days`` and as of the other (a time-frame certificate whose
    validity ends between them), as changes; None when a year folder's entries are missing.
    Found from the kept expiries, which name the year folders to read; from every year
    folder's entries when they are missing or damaged (a fiftieth of a second for ten
    thousand files)."""
    where = place(cache_dir, out_dir)
    expiries = _expiries(stamp, where)
    if expiries is None:  # every year's entries read: the expiries made again from them
        years: Iterable[str] = [folder.year for folder in listed.folders]
        healed = True
    else:
        healed = False
        flipping = {key for key, day in expiries.items() if expires_between(day, *days)}
        years = sorted({key.partition("/")[0] for key in flipping})
    found = []
    for year in years:
        kept = _year_entries(stamp, where, year)
        if kept is None:
            return None
        for name, entry in kept.items():
            if len(entry) <= _FIELDS or entry[:_FIELDS] == list(_UNREAD_STATE):
                continue
            facts = FileFacts(*entry[_FIELDS:])
            if facts.flips_between(*days):
                path = os.path.join(listed.root, year, name)
                found.append(Change(path, year, name, tuple(entry[:_FIELDS]), facts))
    if healed:
        stamp.expiries, stamp.expiries_changed = _expiries_of(stamp.files), True
    return found


def _expiries_of(files: dict[str, dict[str, list[Any]]]) -> dict[str, str]:
    """The expiries of year folders' entries: each time-frame request file's last day."""
    return {
        f"{year}/{name}": entry[_FIELDS + _VALID_TO]
        for year, entries in files.items()
        for name, entry in entries.items()
        if len(entry) > _FIELDS and entry[_FIELDS + _VALID_TO] is not None
    }


def _expiries(stamp: Stamp, where: Path) -> dict[str, str] | None:
    """The kept expiries (read once from ``where``); None when missing or damaged."""
    if stamp.expiries is None:
        try:
            with collector_paused():
                content = marshal.loads((where / EXPIRIES).read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None
        if not isinstance(content, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in content.items()
        ):
            return None
        stamp.expiries = content
    return stamp.expiries


def with_changes(
    stamp: Stamp, listed: Listed, found: list[Change], after: dict[str, FileFacts], where: Path
) -> Stamp:
    """``stamp`` with the changed files as read now (``after``: their facts, by path), and
    its expiries (kept in ``where``, the stamp's folder)."""
    stamp.latest_days = latest_days_after(stamp, found, {p: f.latest for p, f in after.items()})
    for change in found:
        entries = stamp.files[change.year]
        stamp.changed.add(change.year)
        if change.state is None:
            entries.pop(change.name, None)
            continue
        entries[change.name] = [*_as_read(change.state, listed), *after[change.path]]
    _expiries_after(stamp, where, found, after)
    _settle(stamp, listed)
    _settle_records(stamp, listed, every=False)
    return stamp


def _expiries_after(
    stamp: Stamp, where: Path, found: list[Change], after: dict[str, FileFacts]
) -> None:
    """The kept expiries once the changed files are as read now (written again by ``keep``
    only when one changed); when they are missing or damaged, they are removed (``keep``),
    and a new day reads every year folder's entries."""
    if not found:
        return
    expiries = _expiries(stamp, where)
    if expiries is None:
        stamp.expiries_changed = True
        return
    for change in found:
        key = f"{change.year}/{change.name}"
        facts = after.get(change.path) if change.state is not None else None
        valid_to = facts.valid_to if facts is not None else None
        if expiries.get(key) != valid_to:
            stamp.expiries_changed = True
            if valid_to is None:
                del expiries[key]
            else:
                expiries[key] = valid_to


def _as_read(state: tuple[int, ...], listed: Listed) -> tuple[int, ...]:
    """A request file's state as kept: as listed, or unread when it changed within the racy
    window (the next build reads it again)."""
    return _UNREAD_STATE if listed.racy(state) else state


def _settle(stamp: Stamp, listed: Listed) -> None:
    """Each year folder's digest of the entries the stamp holds (UNREAD: one of them changed
    within the racy window, so the next build looks at them again)."""
    digests = _digests(listed.folders)
    for year, entries in stamp.files.items():
        stamp.folders[year] = UNREAD if _unsettled(entries, listed) else digests[year]


def _settle_records(stamp: Stamp, listed: Listed, every: bool) -> None:
    """Keep the frozen records' year folders as listed: all of them (``every``), or those
    that changed since the stamp's build; a record changed within the racy window is kept as
    unread (its request is read again next time), and its folder's digest as UNREAD."""
    digests = {} if every else dict(stamp.record_folders)
    for folder in listed.record_folders:
        if digests.get(folder.year) == folder.digest:
            continue
        entries = {name: list(_as_read(state, listed)) for name, state in _entries(folder).items()}
        stamp.record_files[folder.year] = entries
        unread = any(entry == list(_UNREAD_STATE) for entry in entries.values())
        digests[folder.year] = UNREAD if unread else folder.digest
    stamp.record_folders = {folder.year: digests[folder.year] for folder in listed.record_folders}


def _digests(folders: list[FolderListing]) -> dict[str, str]:
    return {folder.year: folder.digest for folder in folders}


def _unsettled(entries: dict[str, list[Any]], listed: Listed) -> bool:
    """Whether a year folder holds a request file kept as unread, or anything else changed
    within the racy window."""
    return any(
        entry[:_FIELDS] == list(_UNREAD_STATE)
        if len(entry) > _FIELDS
        else listed.racy(tuple(entry))
        for entry in entries.values()
    )


def place(cache_dir: Path, out_dir: Path) -> Path:
    """The folder of the stamp of the builds into ``out_dir``."""
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return cache_dir / "stamps" / name


def kept(cache_dir: Path, out_dir: Path) -> Stamp | None:
    try:
        fields = json.loads((place(cache_dir, out_dir) / "stamp.json").read_bytes())
        stamp = Stamp(**fields)
    except (OSError, ValueError, TypeError):
        return None
    if not all(
        isinstance(value, dict)
        for value in (stamp.folders, stamp.latest_days, stamp.record_folders)
    ):
        return None
    return stamp


def _kept_folder(place: Path, year: str) -> dict[str, list[Any]] | None:
    """A year folder's kept entries, or None (missing, damaged or not of this stamp)."""
    try:
        with collector_paused():
            content = marshal.loads((place / f"{year}.entries").read_bytes())
    except (OSError, ValueError, EOFError, TypeError):  # marshal's: another Python's too
        return None
    return content if isinstance(content, dict) else None


def forget(cache_dir: Path, out_dir: Path) -> None:
    """Remove the stamp: the output folder is about to change."""
    (place(cache_dir, out_dir) / "stamp.json").unlink(missing_ok=True)


def keep(cache_dir: Path, out_dir: Path, stamp: Stamp) -> None:
    """Write the stamp: its year folders' entries (those it loaded or made), then the stamp,
    which names the folders' digests they were kept for. The stamp is removed first, so a
    stamp never outlives the entries it was written with (a build killed half way leaves
    none)."""
    forget(cache_dir, out_dir)
    folder = place(cache_dir, out_dir)
    for year in sorted(stamp.changed):
        write_atomically(folder / f"{year}.entries", marshal.dumps(stamp.files[year]))
    stamp.changed.clear()
    if stamp.expiries_changed:
        if stamp.expiries is None:
            (folder / EXPIRIES).unlink(missing_ok=True)
        else:
            write_atomically(folder / EXPIRIES, marshal.dumps(stamp.expiries))
        stamp.expiries_changed = False
    for year, entries in stamp.record_files.items():
        write_atomically(folder / f"records-{year}.entries", marshal.dumps(entries))
    fields = {
        "base": stamp.base,
        "outputs": stamp.outputs,
        "certificates": stamp.certificates,
        "as_of": stamp.as_of,
        "latest_days": stamp.latest_days,
        "top": stamp.top,
        "records": stamp.records,
        "folders": stamp.folders,
        "output_folders": stamp.output_folders,
        "record_folders": stamp.record_folders,
    }
    write_atomically(folder / "stamp.json", json.dumps(fields).encode())
