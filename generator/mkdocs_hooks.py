"""MkDocs hooks (loaded by path from mkdocs.yml): the certifier's identity from data/, the
generated pages, and, for a plain ``mkdocs build``, the certificate pages after the build.

The work lives in ``generator.sitebuild``; this file only connects it to MkDocs' events.
"""

from __future__ import annotations

from typing import Any

from generator import sitebuild


def on_config(config: Any) -> Any:
    return sitebuild.configure(config)


def on_files(files: Any, config: Any) -> Any:
    return sitebuild.add_generated_files(files, config)


def on_post_build(config: Any) -> None:
    sitebuild.after_build(config)
