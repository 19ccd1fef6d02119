"""Intake's pull request: the request an issue form asks for goes to branch ``request/issue-N``
as a new commit, never by rewriting the branch.

What to do is decided from what GitHub and git say about the branch and its pull request
(``decide``): a pull request that a reviewer approved or worked on is left alone, and the issue
and pull request say how a reviewer takes the edit; a closed one is never reused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

from generator.github import Commit as ApiCommit
from generator.github import GitHub, PullRequest, Review
from generator.workflow.intake import Intake, carried_over, comment, intake, requester
from generator.workflow.intake_notes import (
    edit_not_taken_note,
    handled_note,
    hands_off_note,
    reviewer_steps,
)
from generator.workflow.lifecycle import Lifecycle
from generator.workflow.remote_branch import (
    BOT_EMAIL,
    BOT_LOGIN,
    LocalCommit,
    PushRejected,
    Remote,
)

_REQUEST_FILE = re.compile(r"(?:^|/)requests/[0-9]{4}/(?:IC|EC)-[0-9]{4}-[0-9]{4}\.yaml$")
BLOCKING_REVIEWS = ("APPROVED", "DISMISSED")
"""A pull request with a review in one of these states is a reviewer's, never intake's."""
PREFIXES = {"import": "IC-", "export": "EC-"}


class Action(Enum):
    CREATE = "create"
    """No branch and no pull request: a branch from the base, and its pull request."""
    EXTEND = "extend"
    """Intake's own branch, not approved: a new commit on top (none if nothing changed)."""
    HANDS_OFF = "hands off"
    """Review has started: nothing is touched; the issue and pull request say what to do."""
    HANDLED = "handled"
    """The branch's pull request was closed or merged: the request was handled."""


@dataclass(frozen=True)
class IssueRequest:
    number: int
    kind: str
    body: str
    author: str
    """The issue author's GitHub login."""


@dataclass(frozen=True)
class BranchState:
    """What GitHub and git say about an issue's branch and its pull request."""

    issue: int
    base: str
    """The commit of the base branch."""
    tip: str | None = None
    """The commit the branch ends at, if it exists."""
    pull: PullRequest | None = None
    closed: tuple[PullRequest, ...] = ()
    reviews: tuple[Review, ...] = ()
    commits: tuple[ApiCommit, ...] = ()
    local: tuple[LocalCommit, ...] = ()
    """The branch's commits since the base, as git reads them."""
    changed: dict[str, str] = field(default_factory=dict)
    """Path -> A, M or D: what the branch changes since it left the base."""


@dataclass(frozen=True)
class Decision:
    action: Action
    reasons: tuple[str, ...] = ()
    """Why intake keeps its hands off."""
    request: str | None = None
    """The request file the branch adds, if it adds one."""


@dataclass(frozen=True)
class Outcome:
    comment: str
    """The issue's comment."""
    summary: str
    """One line for the log."""
    result: Intake | None = None


def branch_of(issue: int) -> str:
    return f"request/issue-{issue}"


def commit_message(issue: int) -> str:
    return f"Request from issue #{issue}"


def read_state(github: GitHub, remote: Remote, issue: int, base: str) -> BranchState:
    branch = branch_of(issue)
    open_pulls = github.pull_requests_from(branch)
    pull = open_pulls[0] if open_pulls else None
    closed = () if pull else tuple(github.pull_requests_from(branch, "closed"))
    state = BranchState(issue, base, pull=pull, closed=closed)
    if pull:
        reviews, commits = github.reviews(pull.number), github.commits(pull.number)
        state = replace(state, reviews=tuple(reviews), commits=tuple(commits))
    if remote.tip(branch) is None:
        return state
    tip = remote.fetch(branch)
    local = tuple(remote.commits_between(base, tip))
    return replace(state, tip=tip, local=local, changed=remote.changed_files(base, tip))


def decide(state: BranchState) -> Decision:
    if state.pull is None and state.closed:
        return Decision(Action.HANDLED)
    if state.pull is None and state.tip is None:
        return Decision(Action.CREATE)
    reasons = [*_approvals(state), *_moved(state), *_not_intakes(state), *_other_files(state)]
    added = [path for path, status in state.changed.items() if status == "A"]
    if not added:
        reasons.append("the branch adds no request file")
    # the path goes into the steps a reviewer copies into a shell: only a request file's
    request = added[0] if len(added) == 1 and _REQUEST_FILE.search(added[0]) else None
    if reasons:
        return Decision(Action.HANDS_OFF, tuple(dict.fromkeys(reasons)), request)
    return Decision(Action.EXTEND, request=request)


def _approvals(state: BranchState) -> list[str]:
    return [
        f"{review.login or 'a reviewer'} approved it"
        if review.state == "APPROVED"
        else f"a review by {review.login or 'a reviewer'} was dismissed"
        for review in state.reviews
        if review.state in BLOCKING_REVIEWS
    ]


