"""``certgen build``: check, then build the site into the output folder, redoing only what changed.

1. The register is checked (unchanged files come from the check cache); any error refuses the
   build.
2. MkDocs builds the guidance pages, references and the certificate page shell into the cache,
   but only when its inputs (site/, data/, schemas, mkdocs.yml, certgen's code) changed.
3. The output folder is brought up to date file by file, against a manifest of what each file
   was made from: MkDocs' pages are copied, certificate pages, JSON records and PDFs are made
   only for new or changed certificates (PDFs come from a cache keyed by content), and the
   register, lookup files and downloads are rewritten only when their bytes change.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.cache import CheckCache, code_hash, environment_hash, tree_hash
from generator.errors import CertgenError
from generator.project import Project
from generator.public import PublicCertificate
from generator.publish import (
    Planned,
    Row,
    Shell,
    certificate_page,
    content_key,
    download_files,
    lookup_files,
    register_files,
)
from generator.render import certificate_fragment, pdf_bytes, pdf_html, qr_svg
from generator.sitebuild import SETTINGS, SiteInputs, site_inputs

SHELL_PATH = "certificates/shell.html"
JOB_CHUNK = 100


@dataclass
class BuildReport:
    certificates: int
    pages_written: int = 0
    pdfs_made: int = 0
    files_written: int = 0
    files_removed: int = 0
    mkdocs_ran: bool = False
    timings: dict[str, float] = field(default_factory=dict)


def build(
    project: Project,
    out_dir: Path,
    make_pdf: bool = True,
    jobs: int | None = None,
    progress: bool = False,
) -> BuildReport:
    """Check the register and bring ``out_dir`` up to date; raises BuildRefused on errors."""
    cache_dir = project.root / "build" / "cache"
    code = code_hash()
    environment = environment_hash(
        code,
        tree_hash(project.schema_dir),
        tree_hash(project.data_dir),
        os.environ.get("SOURCE_DATE_EPOCH"),
    )
    timings: dict[str, float] = {}
    with _timed(timings, "check"):
        check_cache = CheckCache(cache_dir / "check", environment)
        inputs = site_inputs(project, jobs, check_cache)
        check_cache.save()
    mkdocs_dir = cache_dir / "mkdocs"
    with _timed(timings, "mkdocs"):
        ran = _mkdocs_if_needed(inputs, mkdocs_dir, cache_dir / "mkdocs.key", code)
    report = publish_into(out_dir, mkdocs_dir, inputs, cache_dir, make_pdf, jobs, progress)
    report.mkdocs_ran = ran
    report.timings = timings | report.timings
    return report


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def _mkdocs_if_needed(inputs: SiteInputs, mkdocs_dir: Path, key_file: Path, code: str) -> bool:
    project = inputs.project
    key = environment_hash(
        code,
        tree_hash(project.root / "site"),
        (project.root / "mkdocs.yml").read_bytes(),
        tree_hash(project.schema_dir),
        tree_hash(project.data_dir),
        inputs.as_of.year,
        os.environ.get("SOURCE_DATE_EPOCH"),
    )
    if (mkdocs_dir / SHELL_PATH).is_file() and key_file.is_file() and key_file.read_text() == key:
        return False
    run_mkdocs(inputs, mkdocs_dir)
    key_file.write_text(key)
    return True


def run_mkdocs(inputs: SiteInputs, site_dir: Path) -> None:
    """MkDocs' strict build of the pages (not the certificates) into ``site_dir``; its
    warnings and errors are shown, and any of them fails the build."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("mkdocs %(levelname)s: %(message)s"))
    handler.setLevel(logging.WARNING)
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    SETTINGS.publish, SETTINGS.inputs = False, inputs
    try:
        config = load_config(
            str(inputs.project.root / "mkdocs.yml"), site_dir=str(site_dir), strict=True
        )
        mkdocs_build(config)
    except MkDocsException as error:
        raise CertgenError(f"the MkDocs build failed ({error}); see its messages above") from error
    finally:
        logger.removeHandler(handler)
        SETTINGS.publish, SETTINGS.inputs = True, None
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)


