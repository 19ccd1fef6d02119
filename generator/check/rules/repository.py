"""Cross-request rules: identity and links between the records of the register."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from generator.check.rules.registry import Entry, RepositoryProblem, rule


@rule("R103", scope="repository")
def request_id_is_unique(entries: list[Entry]) -> Iterator[RepositoryProblem]:
    """Each request ID is used by one file only, and never reused.

    The ID is the certificate's identity in the public register; two files with one ID
    would publish two different certificates under one number.

    Source: the instructions for the legacy NOP 2110-1 certificate (a certificate number is
    unique, used once, and logged as issued, voided or destroyed):
    <https://studylib.net/doc/18750699/>; certgen: one ID, one certificate in the public
    register.

    Fix: give the newer request the next free ID (``certgen new``) and rename its file.
    """
    for entry, others in _groups(entries, lambda e: e.id):
        yield RepositoryProblem(
            entry,
            "/id",
            f"ID {entry.id} is also used by {', '.join(others)}; "
            "give this request the next free ID",
        )


@rule("R120", scope="repository")
def supersedes_points_back(entries: list[Entry]) -> Iterator[RepositoryProblem]:
    """An amendment's ``supersedes`` names an issued record, which names it back once the
    amendment is issued.

    A correction replaces an issued record: the new request says ``supersedes: <old id>``
    (``certgen amend`` writes it); when it is issued, the old one gets ``status: superseded``
    with ``superseded_by: <new id>`` (``certgen issue`` writes both), so that a verifier finds
    the current certificate from either side. Until then the old record stays issued.

    Source: certgen: the register's amendment links (what ``certgen amend`` and ``certgen
    issue`` write).

    Fix: correct the ID; amend only an issued certificate; once the amendment is issued, set
    status superseded and superseded_by on the old record (``certgen issue`` does both).
    """
    by_id = {e.id: e for e in entries}
    pending: dict[str, str] = {}
    for entry in sorted(entries, key=lambda e: e.id):
        if entry.supersedes is None:
            continue
        old = by_id.get(entry.supersedes)
        if old is None:
            yield RepositoryProblem(entry, "/supersedes", f"no request {entry.supersedes} exists")
        elif entry.status == "requested":
            if old.status != "issued" and old.superseded_by != entry.id:
                yield RepositoryProblem(
                    entry,
                    "/supersedes",
                    f"{old.id} is {old.status}: only an issued certificate can be amended",
                )
            elif (first := pending.setdefault(old.id, entry.id)) != entry.id:
                yield RepositoryProblem(
                    entry,
                    "/supersedes",
                    f"{old.id} is already being amended by {first}: one amendment at a time; "
                    f"make the corrections in {first}, or remove one of them",
                )
        elif old.superseded_by != entry.id or old.status != "superseded":
            yield RepositoryProblem(
                entry,
                "/supersedes",
                f"{old.id} must have status superseded and superseded_by: {entry.id}",
            )


@rule("R121", scope="repository")
def superseded_by_points_back(entries: list[Entry]) -> Iterator[RepositoryProblem]:
    """A superseded record's ``superseded_by`` names an issued amendment that names it back.

    The register shows a superseded certificate with a link to its replacement; the
    replacement must exist, say what it replaces, and be issued, or the link leads nowhere.

    Source: certgen: the register's amendment links (what ``certgen amend`` writes).

    Fix: correct the ID, add ``supersedes: <this id>`` to the amendment, or issue the
    amendment (``certgen issue``) in the same pull request.
    """
    by_id = {e.id: e for e in entries}
    for entry in entries:
        if entry.superseded_by is None:
            continue
        new = by_id.get(entry.superseded_by)
        if new is None:
            yield RepositoryProblem(
                entry, "/superseded_by", f"no request {entry.superseded_by} exists"
            )
        elif new.supersedes != entry.id:
            yield RepositoryProblem(
                entry, "/superseded_by", f"{new.id} must say supersedes: {entry.id}"
            )
        elif new.status == "requested":
            yield RepositoryProblem(
                entry,
                "/superseded_by",
                f"the replacement {new.id} is not issued yet; issue it "
                "before this record is marked superseded (certgen issue)",
            )


@rule("R122", scope="repository")
def official_number_is_unique(entries: list[Entry]) -> Iterator[RepositoryProblem]:
    """Each official certificate number is recorded once.

    A number from OID, TRACES or e-NAQS identifies one certificate; the same number on two
    records means one of them was copied from the wrong certificate.

    Source: certgen: an official number identifies one certificate in the system that issued
    it (OID, TRACES, e-NAQS).

    Fix: copy the right number from the issuing system.
    """
    numbered = [e for e in entries if e.official_number]
    for entry, others in _groups(numbered, lambda e: e.official_number or ""):
        yield RepositoryProblem(
            entry,
            "/issuance/official_number",
            f"number {entry.official_number} is also recorded in {', '.join(others)}",
        )


def _shown(path: str) -> str:
    """A path as findings show it: relative to the current folder when it is under it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _groups(
    entries: Iterable[Entry], key: Callable[[Entry], str]
) -> Iterator[tuple[Entry, list[str]]]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[key(entry)].append(entry)
    for group in groups.values():
        if len(group) > 1:
            for entry in group:
                yield entry, [_shown(other.path) for other in group if other is not entry]
