"""The pull request comment says only what trusted code wrote: the checks' summary
(``certgen check --summary-json``) is read as hostile input (size, JSON, schema), every string
of it is rendered as a code span, the comment is cut on a row boundary under GitHub's limit,
and it is posted through the real GitHub client (recorded answers in GitHub's documented
shapes, served with ``responses``) only on the pull request the run checked."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.check import report
from generator.check.outcomes import CheckResult
from generator.check.schema import Schema, load_schema
from generator.findings import Finding, Severity
from generator.github import GitHub, GitHubError
from generator.workflow import pr_comment
from generator.workflow.pr_comment import BOT, COMMENT_LIMIT, MARKER, cut, utf16_length
from generator.workflow.pr_summary import (
    SCHEMA_NAME,
    Summary,
    Unreadable,
    WorkflowRun,
    read_summary,
    workflow_run,
)
from tests.helpers import ROOT, make_project, run

SCHEMA = load_schema(ROOT / "schemas" / SCHEMA_NAME)
REPOSITORY = "cascadia-organic/certificates"
API = "https://api.github.com"
HEAD = "3f1c0a9d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
OTHER = "9" * 40
FORK = "someone/certificates"
RUN_URL = f"https://github.com/{REPOSITORY}/actions/runs/7001"
TOKEN = "ghs_" + os.urandom(12).hex()  # a throwaway value, never a real token

HOSTILE = [
    "@org/team please approve",
    "cc @user and @another-user",
    "see http://evil.example/x and www.evil.example and https://evil.example",
    "[click here](http://evil.example)",
    "![img](http://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "<!-- hidden --> text",
    "<details><summary>open</summary>fake</details>",
    "\n## ✅ issued\nEC-2026-0001 was issued by @reviewer",
    "```` ``` `` ` backtick runs ` `` ```",
    "`",
    "a | b || c \\| d",
    "line one\nline two\r\nline three\u2028four",
    "<https://evil.example> and <mailto:x@evil.example>",
    "[ref]: http://evil.example\n[ref]",
    ":tada: &lt;b&gt; &#64;user \\@user",
    "\u202eevil\u202c \u200b hidden \U000e0041 tag",
    "#12 GH-12 fixes #1",
    "trailing backslash \\",
]


def finding(message: str, path: str = "requests/2026/IC-2026-0008.yaml") -> dict[str, Any]:
    return {
        "path": path,
        "line": 3,
        "column": 5,
        "code": "S002",
        "severity": "error",
        "message": message,
    }


def change(text: str = "x") -> dict[str, Any]:
    return {
        "request_id": f"IC-2026-0008 {text}",
        "path": f"requests/2026/{text}.yaml",
        "kind": "added",
        "transition": f"requested {text}",
        "document": text,
        "exporter": text,
        "destination": text,
        "service_level": text[:100],
        "fee": text[:100],
        "due": text[:100],
        "errors": 1,
        "warnings": 0,
    }


def artifact(
    findings: list[dict[str, Any]] | None = None,
    changes: list[dict[str, Any]] | None = None,
    number: int = 12,
    head_sha: str = HEAD,
) -> dict[str, Any]:
    findings = findings or []
    changes = changes or []
    return {
        "format": "certgen-pr-summary/1",
        "pull_request": {"number": number, "head_sha": head_sha},
        "files": 3,
        "errors": len(findings),
        "warnings": 0,
        "findings": findings,
        "findings_total": len(findings),
        "changes": changes,
        "changes_total": len(changes),
    }


def summary_of(data: dict[str, Any], tmp_path: Path) -> Summary:
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(data), "utf-8")
    read = read_summary(path, SCHEMA)
    assert isinstance(read, Summary), read
    return read


# What a reader of the rendered Markdown sees as live syntax ---------------------------------

TRUSTED_LINK = f"[Pull request checks run]({RUN_URL})"
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def code_spans(text: str) -> tuple[str, list[str]]:
    """``text`` with its CommonMark code spans taken out (replaced by a placeholder), and
    their contents as shown."""
    rest, spans, i = [], [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == "`":
            rest.append(text[i : i + 2])
            i += 2
            continue
        if text[i] != "`":
            rest.append(text[i])
            i += 1
            continue
        opening = re.match(r"`+", text[i:])
        assert opening
        n = len(opening.group())
        closing = next((m for m in re.finditer(r"`+", text[i + n :]) if len(m.group()) == n), None)
        if closing is None:  # a literal run of backticks
            rest.append(opening.group())
            i += n
            continue
        content = text[i + n : i + n + closing.start()]
        if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
            content = content[1:-1]
        spans.append(content)
        rest.append("\x00")
        i += n + closing.end()
    return "".join(rest), spans


def live_text(body: str) -> tuple[str, list[str]]:
    """Everything of ``body`` that Markdown would interpret (code spans replaced by a
    placeholder, table cells split as GitHub splits them), and every code span's content.
    Asserts that each row of a table has as many cells as its header."""
    assert body.startswith(MARKER + "\n")
    lines = body[len(MARKER) + 1 :].replace(TRUSTED_LINK, "TRUSTED-LINK").split("\n")
    live, spans, columns = [], [], 0
    for line in lines:
        cells = _CELL_SPLIT.split(line)[1:-1] if line.startswith("|") else [line]
        columns = (columns or len(cells)) if line.startswith("|") else 0
        assert len(cells) == max(columns, 1), line
        for cell in cells:
            rest, found = code_spans(cell.replace("\\|", "|") if columns else cell)
            live.append(rest)
            spans += found
    return "\n".join(live), spans


_TRUSTED_KEYS = {"format", "code", "severity", "kind", "head_sha"}


def benign(node: Any, key: str = "") -> Any:
    """``node`` with every untrusted string replaced by ``x`` (an empty one kept empty)."""
    if isinstance(node, dict):
        return {k: benign(v, k) for k, v in node.items()}
    if isinstance(node, list):
        return [benign(item, key) for item in node]
    if isinstance(node, str) and key not in _TRUSTED_KEYS:
        return "x" if node else ""
    return node


def assert_nothing_live(data: dict[str, Any], tmp_path: Path) -> str:
    """Render ``data``: what Markdown interprets must be exactly what it is for the same summary
    with every string replaced by ``x``, and hold no mention, link, image or HTML."""
    body = pr_comment.render(summary_of(data, tmp_path), RUN_URL)
    live, spans = live_text(body)
    plain, _ = live_text(pr_comment.render(summary_of(benign(data), tmp_path), RUN_URL))
    assert live == plain
    for syntax in ("@", "<", ">", "](", "http", "www.", "![", "&", ":tada:", "\r"):
        assert syntax not in live, (syntax, live)
    assert all("\n" not in span for span in spans)
    return body


def test_a_hostile_summary_renders_nothing_live(tmp_path: Path) -> None:
    data = artifact(
        [finding(text, path=text[:300]) for text in HOSTILE],
        [change(text) for text in HOSTILE],
    )
    body = assert_nothing_live(data, tmp_path)
    _, spans = live_text(body)
    for text in HOSTILE:  # each shown exactly, hidden and line-breaking characters escaped
        shown = "".join(pr_comment._visible(char) for char in text)
        assert shown in spans
    assert "\\u000a" in body and "\\u202e" in body and "\\U000e0041" in body
    assert body.count("\n## ") == 1  # the one heading is certgen's


def test_mentions_links_and_html_never_leave_their_code_span() -> None:
    assert pr_comment.code_span("@org/team") == "`@org/team`"
    assert pr_comment.code_span("a ``` b ` c") == "````a ``` b ` c````"
    assert pr_comment.code_span("`x") == "`` `x ``"
    assert pr_comment.code_span(" x ") == "`  x  `"
    assert pr_comment.code_span("  ") == "`  `"
    assert pr_comment.code_span("x|y") == "`x\\|y`"
    assert pr_comment.code_span("x|y", in_table=False) == "`x|y`"
    assert pr_comment.code_span("") == ""


untrusted_text = st.lists(
    st.one_of(
        st.sampled_from(list("@`|<>[]()!#*_\\:&;/.-\n\r\t ")),
        st.sampled_from(["http://", "www.", "](", "<img ", "<!--", "-->", "@team", "```"]),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages=st.lists(untrusted_text, min_size=1, max_size=8), other=untrusted_text)
def test_no_untrusted_text_comes_alive(messages: list[str], other: str) -> None:
    data = artifact(
        [finding(m, path=other[:300]) for m in messages], [change(other[:90])], number=3
    )
    folder = Path(tempfile.mkdtemp())
    body = assert_nothing_live(data, folder)
    _, spans = live_text(body)
    for text in messages:
        assert "".join(pr_comment._visible(c) for c in text) in spans or not text


# Cutting to GitHub's limit -----------------------------------------------------------------


def test_200_kb_of_findings_are_cut_on_a_row_with_the_rest_counted(tmp_path: Path) -> None:
    data = artifact([finding(f"{i:04d} " + "x" * 995) for i in range(200)], [change()])
    summary = summary_of(data, tmp_path)
    body = pr_comment.render(summary, RUN_URL)
    assert utf16_length(body) <= COMMENT_LIMIT
    shown = len(re.findall(r"^\| `requests/", body, re.MULTILINE))
    assert 0 < shown < 200
    assert body.rstrip().endswith(
        f"_{200 - shown} findings and 0 requests are not shown here (GitHub's limit on a "
        f"comment's size): the job summary of the {TRUSTED_LINK} lists them all._"
    )
    live_text(body)  # every row whole


@pytest.mark.parametrize("limit", range(1500, 1620, 1))
def test_astral_characters_at_every_cut_boundary(tmp_path: Path, limit: int) -> None:
    data = artifact([finding("😀" * 7 + "é" + "𝄞" * (i % 5)) for i in range(40)])
    summary = summary_of(data, tmp_path)
    body = pr_comment.render(summary, RUN_URL, limit=limit)
    assert utf16_length(body) <= limit
    body.encode("utf-8")  # no lone surrogate
    assert body.encode("utf-16-le").decode("utf-16-le") == body
    live_text(body)
    assert "not shown here" in body


def test_cut_keeps_characters_whole() -> None:
    text = "a" + "😀" * 3
    assert [cut(text, n) for n in range(8)] == [
        "",
        "a",
        "a",
        "a😀",
        "a😀",
        "a😀😀",
        "a😀😀",
        "a😀😀😀",
    ]
    assert cut("é" * 5, 3) == "ééé"  # two bytes in UTF-8, one code unit in UTF-16


# Reading the artifact ----------------------------------------------------------------------


def read_bytes(tmp_path: Path, raw: bytes) -> Summary | Unreadable:
    path = tmp_path / "summary.json"
    path.write_bytes(raw)
    return read_summary(path, SCHEMA)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "it is not JSON"),
        (b"{", "it is not JSON"),
        (b"<html>not json</html>", "it is not JSON"),
        (b'{"files": NaN}', "it is not JSON"),
        (b"[" * 200_000 + b"]" * 200_000, "it is not JSON"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "it is not JSON"),
        (b"\xff\xfe{}", "it is not UTF-8 text"),
        (b"[]", "it does not have the summary's format"),
        (b"null", "it does not have the summary's format"),
    ],
)
def test_an_artifact_that_is_not_json_is_unreadable(
    tmp_path: Path, raw: bytes, reason: str
) -> None:
    read = read_bytes(tmp_path, raw)
    assert isinstance(read, Unreadable) and read.reason == reason


def _without(key: str) -> dict[str, Any]:
    data = artifact([finding("m")], [change()])
    del data[key]
    return data


WRONG = {
    "missing key": _without("findings_total"),
    "extra key": {**artifact(), "comment": "@everyone"},
    "other format": {**artifact(), "format": "certgen-pr-summary/2"},
    "message too long": artifact([finding("x" * 1001)]),
    "path too long": artifact([finding("m", path="p" * 301)]),
    "code not a code": artifact([{**finding("m"), "code": "<b>"}]),
    "severity": artifact([{**finding("m"), "severity": "notice"}]),
    "extra finding key": artifact([{**finding("m"), "html": "<img>"}]),
    "line as text": artifact([{**finding("m"), "line": "3"}]),
    "negative count": {**artifact(), "errors": -1},
    "too many findings": artifact([finding("m")] * 1001),
    "bad sha": artifact(head_sha="HEAD"),
    "number as text": {**artifact(), "pull_request": {"number": "12", "head_sha": HEAD}},
    "change kind": artifact(changes=[{**change(), "kind": "issued"}]),
    "boolean count": {**artifact(), "files": True},
}


@pytest.mark.parametrize("data", WRONG.values(), ids=WRONG.keys())
def test_an_artifact_against_the_schema_is_unreadable(tmp_path: Path, data: Any) -> None:
    read = read_bytes(tmp_path, json.dumps(data).encode())
    assert isinstance(read, Unreadable)
    assert read.reason == "it does not have the summary's format"
    body = pr_comment.render_unreadable(read, RUN_URL)
    assert "The checks' summary could not be read" in body
    assert "@" not in body and "<img" not in body and "<b>" not in body


@pytest.mark.parametrize(
    ("whole", "fraction"),
    [
        ('"number": 12', '"number": 12.0'),
        ('"files": 3', '"files": 1e9'),
        ('"errors": 1', '"errors": 5.0'),
        ('"line": 3', '"line": 3E0'),
    ],
)
def test_a_number_with_a_fraction_or_an_exponent_is_unreadable(
    tmp_path: Path, whole: str, fraction: str
) -> None:
    valid = json.dumps(artifact([finding("m")]))
    assert whole in valid and isinstance(read_bytes(tmp_path, valid.encode()), Summary)
    raw = valid.replace(whole, fraction)
    read = read_bytes(tmp_path, raw.encode())
    assert isinstance(read, Unreadable)
    assert read.reason == "it holds a number that is not a whole number"
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[_comment(3, BOT, MARKER + "\nall good, issued")])
        edit = mocked.patch(url("issues/comments/3"), json={})
        outcome = pr_comment.comment_on_run(client(), read, run_of(), RUN_URL)
    assert outcome.failed and outcome.number == 12
    body = sent(edit.calls[0])["body"]
    assert "could not be read** (it holds a number that is not a whole number)" in body


def test_a_lone_surrogate_is_unreadable(tmp_path: Path) -> None:
    raw = json.dumps(artifact([finding("\ud800")])).encode()
    read = read_bytes(tmp_path, raw)
    assert isinstance(read, Unreadable) and read.reason == "it holds text that is not Unicode"
    assert read.claimed_number == 12


def test_size_is_checked_before_parsing(tmp_path: Path) -> None:
    valid = json.dumps(artifact([finding("m")])).encode()
    padded = valid + b" " * (report.SUMMARY_MAX_BYTES - len(valid))
    assert isinstance(read_bytes(tmp_path, padded), Summary)
    read = read_bytes(tmp_path, padded + b" ")
    assert isinstance(read, Unreadable)
    assert read.reason == "it is larger than 1,000,000 bytes"
    assert read.claimed_number is None  # never parsed


def test_links_fifos_and_missing_files_are_refused_without_opening(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text(json.dumps(artifact()), "utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.json"
    folder.mkdir()
    for path, reason in [
        (link, "it is not a regular file"),
        (fifo, "it is not a regular file"),
        (folder, "it is not a regular file"),
        (tmp_path / "missing.json", "the checks left no summary"),
    ]:
        read = read_summary(path, SCHEMA)
        assert isinstance(read, Unreadable) and read.reason == reason, path


def test_the_schema_is_the_one_the_project_ships() -> None:
    assert isinstance(SCHEMA, Schema)
    assert SCHEMA.document["properties"]["format"]["const"] == report.SUMMARY_FORMAT


# Writing the artifact: certgen check --summary-json ---------------------------------------

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
}


def git(repo: Path, *arguments: str) -> None:
    subprocess.run(["git", *arguments], cwd=repo, env=os.environ | GIT_ENV, check=True)


def pull_request_event(path: Path, number: int, head_sha: str) -> Path:
    """A pull_request event as GitHub writes it to GITHUB_EVENT_PATH (the fields read)."""
    event = {
        "action": "synchronize",
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"ref": "request", "sha": head_sha},
            "base": {"ref": "main", "sha": "0" * 40},
        },
    }
    path.write_text(json.dumps(event), "utf-8")
    return path


def test_check_writes_a_summary_valid_against_the_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_project(tmp_path / "repo", with_requests=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the register")
    git(repo, "switch", "-q", "-c", "pull-request")
    source = (repo / "requests" / "2026" / "IC-2026-0003.yaml").read_text()
    added = source.replace("IC-2026-0003", "IC-2026-0008") + 'hostile: "@org/team <img src=x>"\n'
    (repo / "requests" / "2026" / "IC-2026-0008.yaml").write_text(added)
    event = pull_request_event(tmp_path / "event.json", 41, HEAD)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    code, _, err = run(["check", "--base", "main", "--summary-json", "summary.json"], repo)
    assert code == 1, err
    read = read_summary(repo / "summary.json", SCHEMA)
    assert isinstance(read, Summary), read
    assert (read.number, read.head_sha) == (41, HEAD)
    assert read.errors > 0 and read.findings_total == len(read.findings) > 0
    assert [c.request_id for c in read.changes] == ["IC-2026-0008"]
    code, out, _ = run(["comment", "summary.json", "--output", "comment.md"], repo)
    assert code == 0, out
    live, _ = live_text((repo / "comment.md").read_text("utf-8"))
    assert "@" not in live and "<" not in live


def test_outside_a_pull_request_the_summary_names_none(tmp_path: Path) -> None:
    result = CheckResult([], 1)
    data = json.loads(report.summary_json(result, None))
    assert data["pull_request"] is None
    assert SCHEMA.validator.is_valid(data)


def test_the_summary_stays_under_its_limit_however_many_findings(tmp_path: Path) -> None:
    findings = [
        Finding(f"requests/2026/{'é' * 400}-{i}.yaml", i, 1, "S002", Severity.ERROR, "\x01" * 5000)
        for i in range(3000)
    ]
    text = report.summary_json(CheckResult(findings, 3000), (7, HEAD))
    assert len(text.encode("utf-8")) <= report.SUMMARY_MAX_BYTES
    data = json.loads(text)
    assert SCHEMA.validator.is_valid(data)
    assert data["findings_total"] == 3000 and 0 < len(data["findings"]) < 1000


# Posting through the real GitHub client ---------------------------------------------------


def _user(login: str) -> dict[str, Any]:
    bot = login.endswith("[bot]")
    return {
        "login": login,
        "id": 41898282 if bot else 583231,
        "node_id": "MDM6Qm90NDE4OTgyODI=" if bot else "MDQ6VXNlcjU4MzIzMQ==",
        "url": f"{API}/users/{login}",
        "html_url": "https://github.com/" + ("apps/github-actions" if bot else login),
        "type": "Bot" if bot else "User",
        "site_admin": False,
    }


def _repo(full_name: str = REPOSITORY, repo_id: int = 1296269) -> dict[str, Any]:
    return {
        "id": repo_id,
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "private": True,
        "url": f"{API}/repos/{full_name}",
    }


def _pull(number: int, head_sha: str, head_repo: str = REPOSITORY) -> dict[str, Any]:
    """GET /repos/{owner}/{repo}/pulls/{number}, the fields of GitHub's example."""
    return {
        "url": f"{API}/repos/{REPOSITORY}/pulls/{number}",
        "id": 1000 + number,
        "node_id": f"MDExOlB1bGxSZXF1ZXN0{number}",
        "html_url": f"https://github.com/{REPOSITORY}/pull/{number}",
        "number": number,
        "state": "open",
        "locked": False,
        "title": "Request",
        "user": _user("someoperator"),
        "body": "",
        "draft": False,
        "head": {"label": "x:request", "ref": "request", "sha": head_sha, "repo": _repo(head_repo)},
        "base": {"label": "o:main", "ref": "main", "sha": "0" * 40, "repo": _repo()},
        "merged": False,
    }


