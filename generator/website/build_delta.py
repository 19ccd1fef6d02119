"""A build after a few request files changed, when what it publishes did not: the changed files
are checked with the few others that cross-request rules compare them with (from the register
index), instead of the whole register, and nothing is rewritten.

Most changes to a register publish nothing: a request drafted, edited in review, approved or
withdrawn, a typo fixed in an issued request whose record is frozen. A build then owes exactly
two things: the check a full build would make (its errors refuse the build), and the proof
that no file it publishes changes. Both are found from the changed files alone:

- a file's findings depend on the file, its frozen record, the reference data and the entries
  of the files that share its ID or official number or are linked with it by an amendment
  (its neighbours, a symmetric relation). Every other file was checked clean by the last
  build and none of what shapes its findings changed, so the files checked now are the changed
  ones and the neighbours of what they were and of what they are;
- a file's certificate depends on the file, its frozen record, the reference data and the
  build's "as of" date: its files' key (``PublicCertificate.status_key``, which covers the
  record, what is public of it and its status) as of that date, compared with the key the last
  build published, says whether it changed, and the "as of" date (the latest day any file
  records) is kept with how many files record each day.

Any other change (a frozen record, a year folder, a stray file, a certificate that changed,
appeared or went, the "as of" date) is left to a full build.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from generator.check.listing import Listing
from generator.check.outcomes import FileOutcome
from generator.check.pipeline import index_entries, run_check
from generator.check.register_index import IndexUnavailable, RegisterIndex
from generator.check.rules import Entry
from generator.fingerprints import code_hash, environment_hash
from generator.project import Project
from generator.record.drafting import DraftedOutcome, DraftingChecker
from generator.record.public import finalize
from generator.website.build_stamp import Change, Listed, Stamp, latest_days_after
from generator.website.inputs import BuildRefused, FileFacts, facts_of, source_date

LIMIT = 200
"""More changed files than this are left to a full build (which reads them in parallel, and
takes unchanged ones from the check cache)."""


@dataclass(frozen=True)
class Checked:
    """What a build after a few changes found: the changed files' facts now, by path, and how
    many files were checked."""

    facts: dict[str, FileFacts]
    checked: int


def publishes_nothing_new(
    project: Project, listed: Listed, found: list[Change], stamp: Stamp
) -> Checked | None:
    """Check the changed files and their neighbours as a full build would (raises
    BuildRefused on an error); their facts now when nothing a build publishes changed, else
    None (a full build is needed)."""
    if not found or len(found) > LIMIT:
        return None
    if any(change.state is None and change.before and change.before[5] for change in found):
        return None  # a published certificate's request is gone
    checker = DraftingChecker(project)
    if checker.reference is None:
        return None  # the reference data has errors now: a full build reports them
    present = {change.path for change in found if change.state is not None}
    targets = _with_neighbours(checker, listed, found, present)
    if targets is None:
        return None
    outcomes: list[FileOutcome] = []  # none when files were removed with nothing linked to them
    if targets:
        index_folder = project.cache_dir / "index"
        listings = {listed.root: Listing.collected(listed.root, listed.folders)}
        result = run_check(checker, targets, 1, None, index_folder, listings)
        if result.errors:
            raise BuildRefused(result)
        outcomes = result.outcomes
    as_of = date.fromisoformat(stamp.as_of)
    after = _facts_now(outcomes, present, as_of)
    if after is None:
        return None
    for change in found:
        now = after[change.path][5] if change.state is not None else None
        if now != (change.before[5] if change.before else None):
            return None  # a certificate is new, gone or changed: a full build publishes it
    if _as_of(latest_days_after(stamp, found, after), checker) != as_of:
        return None
    return Checked(after, len(targets))


def _with_neighbours(
    checker: DraftingChecker, listed: Listed, found: list[Change], present: set[str]
) -> list[str] | None:
    """The changed files that are there, and the files that share an ID or official number
    with, or are linked with, what a changed file was or is (from the register index, brought
    up to date from ``listed``); None when the index cannot be used here."""
    keys = [_keys(change.before) for change in found if change.before and change.before[0]]
    for path in sorted(present):
        entry = checker.index_file(path, path)
        if entry is not None:
            keys.append(entry)
    if not keys:
        return sorted(present)
    environment = environment_hash(code_hash(), checker.locked)  # as the check's own index
    try:
        index = RegisterIndex.open(checker.project.cache_dir / "index", listed.root, environment)
    except IndexUnavailable:
        return None
    listing = Listing.collected(listed.root, listed.folders)

    def read(files: list[tuple[str, str]]) -> list[Entry | None]:
        return index_entries(checker, files, os.cpu_count() or 1)

    try:
        neighbours = index.neighbours(read, keys, present, listing)
    except IndexUnavailable:
        return None
    finally:
        index.close()
    return sorted(present | {os.path.abspath(entry.path) for entry in neighbours})


def keep_index(
    project: Project, listed: Listed, entries: dict[str, Entry], locked: tuple[str, ...]
) -> None:
    """Bring the register index up to date from a full build's check (``entries``, by
    absolute path, with ``locked`` the amendment policy's locked fields: the files are not
    read again), so that the next build after a few changes, and ``certgen check FILE``, find
    it ready; left alone when it cannot be used here."""
    environment = environment_hash(code_hash(), locked)
    try:
        index = RegisterIndex.open(project.cache_dir / "index", listed.root, environment)
    except IndexUnavailable:
        return

    def read(files: list[tuple[str, str]]) -> list[Entry | None]:
        return [entries.get(os.path.abspath(path)) for path, _ in files]

    try:
        index.neighbours(read, [], set(), Listing.collected(listed.root, listed.folders))
    except IndexUnavailable:
        pass
    finally:
        index.close()


def _keys(facts: FileFacts) -> Entry:
    """An entry with what neighbours are found by: ID, links and official number."""
    assert facts[0] is not None
    return Entry("", facts[0], "", "", facts[1], facts[2], facts[3], {})


def _facts_now(
    outcomes: Sequence[FileOutcome], present: set[str], as_of: date
) -> dict[str, FileFacts] | None:
    """The facts of the changed files that are there, their certificates as of ``as_of``."""
    after: dict[str, FileFacts] = {}
    for outcome in outcomes:
        if not isinstance(outcome, DraftedOutcome):
            continue
        path = os.path.abspath(outcome.source)
        if path in present:
            if outcome.draft is not None:
                outcome.certificate = finalize(outcome.draft, as_of)
            after[path] = facts_of(outcome)
    return after if set(after) == present else None


def _as_of(latest_days: dict[str, int], checker: DraftingChecker) -> date:
    """The build's "as of" date, as a full build computes it (inputs.site_inputs)."""
    assert checker.reference is not None
    latest = max(latest_days, default=None)
    latest_day = date.fromisoformat(latest) if latest else None
    return source_date() or max(filter(None, (latest_day, checker.reference.snapshot_taken_on)))
