"""``certgen queue`` on a real remote with several open branches and a fork's pull request
(``refs/pull/<n>/head`` on the remote), and its GitHub side (labels, the queue's issue)
against recorded answers in GitHub's documented shapes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import responses

from generator.workflow import queue
from tests.github_api import REPOSITORY, endpoint, pull_request, user
from tests.helpers import git, make_project, run

NOW = "2026-12-01T09:00:00-08:00"
ISSUED = (
    "status: issued\nissuance:\n  reviewer: asmith\n  issued_on: 2026-12-01\n"
    "  official_number: 555-5550000104-000400"
)


def _push_branch(work: Path, branch: str, edit: Any, message: str) -> str:
    git(work, "switch", "-q", "-c", branch, "main")
    edit(work)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    git(work, "push", "-q", "origin", branch)
    return git(work, "rev-parse", "HEAD").strip()


def _replace(name: str, old: str, new: str) -> Any:
    def edit(work: Path) -> None:
        path = work / "requests" / name[3:7] / f"{name}.yaml"
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new))

    return edit


def _add(source: str, name: str, *changes: tuple[str, str]) -> Any:
    def edit(work: Path) -> None:
        text = (work / "requests" / source[3:7] / f"{source}.yaml").read_text()
        text = text.replace(source, name)
        for old, new in changes:
            assert old in text, old
            text = text.replace(old, new)
        (work / "requests" / name[3:7] / f"{name}.yaml").write_text(text)

    return edit


@pytest.fixture
def clone(tmp_path: Path) -> dict[str, Any]:
    """A remote with main (the examples) and three branches: one adds a rush request whose
    goods leave before it is due, one issues IC-2026-0003, one moves EC-2026-0006 to the
    next business day; and a fork's pull request #7 (refs/pull/7/head) adding EC-2026-0013.
    Returns the clone the queue runs in and the head commit of each branch."""
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    work = make_project(tmp_path / "work", with_requests=True)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "the register")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main")
    heads = {
        "request/rush": _push_branch(
            work,
            "request/rush",
            _add(
                "IC-2026-0003",
                "IC-2026-0008",
                ("service_level: standard", "service_level: rush"),
                (
                    "requested_at: 2026-11-24T10:12:00-08:00",
                    "requested_at: 2026-11-30T15:00:00-08:00",
                ),
                ("departure_date: 2026-12-09", "departure_date: 2026-12-01"),
            ),
            "IC-2026-0008",
        ),
        "issue/ic-3": _push_branch(
            work,
            "issue/ic-3",
            _replace(
                "IC-2026-0003",
                "status: requested",
                ISSUED,
            ),
            "issue IC-2026-0003",
        ),
        "faster/ec-6": _push_branch(
            work,
            "faster/ec-6",
            _replace("EC-2026-0006", "service_level: standard", "service_level: rush"),
            "EC-2026-0006 rush",
        ),
    }
    fork = _push_branch(work, "fork-work", _add("EC-2026-0011", "EC-2026-0013"), "a fork's request")
    git(work, "push", "-q", "origin", "fork-work:refs/pull/7/head")
    git(work, "push", "-q", "origin", "--delete", "fork-work")
    heads["pull/7"] = fork
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(remote), str(target)], check=True)
    return {"path": target, "heads": heads}


def queue_json(path: Path, *extra: str) -> dict[str, Any]:
    code, out, err = run(["queue", "--format", "json", "--now", NOW, *extra], path)
    assert code == 0, err
    return dict(json.loads(out))


def test_the_queue_reads_every_open_branch_most_urgent_first(clone: dict[str, Any]) -> None:
    shown = queue_json(clone["path"])
    rows = {r["request_id"]: r for r in shown["requests"]}
    order = [r["request_id"] for r in shown["requests"]]
    # the rush request added on a branch: received Monday 15:00 (after the cut-off), so the
    # clock starts Tuesday and it is due Wednesday 17:00, after its goods leave on Tuesday
    rush = rows["IC-2026-0008"]
    assert rush["branch"] == "request/rush"
    assert rush["due"] == "2026-12-02T17:00-08:00" and rush["hours_left"] == 32.0
    assert rush["after_departure"] and "cannot be served before departure" in rush["flags"]
    assert rush["service_level"] == "Next business day" and rush["fee"] == "USD 225.00"
    # a branch's version wins: EC-2026-0006 moved to the next business day on faster/ec-6
    assert rows["EC-2026-0006"]["branch"] == "faster/ec-6"
    assert rows["EC-2026-0006"]["service_level"] == "Next business day"
    # issued on a branch that is not merged: still waiting, marked
    assert rows["IC-2026-0003"]["decided_on"] == "issue/ic-3"
    assert rows["IC-2026-0003"]["branch"] == "main"
    # overdue first, then by due time: EC-2026-0006 at the next business day, received on
    # Wednesday 25 November before the cut-off, was due on Friday (Thursday is Thanksgiving)
    assert order[:3] == ["EC-2026-0006", "IC-2026-0005", "EC-2026-0002"]
    assert rows["EC-2026-0006"]["due"] == "2026-11-27T17:00-08:00"
    assert all(rows[i]["overdue"] for i in order[:3]) and rows["IC-2026-0005"]["hours_left"] < 0
    dues = [r["due"] for r in shown["requests"]]
    assert dues == sorted(dues)
    assert rows["EC-2026-0009"]["due_today"] and "due today" in rows["EC-2026-0009"]["flags"]
    # a fork's pull request is not a branch of the remote: only with --github
    assert "EC-2026-0013" not in rows


def test_text_and_markdown_show_the_same_queue(clone: dict[str, Any]) -> None:
    code, text, _ = run(["queue", "--now", NOW], clone["path"])
    assert code == 0
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["due", "hours", "left"]
    assert lines[2].startswith("Mon 30 Nov 17:00  -16.0       IC-2026-0005")
    assert "OVERDUE" in lines[1] and "OVERDUE" in lines[2]
    assert lines[-1].startswith("7 open request(s), 3 overdue; times in America/Los_Angeles")
    code, markdown, _ = run(["queue", "--format", "markdown", "--now", NOW], clone["path"])
    assert code == 0
    assert "| Mon 30 Nov 17:00 | -16.0 | `IC-2026-0005` |" in markdown
    assert "| `Willamette Valley Fruit Co.` |" in markdown
    # text a branch wrote is a code span: no mention, link or HTML can come alive
    hostile = "A | B @someone [x](https://e.example) <b>"
    assert queue.code_span(hostile) == "`A \\| B @someone [x](https://e.example) <b>`"


def _serve_github(mock: responses.RequestsMock, heads: dict[str, str]) -> None:
    pulls = [
        pull_request(5, "mlopez-cascadia", heads["request/rush"], "request/rush"),
        pull_request(6, "dokafor-cascadia", heads["faster/ec-6"], "faster/ec-6"),
        pull_request(7, "a-fork-owner", heads["pull/7"], "main"),
        pull_request(8, "asmith-cascadia", heads["issue/ic-3"], "issue/ic-3"),
    ]
    mock.get(endpoint(f"/repos/{REPOSITORY}/pulls"), json=pulls)


def _issue(number: int, labels: list[str], pull: bool = True) -> dict[str, Any]:
    found = {
        "url": f"https://api.github.com/repos/{REPOSITORY}/issues/{number}",
        "id": 9000 + number,
        "number": number,
        "title": f"#{number}",
        "state": "open",
        "user": user("mlopez-cascadia"),
        "labels": [
            {"id": i, "name": n, "color": "ededed", "default": False} for i, n in enumerate(labels)
        ],
        "body": "",
    }
    if pull:
        found["pull_request"] = {"url": f"https://api.github.com/repos/{REPOSITORY}/pulls/{number}"}
    return found


def test_with_github_it_finds_forks_and_labels_pull_requests(
    clone: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GH_TOKEN", "throwaway-test-token")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _serve_github(mock, clone["heads"])
        labelled = {  # the open issues and pull requests carrying each label
            "overdue": [_issue(5, ["overdue"]), _issue(99, ["overdue"])],
            "due-today": [],
            "desk-queue": [],
        }
        for label, found in labelled.items():
            wanted = {"state": "open", "labels": label}
            mock.get(
                endpoint(f"/repos/{REPOSITORY}/issues"),
                json=found,
                match=[responses.matchers.query_param_matcher(wanted, strict_match=False)],
            )
        for number, labels in ((5, ["overdue"]), (6, []), (7, []), (8, [])):
            mock.get(endpoint(f"/repos/{REPOSITORY}/issues/{number}"), json=_issue(number, labels))
            mock.post(endpoint(f"/repos/{REPOSITORY}/issues/{number}/labels"), json=[])
            mock.delete(endpoint(f"/repos/{REPOSITORY}/issues/{number}/labels/overdue"), json=[])
        mock.post(
            endpoint(f"/repos/{REPOSITORY}/issues"),
            json=_issue(12, ["desk-queue"], pull=False),
            status=201,
        )
        shown = queue_json(
            clone["path"], "--github", "--label", "--issue", "--repository", REPOSITORY
        )
        sent = [
            (
                c.request.method,
                c.request.url.split("?")[0].split(".com")[-1].removeprefix(":443"),
                c.request.body,
            )
            for c in mock.calls
        ]
    rows = {r["request_id"]: r for r in shown["requests"]}
    assert rows["EC-2026-0013"]["pull_request"] == 7 and rows["EC-2026-0013"]["branch"] == "pull/7"
    assert rows["IC-2026-0008"]["pull_request"] == 5
    assert rows["EC-2026-0006"]["pull_request"] == 6
    writes = [(m, u, b) for m, u, b in sent if m != "GET"]
    # #5 is not overdue (due Wednesday): its label is taken off; #6 is: labelled; #99 is an
    # issue, not one of the open pull requests: left alone; nothing is due today on a PR
    assert ("DELETE", f"/repos/{REPOSITORY}/issues/5/labels/overdue", None) in writes
    labelled = [json.loads(b) for m, u, b in writes if u.endswith("/issues/6/labels")]
    assert labelled == [["overdue"]] or labelled == [{"labels": ["overdue"]}]
    assert not any("/issues/99/" in u for _, u, _ in writes)
    assert len(writes) == 3  # the two labels and the queue's issue
    created = [
        json.loads(b) for m, u, b in writes if m == "POST" and u == f"/repos/{REPOSITORY}/issues"
    ]
    assert created and created[0]["labels"] == ["desk-queue"]
    assert created[0]["title"] == "Certificate desk queue"
    assert "| Mon 30 Nov 17:00 | -16.0 | `IC-2026-0005` |" in created[0]["body"]
    assert "| #7 |" in created[0]["body"]


def test_every_branchs_request_is_listed_and_what_cannot_be(clone: dict[str, Any]) -> None:
    """Two branches adding the same ID are both listed, flagged; a branch's stale version of
    a request issued on main is not open; a file that cannot be read is listed with why; an
    unknown remote is a usage error; times are the certifier's whatever the machine's zone."""
    work = clone["path"]
    rush = json.loads(json.dumps(queue_json(work)))  # the fixture's queue, for comparison
    assert {r["request_id"] for r in rush["requests"]} >= {"IC-2026-0008"}
    git(work, "switch", "-q", "-c", "also-eight", "origin/main")
    source = (work / "requests" / "2026" / "IC-2026-0005.yaml").read_text()
    (work / "requests" / "2026" / "IC-2026-0008.yaml").write_text(
        source.replace("IC-2026-0005", "IC-2026-0008")
    )
    (work / "requests" / "2026" / "IC-2026-0009.yaml").write_text('id: IC-2026-0009\nname: "open\n')
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "two requests")
    git(work, "push", "-q", "origin", "also-eight")
    git(work, "switch", "-q", "-c", "issue-five", "origin/main")  # main issues IC-2026-0005 ...
    git(work, "switch", "-q", "main")
    path = work / "requests" / "2026" / "IC-2026-0005.yaml"
    path.write_text(
        source.replace(
            "status: requested",
            "status: issued\nissuance:\n  reviewer: asmith\n"
            "  issued_on: 2026-12-01\n  official_number: 555-5550000103-000400",
        )
    )
    git(work, "commit", "-q", "-am", "issue IC-2026-0005")
    git(work, "push", "-q", "origin", "main")
    git(work, "switch", "-q", "issue-five")  # ... while a stale branch still edits it
    (work / "requests" / "2026" / "IC-2026-0005.yaml").write_text(
        source.replace("service_level: standard", "service_level: priority")
    )
    git(work, "commit", "-q", "-am", "faster")
    git(work, "push", "-q", "origin", "issue-five")
    git(work, "fetch", "-q")
    shown = queue_json(work)
    rows = [(r["request_id"], r["branch"]) for r in shown["requests"]]
    assert ("IC-2026-0008", "request/rush") in rows and ("IC-2026-0008", "also-eight") in rows
    eight = [r for r in shown["requests"] if r["request_id"] == "IC-2026-0008"]
    assert all(any("ID also used on" in f for f in r["flags"]) for r in eight)
    assert "IC-2026-0005" not in {r["request_id"] for r in shown["requests"]}
    broken = [r for r in shown["requests"] if r["request_id"] == "IC-2026-0009"]
    assert broken and broken[0]["flags"][0].startswith("cannot be read: Y001 at line 2")
    code, _, err = run(["queue", "--remote", "nosuch"], work)
    assert code == 2 and "there is no remote 'nosuch'" in err
    code, text, _ = run(["queue", "--now", "2026-12-01T17:00:00Z"], work)
    assert text.splitlines()[-1].endswith("now Tue 01 Dec 09:00")  # 17:00 UTC is 09:00 Pacific


def test_goods_gone_and_requests_from_the_future_are_flagged(clone: dict[str, Any]) -> None:
    _, out, _ = run(
        ["queue", "--format", "json", "--now", "2026-12-02T09:00:00-08:00"], clone["path"]
    )
    rush = next(r for r in json.loads(out)["requests"] if r["request_id"] == "IC-2026-0008")
    assert "departed on 2026-12-01: can no longer be issued" in rush["flags"]
    _code, out, _ = run(
        ["queue", "--format", "json", "--now", "2026-11-01T09:00:00-08:00"], clone["path"]
    )
    early = next(r for r in json.loads(out)["requests"] if r["request_id"] == "IC-2026-0003")
    assert "received in the future: check requested_at" in early["flags"]
