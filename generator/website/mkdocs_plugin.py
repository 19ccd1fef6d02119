"""The ``certgen`` MkDocs plugin (registered as an entry point; listed in mkdocs.yml).

It sets the certifier's identity from data/, adds the generated pages and, for a plain
``mkdocs build`` or ``mkdocs serve``, publishes the certificates after MkDocs' pages. The
work lives in ``generator.website.inputs``; this class only connects it to MkDocs' events.
"""

from __future__ import annotations

from typing import Any

from mkdocs.plugins import BasePlugin

from generator.website import inputs as sitebuild


class CertgenPlugin(BasePlugin):  # type: ignore[type-arg, no-untyped-call]
    def on_config(self, config: Any) -> Any:
        return sitebuild.configure(config)

    def on_files(self, files: Any, *, config: Any) -> Any:
        return sitebuild.add_generated_files(files, config)

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        return sitebuild.accessible(output)

    def on_post_build(self, *, config: Any) -> None:
        sitebuild.after_build(config)
