"""Four eyes bound to GitHub approvals (``certgen approvals``), on real git repositories: a main
branch with the example register, and pull request branches that issue, cancel, add and
re-attribute requests, judged against reviews GitHub would return (recorded answers in its
documented shapes, served to the real client by ``responses``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from tests.github_api import (
    REPOSITORY,
    commit,
    endpoint,
    pull_request,
    review,
    serve_pull_request,
)
from tests.helpers import ROOT, git, register_on_a_branch, run
from tests.test_review import check_base, located, request

NUMBER = 41
APPROVALS = ["approvals", "--pull-request", str(NUMBER), "--base", "main"]
APPROVALS += ["--repository", REPOSITORY]
STAFF = {  # handle -> GitHub login, as data/certifier.yaml lists them
    "mlopez": "mlopez-cascadia",
    "dokafor": "dokafor-cascadia",
    "asmith": "asmith-cascadia",
    "jchen": "jchen-cascadia",
    "pnakamura": "pnakamura-cascadia",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return register_on_a_branch(tmp_path / "repo")


def commit_all(repo: Path, message: str = "change") -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def approvals(
    repo: Path,
    author: str,
    reviews: list[tuple[str, str, str | None]],
    head: str | None = None,
    commit_authors: dict[str, str | None] | None = None,
) -> tuple[int, list[str], str]:
    """``certgen approvals`` with GitHub answering that ``author`` opened the pull request
    at ``head`` (default: the branch's last commit), that ``reviews`` (login, state, commit)
    were submitted, oldest first, and that each of the branch's commits is ``author``'s
    (``commit_authors`` by SHA says otherwise)."""
    sha = head or git(repo, "rev-parse", "HEAD").strip()
    recorded = [review(i + 1, login, state, on) for i, (login, state, on) in enumerate(reviews)]
    shas = git(repo, "rev-list", "--reverse", "main..HEAD").split()
    commits = [commit(c, (commit_authors or {}).get(c, author)) for c in shas]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        serve_pull_request(mock, pull_request(NUMBER, author, sha), recorded, commits)
        code, out, err = run(APPROVALS, repo)
    return code, out.splitlines(), err


def issue(repo: Path, name: str, by: str, number: str | None = None) -> None:
    arguments = ["issue", str(request(repo, name).relative_to(repo)), "--by", by]
    arguments += ["--number", number] if number else []
    code, out, err = run([*arguments, "--on", "2026-11-30"], repo)
    assert code == 0, out + err


def test_a_decision_approved_by_its_reviewer_at_the_head_passes(repo: Path) -> None:
    """mlopez prepared IC-2026-0003 and opens the pull request that issues it in asmith's
    name; asmith approves its last commit: the decision holds."""
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    head = commit_all(repo)
    code, lines, err = approvals(repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 0, [*lines, err]
    assert f"IC-2026-0003 issued by asmith (GitHub asmith-cascadia): approved {head[:7]}" in lines


def test_a_decision_nobody_approved_is_refused_at_the_issuance_line(repo: Path) -> None:
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [])
    assert code == 1
    line = request(repo, "IC-2026-0003").read_text().splitlines().index("issuance:") + 1
    assert located(lines, "H910") == [f"requests/2026/IC-2026-0003.yaml:{line}:1:"]
    assert f"has not approved pull request #{NUMBER} at its last commit {head[:7]}" in "\n".join(
        lines
    )
    # a comment is not an approval, and an approval by someone else is not asmith's
    code, lines, _ = approvals(
        repo,
        STAFF["mlopez"],
        [("asmith-cascadia", "COMMENTED", head), ("jchen-cascadia", "APPROVED", head)],
    )
    assert code == 1 and len(located(lines, "H910")) == 1


def test_an_approval_of_an_earlier_commit_or_withdrawn_does_not_count(repo: Path) -> None:
    """Approved, then something was pushed; approved, then changes were requested or the
    approval dismissed: the head commit is not approved."""
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    first = commit_all(repo, "issue")
    path = request(repo, "IC-2026-0003")
    path.write_text(path.read_text().replace("555-5550000104-000400", "555-5550000104-000401"))
    head = commit_all(repo, "a different number after the approval")
    for reviews in (
        [("asmith-cascadia", "APPROVED", first)],
        [("asmith-cascadia", "APPROVED", head), ("asmith-cascadia", "CHANGES_REQUESTED", head)],
        [("asmith-cascadia", "APPROVED", head), ("asmith-cascadia", "DISMISSED", head)],
    ):
        code, lines, _ = approvals(repo, STAFF["mlopez"], reviews)
        assert code == 1 and len(located(lines, "H910")) == 1, reviews
    # approved again at the head, after a comment: it counts
    code, lines, _ = approvals(
        repo,
        STAFF["mlopez"],
        [
            ("asmith-cascadia", "CHANGES_REQUESTED", first),
            ("asmith-cascadia", "APPROVED", head),
            ("asmith-cascadia", "COMMENTED", head),
        ],
    )
    assert code == 0, lines


def test_a_preparer_renaming_the_preparer_and_deciding_themself_is_refused(repo: Path) -> None:
    """The insider of issue 11: pnakamura (preparer and reviewer) prepared EC-2026-0011,
    changes prepared_by to a colleague and issues it in their own name."""
    path = request(repo, "EC-2026-0011")
    path.write_text(path.read_text().replace("prepared_by: pnakamura", "prepared_by: dokafor"))
    issue(repo, "EC-2026-0011", "pnakamura")
    head = commit_all(repo)
    code, lines, _ = check_base(repo)  # without GitHub: the preparer may not change
    assert code == 1
    assert located(lines, "H907") == ["requests/2026/EC-2026-0011.yaml:4:14:"]
    # and on GitHub, pnakamura opened the pull request: they cannot decide it, even if
    # a colleague approves
    code, lines, _ = approvals(repo, STAFF["pnakamura"], [("dokafor-cascadia", "APPROVED", head)])
    assert code == 1
    assert len(located(lines, "H910")) == 1  # pnakamura did not approve (and could not)
    assert len(located(lines, "H911")) == 1
    assert "opened pull request #41 and cannot also decide it" in "\n".join(lines)


def test_a_preparer_cannot_cancel_their_own_certificate(repo: Path) -> None:
    """pnakamura prepared IC-2026-0006; a colleague opens the pull request that cancels it in
    pnakamura's name, and pnakamura approves: refused."""
    path = str(request(repo, "IC-2026-0006").relative_to(repo))
    code, _, err = run(["cancel", path, "--reason", "issued_in_error", "--by", "pnakamura"], repo)
    assert code == 1 and "pnakamura prepared this request" in err  # certgen cancel refuses
    code, out, err = run(
        ["cancel", path, "--reason", "issued_in_error", "--by", "jchen", "--on", "2026-12-01"],
        repo,
    )
    assert code == 0, out + err
    text = request(repo, "IC-2026-0006").read_text()  # then edited by hand
    request(repo, "IC-2026-0006").write_text(
        text.replace("cancelled_by: jchen", "cancelled_by: pnakamura")
    )
    code, lines, _ = check_base(repo)
    assert code == 1 and len(located(lines, "R111")) == 1  # the check refuses it too
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("pnakamura-cascadia", "APPROVED", head)])
    assert code == 1
    line = request(repo, "IC-2026-0006").read_text().splitlines().index("cancellation:") + 1
    assert located(lines, "H911") == [f"requests/2026/IC-2026-0006.yaml:{line}:1:"]
    assert 'prepared this request (prepared_by: "pnakamura")' in "\n".join(lines)
    # cancelled by jchen, approved by jchen: it holds
    request(repo, "IC-2026-0006").write_text(text)
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("jchen-cascadia", "APPROVED", head)])
    assert code == 0, lines


