"""Writing files so that a crash leaves the old content or the new, never a part of either, and
locks that keep two builds from writing the same place at once."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import UsageError


def linked_folder(folder: Path, root: Path) -> Path | None:
    """The first of ``folder`` and its parents, up to ``root`` (not included), that is a
    symbolic link; None when there is none, or ``folder`` is not under ``root``."""
    for candidate in (folder, *folder.parents):
        if candidate == root or root not in candidate.parents:
            return None
        if candidate.is_symlink():
            return candidate
    return None


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def exclusive(lock_file: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (released by the system if the process dies);
    refuse at once, naming ``what``, when another process holds it."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_file, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UsageError(
                f"another certgen build is writing {what}; wait for it to finish, then run "
                "this build again"
            ) from None
        yield
    finally:
        os.close(handle)