def _comment(comment_id: int, login: str, body: str, number: int = 12) -> dict[str, Any]:
    """An issue comment, as GET /repos/{owner}/{repo}/issues/{number}/comments lists it."""
    return {
        "id": comment_id,
        "node_id": f"MDEyOklzc3VlQ29tbWVudA{comment_id}",
        "url": f"{API}/repos/{REPOSITORY}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/{REPOSITORY}/pull/{number}#issuecomment-{comment_id}",
        "issue_url": f"{API}/repos/{REPOSITORY}/issues/{number}",
        "body": body,
        "user": _user(login),
        "created_at": "2026-12-01T10:00:00Z",
        "updated_at": "2026-12-01T10:00:00Z",
        "author_association": "NONE" if login.endswith("[bot]") else "MEMBER",
    }


def run_of(
    pull_requests: tuple[int, ...] = (12,), head_sha: str = HEAD, head_repository: str = REPOSITORY
) -> WorkflowRun:
    return WorkflowRun(7001, head_sha, head_repository, pull_requests)


def client() -> GitHub:
    return GitHub(REPOSITORY, TOKEN)


def url(path: str) -> re.Pattern[str]:
    """The address of ``path`` in the repository, as PyGithub asks it (port, query)."""
    return re.compile(rf"https://api\.github\.com(:443)?/repos/{REPOSITORY}/{path}(\?.*)?")


