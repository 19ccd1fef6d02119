"""History rules: a branch's changes to the register, judged against the base branch."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.document import plain_location
from generator.check.rules.registry import Problem, rule
from generator.check.transitions import PUBLISHED, TRANSITIONS, Change, first_difference, without


@rule("H901", scope="history")
def record_never_deleted(change: Change) -> Iterator[Problem]:
    """A record of the register is never deleted or renamed.

    The register is the certifier's record of every request and decision, kept at least
    five years (7 CFR 205.103, 205.510); a file's path is its ID, which must never be used
    again. Git keeps the history, but the published register must keep the record.

    Source: 7 CFR 205.103(b)(3) (records kept at least five years), as quoted in the NOP
    training Verifying Organic Imports:
    <https://fdocuments.us/document/verifying-organic-imports-agricultural-marketing-verifying-organic-imports.html>;
    7 CFR 205.510(b) for the certifier's own records (its retention period not confirmed
    against eCFR); certgen: a path is an ID and is never used again.

    Fix: restore the file (``git checkout <base branch> -- <file>``). To withdraw an issued
    certificate, cancel it (``certgen cancel``); to correct it, amend it (``certgen amend``).
    """
    if change.kind == "deleted":
        yield Problem(
            None,
            f"{change.path} is on the base branch and may not be deleted or "
            "renamed; restore it, or cancel or amend the record instead",
        )


@rule("H902", scope="history")
def request_id_never_reused(change: Change) -> Iterator[Problem]:
    """A request ID is never used again, even after its file was removed.

    Certificate numbers identify one certificate for ever; a verifier holding an old
    certificate must never find a different one under its number.

    Source: the instructions for the legacy NOP 2110-1 certificate (a certificate number is
    used once): <https://studylib.net/doc/18750699/>; certgen: a request ID is a certificate
    number.

    Fix: give the new request the next free ID (``certgen new``) and rename its file.
    """
    if change.kind == "added" and change.earlier_path_in_history:
        yield Problem(
            "/id",
            f"{change.path} existed before on the base branch: its ID was "
            "used already; give this request the next free ID",
        )


@rule("H903", scope="history")
def status_changes_permitted(change: Change) -> Iterator[Problem]:
    """A record's status changes only along the lifecycle.

    requested → issued → cancelled or superseded. A cancelled or superseded certificate
    never becomes valid again, and an issued one never goes back to requested: what was
    published stays true in the register.

    Source: certgen: the register's lifecycle (``TRANSITIONS`` in
    generator/check/transitions.py).

    Fix: undo the status change; to replace a certificate, amend it (``certgen amend``).
    """
    old, new = change.base_status, change.head_status
    if change.kind != "changed" or old is None or new is None or old == new:
        return
    if (old, new) not in TRANSITIONS:
        yield Problem(
            "/status",
            f"status may not change from {old} to {new}; permitted: "
            "requested → issued, issued → cancelled or superseded",
        )


@rule("H904", scope="history")
def published_record_unchanged(change: Change) -> Iterator[Problem]:
    """An issued, cancelled or superseded record is never edited.

    Once issued, a certificate is what brokers and authorities rely on; its record may only
    record a cancellation or its replacement by an amendment (the status, plus
    ``cancellation`` or ``superseded_by``). Corrections are new requests that supersede it,
    as in TRACES ("copy as replacement").

    Source: certgen: what was published stays as published; corrections are amendments.

    Fix: undo the edit (the finding points at it) and make the correction with
    ``certgen amend``, which creates the superseding request.
    """
    if change.kind != "changed" or change.base is None or change.head is None:
        return
    old, new = change.base_status, change.head_status
    if old not in PUBLISHED:
        return
    allowed = TRANSITIONS.get((old or "", new or ""), frozenset({"status"}))
    pointer = first_difference(
        without(change.base.data, allowed), without(change.head.data, allowed)
    )
    if pointer is not None:
        yield Problem(
            pointer,
            f"{plain_location(pointer)} was changed in a record that is {old}; published records "
            "are never edited: undo this and amend the record instead",
        )


@rule("H907", scope="history")
def preparer_never_changes(change: Change) -> Iterator[Problem]:
    """Who prepared a request never changes once the request is on the base branch.

    The preparer is the first of the four eyes: a reviewer may not decide a request they
    prepared (R111, H911). Renaming the preparer afterwards would let the person who
    prepared a request hand it to a colleague's name and then decide it themself.

    Source: certifier policy: data/certifier.yaml, staff roles ``preparer`` and ``reviewer``
    (R111). ISO/IEC 17065 expects the certification decision to be taken by persons not
    involved in the evaluation (its text is paywalled and was not read; as described in
    ANAB's notes: <https://ansica.org/wwwversion2/outside/PROISOIEC17065Explanations.asp?menuID=1>);
    no 7 CFR 205 section was found that requires a second person for each certificate.

    Fix: restore ``prepared_by`` to the value on the base branch; if the wrong person was
    recorded, an admin corrects it in a pull request of its own that says why.
    """
    if change.kind != "changed" or change.base is None or change.head is None:
        return
    before = change.base.data.get("prepared_by")
    after = change.head.data.get("prepared_by")
    if before is not None and after != before:
        yield Problem(
            "/prepared_by",
            f"prepared_by was {before!s} on the base branch and may not change; restore it "
            f"(a request's preparer is fixed once it is on the base branch)",
        )