def publish_into(
    out_dir: Path,
    mkdocs_dir: Path,
    inputs: SiteInputs,
    cache_dir: Path | None,
    make_pdf: bool,
    jobs: int | None = None,
    progress: bool = False,
) -> BuildReport:
    """Bring ``out_dir`` to the state the inputs describe, writing only what changed."""
    shell = Shell((mkdocs_dir / SHELL_PATH).read_text("utf-8"), SHELL_PATH)
    manifest = Manifest.load(cache_dir, out_dir)
    report = BuildReport(len(inputs.certificates))
    if out_dir.resolve() != mkdocs_dir.resolve():
        for relative, source in _tree(mkdocs_dir):
            if relative != SHELL_PATH:
                report.files_written += manifest.put_file(relative, source)
    page_inputs = (hashlib.sha256(shell.text.encode()).hexdigest(), rendering_hash(), make_pdf)
    jobs_needed = [
        job
        for job in (
            _plan_certificate(manifest, c, page_inputs, make_pdf) for c in inputs.certificates
        )
        if job.json or job.page or job.pdf
    ]

    def register() -> None:  # done by this process while the workers render certificates
        with _timed(report.timings, "register"):
            for relative, planned in _register_and_downloads(shell, inputs, page_inputs[0]).items():
                report.files_written += manifest.put_planned(relative, planned)

    with _timed(report.timings, "certificates"):
        pages, pdfs = _run_jobs(
            jobs_needed,
            register,
            _JobContext(
                shell,
                out_dir,
                cache_dir,
                inputs.reference.certifier.sample_data,
                inputs.reference.certifier.website,
                make_pdf,
            ),
            jobs or os.cpu_count() or 1,
            progress,
        )
    report.pages_written, report.pdfs_made = pages, pdfs
    _drop_shell(out_dir)
    report.files_removed = manifest.finish()
    return report


@dataclass(frozen=True)
class _Job:
    """Which files of one certificate must be made."""

    certificate: PublicCertificate
    json: bool
    page: bool
    pdf: bool


def _plan_certificate(
    manifest: Manifest,
    certificate: PublicCertificate,
    page_inputs: tuple[str, str, bool],
    make_pdf: bool,
) -> _Job:
    """Which of a certificate's files must be made. Its JSON record depends on the record
    alone (its digest); its page also on the shell and the rendering code; its PDF on the
    record and the rendering code."""
    base = f"certificates/{certificate.id}"
    json_file = manifest.wants(f"{base}.json", certificate.digest)
    page = manifest.wants(f"{base}.html", _key(certificate.digest, *page_inputs))
    pdf_key = _key(certificate.digest, "pdf", page_inputs[1])
    pdf = make_pdf and manifest.wants(f"{base}.pdf", pdf_key)
    return _Job(certificate, json_file, page, pdf)


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _register_and_downloads(shell: Shell, inputs: SiteInputs, shell_key: str) -> dict[str, Planned]:
    rows = [Row.of(c) for c in inputs.certificates]
    certifier = inputs.reference.certifier
    files = register_files(shell, rows, content_key(shell_key, rendering_hash()))
    files.update(lookup_files(rows))
    files.update(
        download_files(inputs.certificates, certifier.website, inputs.as_of, certifier.name)
    )
    return files


def _tree(folder: Path) -> Iterator[tuple[str, Path]]:
    for root, _, files in os.walk(folder):
        for name in sorted(files):
            path = Path(root) / name
            yield path.relative_to(folder).as_posix(), path


def _drop_shell(out_dir: Path) -> None:
    """The shell page is a template, not a page: remove it and its sitemap entry."""
    (out_dir / SHELL_PATH).unlink(missing_ok=True)
    sitemap = out_dir / "sitemap.xml"
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


