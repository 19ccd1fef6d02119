"""Making each certificate's files: its JSON record, its page in the site's shell and its PDF,
for the certificates whose files changed, in forked worker processes.

A page shows the record with today's status: it depends on the record (its digest), the
status, the shell and the rendering code. A PDF shows the record as issued and is made once:
it comes from a cache keyed by the record's digest alone, so later changes to the templates
or to certgen never change an issued certificate's PDF.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.fingerprints import environment_hash, tree_hash
from generator.record.public import PublicCertificate
from generator.website.certificate_pdf import Signing, issued_pdf
from generator.website.output_folder import Manifest, content_key, write_file
from generator.website.register import Shell, certificate_page
from generator.website.render import certificate_fragment, qr_svg
from generator.workers import forked_pool

JOB_CHUNK = 100


@dataclass(frozen=True)
class Job:
    """Which files of one certificate must be made."""

    certificate: PublicCertificate
    json: bool
    page: bool
    pdf: bool


def plan(
    manifest: Manifest,
    certificate: PublicCertificate,
    page_inputs: tuple[str, str, bool, bool],
    make_pdf: bool,
    preview: bool,
) -> Job:
    """Which of a certificate's files must be made. Its JSON record depends on the record
    alone (its digest); its page also on its status, the shell, the rendering code and
    whether the build signs; its PDF on the record and whether the build signs (an issued
    PDF, once signed, stays as it is). The record's signature is in the lookup files."""
    base = f"certificates/{certificate.id}"
    json_file = manifest.wants(f"{base}.json", certificate.digest)
    page_key = content_key(certificate.digest, sorted(certificate.status_fields.items()))
    page = manifest.wants(f"{base}.html", content_key(page_key, *page_inputs))
    pdf_key = content_key(certificate.digest, "pdf", "preview" if preview else "signed")
    pdf = make_pdf and manifest.wants(f"{base}.pdf", pdf_key)
    return Job(certificate, json_file, page, pdf)


@dataclass(frozen=True)
class JobContext:
    shell: Shell
    write_dir: Path
    """Where the files go: the output folder, or the staging folder a build moves in."""
    cache_dir: Path | None
    sample_data: bool
    site_url: str
    make_pdf: bool
    signing: Signing


_CONTEXT: list[JobContext] = []


@dataclass
class Made:
    pages: int = 0
    pdfs: int = 0
    pdf_digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each PDF made, by certificate ID (the register publishes them)."""

    def add(self, other: Made) -> None:
        self.pages, self.pdfs = self.pages + other.pages, self.pdfs + other.pdfs
        self.pdf_digests.update(other.pdf_digests)


def make_files(
    jobs_needed: list[Job],
    meanwhile: Callable[[], None],
    context: JobContext,
    workers: int,
    progress: bool,
) -> Made:
    """Make the certificates' files in worker processes; run ``meanwhile`` here meanwhile.

    Workers are forked after the jobs are known, so a task is only a range of job numbers:
    nothing large is pickled."""
    _CONTEXT[:] = [context]
    _JOBS[:] = jobs_needed
    ranges = [
        (i, min(i + JOB_CHUNK, len(jobs_needed))) for i in range(0, len(jobs_needed), JOB_CHUNK)
    ]
    bar = _Progress(len(jobs_needed), progress)
    try:
        if workers < 2 or len(ranges) < 2:
            meanwhile()
            results: Iterator[Made] = map(_make_range, ranges)
            made = _collect(ranges, results, bar)
        else:
            with forked_pool(workers) as pool:
                results = pool.map(_make_range, ranges)
                meanwhile()
                made = _collect(ranges, results, bar)
    finally:
        _JOBS.clear()
    bar.close()
    return made


def _collect(ranges: list[tuple[int, int]], results: Iterator[Made], bar: _Progress) -> Made:
    made = Made()
    for (start, end), part in zip(ranges, results, strict=True):
        made.add(part)
        bar.update(end - start)
    return made


_JOBS: list[Job] = []


def _make_range(bounds: tuple[int, int]) -> Made:
    context = _CONTEXT[0]
    made = Made()
    for job in _JOBS[bounds[0] : bounds[1]]:
        certificate = job.certificate
        base = context.write_dir / "certificates" / certificate.id
        if job.json:
            write_file(base.with_suffix(".json"), certificate.canonical)
        if not (job.page or job.pdf):
            continue
        qr = qr_svg(certificate.summary.url)
        if job.page:
            write_file(base.with_suffix(".html"), _page(certificate, qr, context))
            made.pages += 1
        if job.pdf:
            signing, cache = context.signing, context.cache_dir
            pdf = issued_pdf(certificate, qr, context.site_url, context.sample_data, signing, cache)
            write_file(base.with_suffix(".pdf"), pdf)
            made.pdfs += 1
            made.pdf_digests[certificate.id] = hashlib.sha256(pdf).hexdigest()
    return made


def _page(certificate: PublicCertificate, qr: str, context: JobContext) -> bytes:
    preview = context.signing.preview
    fragment = certificate_fragment(
        certificate.record, certificate.digest, qr, "", context.sample_data, preview
    )
    files = [(f"{certificate.id}.json", "JSON record")]
    files += [(f"{certificate.id}.pdf", "PDF")] if context.make_pdf else []
    return certificate_page(context.shell, certificate, fragment, files)


_RENDERING: list[str] = []


def rendering_hash() -> str:
    """What a certificate's page and PDF look like besides its record: the certificate
    templates and the code that renders and publishes them. Other changes to certgen leave
    published certificates alone."""
    if not _RENDERING:
        package = Path(__file__).resolve().parent
        templates = package / "templates"
        parts = [tree_hash(templates / "certificates"), tree_hash(templates / "register")]
        parts += [(package / name).read_text("utf-8") for name in ("render.py", "register.py")]
        _RENDERING.append(environment_hash(*parts))
    return _RENDERING[0]


class _Progress:
    """A progress bar on standard error, shown only on a terminal and for long builds."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done = total, 0
        self.enabled = enabled and total >= 200 and sys.stderr.isatty()

    def update(self, count: int) -> None:
        self.done += count
        if self.enabled:
            filled = int(30 * self.done / self.total)
            sys.stderr.write(
                f"\rrendering certificates [{'#' * filled}{'.' * (30 - filled)}] "
                f"{self.done}/{self.total}"
            )
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
