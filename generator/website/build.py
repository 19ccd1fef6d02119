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

import gc
import hashlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

from generator.check.cache import CheckCache, environment_of
from generator.check.words import STATUS_NOTES
from generator.errors import CertgenError, UsageError
from generator.files import exclusive, write_atomically
from generator.fingerprints import code_hash, environment_hash, tree_hash
from generator.project import Project
from generator.record.holder import HolderKeys
from generator.record.keys import KeyRing
from generator.record.signing import DocumentSigner, signer_from_environment
from generator.website import build_delta, build_stamp, published_register
from generator.website.aggregates import Aggregates, Since
from generator.website.certificate_files import (
    JobContext,
    PlanInputs,
    make_files,
    plan,
    rendering_hash,
)
from generator.website.certificate_pdf import Signing
from generator.website.downloads import Part, download_files
from generator.website.inputs import SETTINGS, SiteInputs, site_inputs
from generator.website.output_folder import Manifest, Planned, content_key
from generator.website.published_keys import key_files
from generator.website.published_site import PublishedSite
from generator.website.register import (
    LookupLayout,
    Shell,
    lookup_files,
    register_files,
)
from generator.website.register_view import Entry, RegisterView, group_of, year_of

SHELL_PATH = "certificates/shell.html"


@dataclass(frozen=True)
class Publishing:
    """How a build publishes: whether it makes PDFs, how many worker processes, whether it
    shows progress, who signs, and certgen's code (its hash)."""

    make_pdf: bool
    jobs: int | None
    progress: bool
    signer: DocumentSigner | None
    code: str


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


def build(
    project: Project,
    out_dir: Path,
    make_pdf: bool = True,
    jobs: int | None = None,
    progress: bool = False,
    reuse_from: str | None = None,
) -> BuildReport:
    """Check the register and bring ``out_dir`` up to date; raises BuildRefused on errors.
    ``reuse_from`` (a built site's folder or address, or ``published`` for the certifier's
    website) gives the issued PDFs that are not in the cache, when they verify."""
    project.check_output_folder(out_dir)
    missing = [name for name in ("mkdocs.yml", "site") if not (project.root / name).exists()]
    if missing:
        raise UsageError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing from "
            f"{project.root}: the site is built from them (the guidance pages, the theme's "
            "settings); restore them from the certgen repository"
        )
    cache_dir = project.cache_dir
    if not project.cache_outside:
        raise UsageError(
            f"the cache folder {cache_dir} is inside the repository, where a pull request "
            "could plant a cached file: set CERTGEN_CACHE_DIR to a folder outside it"
        )
    with (
        exclusive(cache_dir / "build.lock", f"with the caches of {project.root}"),
        exclusive(out_dir.parent / f".{out_dir.name}.lock", f"into {out_dir}"),
    ):
        return _build(project, out_dir, cache_dir, make_pdf, jobs, progress, reuse_from)


def _build(
    project: Project,
    out_dir: Path,
    cache_dir: Path,
    make_pdf: bool,
    jobs: int | None,
    progress: bool,
    reuse_from: str | None,
) -> BuildReport:
    code = code_hash()
    signer = signer_from_environment()
    timings: dict[str, float] = {}
    if reuse_from is not None:  # PDFs come from elsewhere: no stamp says what they were
        build_stamp.forget(cache_dir, out_dir)
        return _full_build(
            project, out_dir, cache_dir, code, make_pdf, jobs, progress, signer, reuse_from
        )
    with _timed(timings, "stamp"):
        holder = HolderKeys.from_environment().fingerprint
        settings = (make_pdf, signer.kid if signer else None, holder, str(out_dir.resolve()))
        base = build_stamp.base_key(project, settings, environment_hash(code, rendering_hash()))
        listed = build_stamp.list_register(project)
        kept = _kept_for(cache_dir, out_dir, base)
    if kept is not None:
        publishing = Publishing(make_pdf, jobs, progress, signer, code)
        done = _after_changes(project, out_dir, cache_dir, kept, listed, publishing, timings)
        if done is not None:
            return done
    build_stamp.forget(cache_dir, out_dir)
    report = _full_build(
        project, out_dir, cache_dir, code, make_pdf, jobs, progress, signer, reuse_from, listed
    )
    report.timings = timings | report.timings
    assert report.inputs is not None
    outputs = build_stamp.outputs_key(out_dir)
    inputs = report.inputs
    stamp = build_stamp.stamp_of(
        base, outputs, report.certificates, inputs.as_of.isoformat(), listed, inputs.files
    )
    report.inputs = None
    place = build_stamp.place(cache_dir, out_dir)
    register = RegisterView.of(inputs.certificates)
    published_register.keep(place, register, report.download_parts)
    published_register.keep_layout(place, report.lookup_layout)
    published_register.keep_members(place, register, report.lookup_layout, None)
    build_stamp.keep(cache_dir, out_dir, stamp)
    return report