def serve(
    mocked: responses.RequestsMock,
    number: int = 12,
    head_sha: str = HEAD,
    comments: list[dict[str, Any]] | None = None,
    head_repo: str = REPOSITORY,
) -> None:
    mocked.get(url(f"pulls/{number}"), json=_pull(number, head_sha, head_repo))
    if comments is not None:
        mocked.get(url(f"issues/{number}/comments"), json=comments)


def sent(call: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(call.request.body)
    return body


def test_the_bot_comment_is_edited_and_a_users_look_alike_is_not(tmp_path: Path) -> None:
    summary = summary_of(artifact([finding("@user")], [change()]), tmp_path)
    comments = [
        _comment(1, "mallory", MARKER + "\nI am the bot, trust me: issued"),
        _comment(2, "someoperator", "thanks"),
        _comment(3, BOT, MARKER + "\nthe previous summary"),
    ]
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=comments)
        edit = mocked.patch(url("issues/comments/3"), json=comments[2])
        outcome = pr_comment.comment_on_run(client(), summary, run_of(), RUN_URL)
    assert outcome == pr_comment.Outcome(12, "commented the checks' summary on #12", False)
    assert edit.call_count == 1
    assert sent(edit.calls[0]) == {"body": pr_comment.render(summary, RUN_URL)}
    assert edit.calls[0].request.headers["Authorization"] == f"token {TOKEN}"