def _add_issued(repo: Path, prepared_by: str, reviewer: str) -> Path:
    """A new file committed already issued (copied from IC-2026-0001)."""
    text = request(repo, "IC-2026-0001").read_text().replace("IC-2026-0001", "IC-2026-0008")
    text = text.replace("prepared_by: mlopez", f"prepared_by: {prepared_by}")
    text = text.replace("reviewer: asmith", f"reviewer: {reviewer}")
    text = text.replace("555-5550000101-000231", "555-5550000101-000999")
    path = request(repo, "IC-2026-0008")
    path.write_text(text)
    return path


def test_a_new_file_already_issued_needs_its_reviewers_approval(repo: Path) -> None:
    _add_issued(repo, "mlopez", "asmith")
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("dokafor-cascadia", "APPROVED", head)])
    assert code == 1 and len(located(lines, "H910")) == 1
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 0, lines


def test_an_added_request_is_prepared_by_the_pull_requests_author(repo: Path) -> None:
    """mlopez opens a pull request adding a request in dokafor's name: refused unless an admin
    approves; a commit by dokafor on the pull request makes dokafor a preparer too."""
    text = request(repo, "IC-2026-0003").read_text().replace("IC-2026-0003", "IC-2026-0009")
    request(repo, "IC-2026-0009").write_text(
        text.replace("prepared_by: mlopez", "prepared_by: dokafor")
    )
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 1
    assert located(lines, "H912") == ["requests/2026/IC-2026-0009.yaml:5:14:"]
    assert "record mlopez, or an admin approves the pull request" in "\n".join(lines)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("jchen-cascadia", "APPROVED", head)])
    assert code == 0, lines  # jchen is an admin
    # dokafor's commit on mlopez's pull request does not make dokafor its preparer either
    code, lines, _ = approvals(repo, STAFF["mlopez"], [], commit_authors={head: STAFF["dokafor"]})
    assert code == 1 and "added this request to pull request #41, opened by" in "\n".join(lines)
    # dokafor's own pull request: it holds
    code, lines, _ = approvals(repo, STAFF["dokafor"], [])
    assert code == 0, lines


