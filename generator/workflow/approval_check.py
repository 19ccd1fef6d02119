"""``certgen approvals``: a pull request's certification decisions against its reviews on
GitHub. Run by the Pull request decisions workflow on every pull request event and every
review, with the base branch's certgen, on the pull request's files as data.

The staff (their roles and GitHub logins) are read from the base branch, never from the pull
request; the files judged must be the pull request's head commit (or GitHub's merge of it),
the commit its reviewers approved.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from generator.check.decisions import (
    Addition,
    Approvals,
    ChangeUnderReview,
    Decision,
    decisions_of,
    standing_approvers,
)
from generator.check.document import Document
from generator.check.load import load_bytes, load_file
from generator.check.outcomes import CheckResult
from generator.check.reference_data import StaffMember, staff_members
from generator.check.report import markdown_text
from generator.check.rules import run_approval_rules, run_history_rules
from generator.errors import UsageError
from generator.findings import shown
from generator.github import GitHub
from generator.project import Project
from generator.workflow.git_history import changes_against, git, require_ref


@dataclass(frozen=True)
class ApprovalReport:
    result: CheckResult
    approvals: Approvals
    decisions: list[Decision]

    def lines(self) -> list[str]:
        """One line a decision: what, by whom, and whether that reviewer approved."""
        pull = self.approvals.pull_request
        shown = []
        for decision in self.decisions:
            member = self.approvals.member(decision.decider)
            approved = self.approvals.approved_by(member)
            login = f" (GitHub {member.github})" if member else ""
            state = f"approved {pull.head_sha[:7]}" if approved else "NOT approved"
            request_id = decision.document.data.get("id", decision.path)
            by = escaped(decision.decider)
            shown.append(f"{escaped(request_id)} {decision.kind} by {by}{login}: {state}")
        return shown

    def summary(self) -> str:
        """Markdown for the job summary."""
        pull = self.approvals.pull_request
        approvers = ", ".join(sorted(self.approvals.approvers)) or "nobody yet"
        out = [
            f"### Decisions in pull request #{pull.number}",
            "",
            f"Opened by `{pull.author}`; head commit `{pull.head_sha[:7]}` approved by: "
            f"{approvers}.",
            "",
        ]
        out += [f"- {markdown_text(line)}" for line in self.lines()] or [
            "- no certificate decided here"
        ]
        if self.result.findings:
            out += ["", f"**{self.result.errors} problem(s)**: see the annotations."]
        return "\n".join(out) + "\n"


def check_approvals(project: Project, base: str, github: GitHub, number: int) -> ApprovalReport:
    """Judge the decisions of pull request ``number`` in ``project``'s working tree."""
    require_ref(project.root, base)
    pull = github.pull_request(number)
    _require_head(project, pull.head_sha, number)
    reviews = github.reviews(number)
    commits = github.commits(number)
    approvals = Approvals(
        pull_request=pull,
        approvers=standing_approvers(reviews, pull.head_sha),
        commit_authors={c.sha: c.author.casefold() if c.author else None for c in commits},
        staff=staff_on(project, base),
    )
    changes = changes_against(project, base)
    items = [
        ChangeUnderReview(
            c,
            tuple(decisions_of(c, _replacement(project))),
            approvals,
            _addition(project, base, c.path) if c.kind == "added" else None,
        )
        for c in changes
    ]
    # the preparer never changes once on the base branch (H907): judged here too, by the base
    # branch's code, as the four eyes start with it
    fixed = [f for f in run_history_rules(changes) if f.code == "H907"]
    findings = sorted([*run_approval_rules(items), *fixed], key=lambda f: f.sort_key())
    decisions = [d for item in items for d in item.decisions]
    return ApprovalReport(CheckResult(findings, len(changes)), approvals, decisions)


def escaped(value: object) -> str:
    """A value from a request file, for the log: control characters shown, never acted on."""
    return shown(value).strip('"') if isinstance(value, str) else shown(value)


def staff_on(project: Project, ref: str) -> dict[str, StaffMember]:
    """The staff as data/certifier.yaml lists them on ``ref`` (the base branch): a pull
    request cannot make itself a reviewer."""
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    relative = os.path.relpath(project.data_dir / "certifier.yaml", root)
    shown = subprocess.run(
        ["git", "show", f"{ref}:{relative}"], cwd=root, capture_output=True, check=False
    )
    if shown.returncode != 0:
        raise UsageError(f"{relative} is not on {ref}: the staff list must be on the base branch")
    try:
        data = yaml.safe_load(shown.stdout)
    except yaml.YAMLError as error:
        raise UsageError(f"{relative} on {ref} is not valid YAML: {error}") from None
    staff = data.get("staff") if isinstance(data, dict) else None
    if not isinstance(staff, list):
        raise UsageError(f"{relative} on {ref} lists no staff")
    return staff_members(staff)


def _require_head(project: Project, head_sha: str, number: int) -> None:
    """The working tree is the pull request's head commit, or GitHub's merge of it into the
    base branch (what actions/checkout checks out for a pull request)."""
    here = git(project.root, "rev-parse", "HEAD").strip()
    parents = git(project.root, "rev-list", "--parents", "-n", "1", "HEAD").split()[1:]
    if head_sha != here and head_sha not in parents[1:]:
        raise UsageError(
            f"the working tree is at {here[:7]}, not pull request #{number}'s head commit "
            f"{head_sha[:7]} (its reviewers approved that commit): check out "
            f"refs/pull/{number}/merge or {head_sha[:7]} and run again"
        )
    dirty = git(project.root, "status", "--porcelain", "--", str(project.requests_dir))
    if dirty.strip():
        raise UsageError(
            "requests/ has changes that are not committed: the approvals judge the committed "
            "pull request; commit or stash them"
        )


def _addition(project: Project, base: str, path: str) -> Addition | None:
    """The first commit since ``base`` that added ``path`` (as shown, relative to the current
    folder), and the preparer the file named then."""
    root = Path(git(project.root, "rev-parse", "--show-toplevel").strip())
    relative = os.path.relpath(os.path.abspath(path), root)
    listed = git(
        root, "log", "--diff-filter=A", "--format=%H", "--reverse", f"{base}..HEAD", "--", relative
    ).split()
    if not listed:
        return None
    shown = subprocess.run(
        ["git", "show", f"{listed[0]}:{relative}"], cwd=root, capture_output=True, check=False
    )
    document = load_bytes(shown.stdout, path).document if shown.returncode == 0 else None
    preparer = document.data.get("prepared_by") if document is not None else None
    return Addition(listed[0], preparer if isinstance(preparer, str) else None)


def _replacement(project: Project) -> Callable[[str], Document | None]:
    def find(request_id: str) -> Document | None:
        path = project.requests_dir / request_id[3:7] / f"{request_id}.yaml"
        if not path.is_file():
            return None
        return load_file(path, os.path.relpath(path)).document

    return find
