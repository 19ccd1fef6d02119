"""The output folder brought to the state the inputs describe, writing only what changed
(``publish_into``): MkDocs' pages copied, each certificate's page, public record, sealed
details and PDF made in forked workers for the certificates new or changed, and the register's
year pages, lookup files and downloads made alongside, rewritten only when their bytes change,
against a manifest of what each file was made from."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from generator.check.words import STATUS_NOTES
from generator.errors import UsageError
from generator.record.holder import HolderKeys
from generator.record.keys import KeyRing
from generator.record.signing import DocumentSigner
from generator.website.aggregates import Aggregates, Since
from generator.website.certificate_files import (
    JobContext,
    PlanInputs,
    make_files,
    plan,
    rendering_hash,
)
from generator.website.certificate_pdf import Signing
from generator.website.compiled_templates import compiled_kept
from generator.website.downloads import Part, download_files
from generator.website.inputs import SiteInputs
from generator.website.output_folder import Manifest, Planned, content_key
from generator.website.published_keys import key_files
from generator.website.published_site import PublishedSite
from generator.website.register import (
    LookupLayout,
    Shell,
    lookup_files,
    register_files,
)
from generator.website.register_view import RegisterView, group_of
from generator.website.render import environment

SHELL_PATH = "certificates/shell.html"


@dataclass
class BuildReport:
    certificates: int
    pages_written: int = 0
    pdfs_made: int = 0
    files_written: int = 0
    files_removed: int = 0
    mkdocs_ran: bool = False
    checked: int | None = None
    """How many request files a build that published nothing new checked (None: the whole
    register was checked, or nothing changed)."""
    timings: dict[str, float] = field(default_factory=dict)
    inputs: SiteInputs | None = field(default=None, repr=False)
    """What a full build published from (for its stamp)."""
    download_parts: dict[str, Part] = field(default_factory=dict, repr=False)
    """The downloads' parts made or kept (for the next build after a few changes)."""
    lookup_layout: LookupLayout | None = field(default=None, repr=False)
    """How the lookup's entries are spread (for the next build after a few changes)."""
    names_changed: tuple[list[str], list[str]] | None = field(default=None, repr=False)
    """The files a build after a few changes added to the output folder and removed
    (``Manifest.names_changed``)."""
    register: RegisterView | None = field(default=None, repr=False)
    """The certificates published, with the year rows made of them (kept for the next
    build after a few changes)."""


@contextmanager
def timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def publish_into(
    out_dir: Path,
    mkdocs_dir: Path,
    inputs: SiteInputs,
    cache_dir: Path | None,
    make_pdf: bool,
    jobs: int | None = None,
    progress: bool = False,
    signer: DocumentSigner | None = None,
    earlier: PublishedSite | None = None,
    since: Since | None = None,
) -> BuildReport:
    """Bring ``out_dir`` to the state the inputs describe, writing only what changed; with a
    ``signer``, certificates are signed, else they are previews; ``since``: what a build
    after a few changes takes from the last build."""
    ring = KeyRing.load(inputs.project.signing_dir)
    holder = HolderKeys.from_environment()
    signing = _signing(ring, signer, inputs.reference.certifier.name, earlier, holder)
    shell = Shell((mkdocs_dir / SHELL_PATH).read_text("utf-8"), SHELL_PATH)
    manifest = Manifest.load(cache_dir, out_dir)
    register = since.register if since is not None else RegisterView.of(inputs.certificates)
    report = BuildReport(len(register))
    if out_dir.resolve() != mkdocs_dir.resolve():
        report.files_written += _copy_pages(mkdocs_dir, manifest)
    shell_key = hashlib.sha256(shell.text.encode()).hexdigest()
    page_inputs = (shell_key, rendering_hash(), make_pdf, signing.preview)
    shared = PlanInputs.of(page_inputs, make_pdf, signing.preview, holder.fingerprint)
    certificates = inputs.certificates
    if since is not None:
        manifest.carry_certificates_but(set(since.changed))
        certificates = [c for i in sorted(since.changed) if (c := register.get(i)) is not None]
    planned = (plan(manifest, c, shared) for c in certificates)
    jobs_needed = [job for job in planned if job.json or job.page or job.pdf]
    aggregates = Aggregates.of(register, since, manifest)

    def make_aggregates() -> None:  # done by this process while the workers render certificates
        with timed(report.timings, "register"):
            aggregates.make_rows(register)
            files, report.download_parts = _register_and_downloads(
                shell, inputs, register, shell_key, aggregates, since
            )
            files |= key_files(ring)
            if not make_pdf:  # no PDF digest to wait for
                files |= _lookups(inputs, signing, manifest, make_pdf, aggregates)
            for relative, planned_file in files.items():
                report.files_written += manifest.put_planned(relative, planned_file)

    with timed(report.timings, "certificates"), _compiled_kept(cache_dir):
        made = make_files(
            jobs_needed,
            make_aggregates,
            JobContext(
                shell,
                manifest.write_dir,
                cache_dir,
                inputs.reference.certifier.sample_data,
                inputs.reference.certifier.website,
                make_pdf,
                signing,
                holder,
            ),
            _workers(jobs, signing, make_pdf),
            progress,
        )
    report.pages_written, report.pdfs_made = made.pages, made.pdfs
    if make_pdf:  # after the PDFs: the lookups give their digests
        with timed(report.timings, "lookups"):
            pdfs = made.pdf_digests.items()
            manifest.digests.update({f"certificates/{i}.pdf.enc": d for i, d in pdfs})
            lookups = _lookups(inputs, signing, manifest, make_pdf, aggregates)
            report.files_written += sum(manifest.put_planned(r, p) for r, p in lookups.items())
    if out_dir.resolve() == mkdocs_dir.resolve():
        (out_dir / SHELL_PATH).unlink(missing_ok=True)
        sitemap_without_shell(out_dir)
    report.files_removed = manifest.finish(names=since is not None)
    report.names_changed = manifest.names_changed
    report.lookup_layout, report.register = aggregates.layout, register
    return report