def _kept_for(cache_dir: Path, out_dir: Path, base: str) -> build_stamp.Stamp | None:
    """The last build's stamp, when it was made from the same base and the output folder
    holds what it left."""
    kept = build_stamp.kept(cache_dir, out_dir)
    if kept is None or kept.base != base:
        return None
    confirmed = kept.output_folders
    if not kept.same_outputs(out_dir):
        return None
    if kept.output_folders is not confirmed:  # the folders' times, kept again
        build_stamp.keep(cache_dir, out_dir, kept)
    return kept


def _after_changes(
    project: Project,
    out_dir: Path,
    cache_dir: Path,
    kept: build_stamp.Stamp,
    listed: build_stamp.Listed,
    publishing: Publishing,
    timings: dict[str, float],
) -> BuildReport | None:
    """The build when only a few request files changed since the stamp's build, or none:
    the changed files are checked with their neighbours (their errors refuse the build), and
    the certificates they change are published with the aggregates that list them; None when
    a full build is needed."""
    if kept.same_register(listed):
        return BuildReport(kept.certificates, timings=timings)
    if not kept.same_around(listed):
        return None
    with _timed(timings, "changes"):
        found = build_stamp.changes(cache_dir, out_dir, kept, listed)
        checked = None
        if found:
            expiring = partial(build_stamp.expiring, cache_dir, out_dir, kept, listed)
            checked = build_delta.check_changes(project, listed, found, kept, expiring)
        elif found is not None:
            checked = build_delta.Checked({}, 0)
    if checked is None or found is None:
        return None
    report = BuildReport(kept.certificates, checked=checked.checked, timings=timings)
    if checked.publishes:
        published = _publish_changes(project, out_dir, cache_dir, kept, checked, publishing)
        if published is None:
            return None
        report = published
        report.checked, report.timings = checked.checked, timings | report.timings
        if report.names_changed is None:
            kept.outputs, kept.output_folders = build_stamp.outputs_key(out_dir)
        else:  # the output folder was as the stamp says when the build began
            outputs = build_stamp.outputs_after(out_dir, kept, *report.names_changed)
            kept.outputs, kept.output_folders = outputs
        kept.certificates = report.certificates
        kept.as_of = (checked.as_of or date.fromisoformat(kept.as_of)).isoformat()
    read = [*found, *checked.expiring]
    build_stamp.keep(
        cache_dir, out_dir, build_stamp.with_changes(kept, listed, read, checked.facts)
    )
    return report


def _publish_changes(
    project: Project,
    out_dir: Path,
    cache_dir: Path,
    kept: build_stamp.Stamp,
    checked: build_delta.Checked,
    publishing: Publishing,
) -> BuildReport | None:
    """Publish the certificates a few changes made new or changed, and remove those they
    ended, with the register's aggregates, from the certificates the last build published
    (kept beside its stamp); None when they are not all there."""
    place = build_stamp.place(cache_dir, out_dir)
    loaded = _kept_register(place, checked)
    if loaded is None or checked.reference is None or len(loaded[0]) != kept.certificates:
        return None
    with _register_frozen():  # the kept register: out of the collector's walks from now on
        return _publish_onto(project, out_dir, cache_dir, kept, checked, publishing, *loaded)


def _kept_register(
    place: Path, checked: build_delta.Checked
) -> tuple[published_register.Published, LookupLayout | None, dict[str, Entry]] | None:
    """What a build after a few changes takes of the register the last build published: the
    years the changes touch (every year when the lookup is spread anew), how the lookup's
    entries are spread once they are published, and the kept entries of the members of the
    lookup files they touch; None when something kept is missing or damaged."""
    changed = checked.certificates.values()
    touched = {c.year for c in changed} | {year_of(gone) for gone in checked.gone}
    published = published_register.load(place, touched)
    if published is None:
        return None
    kept_layout = published_register.load_layout(place)
    layout = _layout_after(kept_layout, checked, published)
    if layout is None or kept_layout is None:  # spread anew, from every certificate
        published = published_register.load(place, None)
        return None if published is None else (published, None, {})
    known = published_register.load_members(place, kept_layout, layout.files_of(changed))
    return None if known is None else (published, layout, known)


