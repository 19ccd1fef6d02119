"""A build after a few changes: the changed request files are checked with their neighbours
(``build_delta``), and the certificates they make new or change, or end, are published onto
the output folder the last build left, with the aggregates that list them, from what that
build kept of its register (``published_register``): only the years they touch are loaded.
Anything kept that is missing or damaged gives a full build (None)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from generator.project import Project
from generator.record.signing import DocumentSigner
from generator.website import build_delta, build_stamp, published_register
from generator.website.aggregates import Since
from generator.website.inputs import SiteInputs
from generator.website.mkdocs_pages import mkdocs_if_needed, mkdocs_key, mkdocs_made, shell_digest
from generator.website.publish import BuildReport, publish_into, timed
from generator.website.register import LookupLayout
from generator.website.register_view import Entry, RegisterView, year_of
from generator.workers import collector_frozen


@dataclass(frozen=True)
class Publishing:
    """How a build publishes: whether it makes PDFs, how many worker processes, whether it
    shows progress, who signs, and certgen's code (its hash)."""

    make_pdf: bool
    jobs: int | None
    progress: bool
    signer: DocumentSigner | None
    code: str


def after_changes(
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
    with timed(timings, "changes"):
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
    where = build_stamp.place(cache_dir, out_dir)
    build_stamp.keep(
        cache_dir, out_dir, build_stamp.with_changes(kept, listed, read, checked.facts, where)
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
    published, layout, known = loaded
    as_of = checked.as_of or date.fromisoformat(kept.as_of)
    inputs = SiteInputs(project, checked.reference, [], as_of)
    timings: dict[str, float] = {}
    build_stamp.forget(cache_dir, out_dir)
    with collector_frozen():  # the kept register: out of the collector's walks from now on
        ran = _mkdocs_as_of(inputs, kept, checked, cache_dir, publishing.code, timings)
        if ran is None:
            return None
        register = published.after(checked.certificates, set(checked.gone), known)
        report = publish_into(
            out_dir,
            cache_dir / "mkdocs",
            inputs,
            cache_dir,
            publishing.make_pdf,
            publishing.jobs,
            publishing.progress,
            publishing.signer,
            since=Since(_changed(checked), published.parts, layout, register),
        )
        published_register.keep(place, register, report.download_parts, _years(checked))
        added = any(published.get(i) is None for i in checked.certificates)
        _keep_lookup(place, register, report.lookup_layout, layout, checked, added)
    report.mkdocs_ran, report.timings = ran, timings | report.timings
    return report


def _kept_register(
    place: Path, checked: build_delta.Checked
) -> tuple[published_register.Published, LookupLayout | None, dict[str, Entry]] | None:
    """What a build after a few changes takes of the register the last build published: the
    years the changes touch (every year when the lookup is spread anew), how the lookup's
    entries are spread once they are published, and the kept entries of the members of the
    lookup files they touch; None when something kept is missing or damaged."""
    changed = checked.certificates.values()
    published = published_register.load(place)
    if published is None or not published.load_years(_years(checked)):
        return None
    kept_layout = published_register.load_layout(place)
    layout = _layout_after(kept_layout, checked, published)
    if layout is None or kept_layout is None:  # spread anew, from every certificate
        return (published, None, {}) if published.load_years(None) else None
    known = published_register.load_members(place, kept_layout, layout.files_of(changed))
    return None if known is None else (published, layout, known)


def _changed(checked: build_delta.Checked) -> frozenset[str]:
    """The IDs of the certificates the changes make new, change or end."""
    return frozenset(checked.certificates) | checked.gone


def _years(checked: build_delta.Checked) -> set[int]:
    """The years of the certificates the changes make new, change or end."""
    return {year_of(certificate_id) for certificate_id in _changed(checked)}


def _mkdocs_as_of(
    inputs: SiteInputs,
    kept: build_stamp.Stamp,
    checked: build_delta.Checked,
    cache_dir: Path,
    code: str,
    timings: dict[str, float],
) -> bool | None:
    """MkDocs' pages as of the build's date: made again when the changes moved it (the
    guidance shows the terms in force that day); whether MkDocs ran. None when its pages are
    not those the last build published, or its certificate page shell changed (every
    certificate page is made in it): a full build."""
    mkdocs_dir, key_file = cache_dir / "mkdocs", cache_dir / "mkdocs.key"
    key_before = mkdocs_key(inputs.project, date.fromisoformat(kept.as_of), code)
    if not mkdocs_made(mkdocs_dir, key_file, key_before):
        return None
    if checked.as_of is None:
        return False
    shell = shell_digest(mkdocs_dir)
    with timed(timings, "mkdocs"):
        ran = mkdocs_if_needed(inputs, mkdocs_dir, key_file, code)
    return None if ran and shell_digest(mkdocs_dir) != shell else ran


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
