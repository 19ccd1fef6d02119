"""Making each certificate's files, for the certificates whose files changed, in forked worker
processes: its public JSON record and public page (what the publication policy lets anyone
read), its holder's details (the full certificate and its signed record) and its PDF, both
sealed under the certificate's holder key (generator/record/holder.py).

A page shows the record with today's status: it depends on the record (its digest), the
status, the shell and the rendering code. A PDF shows the record as issued and is made once:
it comes from a cache keyed by the record's digest alone, so later changes to the templates
or to certgen never change an issued certificate's PDF.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from generator.fingerprints import canonical_json, environment_hash, tree_hash
from generator.record.holder import HolderKeys
from generator.record.public import PublicCertificate
from generator.website.certificate_pdf import Signing, issued_pdf, record_signature
from generator.website.output_folder import Manifest, content_key, write_file
from generator.website.register import Shell, certificate_page, data_file
from generator.website.render import certificate_fragment, public_fragment, qr_svg
from generator.workers import forked_pool

JOB_CHUNK = 100
PROGRESS_FROM = 200
"""Builds of fewer certificates show no progress bar."""


@dataclass(frozen=True)
class Job:
    """Which files of one certificate must be made."""

    certificate: PublicCertificate
    json: bool
    page: bool
    pdf: bool
    holder: bool = False


def plan(manifest: Manifest, certificate: PublicCertificate, inputs: PlanInputs) -> Job:
    """Which of a certificate's files must be made. Its public JSON record depends on the
    record (its digest), what is public of it and its status; its page and its holder's
    details also on the shell, the rendering code, whether the build signs and the holder
    secret (its fingerprint); its PDF on the record, whether the build signs and the holder
    secret (the PDF's QR code carries the holder key)."""
    base = f"certificates/{certificate.id}"
    status_key = certificate.status_key
    json_file = manifest.wants(f"{base}.json", status_key)
    page = manifest.wants(f"{base}.html", _joined(status_key, inputs.page))
    holder = manifest.wants(f"{base}.holder.js", _joined(status_key, inputs.holder))
    pdf = inputs.make_pdf and manifest.wants(
        f"{base}.pdf.enc", _joined(certificate.digest, inputs.pdf)
    )
    return Job(certificate, json_file, page, pdf, holder)


@dataclass(frozen=True)
class PlanInputs:
    """What every certificate's files are made from besides the certificate, as keys made
    once a build (``plan`` joins them to each certificate's own)."""

    page: str
    holder: str
    pdf: str
    make_pdf: bool

    @classmethod
    def of(
        cls,
        page_inputs: tuple[str, str, bool, bool],
        make_pdf: bool,
        preview: bool,
        holder_secret: str,
    ) -> PlanInputs:
        return cls(
            content_key("page", *page_inputs, holder_secret),
            content_key("holder", *page_inputs, holder_secret),
            content_key("pdf", "preview" if preview else "signed", holder_secret),
            make_pdf,
        )


def _joined(own: str, shared: str) -> str:
    return hashlib.sha256(f"{own}\0{shared}".encode()).hexdigest()


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
    holder: HolderKeys


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
    bar = _progress(len(jobs_needed), progress)
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


def _collect(ranges: list[tuple[int, int]], results: Iterator[Made], bar: tqdm[Any]) -> Made:
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
        folder = context.write_dir / "certificates"
        parsed = json.loads(certificate.canonical) if job.json or job.page or job.holder else {}
        public = certificate.public_of(parsed) if job.json or job.page else {}
        if job.json:
            write_file(folder / f"{certificate.id}.json", canonical_json(public))
        if job.page:
            write_file(folder / f"{certificate.id}.html", _page(certificate, public, context))
            made.pages += 1
        if not (job.holder or job.pdf):
            continue
        link = context.holder.link(certificate.summary.url, certificate.id)
        if job.holder:
            details = _holder_details(certificate, certificate.record_of(parsed), link, context)
            write_file(folder / f"{certificate.id}.holder.js", details)
        if job.pdf:
            qr = qr_svg(link)
            signing, cache = context.signing, context.cache_dir
            pdf = issued_pdf(
                certificate, qr, link, context.site_url, context.sample_data, signing, cache
            )
            sealed = context.holder.seal(certificate.id, "pdf", pdf)
            write_file(folder / f"{certificate.id}.pdf.enc", sealed)
            made.pdfs += 1
            made.pdf_digests[certificate.id] = hashlib.sha256(pdf).hexdigest()
    return made


def _page(certificate: PublicCertificate, public: dict[str, Any], context: JobContext) -> bytes:
    """The public page: what anyone may read (``public``, the certificate's public record),
    and the place where the holder's details open."""
    fragment = public_fragment(
        public,
        context.sample_data,
        context.signing.preview,
        context.holder.development,
        context.make_pdf,
    )
    return certificate_page(context.shell, certificate, fragment)


def _holder_details(
    certificate: PublicCertificate, record: dict[str, Any], link: str, context: JobContext
) -> bytes:
    """The certificate as its holder reads it, sealed under its key: the full page fragment
    of ``record`` (the record with today's status; the browser draws its QR code of ``link``:
    encoding one costs a build more than anything else a certificate's page needs), the
    record as issued (canonical JSON, whose SHA-256 the public page gives) and the record's
    signature when the build signs."""
    preview = context.signing.preview
    fragment = certificate_fragment(
        record | {"url": link}, certificate.digest, "", "", context.sample_data, preview
    )
    jws = None
    if not preview:
        jws = record_signature(certificate, context.signing, context.cache_dir).decode("ascii")
    details = {"html": fragment, "record": certificate.canonical.decode("utf-8"), "jws": jws}
    plain = json.dumps(details, ensure_ascii=False, sort_keys=True).encode("utf-8")
    sealed = context.holder.seal(certificate.id, "details", plain)
    return sealed_jsonp(f"holder-{certificate.id}", sealed)


def sealed_jsonp(key: str, sealed: bytes) -> bytes:
    """``jsonp(key, <sealed as URL-safe base64, unpadded>)``: base64 holds nothing JSON would
    escape, so it is quoted as it is, without the JSON encoder."""
    text = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")
    return data_file(key, f'"{text}"')


def _progress(total: int, enabled: bool) -> tqdm[Any]:
    """A progress bar on standard error (tqdm), shown only on a terminal and for long builds."""
    shown = enabled and total >= PROGRESS_FROM and sys.stderr.isatty()
    return tqdm(total=total, desc="rendering certificates", unit="certificate", disable=not shown)


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
