"""Discovery: which files a check reads. Folders are listed without following links and
nothing is opened here; in a register (a ``requests`` folder) whatever is not
``<year>/<id>.yaml`` is reported instead of read (Y014 for links and special files, Y016).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from generator.check.listing import REGISTER, YEAR, context_roots, register_root
from generator.check.load import refused_file
from generator.errors import UsageError
from generator.findings import Finding, Severity

KEPT = ".gitkeep"
"""The one file a register may hold besides requests: it keeps an empty folder in git, and is
never read."""
YAML = (".yaml", ".yml")
_REQUEST_FILE = re.compile(r"(?:IC|EC)-([0-9]{4})-[0-9]{4}\.yaml\Z")
_LAYOUT = (
    "the register holds only requests/<year>/<id>.yaml, the ID being IC-<year>-NNNN or "
    "EC-<year>-NNNN of its folder's year (for example requests/2026/IC-2026-0001.yaml)"
)

Target = tuple[str, str]
"""A file to check, and the path to show for it."""


@dataclass
class Discovery:
    files: list[Target] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    """What was found and not read: links, special files, entries outside the layout."""


def discover(arguments: Sequence[str]) -> Discovery:
    """Files to check, each with the path to show: as given, or joined to the folder given."""
    found = Discovery()
    seen: dict[str, Target] = {}
    for argument in arguments:
        for target in _targets(argument, found.findings):
            seen.setdefault(os.path.abspath(target[0]), target)
    found.files = list(seen.values())
    return found


def register_context(targets: list[Target], arguments: Sequence[str] = ()) -> list[Target]:
    """Other files of the registers (``requests`` folders) that the targets belong to; none
    when a whole register was given. Only what the layout admits is listed, never reported."""
    seen = {os.path.abspath(path) for path, _ in targets}
    return [
        (file, os.path.relpath(file))
        for root in context_roots(targets, arguments)
        for file, _ in _register_walk(root, root, (), [])
        if os.path.abspath(file) not in seen
    ]


def _targets(argument: str, findings: list[Finding]) -> Iterator[Target]:
    path = os.path.normpath(argument)  # "requests/" names the entry, not what a link holds
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        raise UsageError(f"{argument}: no such file or folder") from None
    absolute = os.path.abspath(path)
    root = register_root(absolute)
    linked = _linked_step(root, absolute) if root else None
    if linked:
        findings.append(refused_file(os.path.relpath(linked), os.lstat(linked).st_mode))
    elif not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
        findings.append(refused_file(argument, mode))
    elif root is not None and absolute != root:
        place = tuple(os.path.relpath(absolute, root).split(os.sep))
        yield from _in_register(path, argument, place, stat.S_ISDIR(mode), findings)
    elif stat.S_ISDIR(mode) and root is not None:
        yield from _register_walk(path, argument, (), findings)
    elif stat.S_ISDIR(mode):
        yield from _plain_walk(path, argument, findings)
    else:
        yield argument, argument


def _linked_step(root: str, absolute: str) -> str | None:
    """The first folder from the register ``root`` down to ``absolute`` (excluded) that is a
    link: what lies under it is somewhere else."""
    step = root
    for name in ["", *os.path.relpath(absolute, root).split(os.sep)[:-1]]:
        step = os.path.join(step, name) if name else step
        if step != absolute and os.path.islink(step):
            return step
    return None


def _in_register(
    path: str, shown: str, place: tuple[str, ...], folder: bool, findings: list[Finding]
) -> Iterator[Target]:
    """A file or folder given by name inside a register, at ``place`` under its root."""
    if folder and len(place) == 1 and YEAR.match(place[0]):
        yield from _register_walk(path, shown, place, findings)
        return
    if place[-1] == KEPT and not folder:
        return
    problem = _misplaced(place, folder)
    if problem:
        findings.append(_outside(shown.rstrip("/") + ("/" if folder else ""), problem))
    else:
        yield path, shown


def _register_walk(
    folder: str, shown: str, place: tuple[str, ...], findings: list[Finding]
) -> Iterator[Target]:
    """The request files under a register's root (``place`` empty) or one of its year folders."""
    for entry in _entries(folder, shown, findings):
        display = os.path.join(shown, entry.name)
        inner = (*place, entry.name)
        if entry.is_dir(follow_symlinks=False):
            problem = _misplaced(inner, folder=True)
            if problem:
                findings.append(_outside(display + "/", problem))
            else:
                yield from _register_walk(entry.path, display, inner, findings)
        elif not entry.is_file(follow_symlinks=False):
            findings.append(refused_file(display, entry.stat(follow_symlinks=False).st_mode))
        elif entry.name != KEPT:
            problem = _misplaced(inner, folder=False)
            if problem:
                findings.append(_outside(display, problem))
            else:
                yield entry.path, display


def _plain_walk(folder: str, shown: str, findings: list[Finding]) -> Iterator[Target]:
    """The YAML files under a folder that is not a register, hidden ones aside; a register
    met on the way is walked by its layout. Links and special files are never followed."""
    for entry in _entries(folder, shown, findings):
        display = os.path.join(shown, entry.name)
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            if entry.name == REGISTER:
                yield from _register_walk(entry.path, display, (), findings)
            else:
                yield from _plain_walk(entry.path, display, findings)
        elif entry.is_file(follow_symlinks=False):
            if entry.name.endswith(YAML):
                yield entry.path, display
        elif entry.name.endswith(YAML) or entry.name == REGISTER:
            findings.append(refused_file(display, entry.stat(follow_symlinks=False).st_mode))


def _entries(folder: str, shown: str, findings: list[Finding]) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda entry: entry.name)
    except OSError as error:
        message = f"cannot list this folder: {error.strerror or error}; check its permissions"
        findings.append(Finding(shown + "/", 1, 1, "Y014", Severity.ERROR, message))
        return []


def _misplaced(place: tuple[str, ...], folder: bool) -> str | None:
    """What is wrong with an entry at ``place`` under a register's root, if anything."""
    name, year = place[-1], place[0]
    if len(place) == 1 and not folder:
        return f"a file directly in requests/ is no request: {_LAYOUT}; move it out (not read)"
    if not YEAR.match(year):
        return (
            f"requests/{year}/ is not named for a year (four digits): {_LAYOUT}; rename the "
            "folder or move it out of requests/ (nothing in it is read)"
        )
    if len(place) == 1:
        return None
    if folder or len(place) > 2:
        return (
            f"a year folder holds request files only, no folders: {_LAYOUT}; move what "
            f"this holds into requests/{year}/ or out of requests/ (it is not read)"
        )
    named = _REQUEST_FILE.match(name)
    if named and named.group(1) == year:
        return None
    return (
        f"this file name is not a request ID of {year}{_hint(name, year)}: {_LAYOUT}; rename "
        "the file or move it out of requests/ (it is not read)"
    )


def _hint(name: str, year: str) -> str:
    stem, _, suffix = name.rpartition(".")
    found = re.fullmatch(r"(IC|EC)-([0-9]{4})-[0-9]{4}", stem)
    if found and suffix != "yaml":
        return f" (name it {stem}.yaml)"
    if found and found.group(2) != year:
        return f" (a request of {found.group(2)} goes in requests/{found.group(2)}/)"
    return ""


def _outside(display: str, problem: str) -> Finding:
    return Finding(display, 1, 1, "Y016", Severity.ERROR, problem)