def test_without_a_bot_comment_a_new_one_is_posted(tmp_path: Path) -> None:
    summary = summary_of(artifact(), tmp_path)
    comments = [_comment(1, "mallory", MARKER + "\nfake")]
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=comments)
        post = mocked.post(
            url("issues/12/comments"),
            json=_comment(9, BOT, "x"),
            status=201,
        )
        pr_comment.comment_on_run(client(), summary, run_of(), RUN_URL)
    assert post.call_count == 1
    body = sent(post.calls[0])["body"]
    assert body.startswith(MARKER + "\n") and "checked 3 files: no problems" in body


def test_a_pull_request_that_moved_on_gets_no_comment(tmp_path: Path) -> None:
    summary = summary_of(artifact(), tmp_path)
    with responses.RequestsMock() as mocked:  # any other call would fail: not recorded
        serve(mocked, head_sha=OTHER)
        outcome = pr_comment.comment_on_run(client(), summary, run_of(), RUN_URL)
    assert outcome.number is None and not outcome.failed
    assert "moved on" in outcome.message


def test_a_forks_run_comments_on_the_pull_request_whose_head_is_its_commit(
    tmp_path: Path,
) -> None:
    summary = summary_of(artifact(number=31), tmp_path)
    with responses.RequestsMock() as mocked:
        serve(mocked, number=31, comments=[], head_repo=FORK)
        post = mocked.post(url("issues/31/comments"), json=_comment(9, BOT, "x", 31))
        outcome = pr_comment.comment_on_run(client(), summary, run_of((), HEAD, FORK), RUN_URL)
    assert outcome.number == 31 and post.call_count == 1