def test_a_bot_pull_request_names_an_outside_requester(repo: Path) -> None:
    """The request intake opens pull requests as a bot: their preparer is github:<login>,
    never a staff handle."""
    text = request(repo, "IC-2026-0003").read_text().replace("IC-2026-0003", "IC-2026-0009")
    request(repo, "IC-2026-0009").write_text(text)  # prepared_by: mlopez
    commit_all(repo)
    code, lines, _ = approvals(repo, "github-actions[bot]", [])
    assert code == 1 and len(located(lines, "H912")) == 1
    assert "prepared_by must be github:<the requester's login>" in "\n".join(lines)
    text = text.replace("prepared_by: mlopez", "prepared_by: github:avocado-grower")
    request(repo, "IC-2026-0009").write_text(text)
    commit_all(repo)
    code, lines, _ = approvals(repo, "github-actions[bot]", [])
    assert code == 1 and "it does not change within a pull request" in "\n".join(lines)
    git(repo, "reset", "-q", "--hard", "main")  # the intake's pull request, as it adds it
    request(repo, "IC-2026-0009").write_text(text)
    commit_all(repo)
    code, lines, _ = approvals(repo, "github-actions[bot]", [])
    assert code == 0, lines


def test_an_outside_requester_with_a_staff_members_login_cannot_be_decided_by_them(
    repo: Path,
) -> None:
    """github:asmith-cascadia prepared it (asmith filed through the issue form): asmith
    does not decide it."""
    text = request(repo, "IC-2026-0003").read_text().replace("IC-2026-0003", "IC-2026-0009")
    text = text.replace("prepared_by: mlopez", "prepared_by: github:asmith-cascadia")
    request(repo, "IC-2026-0009").write_text(text)
    commit_all(repo, "intake")
    number = ["--number", "555-5550000104-000500"]
    code, out, err = run(
        ["issue", "requests/2026/IC-2026-0009.yaml", "--by", "asmith", *number], repo
    )
    assert code == 1 and "asmith prepared this request" in out + err  # R111 maps the login
    issued = text.replace("status: requested", "status: issued")  # written by hand instead
    issued += "issuance:\n  reviewer: asmith\n  issued_on: 2026-11-30\n"
    issued += "  official_number: 555-5550000104-000500\n"
    request(repo, "IC-2026-0009").write_text(issued)
    head = commit_all(repo, "issue")
    code, lines, _ = approvals(repo, "github-actions[bot]", [("asmith-cascadia", "APPROVED", head)])
    assert code == 1 and len(located(lines, "H911")) == 1


