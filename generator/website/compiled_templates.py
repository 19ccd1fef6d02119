"""Jinja templates compiled once, not in every build: a Jinja environment's compiled templates
kept in the build's cache folder (MkDocs' theme's: 0.5 s a run down to under 0.4 s; the
certificates' and the register's: about 0.08 s a build process that renders them).

Compiled templates are Python code run as they are read, so they are kept only in the cache
folder of ``certgen build``, which refuses a cache folder inside the repository (nothing a
pull request commits can pass for one). Jinja reads a kept template only when its source is
the one it was compiled from; what else shapes the compiled code (the environment's settings,
what made them, and Jinja's and Python's versions) names the folder they are kept in, so a
change to any of them compiles every template again. The cache never fails a build: a kept
template that cannot be read is compiled again, one that cannot be written is not kept.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import jinja2
import jinja2.bccache

from generator.fingerprints import environment_hash


class _KeptTemplates(jinja2.FileSystemBytecodeCache):
    """Jinja's folder of compiled templates, as a cache that never fails a build."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a damaged or cut-short file, whatever its unpickling raises
            bucket.reset()  # compiled again, and kept anew

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with suppress(OSError):  # a full disk, a folder gone: compiled again next time
            super().dump_bytecode(bucket)


def keep_compiled(environment: jinja2.Environment, folder: Path, *made_by: object) -> None:
    """Keep ``environment``'s compiled templates under ``folder`` (a build's cache), in a
    folder named for its settings, ``made_by`` (the code that made it) and Jinja's and
    Python's versions; the folders of earlier ones are removed."""
    name = environment_hash(jinja2.__version__, sys.version, _settings(environment), *made_by)
    kept = folder / name[:16]
    try:
        if folder.is_dir():
            for earlier in folder.iterdir():
                if earlier.name != kept.name:
                    shutil.rmtree(earlier, ignore_errors=True)
        kept.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # nothing kept: compiled as without
    environment.bytecode_cache = _KeptTemplates(str(kept))


@contextmanager
def compiled_kept(
    environment: jinja2.Environment, folder: Path, *made_by: object
) -> Iterator[None]:
    """``keep_compiled`` for a while: a process-wide environment is left as it was after."""
    earlier = environment.bytecode_cache
    keep_compiled(environment, folder, *made_by)
    try:
        yield
    finally:
        environment.bytecode_cache = earlier


def _settings(environment: jinja2.Environment) -> tuple[object, ...]:
    """What of an environment Jinja writes into the code it compiles."""
    return (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        sorted(environment.extensions),
        environment.optimized,
        environment.is_async,
        _named(environment.autoescape),
        _named(environment.finalize),
        _named(environment.undefined),
    )


def _named(value: Any) -> object:
    """A setting that may be a function or class, by its name and what its closure holds
    (``select_autoescape``'s patterns), never by its address."""
    if not callable(value):
        return value
    cells = getattr(value, "__closure__", None) or ()
    held = tuple(_named(cell.cell_contents) for cell in cells)
    return (getattr(value, "__module__", ""), getattr(value, "__qualname__", ""), held)