def _publish_onto(
    project: Project,
    out_dir: Path,
    cache_dir: Path,
    kept: build_stamp.Stamp,
    checked: build_delta.Checked,
    publishing: Publishing,
    published: published_register.Published,
    layout: LookupLayout | None,
    known: dict[str, Entry],
) -> BuildReport | None:
    """``_publish_changes`` once what it takes of the last build's register is loaded."""
    assert checked.reference is not None
    place = build_stamp.place(cache_dir, out_dir)
    mkdocs_dir = cache_dir / "mkdocs"
    as_of = checked.as_of or date.fromisoformat(kept.as_of)
    inputs = SiteInputs(project, checked.reference, [], as_of)
    key_before = _mkdocs_key(project, date.fromisoformat(kept.as_of), publishing.code)
    if not _mkdocs_made(mkdocs_dir, cache_dir / "mkdocs.key", key_before):
        return None  # MkDocs' pages are not those the last build published
    timings: dict[str, float] = {}
    ran = False
    if checked.as_of is not None:  # the guidance shows the terms in force on that date
        build_stamp.forget(cache_dir, out_dir)
        shell = _shell_digest(mkdocs_dir)
        with _timed(timings, "mkdocs"):
            ran = _mkdocs_if_needed(inputs, mkdocs_dir, cache_dir / "mkdocs.key", publishing.code)
        if ran and _shell_digest(mkdocs_dir) != shell:
            return None  # every certificate page is made in the shell
    build_stamp.forget(cache_dir, out_dir)
    register = published.after(checked.certificates, set(checked.gone), known)
    changed = frozenset(checked.certificates) | checked.gone
    report = publish_into(
        out_dir,
        mkdocs_dir,
        inputs,
        cache_dir,
        publishing.make_pdf,
        publishing.jobs,
        publishing.progress,
        publishing.signer,
        since=Since(changed, published.parts, layout, register),
    )
    years = {certificate.year for certificate in checked.certificates.values()}
    years |= {year_of(gone) for gone in checked.gone}
    published_register.keep(place, register, report.download_parts, years)
    added = any(published.get(i) is None for i in checked.certificates)
    _keep_lookup(place, register, report.lookup_layout, layout, checked, added)
    report.mkdocs_ran, report.timings = ran, timings | report.timings
    return report


def _keep_lookup(
    place: Path,
    register: RegisterView,
    spread: LookupLayout | None,
    layout: LookupLayout | None,
    checked: build_delta.Checked,
    added: bool,
) -> None:
    """Keep how the lookup is ``spread`` now, and its members' entries: of every lookup
    file when it was spread anew (``layout`` None), else of those the changes touched
    (with the layout, when certificates were ``added``)."""
    if layout is None:
        published_register.keep_layout(place, spread)
        published_register.keep_members(place, register, spread, None)
        return
    if added:  # new numbers and IDs: in the layout now
        published_register.keep_layout(place, layout)
    touched = layout.files_of(checked.certificates.values())
    published_register.keep_members(place, register, layout, touched)


def _layout_after(
    layout: LookupLayout | None,
    checked: build_delta.Checked,
    published: published_register.Published,
) -> LookupLayout | None:
    """How the lookup's entries are spread once the changes are published: as the last build
    spread them (``layout``), with the new certificates' numbers and IDs added; None (spread
    anew) when a certificate is gone or renumbered, or when the new ones need more lookup
    files."""
    if layout is None or checked.gone:
        return None
    changed = checked.certificates.values()
    if any((p := published.get(c.id)) is not None and p.number != c.number for c in changed):
        return None
    return layout.with_added((c.number, c.id) for c in changed if published.get(c.id) is None)


