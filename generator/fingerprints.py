"""Fingerprints of what an output is made from: folders of files, certgen's own code, any
values, and canonical JSON (the bytes a record's digest and signature are taken of); a cache
entry or an output file is reused only while its fingerprint is unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

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


def environment_hash(*parts: Any) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode())
    return digest.hexdigest()


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant white space, UTF-8: the bytes a digest is taken of."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")
