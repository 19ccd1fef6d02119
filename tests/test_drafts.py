"""A draft (a request with fields not filled in yet) already hears what will block it: the
rules that do not depend on an empty field run, ``certgen new`` says what will block the
request as soon as it is scaffolded, and ``certgen show`` gives its fee and due date."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import register_on_a_branch, run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return register_on_a_branch(tmp_path / "repo")


def _new(repo: Path, *arguments: str) -> tuple[str, Path]:
    code, out, err = run(["new", *arguments, "--by", "dokafor", "--base", "main"], repo)
    assert code == 0, err
    created = repo / out.split()[1].rstrip(":")
    return out, created


def test_new_says_at_once_what_will_block_the_request(repo: Path) -> None:
    """Wine to Japan from an exporter whose addendum lacks Japan; an import from a suspended
    exporter for a suspended importer."""
    out, _ = _new(repo, "export", "--exporter", "5550000205", "--destination", "JP")
    lines = out.splitlines()
    assert lines[1] == "what will block this request, whatever is filled in:"
    assert any(" G309 Japan does not accept wine" in line for line in lines[2:])
    assert any(
        " P208 Sonoma Coast Cellars's International Markets Addendum" in line for line in lines[2:]
    )
    assert not any(" S0" in line for line in lines)  # the empty fields are for check to list
    out, _ = _new(repo, "import", "--exporter", "5550000106", "--importer", "9031000796")
    assert " P203 Hacienda Verde S.A. de C.V. (5550000106) is suspended in OID" in out
    assert " P207 Harbor Organic Trading Corp. (9031000796) is suspended in OID" in out
    out, _ = _new(repo, "export", "--exporter", "5550000204", "--destination", "JP")
    assert out.count("\n") == 1  # nothing blocks a clean draft


def test_check_lists_empty_fields_and_rule_findings_together(repo: Path) -> None:
    _, created = _new(repo, "export", "--exporter", "5550000205", "--destination", "JP")
    code, out, _ = run(["check", str(created.relative_to(repo))], repo)
    assert code == 1
    codes = [line.split()[1] for line in out.splitlines()[:-1]]
    assert "S001" in codes and "G309" in codes and "P208" in codes


def test_show_gives_fee_and_due_date_of_a_draft(repo: Path) -> None:
    _, created = _new(repo, "export", "--exporter", "5550000204", "--destination", "JP")
    code, out, _ = run(["show", str(created.relative_to(repo))], repo)
    assert code == 1  # fields are still empty
    assert "  fee            USD 75.00" in out
    assert "  due            " in out
    assert "in force today: the departure date decides" in out


def test_wrong_values_hold_the_rules_back(repo: Path) -> None:
    """A value the schema refuses (not an empty one) may be what a rule would read: the rules
    wait until it is fixed, so no finding rests on a wrong value."""
    path = repo / "requests" / "2026" / "IC-2026-0003.yaml"
    text = path.read_text()
    path.write_text(text.replace("service_level: standard", "service_level: 5"))
    code, out, _ = run(["check", str(path.relative_to(repo))], repo)
    assert code == 1
    assert [line.split()[1] for line in out.splitlines()[:-1]] == ["S001"]


def test_a_staff_member_who_filed_the_issue_form_cannot_decide_it(repo: Path) -> None:
    """prepared_by github:asmith-cascadia is asmith (their GitHub login): asmith may not
    issue it."""
    path = repo / "requests" / "2026" / "IC-2026-0003.yaml"
    path.write_text(
        path.read_text().replace("prepared_by: mlopez", "prepared_by: github:asmith-cascadia")
    )
    shown = str(path.relative_to(repo))
    code, _, err = run(
        ["issue", shown, "--by", "asmith", "--number", "555-5550000104-000400"], repo
    )
    assert code == 1, err
    code, _, err = run(["issue", shown, "--by", "jchen", "--number", "555-5550000104-000400"], repo)
    assert code == 0, err
    text = path.read_text().replace("reviewer: jchen", "reviewer: asmith")
    path.write_text(text)
    code, out, _ = run(["check", shown], repo)
    assert code == 1 and " R111 asmith prepared this request" in out


def test_lifecycle_commands_never_open_a_fifo_nor_write_through_a_link(
    repo: Path, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys

    outside = tmp_path / "outside.yaml"
    source = repo / "requests" / "2026" / "IC-2026-0003.yaml"
    outside.write_text(source.read_text())
    link = repo / "requests" / "2026" / "IC-2026-0008.yaml"
    link.symlink_to(outside)
    fifo = repo / "requests" / "2026" / "IC-2026-0009.yaml"
    os.mkfifo(fifo)
    number = ["--number", "555-5550000104-000400"]
    for path, command in (
        (fifo, ["issue", "--by", "asmith", *number]),
        (fifo, ["freeze"]),
        (fifo, ["cancel", "--by", "asmith", "--reason", "issued_in_error"]),
        (fifo, ["amend", "--by", "dokafor"]),
        (link, ["issue", "--by", "asmith", *number]),
    ):
        arguments = [command[0], str(path.relative_to(repo)), *command[1:]]
        completed = subprocess.run(
            [sys.executable, "-m", "generator", *arguments],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert completed.returncode == 2, (arguments, completed.stderr)
        kind = "a FIFO (named pipe)" if path == fifo else "a symbolic link"
        assert f"{kind} is refused here" in completed.stderr, completed.stderr
    assert outside.read_text() == source.read_text()


def test_a_second_amendment_of_one_certificate_is_refused(repo: Path) -> None:
    """amend twice: the second is refused (one amendment at a time), so issuing the first
    never leaves the register failing the check."""
    code, out, err = run(["amend", "requests/2026/EC-2026-0010.yaml", "--by", "dokafor"], repo)
    assert code == 0, out + err
    code, out, err = run(["amend", "requests/2026/EC-2026-0010.yaml", "--by", "mlopez"], repo)
    assert code == 1 and "is already being amended by" in out + err
    code, out, _ = run(["check"], repo)  # nothing of the second was written
    assert code == 0, out


def test_the_preparer_of_a_certificate_does_not_issue_its_amendment(repo: Path) -> None:
    """pnakamura prepared IC-2026-0006; dokafor prepares its amendment; pnakamura may not
    issue it (it would decide to replace their own certificate)."""
    code, out, err = run(["amend", "requests/2026/IC-2026-0006.yaml", "--by", "dokafor"], repo)
    assert code == 0, out + err
    amendment = out.split()[1].rstrip(",:")
    number = ["--number", "555-5550000105-000999"]
    code, out, err = run(["issue", amendment, "--by", "pnakamura", *number], repo)
    assert code == 1 and "pnakamura prepared this request" in out + err


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["export", "--exporter", "5550000204", "--destination", "de"], "did you mean DE?"),
        (["export", "--exporter", "5550000204", "--destination", "US"], "make an import request"),
        (["export", "--exporter", "5550000204", "--destination", "EU"], "is not a country code"),
        (
            ["export", "--exporter", "5550000204", "--destination", "JP", "--service-level", "x"],
            "is not offered: standard, priority, expedited, rush",
        ),
        (["import", "--exporter", "5550000101", "--mode", "time_frame", "--by", "zz"], "staff"),
        (
            ["export", "--exporter", "5550000204", "--destination", "JP", "--mode", "time_frame"],
            "--mode",
        ),
        (["import", "--exporter", "5550000101", "--base", "nosuch"], "no branch, tag or commit"),
    ],
)
def test_new_refuses_options_a_request_could_never_pass_with(
    repo: Path, options: list[str], said: str
) -> None:
    by = [] if "--by" in options else ["--by", "dokafor"]
    code, _, err = run(["new", *options, *by], repo)
    assert code == 2 and said in err, err
    assert not list((repo / "requests").rglob("*-0013.yaml")) and not list(
        (repo / "requests").rglob("IC-2026-0008.yaml")
    )


def test_decisions_are_never_dated_ahead(repo: Path) -> None:
    number = ["--number", "555-5550000104-000400"]
    code, _, err = run(
        [
            "issue",
            "requests/2026/IC-2026-0003.yaml",
            "--by",
            "asmith",
            *number,
            "--on",
            "2099-01-01",
        ],
        repo,
    )
    assert code == 2 and "is after today" in err
    code, _, err = run(
        [
            "cancel",
            "requests/2026/IC-2026-0001.yaml",
            "--by",
            "asmith",
            "--reason",
            "client_request",
            "--on",
            "2099-01-01",
        ],
        repo,
    )
    assert code == 2 and "is after today" in err


def test_new_scaffolds_what_the_destination_needs(repo: Path) -> None:
    """Great Britain: the importer's UK control body and registration; Japan (95% organic at
    least): each product's organic percentage."""
    import yaml

    _, created = _new(repo, "export", "--exporter", "5550000210", "--destination", "GB")
    importer = yaml.safe_load(created.read_text())["importer"]
    assert "registration_id" in importer and "control_body" in importer
    _, created = _new(repo, "export", "--exporter", "5550000207", "--destination", "JP")
    assert "organic_percent" in yaml.safe_load(created.read_text())["products"][0]


@pytest.mark.parametrize(
    "decision",
    [
        "policy_exception:\n  reason: Weekly ocean loads.\n  approved_by: asmith\n"
        "  approved_on: 2026-11-25\n",
        "issuance:\n  reviewer: asmith\n  issued_on: 2026-11-25\n",
        "supersedes: IC-2026-0001\n",
    ],
)
def test_a_clients_file_never_carries_a_decision(repo: Path, tmp_path: Path, decision: str) -> None:
    """intake --file refuses a file from the request page that carries the certifier's
    decisions (an exception "approved by asmith", an issuance, a supersession)."""
    import re

    text = request_text = (repo / "requests" / "2026" / "IC-2026-0003.yaml").read_text()
    text = re.sub(r"^(id|prepared_by): .*\n", "", request_text, flags=re.M) + decision
    client = tmp_path / "client.yaml"
    client.write_text(text)
    code, out, err = run(["intake", "--file", str(client), "--by", "dokafor"], repo)
    assert code == 1 and "is the certifier's decision, never a client's" in out + err
    assert not (repo / "requests" / "2026" / "IC-2026-0008.yaml").exists()