def _full_build(
    project: Project,
    out_dir: Path,
    cache_dir: Path,
    code: str,
    make_pdf: bool,
    jobs: int | None,
    progress: bool,
    signer: DocumentSigner | None,
    reuse_from: str | None,
    listed: build_stamp.Listed | None = None,
) -> BuildReport:
    """Check, then bring the output folder up to date file by file; with ``listed`` (the
    register as listed before the check read it), the register index is brought up to date
    from the check."""
    timings: dict[str, float] = {}
    with _timed(timings, "check"):
        check_cache = CheckCache(cache_dir / "check", environment_of(project))
        inputs = site_inputs(project, jobs, check_cache)
        check_cache.save()
        del check_cache  # its outcomes are saved; a large register needs the memory back
    if listed is not None:
        with _timed(timings, "index"):
            locked = inputs.reference.amendments.locked_after_departure
            build_delta.keep_index(project, listed, inputs.entries, locked)
    inputs = replace(inputs, entries={})  # in the index now: a large register needs the memory
    with _register_frozen():
        mkdocs_dir = cache_dir / "mkdocs"
        with _timed(timings, "mkdocs"):
            ran = _mkdocs_if_needed(inputs, mkdocs_dir, cache_dir / "mkdocs.key", code)
        earlier = _earlier_site(reuse_from, inputs) if signer is not None else None
        report = publish_into(
            out_dir, mkdocs_dir, inputs, cache_dir, make_pdf, jobs, progress, signer, earlier
        )
    report.mkdocs_ran = ran
    report.timings = timings | report.timings
    report.inputs = inputs
    return report


@contextmanager
def _register_frozen() -> Iterator[None]:
    """The objects alive now (the checked register and its certificates, which live until the
    build ends) out of the garbage collector's way: at 100,000 certificates it spent 10 to
    14 s walking them again and again. They are given back to it when the build is done (a
    preview server builds again and again in one process)."""
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_already:
            gc.unfreeze()


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def _mkdocs_key(project: Project, as_of: date, code: str) -> str:
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


def _shell_digest(mkdocs_dir: Path) -> str:
    """The digest of MkDocs' certificate page shell, which every certificate page is made in."""
    try:
        return hashlib.sha256((mkdocs_dir / SHELL_PATH).read_bytes()).hexdigest()
    except OSError:
        return ""


def _mkdocs_made(mkdocs_dir: Path, key_file: Path, key: str) -> bool:
    """Whether MkDocs' pages in ``mkdocs_dir`` were made from ``key``."""
    return (
        (mkdocs_dir / SHELL_PATH).is_file() and key_file.is_file() and key_file.read_text() == key
    )


def _mkdocs_if_needed(inputs: SiteInputs, mkdocs_dir: Path, key_file: Path, code: str) -> bool:
    key = _mkdocs_key(inputs.project, inputs.as_of, code)
    if _mkdocs_made(mkdocs_dir, key_file, key):
        return False
    key_file.unlink(missing_ok=True)  # a run killed half way must not pass for a finished one
    run_mkdocs(inputs, mkdocs_dir)
    _sitemap_without_shell(mkdocs_dir)
    write_atomically(key_file, key.encode())
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
        with _timed(report.timings, "register"):
            aggregates.make_rows(register)
            files, report.download_parts = _register_and_downloads(
                shell, inputs, register, shell_key, aggregates, since
            )
            files |= key_files(ring)
            if not make_pdf:  # no PDF digest to wait for
                files |= _lookups(inputs, signing, manifest, make_pdf, aggregates)
            for relative, planned_file in files.items():
                report.files_written += manifest.put_planned(relative, planned_file)

    with _timed(report.timings, "certificates"):
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
        with _timed(report.timings, "lookups"):
            pdfs = made.pdf_digests.items()
            manifest.digests.update({f"certificates/{i}.pdf.enc": d for i, d in pdfs})
            lookups = _lookups(inputs, signing, manifest, make_pdf, aggregates)
            report.files_written += sum(manifest.put_planned(r, p) for r, p in lookups.items())
    if out_dir.resolve() == mkdocs_dir.resolve():
        (out_dir / SHELL_PATH).unlink(missing_ok=True)
        _sitemap_without_shell(out_dir)
    report.files_removed = manifest.finish(names=since is not None)
    report.names_changed = manifest.names_changed
    report.lookup_layout = aggregates.layout
    return report


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


def _earlier_site(reuse_from: str | None, inputs: SiteInputs) -> PublishedSite | None:
    if reuse_from is None:
        return None
    if reuse_from == "published":
        reuse_from = inputs.reference.certifier.website
    return PublishedSite(reuse_from)


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
    files = register_files(shell, aggregates.year_rows(), key, aggregates.whole)
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
    rows = aggregates.lookup_rows()
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


def _sitemap_without_shell(site_dir: Path) -> None:
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
