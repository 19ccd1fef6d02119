"""Approval rules: a pull request's certification decisions, judged against who approved it
on GitHub (``certgen approvals``, run by the Pull request decisions workflow)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.check.decisions import Approvals, ChangeUnderReview
from generator.check.reference_data import OUTSIDE
from generator.check.rules.registry import Problem, rule
from generator.findings import shown

_APPROVE = "on GitHub, Files changed → Review changes → Approve, on the pull request's last commit"


@rule("H910", scope="approvals")
def decision_approved_by_decider(item: ChangeUnderReview) -> Iterator[Problem]:
    """Each certificate a pull request issues, cancels or supersedes, and each policy
    exception it grants, is approved on GitHub by the reviewer it names as deciding it.

    The request file records who decided (``issuance.reviewer``, ``cancellation.cancelled_by``,
    for a superseded certificate the reviewer of its replacement, ``policy_exception.
    approved_by`` for an exception added or changed); the name counts only
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
    if item.change.kind != "deleted" and (
        item.change.head is None or not isinstance(item.change.head.data.get("status"), str)
    ):
        yield Problem(
            None,
            f"pull request #{number} changes this request, but it cannot be read as a request "
            "(certgen check says why): no decision in it can be judged; fix the file",
        )
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
                f"{shown(decision.decider)}, named as deciding this certificate, is not a "
                "reviewer in data/certifier.yaml on the base branch; name a listed reviewer, "
                f"who then approves pull request #{number}",
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
                f"{shown(decision.preparer)}) and cannot also decide it; another reviewer decides",
            )


@rule("H912", scope="approvals")
def added_request_prepared_by_its_author(item: ChangeUnderReview) -> Iterator[Problem]:
    """A request a pull request adds is prepared by whoever opened the pull request and
    added it, unless an admin's approval says otherwise.

    ``prepared_by`` is the first of the four eyes, so it must name who really prepared the
    request: the commit that adds the request is the pull request's author's, and
    ``prepared_by`` names that person (their staff handle, or ``github:<login>`` for someone
    outside the staff). A request added by the request intake's bot names an outside
    requester (``github:<login>``). Whoever added it, ``prepared_by`` is not changed by a
    later commit of the pull request. An admin (not the author) who approves the pull
    request's last commit may accept another preparer, for example when a colleague takes over
    a request.

    Source: certifier policy: data/certifier.yaml, staff (roles, ``github``); H907 keeps the
    preparer fixed once the request is on the base branch.

    Fix: the person who prepared the request opens the pull request that adds it and is
    recorded as its preparer (a staff handle, or ``github:<login>`` for an outside
    requester); or an admin approves the pull request.
    """
    approvals = item.approvals
    if item.change.kind != "added" or item.change.head is None:
        return
    preparer = item.change.head.data.get("prepared_by")
    if not isinstance(preparer, str) or approvals.admin_approval() is not None:
        return
    number = approvals.pull_request.number
    author = approvals.pull_request.author
    added, by = item.added, item.added_by()
    if added is None or by is None:
        yield Problem(
            "/prepared_by",
            f"the commit that added this request to pull request #{number} is not linked to a "
            "GitHub account (its author e-mail is no account's): its preparer cannot be "
            "told; the preparer commits it under their own account, or an admin approves",
        )
        return
    if added.preparer != preparer:
        yield Problem(
            "/prepared_by",
            f"prepared_by was {shown(added.preparer)} when commit {added.sha[:7]} added this "
            f"request and is {shown(preparer)} now: it does not change within a pull request; "
            "restore it, or "
            "an admin approves the pull request",
        )
    elif by.endswith("[bot]"):
        if not preparer.startswith(OUTSIDE):
            yield Problem(
                "/prepared_by",
                f"{by} added this request, which files outside requests: prepared_by must be "
                "github:<the requester's login>, not the staff handle "
                f"{shown(preparer)}; or an admin approves the pull request",
            )
    elif by != author.casefold():
        yield Problem(
            "/prepared_by",
            f"commit {added.sha[:7]} by {by} added this request to pull request #{number}, "
            f"opened by {author}: a request is added in a pull request its preparer opens; "
            "or an admin approves the pull request",
        )
    elif approvals.login_of(preparer) != by:
        yield Problem(
            "/prepared_by",
            f"prepared_by is {shown(preparer)}, but {author} opened pull request #{number} and "
            f"added this request: record {_preparer_for(by, approvals)}, or an admin approves the "
            "pull request",
        )


def _preparer_for(login: str, approvals: Approvals) -> str:
    member = approvals.member_with_login(login)
    return member.handle if member else f"{OUTSIDE}{login}"


def _what(kind: str) -> str:
    words = {"issued": "issues", "cancelled": "cancels", "excepted": "grants an exception for"}
    return words.get(kind, "supersedes")
