"""The ``certgen`` MkDocs plugin (registered as an entry point; listed in mkdocs.yml).

It sets the certifier's identity from data/, adds the generated pages and, for a plain
``mkdocs build`` or ``mkdocs serve``, checks the register and publishes the certificates after
MkDocs' pages. ``certgen build`` prepares the inputs itself (with its caches), tells the
plugin not to publish, and publishes incrementally into its output folder.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File

from generator.check.report import as_text
from generator.project import Project
from generator.website.compiled_templates import keep_compiled
from generator.website.guidance_pages import generated_pages
from generator.website.inputs import (
    SETTINGS,
    BuildRefused,
    SiteInputs,
    mkdocs_build_date,
    site_inputs,
)
from generator.website.publish import publish_into

_CURRENT: list[SiteInputs] = []


class CertgenPlugin(BasePlugin):  # type: ignore[type-arg, no-untyped-call]
    def on_config(self, config: Any) -> Any:
        return configure(config)

    def on_files(self, files: Any, *, config: Any) -> Any:
        return add_generated_files(files, config)

    def on_env(self, env: Any, *, config: Any, files: Any) -> Any:
        if SETTINGS.compiled is not None:  # certgen build: its cache folder keeps them
            folder, compiled_by = SETTINGS.compiled
            keep_compiled(env, folder, compiled_by)
        return env

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        return accessible(output)

    def on_post_build(self, *, config: Any) -> None:
        after_build(config)


def configure(config: Any) -> Any:
    project = Project.find(Path(config.config_file_path).parent)
    if SETTINGS.inputs is not None:
        inputs = SETTINGS.inputs
    else:
        try:
            inputs = site_inputs(project)
        except BuildRefused as refused:
            raise PluginError(as_text(refused.result)) from refused
    _CURRENT[:] = [inputs]
    certifier = inputs.reference.certifier
    config.site_name = f"{certifier.name} · Certificates"
    config.site_url = certifier.website
    sample = " Sample data: a fictional certifier." if certifier.sample_data else ""
    config.copyright = f"{certifier.name}, USDA NOP certifier {certifier.code}.{sample}"
    build_day = mkdocs_build_date(inputs.reference)
    epoch = int(datetime(build_day.year, build_day.month, build_day.day, tzinfo=UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)  # MkDocs dates its sitemap with it
    return config


def add_generated_files(files: Any, config: Any) -> Any:
    inputs = _CURRENT[0]
    pages = generated_pages(inputs.reference, inputs.project.schema_dir, inputs.as_of)
    for path, content in pages.items():
        files.append(File.generated(config, path, content=content))
    return files


SEARCH_DIALOG = 'data-md-component="search" role="dialog"'


def accessible(page: str) -> str:
    """Name Material's search dialog for screen readers (axe: aria-dialog-name)."""
    return page.replace(SEARCH_DIALOG, f'{SEARCH_DIALOG} aria-label="Search"', 1)


def after_build(config: Any) -> None:
    if not SETTINGS.publish:
        return
    inputs = _CURRENT[0]
    site_dir = Path(config.site_dir)
    publish_into(site_dir, site_dir, inputs, cache_dir=None, make_pdf=True)
