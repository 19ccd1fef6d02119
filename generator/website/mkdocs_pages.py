"""MkDocs' pages (the guidance, the references and the certificate page shell), built into
the cache only when what they are made from changed."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from datetime import date
from importlib.metadata import version
from pathlib import Path

from generator.errors import CertgenError
from generator.files import write_atomically
from generator.fingerprints import environment_hash, tree_hash
from generator.project import Project
from generator.website.inputs import SETTINGS, SiteInputs
from generator.website.publish import SHELL_PATH, sitemap_without_shell


def mkdocs_key(project: Project, as_of: date, code: str) -> str:
    """What MkDocs' pages are made from."""
    return environment_hash(
        code,
        tree_hash(project.root / "site"),
        (project.root / "mkdocs.yml").read_bytes(),
        tree_hash(project.schema_dir),
        tree_hash(project.data_dir),
        as_of.isoformat(),  # the guidance pages give the terms in force that day
        os.environ.get("SOURCE_DATE_EPOCH"),
    )


def shell_digest(mkdocs_dir: Path) -> str:
    """The digest of MkDocs' certificate page shell, which every certificate page is made in."""
    try:
        return hashlib.sha256((mkdocs_dir / SHELL_PATH).read_bytes()).hexdigest()
    except OSError:
        return ""


def mkdocs_made(mkdocs_dir: Path, key_file: Path, key: str) -> bool:
    """Whether MkDocs' pages in ``mkdocs_dir`` were made from ``key``."""
    return (
        (mkdocs_dir / SHELL_PATH).is_file() and key_file.is_file() and key_file.read_text() == key
    )


def mkdocs_if_needed(inputs: SiteInputs, mkdocs_dir: Path, key_file: Path, code: str) -> bool:
    """Run MkDocs into ``mkdocs_dir`` unless its pages there were made from the same inputs
    (``key_file``, in the build's cache folder, where the theme's compiled templates are kept
    too); whether it ran."""
    key = mkdocs_key(inputs.project, inputs.as_of, code)
    if mkdocs_made(mkdocs_dir, key_file, key):
        return False
    key_file.unlink(missing_ok=True)  # a run killed half way must not pass for a finished one
    settings = (inputs.project.root / "mkdocs.yml").read_bytes()
    compiled_by = environment_hash(code, version("mkdocs"), version("mkdocs-material"), settings)
    run_mkdocs(inputs, mkdocs_dir, (key_file.parent / "templates" / "mkdocs", compiled_by))
    sitemap_without_shell(mkdocs_dir)
    write_atomically(key_file, key.encode())
    return True


def run_mkdocs(
    inputs: SiteInputs, site_dir: Path, compiled: tuple[Path, str] | None = None
) -> None:
    """MkDocs' strict build of the pages (not the certificates) into ``site_dir``; its
    warnings and errors are shown, and any of them fails the build. ``compiled``: where the
    theme's compiled templates are kept, and what shapes them (``HookSettings.compiled``)."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    SETTINGS.publish, SETTINGS.inputs, SETTINGS.compiled = False, inputs, compiled
    try:
        config = load_config(
            str(inputs.project.root / "mkdocs.yml"), site_dir=str(site_dir), strict=True
        )
        mkdocs_build(config)
    except MkDocsException as error:
        raise CertgenError(f"the MkDocs build failed ({error}); see its messages above") from error
    finally:
        logger.removeHandler(handler)
        SETTINGS.publish, SETTINGS.inputs, SETTINGS.compiled = True, None, None
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
