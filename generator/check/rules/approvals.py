"""Approval rules: a pull request's certification decisions, judged against who approved it
on GitHub (``certgen approvals``, run by the Pull request decisions workflow)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.decisions import OUTSIDE, Approvals, ChangeUnderReview
from generator.check.rules.registry import Problem, rule

_APPROVE = "on GitHub, Files changed → Review changes → Approve, on the pull request's last commit"


@rule("H910", scope="approvals")
def decision_approved_by_decider(item: ChangeUnderReview) -> Iterator[Problem]:
    """Each certificate a pull request issues, cancels or supersedes is approved on GitHub by
    the reviewer it names as deciding it.

    The request file records who decided (``issuance.reviewer``, ``cancellation.cancelled_by``,
    or for a superseded certificate the reviewer of its replacement); the name counts only
    when that staff member's GitHub login (data/certifier.yaml, ``github``, as on the base
    branch) approved the pull request's head commit. An approval of an earlier commit does
    not approve what was pushed after it, and a later request for changes or a dismissal
    withdraws it.

    Source: certifier policy: data/certifier.yaml, staff (role ``reviewer``, ``github``);
    ISO/IEC 17065 expects the certification decision to be taken by persons not involved in
    the evaluation (its text was not read; as described in ANAB's notes:
    <https://ansica.org/wwwversion2/outside/PROISOIEC17065Explanations.asp?menuID=1>).

    Fix: the reviewer named in the file approves the pull request's last commit on GitHub;
    or the file names the reviewer who does.
    """
    approvals = item.approvals
    number = approvals.pull_request.number
    head = approvals.pull_request.head_sha[:7]
    for decision in item.decisions:
        member = approvals.member(decision.decider)
        what = _what(decision.kind)
        if decision.decider is None:
            yield Problem(
                decision.pointer,
                f"this pull request {what} this certificate without naming the reviewer who "
                f"decided it; record a listed reviewer, who then approves pull request #{number}",
            )
        elif member is None or "reviewer" not in member.roles:
            yield Problem(
                decision.pointer,
                f"{decision.decider}, named as deciding this certificate, is not a reviewer in "
                "data/certifier.yaml on the base branch; name a listed reviewer, who then "
                f"approves pull request #{number}",
            )
        elif not approvals.approved_by(member):
            yield Problem(
                decision.pointer,
                f"{member.handle} (GitHub {member.github}) is named as deciding this "
                f"certificate but has not approved pull request #{number} at its last commit "
                f"{head}; {member.github} approves it ({_APPROVE}), or the file names the "
                "reviewer who does",
            )


@rule("H911", scope="approvals")
def decider_neither_author_nor_preparer(item: ChangeUnderReview) -> Iterator[Problem]:
    """The reviewer who decides a certificate neither opened the pull request nor prepared the
    request, whatever account or handle they use.

    Four eyes: the person who prepares a request, or who proposes the change that issues or
    cancels a certificate, is not the one who decides it. GitHub already refuses an author's
    approval of their own pull request; this rule also refuses a decision recorded under a
    colleague's handle when the decider's login opened the pull request or prepared the
    request (``prepared_by`` as a handle or as ``github:<login>``).

    Source: certifier policy: data/certifier.yaml, staff (roles ``preparer`` and ``reviewer``,
    ``github``); R111 compares the handles.

    Fix: another listed reviewer decides (names themself in the file and approves the pull
    request's last commit).
    """
    approvals = item.approvals
    author = approvals.pull_request.author.casefold()
    for decision in item.decisions:
        member = approvals.member(decision.decider)
        if member is None:
            continue
        login = member.github.casefold()
        if login == author:
            yield Problem(
                decision.pointer,
                f"{member.handle} (GitHub {member.github}) opened pull request "
                f"#{approvals.pull_request.number} and cannot also decide it; another reviewer "
                "decides and approves it",
            )
        elif login == approvals.login_of(decision.preparer):
            yield Problem(
                decision.pointer,
                f"{member.handle} (GitHub {member.github}) prepared this request (prepared_by: "
                f"{decision.preparer}) and cannot also decide it; another reviewer decides",
            )


@rule("H912", scope="approvals")
def added_request_prepared_by_its_author(item: ChangeUnderReview) -> Iterator[Problem]:
    """A request a pull request adds is prepared by whoever opened the pull request or wrote
    its commits, unless an admin's approval says otherwise.

    ``prepared_by`` is the first of the four eyes, so it must name who really prepared the
    request: the staff member whose GitHub login opened the pull request or authored one of
    its commits, or ``github:<login>`` for someone outside the staff. A pull request opened by
    a bot (the request intake) may only name an outside requester. An admin (not the
    author) who approves the pull request's last commit may accept another preparer, for
    example when a colleague takes over a request.

    Source: certifier policy: data/certifier.yaml, staff (roles, ``github``); H907 keeps the
    preparer fixed once the request is on the base branch.

    Fix: record the preparer as the handle of the staff member who opened the pull request,
    or ``github:<login>`` for an outside requester; or an admin approves the pull request.
    """
    approvals = item.approvals
    if item.change.kind != "added" or item.change.head is None:
        return
    preparer = item.change.head.data.get("prepared_by")
    if not isinstance(preparer, str) or approvals.admin_approval() is not None:
        return
    author = approvals.pull_request.author
    if author.casefold().endswith("[bot]"):
        if not preparer.startswith(OUTSIDE):
            yield Problem(
                "/prepared_by",
                f"pull request #{approvals.pull_request.number} was opened by {author}, which "
                f"files outside requests: prepared_by must be github:<the requester's login>, "
                f"not the staff handle {preparer}; or an admin approves the pull request",
            )
        return
    authors = {author.casefold(), *approvals.commit_authors}
    expected = sorted({_preparer_for(login, approvals) for login in authors})
    if approvals.login_of(preparer) not in authors:
        yield Problem(
            "/prepared_by",
            f"prepared_by is {preparer}, but pull request #{approvals.pull_request.number} was "
            f"opened by {author}: record {' or '.join(expected)}, or an admin approves the "
            "pull request",
        )


def _preparer_for(login: str, approvals: Approvals) -> str:
    member = approvals.member_with_login(login)
    return member.handle if member else f"{OUTSIDE}{login}"


def _what(kind: str) -> str:
    return {"issued": "issues", "cancelled": "cancels"}.get(kind, "supersedes")