def test_a_fork_naming_another_pull_request_gets_nothing_posted(tmp_path: Path) -> None:
    summary = summary_of(artifact(number=5), tmp_path)  # #5 is someone else's, at OTHER
    with responses.RequestsMock() as mocked:
        serve(mocked, number=5, head_sha=OTHER)
        outcome = pr_comment.comment_on_run(client(), summary, run_of((), HEAD, FORK), RUN_URL)
    assert outcome.number is None


def test_a_fork_naming_a_pull_request_with_the_same_commit_elsewhere_gets_nothing(
    tmp_path: Path,
) -> None:
    summary = summary_of(artifact(number=5), tmp_path)  # #5 has the same head, from this repo
    with responses.RequestsMock() as mocked:
        serve(mocked, number=5)
        outcome = pr_comment.comment_on_run(client(), summary, run_of((), HEAD, FORK), RUN_URL)
    assert outcome.number is None and "not commenting" in outcome.message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (artifact(number=99), "it names a pull request the run did not check"),
        (artifact(head_sha=OTHER), "it was written for another commit"),
        ({**artifact(), "pull_request": None}, "it names no pull request"),
        ({"not": "a summary"}, "it does not have the summary's format"),
    ],
)
def test_a_summary_that_does_not_fit_the_run_is_commented_as_unreadable(
    tmp_path: Path, data: dict[str, Any], reason: str
) -> None:
    read = read_bytes(tmp_path, json.dumps(data).encode())
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[_comment(3, BOT, MARKER + "\nall good, issued")])
        edit = mocked.patch(url("issues/comments/3"), json={})
        outcome = pr_comment.comment_on_run(client(), read, run_of(), RUN_URL)
    assert outcome.failed and outcome.number == 12 and reason in outcome.message
    body = sent(edit.calls[0])["body"]
    assert "**The checks' summary could not be read** (" + reason + ")" in body
    assert "all good" not in body