def test_staff_come_from_the_base_branch(repo: Path) -> None:
    """A pull request that lists a new reviewer and issues in their name does not make them
    a reviewer: the staff are read from the base branch."""
    certifier = repo / "data" / "certifier.yaml"
    certifier.write_text(
        certifier.read_text()
        + "  - handle: eve\n    github: eve-outsider\n    name: Eve\n    roles: [reviewer]\n"
    )
    issue(repo, "IC-2026-0003", "eve", "555-5550000104-000400")
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("eve-outsider", "APPROVED", head)])
    assert code == 1
    assert (
        '"eve", named as deciding this certificate, is not a reviewer in data/certifier.yaml'
        " on the base branch" in "\n".join(lines)
    )


def test_the_files_judged_are_the_approved_commit(repo: Path) -> None:
    """GitHub says the head is another commit: certgen refuses to judge this working tree
    (exit 2), and it refuses uncommitted changes."""
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    head = commit_all(repo)
    code, _, err = approvals(repo, STAFF["mlopez"], [], head="f" * 40)
    assert code == 2 and "not pull request #41's head commit fffffff" in err
    # GitHub's merge of the head into main (what actions/checkout checks out) is accepted
    git(repo, "switch", "-q", "main")
    git(repo, "switch", "-q", "-c", "merge")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge", "pull-request")
    code, lines, err = approvals(
        repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)], head=head
    )
    assert code == 0, [*lines, err]
    request(repo, "IC-2026-0005").write_text("id: changed\n")
    code, _, err = approvals(repo, STAFF["mlopez"], [], head=head)
    assert code == 2 and "not committed" in err


def test_a_refused_token_is_reported_without_the_token(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "ghs_" + "throwaway0" * 3
    monkeypatch.setenv("GH_TOKEN", secret)
    with responses.RequestsMock() as mock:
        mock.get(
            endpoint(f"/repos/{REPOSITORY}/pulls/{NUMBER}"),
            status=401,
            json={
                "message": "Bad credentials",
                "documentation_url": "https://docs.github.com/rest",
            },
        )
        code, out, err = run(APPROVALS, repo)
        assert mock.calls[0].request.headers["Authorization"] == f"token {secret}"
    assert code == 3
    refused = "GitHub refused pull request #41 in cascadia-organic/certificates: HTTP 401"
    assert f"{refused}, Bad credentials" in err
    assert secret not in out + err


def test_reviews_are_read_across_pages(repo: Path) -> None:
    """GitHub pages the reviews (100 a page, a Link header to the next): asmith's approval
    on page 1 is withdrawn by the request for changes on page 2."""
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    head = commit_all(repo)
    first = [review(i + 1, "dokafor-cascadia", "COMMENTED", head) for i in range(99)]
    first.append(review(100, "asmith-cascadia", "APPROVED", head))
    second = [review(101, "asmith-cascadia", "CHANGES_REQUESTED", head)]
    reviews = f"/repos/{REPOSITORY}/pulls/{NUMBER}/reviews"

    def page(request: Any) -> tuple[int, dict[str, str], str]:
        if "page=2" in str(request.url):
            return 200, {}, json.dumps(second)
        following = f'<https://api.github.com{reviews}?per_page=100&page=2>; rel="next"'
        return 200, {"Link": following}, json.dumps(first)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            endpoint(f"/repos/{REPOSITORY}/pulls/{NUMBER}"),
            json=pull_request(NUMBER, STAFF["mlopez"], head),
        )
        mock.add_callback(responses.GET, endpoint(reviews), callback=page)
        mock.get(
            endpoint(f"/repos/{REPOSITORY}/pulls/{NUMBER}/commits"),
            json=[commit(head, STAFF["mlopez"])],
        )
        code, out, _ = run(APPROVALS, repo)
        assert sum("page=2" in str(call.request.url) for call in mock.calls) == 1
    assert code == 1 and len(located(out.splitlines(), "H910")) == 1


