"""Jinja templates compiled once, not in every build: a Jinja environment's compiled templates
kept in the build's cache folder (MkDocs' theme's: 0.5 s a run down to under 0.4 s; the
certificates' and the register's: about 0.08 s a build process that renders them).

Compiled templates are Python code run as they are read, so they are kept only in the cache
folder of ``certgen build``, which refuses a cache folder inside the repository (nothing a
pull request commits can pass for one). Jinja reads a kept template only when its source is
the one it was compiled from; what else shapes the compiled code (the environment's settings,
in certgen's code or MkDocs', and Jinja's and Python's versions) names the folder they are
kept in, so a change to any of them compiles every template again.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import jinja2

from generator.fingerprints import environment_hash


def keep_compiled(environment: jinja2.Environment, folder: Path, *made_by: object) -> None:
    """Keep ``environment``'s compiled templates under ``folder`` (a build's cache), in a
    folder named for ``made_by`` (what shapes its compiled code besides the templates'
    sources) and Jinja's and Python's versions; the folders of earlier ones are removed."""
    name = environment_hash(jinja2.__version__, sys.version, *made_by)[:16]
    kept = folder / name
    if folder.is_dir():
        for earlier in folder.iterdir():
            if earlier.name != name:
                shutil.rmtree(earlier, ignore_errors=True)
    kept.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = jinja2.FileSystemBytecodeCache(str(kept))
