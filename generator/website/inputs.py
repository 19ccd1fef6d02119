"""What the certgen MkDocs plugin does, and the inputs every site build shares.

A plain ``mkdocs build`` (or ``mkdocs serve``) checks the register, adds the generated pages
and, after MkDocs has written its pages, publishes every certificate into the site folder.
``certgen build`` prepares the inputs itself (with its caches), tells the hooks not to
publish, and publishes incrementally into its output folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from generator.check.cache import CheckCache
from generator.check.pipeline import Checker, CheckResult, FileOutcome, run_check
from generator.check.reference_data import Reference
from generator.check.report import as_text
from generator.errors import CertgenError
from generator.project import Project
from generator.record.public import PublicCertificate, finalize
from generator.website.guidance_pages import generated_pages


@dataclass(frozen=True)
class SiteInputs:
    project: Project
    reference: Reference
    certificates: list[PublicCertificate]
    as_of: date


class BuildRefused(CertgenError):
    """The register has errors: nothing is published until they are fixed."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__(f"the register has {result.errors} error(s); nothing was published")
        self.result = result


@dataclass
class HookSettings:
    publish: bool = True
    """Whether ``on_post_build`` publishes the certificates into MkDocs' site folder."""
    inputs: SiteInputs | None = None
    """Inputs prepared by certgen build; None lets the hooks prepare their own."""


SETTINGS = HookSettings()
_CURRENT: list[SiteInputs] = []


def source_date() -> date | None:
    """SOURCE_DATE_EPOCH as a day, if set (reproducible-builds convention)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return datetime.fromtimestamp(int(epoch), UTC).date() if epoch else None


def site_inputs(
    project: Project, jobs: int | None = None, cache: CheckCache | None = None
) -> SiteInputs:
    """Check the whole register and make the public certificates, or refuse."""
    checker = Checker(project, publishing=True)
    result = run_check(checker, [str(project.requests_dir)], jobs, cache)
    if result.errors or checker.reference is None:
        raise BuildRefused(result)
    reference = checker.reference
    as_of = source_date() or max(filter(None, (result.latest, reference.snapshot_taken_on)))
    certificates = [_finalized(outcome, as_of, cache) for outcome in result.published]
    certificates.sort(key=lambda certificate: certificate.id)
    return SiteInputs(project, reference, certificates, as_of)


def _finalized(outcome: FileOutcome, as_of: date, cache: CheckCache | None) -> PublicCertificate:
    """The outcome's certificate as of ``as_of``, finalised again only when that date moved."""
    if outcome.certificate is None or outcome.certificate_as_of != as_of:
        assert outcome.draft is not None
        outcome.certificate, outcome.certificate_as_of = finalize(outcome.draft, as_of), as_of
        if cache is not None and outcome.entry is not None:
            cache.touched(outcome.entry.path)
    return outcome.certificate


def mkdocs_build_date(reference: Reference) -> date:
    """The date MkDocs writes into the sitemap: SOURCE_DATE_EPOCH, else the OID snapshot's."""
    return source_date() or reference.snapshot_taken_on


def configure(config: Any) -> Any:
    project = Project.find(Path(config.config_file_path).parent)
    if SETTINGS.inputs is not None:
        inputs = SETTINGS.inputs
    else:
        try:
            inputs = site_inputs(project)
        except BuildRefused as refused:
            from mkdocs.exceptions import PluginError

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
    from mkdocs.structure.files import File

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
    from generator.website.build import publish_into

    inputs = _CURRENT[0]
    site_dir = Path(config.site_dir)
    publish_into(site_dir, site_dir, inputs, cache_dir=None, make_pdf=True)
