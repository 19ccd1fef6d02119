"""A build after a few request files changed: the changed files are checked with the few
others that cross-request rules compare them with (from the register index), instead of the
whole register, and only the certificates they change are published again.

A build after such changes owes the check a full build would make (its errors refuse the
build), and the files of the certificates that changed. Both are found from the changed files
alone:

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

A frozen record added or changed stands for a change of its request (the one file that reads
it, build_stamp.py): an issuance is the request and its record.

Most changes publish nothing (a request drafted, edited in review, approved or withdrawn, a
comment in an issued request): the build is then over. Those that publish (an issuance, a
cancellation, a status note) have their certificates' files made, and the register's
aggregates (year pages, lookups, downloads) made from the certificates the last build
published, kept beside its stamp (published_register.py), with the changed ones in their
place; the other certificates' files stay as the output folder's manifest has them.

A change that moves the "as of" date (a request received or decided on a later day than any
before) publishes too: MkDocs' pages (the guidance shows the terms in force on that date) and
the downloads (which name it) are made again, and the certificates whose status it changes
(a time-frame certificate whose validity ends between the two dates, found from the stamp's
facts) are read again and published.

Any other change (a year folder, a stray file, a request of a published certificate removed)
is left to a full build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from generator.check.listing import Listing
from generator.check.outcomes import FileOutcome
from generator.check.pipeline import index_entries, run_check
from generator.check.reference_data import Reference
from generator.check.register_index import IndexUnavailable, RegisterIndex
from generator.check.rules import Entry
from generator.project import Project
from generator.record.drafting import DraftedOutcome, DraftingChecker
from generator.record.public import PublicCertificate, finalize
from generator.website.build_stamp import Change, Listed, Stamp, latest_days_after
from generator.website.inputs import BuildRefused, FileFacts, as_of_date, facts_of

LIMIT = 200
"""More changed files than this are left to a full build (which reads them in parallel, and
takes unchanged ones from the check cache)."""


@dataclass(frozen=True)
class Checked:
    """What a build after a few changes found."""

    facts: dict[str, FileFacts]
    """The changed files' facts now, by path."""
    checked: int
    """How many files were checked."""
    reference: Reference | None = None
    certificates: dict[str, PublicCertificate] = field(default_factory=dict)
    """The certificates new or changed, by ID."""
    gone: frozenset[str] = frozenset()
    """The IDs of the certificates no longer published."""
    as_of: date | None = None
    """The build's new "as of" date, when the changes moved it."""
    expiring: list[Change] = field(default_factory=list)
    """The unchanged files whose certificate's status the new "as of" date changes (read
    again: their facts are in ``facts`` too)."""

    @property
    def publishes(self) -> bool:
        return bool(self.certificates or self.gone or self.as_of)


Expiring = Callable[[tuple[str, str]], "list[Change] | None"]
"""The unchanged request files whose certificate's status differs between two days (None:
not known here)."""


def check_changes(
    project: Project, listed: Listed, found: list[Change], stamp: Stamp, expiring: Expiring
) -> Checked | None:
    """Check the changed files and their neighbours as a full build would (raises
    BuildRefused on an error), and find which certificates they change; None when a full
    build is needed (too many files, a published request gone, no index here).

    When the changes move the build's "as of" date, the certificates whose status that
    changes (a time-frame certificate whose validity ends between the two dates: their files
    come from ``expiring``) are read again and published too."""
    if not found or len(found) > LIMIT:
        return None
    if any(change.state is None and change.before and change.before.status_key for change in found):
        return None  # a published certificate's request is gone: its record is left over
    checker = DraftingChecker(project)
    if checker.reference is None:
        return None  # the reference data has errors now: a full build reports them
    present = {change.path for change in found if change.state is not None}
    targets = _with_neighbours(checker, listed, found, present)
    if targets is None:
        return None
    outcomes: list[FileOutcome] = []  # none when files were removed with nothing linked to them
    if targets:
        outcomes = _checked(checker, listed, targets)
    drafted = _drafted_now(outcomes, present)
    if drafted is None:
        return None
    latest = max(latest_days_after(stamp, found, _latest_days(drafted)), default=None)
    as_of = as_of_date(date.fromisoformat(latest) if latest else None, checker.reference)
    moved = as_of.isoformat() != stamp.as_of
    flipped: list[Change] = []
    if moved:
        read = _read_expiring(checker, listed, found, expiring((stamp.as_of, str(as_of))))
        if read is None:
            return None
        flipped, outcomes_again = read
        drafted |= outcomes_again
    for drafted_outcome in drafted.values():
        if drafted_outcome.draft is not None:
            drafted_outcome.certificate = finalize(drafted_outcome.draft, as_of)
    after = {path: facts_of(outcome) for path, outcome in drafted.items()}
    certificates, gone = _published_now([*found, *flipped], drafted, after)
    return Checked(
        after,
        len(targets) + len(flipped),
        checker.reference,
        certificates,
        gone,
        as_of if moved else None,
        flipped,
    )


