"""``certgen build``: check, then build the site into the output folder, redoing only what changed.

1. The register is checked (unchanged files come from the check cache); any error refuses the
   build.
2. MkDocs builds the guidance pages, references and the certificate page shell into the cache,
   but only when its inputs (site/, data/, schemas, mkdocs.yml, certgen's code) changed
   (``mkdocs_pages``).
3. The output folder is brought up to date file by file, against a manifest of what each file
   was made from: MkDocs' pages are copied, certificate pages, JSON records and PDFs are made
   only for new or changed certificates (PDFs come from a cache keyed by content), and the
   register, lookup files and downloads are rewritten only when their bytes change
   (``publish``).

When the last build's stamp says what it was made from and left (``build_stamp``), nothing is
done if nothing changed, and a few changed request files are checked and published alone
(``publish_changes``); anything else is a full build.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator.check.cache import CheckCache, environment_of
from generator.errors import UsageError
from generator.files import exclusive
from generator.fingerprints import code_hash, environment_hash
from generator.project import Project
from generator.record.holder import HolderKeys
from generator.record.signing import DocumentSigner, signer_from_environment
from generator.website import build_delta, build_stamp, published_register
from generator.website.certificate_files import rendering_hash
from generator.website.inputs import SiteInputs, site_inputs
from generator.website.mkdocs_pages import mkdocs_if_needed
from generator.website.publish import BuildReport, publish_into, timed
from generator.website.publish_changes import Publishing, after_changes
from generator.website.published_site import PublishedSite
from generator.workers import collector_frozen, collector_paused, collector_resumed

__all__ = ["BuildReport", "build"]


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
    with timed(timings, "stamp"):
        holder = HolderKeys.from_environment().fingerprint
        settings = (make_pdf, signer.kid if signer else None, holder, str(out_dir.resolve()))
        base = build_stamp.base_key(project, settings, environment_hash(code, rendering_hash()))
        listed = build_stamp.list_register(project)
        kept = _kept_for(cache_dir, out_dir, base)
    if kept is not None:
        publishing = Publishing(make_pdf, jobs, progress, signer, code)
        done = after_changes(project, out_dir, cache_dir, kept, listed, publishing, timings)
        if done is not None:
            return done
    build_stamp.forget(cache_dir, out_dir)
    report = _full_build(
        project, out_dir, cache_dir, code, make_pdf, jobs, progress, signer, reuse_from, listed
    )
    report.timings = timings | report.timings
    with timed(report.timings, "keep"), collector_frozen():  # the register: alive to the end
        _keep_for_next(cache_dir, out_dir, base, listed, report)
    return report


def _keep_for_next(
    cache_dir: Path, out_dir: Path, base: str, listed: build_stamp.Listed, report: BuildReport
) -> None:
    """What the next build after a few changes starts from: the stamp of this full build,
    and the register it published."""
    assert report.inputs is not None
    outputs = build_stamp.outputs_key(out_dir)
    inputs = report.inputs
    stamp = build_stamp.stamp_of(
        base, outputs, report.certificates, inputs.as_of.isoformat(), listed, inputs.files
    )
    report.inputs = None
    place = build_stamp.place(cache_dir, out_dir)
    register = report.register  # its year rows made once, by the build
    assert register is not None
    published_register.keep(place, register, report.download_parts)
    published_register.keep_layout(place, report.lookup_layout)
    published_register.keep_members(place, register, report.lookup_layout, None)
    build_stamp.keep(cache_dir, out_dir, stamp)


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
    # The checked register is millions of objects, none in a cycle, alive to the end: the
    # collector is paused while they are made, then they are frozen out of its way.
    with collector_paused():
        with timed(timings, "check"):
            check_cache = CheckCache(cache_dir / "check", environment_of(project))
            inputs = site_inputs(project, jobs, check_cache)
            check_cache.save()
            del check_cache  # its outcomes are saved; a large register needs the memory back
        if listed is not None:
            with timed(timings, "index"):
                locked = inputs.reference.amendments.locked_after_departure
                build_delta.keep_index(project, listed, inputs.entries, locked)
        inputs = replace(inputs, entries={})  # in the index now: a large register needs the memory
        with collector_frozen(), collector_resumed():
            mkdocs_dir = cache_dir / "mkdocs"
            with timed(timings, "mkdocs"):
                ran = mkdocs_if_needed(inputs, mkdocs_dir, cache_dir / "mkdocs.key", code)
            earlier = _earlier_site(reuse_from, inputs) if signer is not None else None
            report = publish_into(
                out_dir, mkdocs_dir, inputs, cache_dir, make_pdf, jobs, progress, signer, earlier
            )
    report.mkdocs_ran = ran
    report.timings = timings | report.timings
    report.inputs = inputs
    return report


def _earlier_site(reuse_from: str | None, inputs: SiteInputs) -> PublishedSite | None:
    if reuse_from is None:
        return None
    if reuse_from == "published":
        reuse_from = inputs.reference.certifier.website
    return PublishedSite(reuse_from)