def _compiled_kept(cache_dir: Path | None) -> AbstractContextManager[None]:
    """The certificates' and the register's templates compiled once, in a build's cache."""
    if cache_dir is None:
        return nullcontext()
    return compiled_kept(environment(), cache_dir / "templates" / "certificates", rendering_hash())


def _copy_pages(mkdocs_dir: Path, manifest: Manifest) -> int:
    """MkDocs' pages into the output folder (but the certificate page shell); how many."""
    return sum(
        manifest.put_file(relative, source)
        for relative, source in _tree(mkdocs_dir)
        if relative != SHELL_PATH
    )


def _workers(jobs: int | None, signing: Signing, make_pdf: bool) -> int:
    """How many processes make certificate files: one when PDFs are signed by a key that is
    not to be shared across a fork (a token, a remote service)."""
    if make_pdf and signing.signer is not None and not signing.signer.fork_safe:
        return 1
    return jobs or os.cpu_count() or 1


def _signing(
    ring: KeyRing,
    signer: DocumentSigner | None,
    certifier_name: str,
    earlier: PublishedSite | None,
    holder: HolderKeys,
) -> Signing:
    """How this build signs: refused when the key is not one the repository publishes."""
    if signer is not None and ring.find(signer.kid) is None:
        raise UsageError(
            f"the signing key {signer.kid} ({signer.certificate.subject.rfc4514_string()}) is "
            "not published: add its certificate (PEM) to data/signing/ in a reviewed pull "
            "request, then publish"
        )
    return Signing(signer, certifier_name, ring, earlier, holder)


def _register_and_downloads(
    shell: Shell,
    inputs: SiteInputs,
    register: RegisterView,
    shell_key: str,
    aggregates: Aggregates,
    since: Since | None,
) -> tuple[dict[str, Planned], dict[str, Part]]:
    certifier = inputs.reference.certifier
    key = content_key(shell_key, rendering_hash())
    files = register_files(shell, aggregates.year_rows, key, aggregates.whole)
    kept, changed = None, None
    if since is not None:
        kept, changed = since.parts, {group_of(c) for c in since.changed}
    downloads, parts = download_files(
        register, certifier.website, inputs.as_of, certifier.name, kept, changed
    )
    return files | downloads, parts


def _lookups(
    inputs: SiteInputs,
    signing: Signing,
    manifest: Manifest,
    make_pdf: bool,
    aggregates: Aggregates,
) -> dict[str, Planned]:
    """The verification lookup: each certificate's status, record digest, record signature
    and, with PDFs, the digest of the PDF published."""
    rows = aggregates.lookup_rows
    if make_pdf:
        rows = [
            replace(row, pdf_sha256=manifest.digest(f"certificates/{row.id}.pdf.enc"))
            for row in rows
        ]
    signer = signing.signer
    sign, kid = (signer.sign_json, signer.kid) if signer else (None, "")
    frozen = inputs.project.frozen_record
    files, layout = lookup_files(rows, STATUS_NOTES, sign, kid, frozen, aggregates.wanted)
    if aggregates.layout is None:
        aggregates.layout = layout
    return files


def _tree(folder: Path) -> Iterator[tuple[str, Path]]:
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = Path(root) / name
            yield path.relative_to(folder).as_posix(), path


def sitemap_without_shell(site_dir: Path) -> None:
    """The shell page is a template, not a page: remove its sitemap entry."""
    sitemap = site_dir / "sitemap.xml"
    if sitemap.is_file():
        text = sitemap.read_text("utf-8")
        start = text.find(SHELL_PATH)
        if start >= 0:
            begin = text.rfind("<url>", 0, start)
            end = text.find("</url>", start) + len("</url>")
            text = text[:begin].rstrip() + "\n" + text[end:].lstrip("\n")
            sitemap.write_text(text, "utf-8")
            _gzip(sitemap)


def _gzip(path: Path) -> None:
    import gzip

    with gzip.GzipFile(path.with_suffix(".xml.gz"), "wb", mtime=0) as handle:
        handle.write(path.read_bytes())