def test_a_record_behind_a_linked_year_folder_is_refused(repo: Path) -> None:
    """A forged frozen record in a folder that records/2024 links to: the check refuses the
    request whose record it would be (R124), and certgen issue never writes through it."""
    text = request(repo, "IC-2026-0003").read_text()
    text = text.replace("IC-2026-0003", "IC-2024-0001").replace("2026-11-", "2024-11-")
    text = text.replace("departure_date: 2026-", "departure_date: 2024-")
    (repo / "requests" / "2024").mkdir()
    request(repo, "IC-2024-0001").write_text(text)
    number = ["--number", "555-5550000104-000160", "--on", "2024-11-25"]
    code, out, err = run(
        ["issue", "requests/2024/IC-2024-0001.yaml", "--by", "asmith", *number], repo
    )
    assert code == 0, out + err
    kept = repo / "records" / "2024"
    (repo / "docs" / "r2024").mkdir(parents=True)
    forged = (kept / "IC-2024-0001.json").read_bytes().replace(b"25000", b"999000")
    (repo / "docs" / "r2024" / "IC-2024-0001.json").write_bytes(forged)
    (kept / "IC-2024-0001.json").unlink()
    kept.rmdir()
    kept.symlink_to(Path("..") / "docs" / "r2024")
    commit_all(repo)
    code, lines, _ = check_base(repo)
    assert code == 1
    assert any(" R124 records/2024 is a symbolic link" in line for line in lines), lines
    assert run(["build", "--no-pdf"], repo)[0] != 0
    # and a decision never writes a record through a linked folder, nor leaves its request
    # issued without one
    second = request(repo, "IC-2024-0002")
    second.write_text(text.replace("IC-2024-0001", "IC-2024-0002"))
    before = second.read_bytes()
    number = ["--number", "555-5550000104-000161", "--on", "2024-11-25"]
    code, out, err = run(
        ["issue", "requests/2024/IC-2024-0002.yaml", "--by", "asmith", *number], repo
    )
    assert code == 2 and "records/2024 is a symbolic link" in err, out + err
    assert not (repo / "docs" / "r2024" / "IC-2024-0002.json").exists()
    assert second.read_bytes() == before


