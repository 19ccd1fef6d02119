"""The build stamp: what a finished build was made from and what it left in its output folder,
kept in the cache; a build that finds the same has nothing to do.

What a build is made from: certgen's code, data/, schemas/, site/, mkdocs.yml (by content),
the environment it reads (SOURCE_DATE_EPOCH, whether PDFs are made, the signing and holder
keys' public fingerprints), and the register and its frozen records by the state of every
file (size, modification and change times, inode, mode: as the register index compares them,
listed in two processes for a large register). What it left: the name of every file in the
output folder (what a full build checks of a file it would not rewrite is that it is there).

A stamp is written only after a build finished, and removed before a build starts changing
anything; it is not written while a register file changed within the racy window (it could
change again unseen within the clock's tick).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from generator.check import listing, register_index
from generator.files import write_atomically
from generator.fingerprints import environment_hash, tree_hash
from generator.project import Project


@dataclass(frozen=True)
class Stamp:
    inputs: str
    outputs: str
    certificates: int


def inputs_key(project: Project, settings: tuple[object, ...], code: str) -> str | None:
    """What a build is made from, as one digest; None when a register or record file changed
    too recently to be trusted as listed."""
    started = listing.start(str(project.requests_dir)), listing.start(str(project.records_dir))
    try:
        parts: list[object] = [
            code,
            tree_hash(project.data_dir),
            tree_hash(project.schema_dir),
            tree_hash(project.root / "site"),
            (project.root / "mkdocs.yml").read_bytes(),
            os.environ.get("SOURCE_DATE_EPOCH"),
            settings,
        ]
        newest = 0
        for register in started:
            for folder in [listing.top_level(register.root), *register.collect()]:
                parts.append((register.root, folder.year, folder.digest))
                newest = max(newest, folder.newest())
    finally:
        for register in started:
            register.discard()
    if newest >= time.time_ns() - register_index.RACY_SECONDS * 1_000_000_000:
        return None
    return environment_hash(*parts)


def outputs_key(out_dir: Path) -> str:
    """The names of every file under ``out_dir`` (no link followed), as one digest."""
    digest = hashlib.sha256()
    pending = [str(out_dir)]
    while pending:
        folder = pending.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            digest.update(f"unlisted {folder}\0".encode())
            continue
        with entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    digest.update(entry.path.encode() + b"\0")
    return digest.hexdigest()


def _place(cache_dir: Path, out_dir: Path) -> Path:
    name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
    return cache_dir / "stamps" / f"{name}.json"


def kept(cache_dir: Path, out_dir: Path) -> Stamp | None:
    try:
        fields = json.loads(_place(cache_dir, out_dir).read_bytes())
        return Stamp(str(fields["inputs"]), str(fields["outputs"]), int(fields["certificates"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def forget(cache_dir: Path, out_dir: Path) -> None:
    """Remove the stamp: the output folder is about to change."""
    _place(cache_dir, out_dir).unlink(missing_ok=True)


def keep(cache_dir: Path, out_dir: Path, stamp: Stamp) -> None:
    content = json.dumps(
        {"inputs": stamp.inputs, "outputs": stamp.outputs, "certificates": stamp.certificates}
    )
    write_atomically(_place(cache_dir, out_dir), content.encode())
