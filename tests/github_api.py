"""Recorded GitHub REST API answers, in the shapes GitHub documents (docs.github.com/rest:
"Get a pull request", "List reviews for a pull request", "List commits on a pull request"),
served to the real client (generator/github.py, PyGithub) with the ``responses`` library.

Only the values vary; every object carries the fields GitHub's examples show that the client
reads, plus the usual identifiers, so that PyGithub never needs to fetch more.
"""

from __future__ import annotations

import re
import zlib
from typing import Any

import responses

API = "https://api.github.com"
REPOSITORY = "cascadia-organic/certificates"


def user(login: str, kind: str = "User") -> dict[str, Any]:
    number = zlib.crc32(login.encode()) % 10**7
    return {
        "login": login,
        "id": number,
        "node_id": f"MDQ6VXNlcj{number}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "",
        "url": f"{API}/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": kind,
        "site_admin": False,
    }


def pull_request(
    number: int, author: str, head_sha: str, head_ref: str = "request", state: str = "open"
) -> dict[str, Any]:
    owner = REPOSITORY.split("/")[0]
    base_repo = {
        "id": 1296269,
        "name": REPOSITORY.split("/")[1],
        "full_name": REPOSITORY,
        "owner": user(owner, "Organization"),
        "private": True,
        "url": f"{API}/repos/{REPOSITORY}",
    }
    return {
        "url": f"{API}/repos/{REPOSITORY}/pulls/{number}",
        "id": 1000 + number,
        "node_id": f"MDExOlB1bGxSZXF1ZXN0{number}",
        "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
        "number": number,
        "state": state,
        "locked": False,
        "title": f"Request {number}",
        "user": user(author, "Bot" if author.endswith("[bot]") else "User"),
        "body": "",
        "created_at": "2026-11-30T16:00:00Z",
        "updated_at": "2026-12-01T09:00:00Z",
        "closed_at": None,
        "merged_at": None,
        "draft": False,
        "head": {
            "label": f"{owner}:{head_ref}",
            "ref": head_ref,
            "sha": head_sha,
            "user": user(owner, "Organization"),
            "repo": base_repo,
        },
        "base": {
            "label": f"{owner}:main",
            "ref": "main",
            "sha": "0" * 40,
            "user": user(owner, "Organization"),
            "repo": base_repo,
        },
        "author_association": "MEMBER",
        "merged": False,
        "mergeable": True,
        "comments": 0,
        "commits": 1,
    }


def review(review_id: int, login: str, state: str, commit_id: str | None) -> dict[str, Any]:
    return {
        "id": review_id,
        "node_id": f"MDE3OlB1bGxSZXF1ZXN0UmV2aWV3{review_id}",
        "user": user(login),
        "body": "",
        "state": state,
        "html_url": f"https://github.com/{REPOSITORY}/pull/1#pullrequestreview-{review_id}",
        "pull_request_url": f"{API}/repos/{REPOSITORY}/pulls/1",
        "_links": {
            "html": {
                "href": f"https://github.com/{REPOSITORY}/pull/1#pullrequestreview-{review_id}"
            },
            "pull_request": {"href": f"{API}/repos/{REPOSITORY}/pulls/1"},
        },
        "submitted_at": f"2026-12-01T10:{review_id % 60:02d}:00Z",
        "commit_id": commit_id,
        "author_association": "MEMBER",
    }


def commit(sha: str, author: str | None, message: str = "Request") -> dict[str, Any]:
    person = {
        "name": author or "Someone",
        "email": "someone@example.org",
        "date": "2026-12-01T09:00:00Z",
    }
    return {
        "url": f"{API}/repos/{REPOSITORY}/commits/{sha}",
        "sha": sha,
        "node_id": f"MDY6Q29tbWl0{sha[:8]}",
        "html_url": f"https://github.com/{REPOSITORY}/commit/{sha}",
        "commit": {
            "url": f"{API}/repos/{REPOSITORY}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": message,
            "tree": {"url": f"{API}/repos/{REPOSITORY}/tree/{sha}", "sha": sha},
            "comment_count": 0,
        },
        "author": user(author) if author else None,
        "committer": user(author) if author else None,
        "parents": [],
    }


def endpoint(path: str) -> re.Pattern[str]:
    """The address of ``path`` on the API, as PyGithub writes it (with or without the
    default port) and with any query string (per_page)."""
    return re.compile(rf"https://api\.github\.com(?::443)?{re.escape(path)}(?:\?.*)?$")


def serve_pull_request(
    mock: responses.RequestsMock,
    pull: dict[str, Any],
    reviews: list[dict[str, Any]],
    commits: list[dict[str, Any]],
) -> None:
    """Answer the client's calls about one pull request."""
    base = f"/repos/{REPOSITORY}/pulls/{pull['number']}"
    mock.get(endpoint(base), json=pull)
    mock.get(endpoint(f"{base}/reviews"), json=reviews)
    mock.get(endpoint(f"{base}/commits"), json=commits)