def test_an_unreadable_summary_of_a_fork_names_no_pull_request_to_trust(
    tmp_path: Path,
) -> None:
    read = read_bytes(tmp_path, b"{")
    with responses.RequestsMock():  # nothing is asked of GitHub
        outcome = pr_comment.comment_on_run(client(), read, run_of((), HEAD, FORK), RUN_URL)
    assert outcome.failed and outcome.number is None


def test_githubs_refusal_is_reported_without_the_token(tmp_path: Path) -> None:
    summary = summary_of(artifact(), tmp_path)
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[])
        mocked.post(
            url("issues/12/comments"),
            json={"message": "Resource not accessible by integration", "status": "403"},
            status=403,
        )
        with pytest.raises(GitHubError) as raised:
            pr_comment.comment_on_run(client(), summary, run_of(), RUN_URL)
    assert "HTTP 403, Resource not accessible by integration" in str(raised.value)
    assert TOKEN not in str(raised.value)


# The command, as the workflow runs it ------------------------------------------------------


def workflow_run_event(path: Path, pull_requests: list[int], head_sha: str = HEAD) -> Path:
    """A workflow_run event as GitHub writes it (the fields read, and the ones around them)."""
    repository = _repo()
    event = {
        "action": "completed",
        "workflow_run": {
            "id": 7001,
            "name": "Pull request checks",
            "head_branch": "@org/team <img src=x>",
            "head_sha": head_sha,
            "event": "pull_request",
            "status": "completed",
            "conclusion": "failure",
            "html_url": RUN_URL,
            "pull_requests": [
                {
                    "url": f"{API}/repos/{REPOSITORY}/pulls/{n}",
                    "id": 1000 + n,
                    "number": n,
                    "head": {"ref": "request", "sha": head_sha, "repo": repository},
                    "base": {"ref": "main", "sha": "0" * 40, "repo": repository},
                }
                for n in pull_requests
            ]
            + [  # a pull request of another repository with the same head (GitHub lists those)
                {
                    "url": f"{API}/repos/someone/fork/pulls/1",
                    "id": 77,
                    "number": 1,
                    "head": {"ref": "request", "sha": head_sha, "repo": _repo("someone/fork", 5)},
                    "base": {"ref": "main", "sha": "0" * 40, "repo": _repo("someone/fork", 5)},
                }
            ],
            "head_repository": _repo(REPOSITORY),
            "repository": repository,
        },
        "repository": repository,
    }
    path.write_text(json.dumps(event), "utf-8")
    return path