class Manifest:
    """What each file of an output folder was made from, so unchanged files are left alone."""

    def __init__(self, out_dir: Path, path: Path | None, entries: dict[str, str]) -> None:
        self.out_dir = out_dir
        self.root = str(out_dir)
        self.path = path
        self.previous = entries
        self.current: dict[str, str] = {}

    @classmethod
    def load(cls, cache_dir: Path | None, out_dir: Path) -> Manifest:
        if cache_dir is None:
            return cls(out_dir, None, {})
        name = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:16]
        path = cache_dir / "manifests" / f"{name}.json"
        try:
            entries = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            entries = {}
        return cls(out_dir, path, entries if isinstance(entries, dict) else {})

    def wants(self, relative: str, key: str) -> bool:
        """Record that ``relative`` is made from ``key``; true when it must be (re)made."""
        self.current[relative] = key
        if self.previous.get(relative) != key:
            return True
        return not os.path.isfile(os.path.join(self.root, relative))

    def put_bytes(self, relative: str, content: bytes, key: str | None = None) -> int:
        if not self.wants(relative, key or hashlib.sha256(content).hexdigest()):
            return 0
        write_file(self.out_dir / relative, content)
        return 1

    def put_planned(self, relative: str, planned: Planned) -> int:
        if not self.wants(relative, planned.key):
            return 0
        write_file(self.out_dir / relative, planned.make())
        return 1

    def put_file(self, relative: str, source: Path) -> int:
        content = source.read_bytes()
        return self.put_bytes(relative, content)

    def finish(self) -> int:
        """Remove files an earlier build made that this one did not; save the manifest."""
        removed = 0
        for relative in set(self.previous) - set(self.current):
            target = self.out_dir / relative
            if target.is_file():
                target.unlink()
                removed += 1
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.current, sort_keys=True), "utf-8")
        return removed


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` (creating its folder if needed) with one open and write:
    Python's file objects add three system calls per file, which a build of tens of
    thousands of files notices."""
    try:
        handle = os.open(path, _WRITE_FLAGS, 0o644)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(path, _WRITE_FLAGS, 0o644)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(handle, view) :]
    finally:
        os.close(handle)


@dataclass(frozen=True)
class _JobContext:
    shell: Shell
    out_dir: Path
    cache_dir: Path | None
    sample_data: bool
    site_url: str
    make_pdf: bool


_CONTEXT: list[_JobContext] = []


def _run_jobs(
    jobs_needed: list[_Job],
    meanwhile: Callable[[], None],
    context: _JobContext,
    workers: int,
    progress: bool,
) -> tuple[int, int]:
    """Make the certificates' files in worker processes; run ``meanwhile`` here meanwhile.

    Workers are forked after the jobs are known, so a task is only a range of job numbers:
    nothing large is pickled."""
    _CONTEXT[:] = [context]
    _JOBS[:] = jobs_needed
    ranges = [
        (i, min(i + JOB_CHUNK, len(jobs_needed))) for i in range(0, len(jobs_needed), JOB_CHUNK)
    ]
    bar = _Progress(len(jobs_needed), progress)
    pages = pdfs = 0
    try:
        if workers < 2 or len(ranges) < 2:
            meanwhile()
            results: Iterator[tuple[int, int]] = map(_make_range, ranges)
        else:
            pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("fork")
            )
            results = pool.map(_make_range, ranges)
            meanwhile()
        for (start, end), (made_pages, made_pdfs) in zip(ranges, results, strict=True):
            pages, pdfs = pages + made_pages, pdfs + made_pdfs
            bar.update(end - start)
    finally:
        if workers >= 2 and len(ranges) >= 2:
            pool.shutdown()
        _JOBS.clear()
    bar.close()
    return pages, pdfs


_JOBS: list[_Job] = []


def _make_range(bounds: tuple[int, int]) -> tuple[int, int]:
    context = _CONTEXT[0]
    pages = pdfs = 0
    for job in _JOBS[bounds[0] : bounds[1]]:
        certificate = job.certificate
        base = context.out_dir / "certificates" / certificate.id
        if job.json:
            write_file(base.with_suffix(".json"), certificate.canonical)
        if not (job.page or job.pdf):
            continue
        qr = qr_svg(certificate.record["url"])
        if job.page:
            fragment = certificate_fragment(certificate, qr, "", context.sample_data)
            pdf_name = f"{certificate.id}.pdf" if context.make_pdf else None
            write_file(
                base.with_suffix(".html"),
                certificate_page(context.shell, certificate, fragment, pdf_name),
            )
            pages += 1
        if job.pdf:
            write_file(base.with_suffix(".pdf"), _pdf(certificate, qr, context))
            pdfs += 1
    return pages, pdfs


def _pdf(certificate: PublicCertificate, qr: str, context: _JobContext) -> bytes:
    """The certificate's PDF, from the content-keyed cache when it was made before."""
    cached = None
    if context.cache_dir is not None:
        cached = context.cache_dir / "pdf" / f"{_key(certificate.digest, rendering_hash())}.pdf"
        if cached.is_file():
            return cached.read_bytes()
    base = context.site_url + "certificates/"
    fragment = certificate_fragment(certificate, qr, base, context.sample_data)
    content = pdf_bytes(pdf_html(certificate, fragment), base)
    if cached is not None:
        write_file(cached, content)
    return content


_RENDERING: list[str] = []


def rendering_hash() -> str:
    """What a certificate's page and PDF look like besides its record: the certificate
    templates and the code that renders and publishes them. Other changes to certgen leave
    published certificates alone."""
    if not _RENDERING:
        package = Path(__file__).resolve().parent
        templates = package / "templates"
        parts = [tree_hash(templates / "certificates"), tree_hash(templates / "register")]
        parts += [(package / name).read_text("utf-8") for name in ("render.py", "publish.py")]
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