def test_a_reviewer_cannot_make_a_request_of_their_own_pass_as_someone_elses(
    repo: Path,
) -> None:
    """The three routes of the attack review: the preparer renamed on an intake pull
    request, an issued request pushed onto a colleague's pull request, a commit under a
    colleague's name."""
    source = request(repo, "IC-2026-0003").read_text().replace("IC-2026-0003", "IC-2026-0013")
    number = ["--number", "555-5550000104-000124"]
    # a) intake's commit names github:pnakamura-cascadia; pnakamura renames and issues it
    request(repo, "IC-2026-0013").write_text(
        source.replace("prepared_by: mlopez", "prepared_by: github:pnakamura-cascadia")
    )
    intake = commit_all(repo, "Request from issue #5")
    path = request(repo, "IC-2026-0013")
    path.write_text(path.read_text().replace("pnakamura-cascadia", "someone-else"))
    code, out, err = run(
        ["issue", "requests/2026/IC-2026-0013.yaml", "--by", "pnakamura", *number], repo
    )
    assert code == 0, out + err
    head = commit_all(repo, "issue")
    code, lines, _ = approvals(
        repo,
        "github-actions[bot]",
        [("pnakamura-cascadia", "APPROVED", head)],
        commit_authors={intake: "github-actions[bot]", head: "pnakamura-cascadia"},
    )
    assert code == 1 and "it does not change within a pull request" in "\n".join(lines)
    # b) on mlopez's pull request, pnakamura's commit adds a request issued by pnakamura
    git(repo, "reset", "-q", "--hard", "main")
    path.write_text(source)
    code, out, err = run(
        ["issue", "requests/2026/IC-2026-0013.yaml", "--by", "pnakamura", *number], repo
    )
    assert code == 0, out + err
    head = commit_all(repo, "pn adds and issues")
    code, lines, _ = approvals(
        repo,
        STAFF["mlopez"],
        [("pnakamura-cascadia", "APPROVED", head)],
        commit_authors={head: "pnakamura-cascadia"},
    )
    assert code == 1 and len(located(lines, "H912")) == 1
    # c) pnakamura's pull request, a commit under dokafor's name adds dokafor's "request"
    git(repo, "reset", "-q", "--hard", "main")
    path.write_text(source.replace("prepared_by: mlopez", "prepared_by: dokafor"))
    head = commit_all(repo, "forged")
    code, lines, _ = approvals(
        repo, STAFF["pnakamura"], [], commit_authors={head: "dokafor-cascadia"}
    )
    assert code == 1 and "opened by pnakamura-cascadia" in "\n".join(lines)
    # a commit GitHub links to no account tells nothing: refused too
    code, lines, _ = approvals(repo, STAFF["pnakamura"], [], commit_authors={head: None})
    assert code == 1 and "is not linked to a GitHub account" in "\n".join(lines)


def test_file_text_never_acts_in_the_log_and_an_unreadable_change_fails_closed(
    repo: Path,
) -> None:
    """A workflow command smuggled into a value is shown escaped, never as a line of its
    own; a changed request whose status is not a status is refused, not passed as "no
    decision"."""
    issue(repo, "IC-2026-0003", "asmith", "555-5550000104-000400")
    path = request(repo, "IC-2026-0003")
    hostile = '  reviewer: "asmith\\n::stop-commands::pwned\\n### All decisions approved <!--"'
    path.write_text(path.read_text().replace("  reviewer: asmith", hostile))
    head = commit_all(repo)
    code, lines, err = approvals(repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 1 and len(located(lines, "H910")) == 1
    assert not any(line.startswith(("::", "#")) for line in [*lines, *err.splitlines()])
    git(repo, "reset", "-q", "--hard", "main")
    path.write_text(path.read_text().replace("status: requested", "status: [issued]"))
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["mlopez"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 1 and "cannot be read as a request" in "\n".join(lines)


def test_a_policy_exception_is_a_decision_its_approver_approves(repo: Path) -> None:
    """A request added with a policy exception "approved by jchen": jchen approves the pull
    request, or the exception is refused at its line."""
    case = ROOT / "tests" / "cases" / "valid" / "time-frame-policy-exception.yaml"
    text = case.read_text().replace("IC-2026-0002", "IC-2026-0009")
    text = text.replace("status: issued", "status: requested")
    text = text[: text.index("issuance:")]
    request(repo, "IC-2026-0009").write_text(text)
    head = commit_all(repo)
    code, lines, _ = approvals(repo, STAFF["dokafor"], [("asmith-cascadia", "APPROVED", head)])
    assert code == 1
    line = text.splitlines().index("policy_exception:") + 1
    assert located(lines, "H910") == [f"requests/2026/IC-2026-0009.yaml:{line}:1:"]
    assert "IC-2026-0009 excepted by jchen (GitHub jchen-cascadia): NOT approved" in lines
    code, lines, _ = approvals(repo, STAFF["dokafor"], [("jchen-cascadia", "APPROVED", head)])
    assert code == 0, lines