def _published_now(
    read: list[Change], drafted: dict[str, DraftedOutcome], after: dict[str, FileFacts]
) -> tuple[dict[str, PublicCertificate], frozenset[str]]:
    """Of the files read again, the certificates whose files' key changed (by ID), and the
    IDs of those no longer published."""
    certificates: dict[str, PublicCertificate] = {}
    gone: set[str] = set()
    for change in read:
        before = change.before
        outcome = drafted.get(change.path)
        if outcome is None or (before and before.status_key) == after[change.path].status_key:
            continue
        if before and before.status_key and before.id:
            gone.add(before.id)
        if outcome.certificate is not None:
            certificates[outcome.certificate.id] = outcome.certificate
    return certificates, frozenset(gone - set(certificates))


def _read_expiring(
    checker: DraftingChecker, listed: Listed, found: list[Change], every: list[Change] | None
) -> tuple[list[Change], dict[str, DraftedOutcome]] | None:
    """The unchanged files whose certificate's status the new "as of" date changes
    (``every`` such file, from the stamp), read again: as changes, and their outcomes by
    path; None when they are not known, or too many."""
    if every is None:
        return None
    changed = {change.path for change in found}
    flipped = [change for change in every if change.path not in changed]
    if len(found) + len(flipped) > LIMIT:
        return None
    paths = {change.path for change in flipped}
    if not paths:
        return [], {}
    outcomes = _drafted_now(_checked(checker, listed, sorted(paths)), paths)
    return None if outcomes is None else (flipped, outcomes)


def _checked(checker: DraftingChecker, listed: Listed, targets: list[str]) -> list[FileOutcome]:
    """The outcomes of ``targets`` checked against the register (raises BuildRefused on an
    error)."""
    listings = {listed.root: Listing.collected(listed.root, listed.folders)}
    result = run_check(checker, targets, 1, None, checker.project.index_dir, listings)
    if result.errors:
        raise BuildRefused(result)
    return result.outcomes


def _latest_days(drafted: dict[str, DraftedOutcome]) -> dict[str, str | None]:
    return {
        path: outcome.latest.isoformat() if outcome.latest else None
        for path, outcome in drafted.items()
    }


def _with_neighbours(
    checker: DraftingChecker, listed: Listed, found: list[Change], present: set[str]
) -> list[str] | None:
    """The changed files that are there, and the files that share an ID or official number
    with, or are linked with, what a changed file was or is (from the register index, brought
    up to date from ``listed``); None when the index cannot be used here."""
    keys = [_keys(change.before) for change in found if change.before and change.before.id]
    for path in sorted(present):
        entry = checker.index_file(path, path)
        if entry is not None:
            keys.append(entry)
    if not keys:
        return sorted(present)
    try:
        index = RegisterIndex.open_for(checker.project.index_dir, listed.root, checker.locked)
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
    try:
        index = RegisterIndex.open_for(project.index_dir, listed.root, locked)
    except IndexUnavailable:
        return

    def read(files: list[tuple[str, str]]) -> list[Entry | None]:
        return [entries.get(os.path.abspath(path)) for path, _ in files]

    try:
        index.refresh(read, Listing.collected(listed.root, listed.folders))
    except IndexUnavailable:
        pass
    finally:
        index.close()


def _keys(facts: FileFacts) -> Entry:
    """An entry with what neighbours are found by: ID, links and official number."""
    assert facts.id is not None
    return Entry(
        "", facts.id, "", "", facts.supersedes, facts.superseded_by, facts.official_number, {}
    )


def _drafted_now(
    outcomes: Sequence[FileOutcome], present: set[str]
) -> dict[str, DraftedOutcome] | None:
    """The outcomes of the changed files that are there, by path (None: one is missing)."""
    found: dict[str, DraftedOutcome] = {}
    for outcome in outcomes:
        if not isinstance(outcome, DraftedOutcome):
            continue
        path = os.path.abspath(outcome.source)
        if path in present:
            found[path] = outcome
    return found if set(found) == present else None
