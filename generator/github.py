"""certgen's one GitHub client: what the workflows ask GitHub's REST API (a pull request, its
reviews and commits, comments, labels), through PyGithub.

The answers are turned into small frozen values here, so the rest of certgen never handles
PyGithub's objects, and tests feed recorded answers in GitHub's documented shapes (with the
``responses`` library) through the real client. The token comes from the environment
(``GH_TOKEN`` or ``GITHUB_TOKEN``, as the ``gh`` CLI reads them) and is never printed: errors
name the request, GitHub's status and its message, nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from generator.errors import CertgenError, UsageError

if TYPE_CHECKING:  # PyGithub takes 0.2 s to import: only the commands that call GitHub pay it
    from github.Repository import Repository

API_URL = "https://api.github.com"
PAGE_SIZE = 100
T = TypeVar("T")


class GitHubError(CertgenError):
    """GitHub answered with an error, or not as documented, or could not be reached."""


class _NotAsDocumented(Exception):
    """An answer of GitHub's without a value its documentation promises (a pull request whose
    ``user`` or ``head`` is null, a login that is not text)."""


@dataclass(frozen=True)
class PullRequest:
    number: int
    author: str
    """The login of the account that opened it."""
    head_sha: str
    head_ref: str
    base_ref: str
    state: str
    """open or closed"""
    draft: bool = False
    head_repository: str | None = None
    """owner/name of the repository the head branch is in (a fork's); None once deleted."""


@dataclass(frozen=True)
class Review:
    login: str
    state: str
    """APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED or PENDING"""
    commit_id: str | None
    """The commit the review was submitted on."""
    submitted_at: datetime | None


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str | None
    """The GitHub login the commit's author e-mail maps to, if any."""
    committer: str | None
    message: str


class GitHub:
    """One repository on GitHub, through its REST API."""

    def __init__(self, repository: str, token: str | None, api_url: str = API_URL) -> None:
        from github import Auth, Github

        if repository.count("/") != 1:
            raise UsageError(f"{repository!r} is not a GitHub repository (owner/name)")
        self.repository = repository
        auth = Auth.Token(token) if token else None
        # lazy: objects are fetched when first read, inside _call (no request for the
        # repository itself; a pull request's reviews without fetching the pull request)
        self._api = Github(auth=auth, base_url=api_url, per_page=PAGE_SIZE, retry=None, lazy=True)
        self._repo: Repository = self._api.get_repo(repository)

    @classmethod
    def from_environment(cls, repository: str | None = None) -> GitHub:
        """The repository of the running workflow (``GITHUB_REPOSITORY``) or ``repository``,
        with the token of ``GH_TOKEN`` or ``GITHUB_TOKEN``."""
        name = repository or os.environ.get("GITHUB_REPOSITORY")
        if not name:
            raise UsageError("name the repository (--repository owner/name or GITHUB_REPOSITORY)")
        token = os.environ.get("GH_TOKEN") or os.environ.get("GITHUB_TOKEN")
        return cls(name, token, os.environ.get("GITHUB_API_URL") or API_URL)

    def pull_request(self, number: int) -> PullRequest:
        return self._call(
            f"pull request #{number}", lambda: _pull_request(self._repo.get_pull(number))
        )

    def pull_requests_from(self, branch: str, state: str = "open") -> list[PullRequest]:
        """The pull requests in ``state`` (open, or closed: merged included) whose head is
        ``branch`` of this repository."""
        owner = self.repository.split("/")[0]
        return self._call(
            f"{state} pull requests from {branch}",
            lambda: [
                _pull_request(p)
                for p in self._repo.get_pulls(state=state, head=f"{owner}:{branch}")
            ],
        )

    def create_pull_request(self, head: str, base: str, title: str, body: str) -> PullRequest:
        """Open a pull request from branch ``head`` of this repository into ``base``."""
        return self._call(
            f"a pull request from {head}",
            lambda: _pull_request(
                self._repo.create_pull(base=base, head=head, title=title, body=body)
            ),
        )

    def reviews(self, number: int) -> list[Review]:
        """Every review of the pull request, oldest first."""

        def fetch() -> list[Review]:
            reviews = self._repo.get_pull(number).get_reviews()
            return [
                Review(
                    login=_text(r.user.login, "a review's user.login") if r.user else "",
                    state=r.state,
                    commit_id=r.commit_id,
                    submitted_at=r.submitted_at,
                )
                for r in reviews
            ]

        return self._call(f"the reviews of pull request #{number}", fetch)

    def commits(self, number: int) -> list[Commit]:
        """The pull request's commits, oldest first."""

        def fetch() -> list[Commit]:
            return [
                Commit(
                    sha=_text(c.sha, "a commit's sha"),
                    author=_text(c.author.login, "a commit's author.login") if c.author else None,
                    committer=_text(c.committer.login, "a commit's committer.login")
                    if c.committer
                    else None,
                    message=_text(c.commit.message, "a commit's message"),
                )
                for c in self._repo.get_pull(number).get_commits()
            ]

        return self._call(f"the commits of pull request #{number}", fetch)

    def comment(self, number: int, body: str, marker: str | None = None, author: str = "") -> None:
        """Comment on an issue or pull request; with ``marker``, edit instead the first
        comment by ``author`` (a login: the workflow's bot) that starts with it."""

        def post() -> None:
            issue = self._repo.get_issue(number)
            if marker is not None:
                for existing in issue.get_comments():
                    by = existing.user.login if existing.user else ""
                    if by == author and (existing.body or "").startswith(marker):
                        existing.edit(body)
                        return
            issue.create_comment(body)

        self._call(f"a comment on #{number}", post)

    def set_labels(self, number: int, add: list[str], remove: list[str]) -> None:
        def apply() -> None:
            issue = self._repo.get_issue(number)
            present = {label.name for label in issue.labels}
            for name in remove:
                if name in present:
                    issue.remove_from_labels(name)
            missing = [name for name in add if name not in present]
            if missing:
                issue.add_to_labels(*missing)

        self._call(f"the labels of #{number}", apply)

    def open_pull_requests(self) -> list[PullRequest]:
        """Every open pull request of the repository, forks' included."""
        return self._call(
            "the open pull requests",
            lambda: [_pull_request(p) for p in self._repo.get_pulls(state="open")],
        )

    def labelled(self, label: str) -> list[int]:
        """The numbers of the open issues and pull requests that carry ``label``."""
        return self._call(
            f"the issues labelled {label}",
            lambda: [i.number for i in self._repo.get_issues(state="open", labels=[label])],
        )

    def keep_issue(self, label: str, title: str, body: str) -> int:
        """Set the body of the open issue labelled ``label`` (not a pull request), opening it
        with ``title`` when there is none; its number."""

        def keep() -> int:
            for issue in self._repo.get_issues(state="open", labels=[label]):
                if issue.pull_request is None:
                    if issue.body != body:
                        issue.edit(body=body)
                    return int(issue.number)
            return int(self._repo.create_issue(title=title, body=body, labels=[label]).number)

        return self._call(f"the issue labelled {label}", keep)

    def _call(self, what: str, function: Callable[..., T], *arguments: Any) -> T:
        from github import GithubException
        from github.GithubException import BadAttributeException

        try:
            return function(*arguments)
        except (_NotAsDocumented, BadAttributeException) as error:
            detail = (
                str(error) if isinstance(error, _NotAsDocumented) else "a value of a wrong type"
            )
            raise GitHubError(
                f"GitHub's answer for {what} in {self.repository} was not as documented "
                f"({detail}); certgen stopped there: run the job again, and report it if it "
                "persists"
            ) from None
        except GithubException as error:
            message = error.data.get("message") if isinstance(error.data, dict) else None
            raise GitHubError(
                f"GitHub refused {what} in {self.repository}: HTTP {error.status}"
                + (f", {message}" if message else "")
            ) from None
        except OSError as error:  # connection refused, DNS, TLS
            raise GitHubError(f"GitHub could not be reached for {what}: {error}") from None


def _pull_request(pull: Any) -> PullRequest:
    for part in ("user", "head", "base"):
        if getattr(pull, part) is None:
            raise _NotAsDocumented(f"a pull request's {part} is null")
    number = pull.number
    if type(number) is not int:
        raise _NotAsDocumented("a pull request's number is not a whole number")
    return PullRequest(
        number=number,
        author=_text(pull.user.login, "a pull request's user.login"),
        head_sha=_text(pull.head.sha, "a pull request's head.sha"),
        head_ref=_text(pull.head.ref, "a pull request's head.ref"),
        base_ref=_text(pull.base.ref, "a pull request's base.ref"),
        state=_text(pull.state, "a pull request's state"),
        draft=bool(pull.draft),
        head_repository=_text(pull.head.repo.full_name, "a pull request's head.repo.full_name")
        if pull.head.repo
        else None,
    )


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise _NotAsDocumented(f"{field} is not text")
    return value