def test_the_event_gives_the_runs_pull_requests_of_this_repository(tmp_path: Path) -> None:
    found = workflow_run(workflow_run_event(tmp_path / "event.json", [12]))
    assert found == WorkflowRun(7001, HEAD, REPOSITORY, pull_requests=(12,))


def test_certgen_comment_posts_from_the_workflow_run_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_project(tmp_path / "repo")
    (tmp_path / "summary.json").write_text(json.dumps(artifact([finding("@x")])), "utf-8")
    event = workflow_run_event(tmp_path / "event.json", [12])
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.delenv("GITHUB_API_URL", raising=False)
    monkeypatch.delenv("GITHUB_SERVER_URL", raising=False)
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[])
        post = mocked.post(url("issues/12/comments"), json={}, status=201)
        code, out, err = run(["comment", str(tmp_path / "summary.json")], repo)
    assert code == 0, err
    assert out == "commented the checks' summary on #12\n"
    body = sent(post.calls[0])["body"]
    assert TRUSTED_LINK in body and "`@x`" in body
    assert TOKEN not in out + err


def _comment_summary(summary: Path, event: Path, repo: Path) -> tuple[int, str, str]:
    """``certgen comment`` of ``summary`` for the workflow run ``event`` describes."""
    return run(["comment", str(summary), "--event", str(event), "--repository", REPOSITORY], repo)


