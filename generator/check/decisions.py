"""Four eyes that hold on GitHub: which certification decisions a pull request records, and
who approved its last commit.

A pull request issues, cancels or supersedes certificates by changing request files; the
decision is the named reviewer's only when that reviewer's GitHub login (data/certifier.yaml,
staff ``github``, as on the base branch) approved the pull request's head commit, and the
reviewer is neither its author nor the request's preparer. The approval rules
(``check.rules.approvals``) judge each decision against these facts; the reviews come from
GitHub's REST API (generator/github.py) in generator/workflow/approval_check.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from generator.check.document import Document
from generator.check.reference_data import OUTSIDE, StaffMember, member_with_login
from generator.check.transitions import Change
from generator.github import PullRequest, Review

_DECIDED = {
    "issued": ("/issuance", "issuance", "reviewer"),
    "cancelled": ("/cancellation", "cancellation", "cancelled_by"),
}
_STATE_CHANGING = {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}


@dataclass(frozen=True)
class Decision:
    """One certificate a pull request issues, cancels or supersedes."""

    path: str
    document: Document
    kind: str
    """issued, cancelled, superseded, or excepted (a policy exception granted)"""
    pointer: str
    """Where the decision is recorded: /issuance, /cancellation or /superseded_by."""
    decider: str | None
    """The handle named as deciding it (for a supersession: the replacement's reviewer)."""
    preparer: str | None


@dataclass(frozen=True)
class Approvals:
    """What GitHub says of the pull request, and the staff as the base branch lists them."""

    pull_request: PullRequest
    approvers: frozenset[str]
    """Logins (casefolded) whose standing review approves the head commit."""
    commit_authors: dict[str, str | None]
    """Each of the pull request's commits (SHA) and the login (casefolded) of its author, or
    None when GitHub links it to no account."""
    staff: dict[str, StaffMember]

    def member(self, handle: str | None) -> StaffMember | None:
        return self.staff.get(handle) if handle else None

    def member_with_login(self, login: str) -> StaffMember | None:
        return member_with_login(self.staff, login)

    def approved_by(self, member: StaffMember | None) -> bool:
        return member is not None and member.github.casefold() in self.approvers

    def admin_approval(self) -> StaffMember | None:
        """An admin other than the author who approved the head commit, if any."""
        author = self.pull_request.author.casefold()
        return next(
            (
                m
                for m in self.staff.values()
                if "admin" in m.roles and self.approved_by(m) and m.github.casefold() != author
            ),
            None,
        )

    def login_of(self, person: str | None) -> str | None:
        """The GitHub login behind a handle or ``github:<login>`` (casefolded)."""
        if not person:
            return None
        if person.startswith(OUTSIDE):
            return person.removeprefix(OUTSIDE).casefold()
        member = self.staff.get(person)
        return member.github.casefold() if member else None


@dataclass(frozen=True)
class Addition:
    """The commit that added a request to the pull request, and who it said prepared it."""

    sha: str
    preparer: str | None
    """``prepared_by`` in the file as that commit added it."""


@dataclass(frozen=True)
class ChangeUnderReview:
    """One changed request of the pull request, with the decisions it records."""

    change: Change
    decisions: tuple[Decision, ...]
    approvals: Approvals
    added: Addition | None = None
    """For a request the pull request adds: the commit that added it (None if not found)."""

    def added_by(self) -> str | None:
        """The login (casefolded) of the author of the commit that added the request."""
        if self.added is None:
            return None
        return self.approvals.commit_authors.get(self.added.sha)


def standing_approvers(reviews: Iterable[Review], head_sha: str) -> frozenset[str]:
    """The logins whose latest approving, change-requesting or dismissed review is an
    approval of ``head_sha``, as GitHub counts reviews: a comment changes nothing, a later
    request for changes or a dismissal withdraws an approval, and an approval of an earlier
    commit does not approve what was pushed after it."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.login and review.state in _STATE_CHANGING:
            latest[review.login.casefold()] = review
    return frozenset(
        login
        for login, review in latest.items()
        if review.state == "APPROVED" and review.commit_id == head_sha
    )


def decisions_of(change: Change, replacement: Callable[[str], Document | None]) -> list[Decision]:
    """The decisions ``change`` records: a status that becomes issued, cancelled or
    superseded (a request added already decided included). ``replacement`` gives the head
    document of a request by ID, for the reviewer who issued a superseding request."""
    head = change.head
    if head is None or change.kind == "deleted":
        return []
    found = _exception(change, head)
    status = head.data.get("status")
    if status == change.base_status or not isinstance(status, str):
        return found
    preparer = _text(head.data.get("prepared_by"))
    if status in _DECIDED:
        pointer, section, field = _DECIDED[status]
        decision = head.data.get(section)
        decider = _text(decision.get(field)) if isinstance(decision, dict) else None
        return [*found, Decision(change.path, head, status, pointer, decider, preparer)]
    if status == "superseded":
        by = _text(head.data.get("superseded_by"))
        successor = replacement(by) if by else None
        issuance = successor.data.get("issuance") if successor else None
        decider = _text(issuance.get("reviewer")) if isinstance(issuance, dict) else None
        return [*found, Decision(change.path, head, status, "/superseded_by", decider, preparer)]
    return found


def _exception(change: Change, head: Document) -> list[Decision]:
    """A policy exception the change adds or alters: a decision of the reviewer it names."""
    exception = head.data.get("policy_exception")
    before = change.base.data.get("policy_exception") if change.base is not None else None
    if exception is None or exception == before:
        return []
    approver = _text(exception.get("approved_by")) if isinstance(exception, dict) else None
    preparer = _text(head.data.get("prepared_by"))
    return [Decision(change.path, head, "excepted", "/policy_exception", approver, preparer)]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