def _moved(state: BranchState) -> list[str]:
    if state.pull is None:
        return []
    if state.tip is None:
        return [f"its branch {branch_of(state.issue)} is gone"]
    if state.tip != state.pull.head_sha:
        return [
            f"its branch was changed: it ends at {state.tip[:7]}, not {state.pull.head_sha[:7]}"
        ]
    return []


def _not_intakes(state: BranchState) -> list[str]:
    """Commits on the branch that intake did not make, as GitHub and as git see them."""
    own = re.compile(rf"{re.escape(commit_message(state.issue))}(?![0-9])")
    by_api = [
        f"commit {c.sha[:7]} is by {c.author or c.committer or 'someone else'}"
        for c in state.commits
        if not (c.author == BOT_LOGIN and c.committer == BOT_LOGIN and own.match(c.message))
    ]
    by_git = [
        f"commit {c.sha[:7]} is by {c.author_email or 'someone else'}"
        for c in state.local
        if not (c.author_email == BOT_EMAIL == c.committer_email and own.match(c.message))
    ]
    return by_api + by_git


def _other_files(state: BranchState) -> list[str]:
    others = [
        path
        for path, status in state.changed.items()
        if status != "A" or not _REQUEST_FILE.search(path)
    ]
    added = [path for path, status in state.changed.items() if status == "A"]
    if others or len(added) > 1:
        return [f"the branch changes {', '.join(sorted(state.changed))}, not one new request"]
    return []


def take_issue(
    lifecycle: Lifecycle, github: GitHub, remote: Remote, issue: IssueRequest, base_branch: str
) -> Outcome:
    """Bring the request of ``issue`` to its pull request into ``base_branch``, or say why not."""
    base = remote.fetch(base_branch)
    state = read_state(github, remote, issue.number, base)
    decision = decide(state)
    if decision.action is Action.HANDLED:
        return Outcome(handled_note(state.closed[0].number), f"{_pulls(state)} closed: no change")
    if decision.request and not Path(decision.request).name.startswith(PREFIXES[issue.kind]):
        reason = f"the issue now asks for an {issue.kind} certificate"
        decision = Decision(Action.HANDS_OFF, (*decision.reasons, reason))
    if decision.action is Action.HANDS_OFF:
        return _hands_off(github, state, decision.reasons, issue, decision.request)
    request_id = Path(decision.request).stem if decision.request else None
    result = intake(
        lifecycle, issue.kind, issue.body, issue.author, f"{remote.name}/{base_branch}", request_id
    )
    pull = state.pull.number if state.pull else None
    if result.problems or result.path is None or result.text is None:
        return Outcome(comment(result, issue.kind, pull), "the request has problems", result)
    return _commit(github, remote, state, issue, result, base_branch)


def _commit(
    github: GitHub,
    remote: Remote,
    state: BranchState,
    issue: IssueRequest,
    result: Intake,
    base_branch: str,
) -> Outcome:
    assert result.path is not None and result.text is not None
    top = Path(remote.git("rev-parse", "--show-toplevel").strip())
    path = result.path.resolve().relative_to(top.resolve()).as_posix()
    parent = state.tip or state.base
    text = carried_over(remote.read(parent, path), result.text)
    made = remote.commit_file(parent, path, text, commit_message(issue.number))
    branch = branch_of(issue.number)
    if made:
        try:
            remote.push(made, branch)
        except PushRejected:
            moved = "someone pushed to the branch while intake ran"
            return _hands_off(github, state, (moved,), issue, path)
    pull = state.pull or github.create_pull_request(
        branch, base_branch, f"{result.path.stem}: request from issue #{issue.number}", _body(issue)
    )
    done = f"{made[:7]} pushed to {branch}" if made else f"{branch} unchanged"
    return Outcome(
        comment(result, issue.kind, pull.number), f"{path}: {done}, #{pull.number}", result
    )


def _body(issue: IssueRequest) -> str:
    return (
        f"Closes #{issue.number}. Filed through the request form. The desk fills in the "
        "document references from the documents the client emailed (the check fails until it "
        "has); then it is reviewed here."
    )


def _hands_off(
    github: GitHub,
    state: BranchState,
    reasons: tuple[str, ...],
    issue: IssueRequest,
    request: str | None,
) -> Outcome:
    steps = reviewer_steps(issue.number, issue.kind, requester(issue.author), request)
    pull = state.pull.number if state.pull else None
    if pull:
        github.comment(pull, hands_off_note(issue.number, reasons, steps))
    note = edit_not_taken_note(issue.number, pull, steps)
    return Outcome(note, f"left {branch_of(issue.number)} alone: {'; '.join(reasons)}")


def _pulls(state: BranchState) -> str:
    return ", ".join(f"#{pull.number}" for pull in state.closed)