def test_certgen_comment_fails_on_an_unreadable_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_project(tmp_path / "repo")
    (tmp_path / "summary.json").write_bytes(b"\n::set-output name=x::@user\n" * 3)
    event = workflow_run_event(tmp_path / "event.json", [12])
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[])
        post = mocked.post(url("issues/12/comments"), json={}, status=201)
        code, out, _ = _comment_summary(tmp_path / "summary.json", event, repo)
    assert code == 1
    assert out.startswith("::error::commented on #12: the checks' summary could not be read")
    assert out.count("\n") == 1 and "set-output" not in out  # nothing of the file in the log
    assert "could not be read** (it is not JSON)" in sent(post.calls[0])["body"]


def test_certgen_comment_fails_in_words_on_a_summary_with_floats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_project(tmp_path / "repo")
    raw = json.dumps(artifact()).replace('"number": 12', '"number": 12.0')
    (tmp_path / "summary.json").write_text(raw.replace('"files": 3', '"files": 1e9'), "utf-8")
    event = workflow_run_event(tmp_path / "event.json", [12])
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    with responses.RequestsMock() as mocked:
        serve(mocked, comments=[])
        post = mocked.post(url("issues/12/comments"), json={}, status=201)
        code, out, err = _comment_summary(tmp_path / "summary.json", event, repo)
    assert code == 1, err
    assert "could not be read" in out and "unexpected" not in out + err
    assert "(it holds a number that is not a whole number)" in sent(post.calls[0])["body"]
