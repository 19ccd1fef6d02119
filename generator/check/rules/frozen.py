"""Rules on the frozen records in records/: what a certificate said when it was issued is
what it says for ever."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.rules.registry import Problem, rule
from generator.check.transitions import RecordChange


@rule("H905", scope="records")
def kept_record_never_changes(change: RecordChange) -> Iterator[Problem]:
    """A certificate's frozen record, once on the base branch, is never changed or removed.

    What an issued certificate says (its record, hence the SHA-256 digest printed on it and
    its signature) is fixed the day it is issued: customs brokers and foreign authorities
    hold copies and compare them with the register. A cancellation or an amendment changes
    the certificate's status, never its record.

    Source: certgen: an issued certificate never changes (its frozen record, digest and
    signature).

    Fix: restore the file (``git checkout <base branch> -- <file>``). To withdraw a
    certificate, cancel it (``certgen cancel``); to correct it, amend it (``certgen amend``).
    """
    if change.kind in ("changed", "deleted"):
        yield Problem(
            None,
            f"the record of {change.request_id}, issued on the base branch, may not be "
            f"{change.kind}; restore it, and cancel or amend the certificate instead",
        )


@rule("H906", scope="records")
def added_record_is_the_issued_request(change: RecordChange) -> Iterator[Problem]:
    """A frozen record the branch adds is the record of the request it issues, as certgen
    makes it.

    ``certgen issue`` (or ``certgen freeze``) writes the record from the request and the
    reference data in force; a record written or edited by hand could make the site publish
    a certificate that no reviewer decided.

    Source: certgen: only certgen writes frozen records, from a request that passes the
    check.

    Fix: delete the file, then run ``certgen freeze <request file>`` on the issued request
    (it must pass ``certgen check``).
    """
    if change.kind != "added":
        return
    if change.expected is None:
        yield Problem(
            None,
            f"{change.request_id} is not a request this branch issues that passes the check; "
            "delete this record, or issue the request with certgen issue",
        )
    elif change.kept != change.expected:
        yield Problem(
            None,
            f"this is not the record certgen makes of {change.request_id}; delete it and run "
            "certgen freeze on the request",
        )
