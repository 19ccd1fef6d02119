"""The pull-request workflow on real git repositories: a main branch with issued records, and
branches that add, edit, cancel, delete, reuse, issue and amend records, checked with
``certgen check --base main``."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from generator.project import Project
from generator.record.holder import HolderKeys
from tests.helpers import git, holder_details, holder_pdf, make_project, register_on_a_branch, run


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return register_on_a_branch(tmp_path / "repo")


def check_base(repo: Path) -> tuple[int, list[str], str]:
    code, out, err = run(["check", "--base", "main"], repo)
    return code, out.splitlines(), err


def located(lines: list[str], code: str) -> list[str]:
    return [line.split(" ", 1)[0] for line in lines if f" {code} " in line]


def request(repo: Path, name: str) -> Path:
    return repo / "requests" / name[3:7] / f"{name}.yaml"


def test_a_branch_adding_a_valid_request_passes(repo: Path) -> None:
    source = request(repo, "IC-2026-0003").read_text()
    request(repo, "IC-2026-0008").write_text(source.replace("IC-2026-0003", "IC-2026-0008"))
    code, lines, _ = check_base(repo)
    assert code == 0
    assert (
        "added: requests/2026/IC-2026-0008.yaml (IC-2026-0008: NOP Import Certificate, "
        "requested)" in lines
    )


def test_b_editing_an_issued_record_fails_at_the_edited_line(repo: Path) -> None:
    path = request(repo, "IC-2026-0001")
    path.write_text(path.read_text().replace("net_weight_kg: 18000", "net_weight_kg: 19000"))
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H904") == ["requests/2026/IC-2026-0001.yaml:24:20:"]
    assert any("'net_weight_kg' of product 1 was changed" in line for line in lines)


def test_b_adding_a_field_to_an_issued_record_fails_at_the_field(repo: Path) -> None:
    path = request(repo, "EC-2026-0005")
    path.write_text(
        path.read_text().replace(
            "service_level: standard\n", "service_level: standard\nclient_reference: X1\n"
        )
    )
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H904") == ["requests/2026/EC-2026-0005.yaml:7:19:"]


def test_c_cancelling_with_a_reason_passes(repo: Path) -> None:
    code, out, err = run(
        [
            "cancel",
            "requests/2026/IC-2026-0001.yaml",
            "--reason",
            "shipment_not_made",
            "--by",
            "jchen",
            "--note",
            "The truck was not loaded.",
            "--on",
            "2026-01-19",
        ],
        repo,
    )
    assert code == 0, out + err
    text = request(repo, "IC-2026-0001").read_text()
    assert "status: cancelled" in text and "reason: shipment_not_made" in text
    assert text.startswith("# yaml-language-server:")  # the file's comments survive
    code, lines, _ = check_base(repo)
    assert code == 0, lines
    assert any(
        line.startswith("changed: requests/2026/IC-2026-0001.yaml") and "issued → cancelled" in line
        for line in lines
    )


def test_d_deleting_an_issued_record_fails(repo: Path) -> None:
    request(repo, "EC-2026-0004").unlink()
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H901") == ["requests/2026/EC-2026-0004.yaml:1:1:"]


def test_d_renaming_a_record_fails_twice(repo: Path) -> None:
    old = request(repo, "EC-2026-0004")
    old.rename(old.with_name("EC-2026-0040.yaml"))
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H901") == ["requests/2026/EC-2026-0004.yaml:1:1:"]
    assert located(lines, "R102") == ["requests/2026/EC-2026-0040.yaml:2:5:"]


def test_e_reusing_an_id_fails(repo: Path) -> None:
    # an ID whose file was removed from main long ago
    git(repo, "switch", "-q", "main")
    source = request(repo, "IC-2026-0003").read_text()
    request(repo, "IC-2026-0009").write_text(source.replace("IC-2026-0003", "IC-2026-0009"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a request")
    request(repo, "IC-2026-0009").unlink()
    git(repo, "commit", "-q", "-am", "withdrawn by deletion")
    git(repo, "switch", "-q", "-c", "reuse")
    request(repo, "IC-2026-0009").write_text(source.replace("IC-2026-0003", "IC-2026-0009"))
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H902") == ["requests/2026/IC-2026-0009.yaml:2:5:"]


def test_e_an_id_taken_by_another_file_fails(repo: Path) -> None:
    source = request(repo, "IC-2026-0003").read_text()
    (repo / "requests" / "2026" / "IC-2026-0010.yaml").write_text(source)
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "R103") == [
        "requests/2026/IC-2026-0003.yaml:2:5:",
        "requests/2026/IC-2026-0010.yaml:2:5:",
    ]


def test_f_issuing_as_the_preparer_fails(repo: Path) -> None:
    code, _, err = run(
        [
            "issue",
            "requests/2026/IC-2026-0003.yaml",
            "--by",
            "mlopez",
            "--number",
            "555-5550000104-000400",
        ],
        repo,
    )
    assert code == 1 and "not a reviewer" in err  # mlopez prepares, never decides
    path = request(repo, "EC-2026-0011")
    code, _, err = run(["issue", str(path.relative_to(repo)), "--by", "pnakamura"], repo)
    assert code == 1
    assert f"{path.relative_to(repo)}:4:14: pnakamura prepared this request" in err
    assert "ask another reviewer: asmith, jchen" in err
    assert "status: requested" in path.read_text()
    # written by hand, the check refuses it at the reviewer line
    text = path.read_text().replace("status: requested", "status: issued")
    path.write_text(text + "issuance:\n  reviewer: pnakamura\n  issued_on: 2026-11-30\n")
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "R111") == ["requests/2026/EC-2026-0011.yaml:54:13:"]


def test_issue_records_the_decision_and_its_number(repo: Path) -> None:
    path = "requests/2026/IC-2026-0003.yaml"
    code, _, err = run(["issue", path, "--by", "asmith"], repo)
    assert code == 1 and "--number" in err  # a NOP Import Certificate lives in OID
    code, _, err = run(["issue", path, "--by", "asmith", "--number", "5550000104"], repo)
    assert code == 1 and "R113" in _stdout(repo, path, "5550000104")
    code, out, err = run(
        [
            "issue",
            path,
            "--by",
            "asmith",
            "--number",
            "555-5550000104-000400",
            "--on",
            "2026-11-30",
        ],
        repo,
    )
    assert code == 0, out + err
    text = (repo / path).read_text()
    assert "status: issued" in text
    assert (
        "issuance:\n  reviewer: asmith\n  issued_on: 2026-11-30\n  official_number: "
        "555-5550000104-000400\n" in text
    )
    code, lines, _ = check_base(repo)
    assert code == 0, lines


def _stdout(repo: Path, path: str, number: str) -> str:
    return run(["issue", path, "--by", "asmith", "--number", number], repo)[1]


def test_cancel_needs_a_reviewer_and_an_issued_record(repo: Path) -> None:
    code, _, err = run(
        ["cancel", "requests/2026/IC-2026-0001.yaml", "--reason", "other", "--by", "dokafor"], repo
    )
    assert code == 1 and "not a reviewer" in err
    code, _, err = run(
        ["cancel", "requests/2026/IC-2026-0003.yaml", "--reason", "other", "--by", "asmith"], repo
    )
    assert code == 1
    assert (
        "requests/2026/IC-2026-0003.yaml:8:9: its status is requested; only an issued "
        "certificate can be cancelled" in err
    )
    code, _, err = run(["amend", "requests/2026/IC-2026-0003.yaml", "--by", "dokafor"], repo)
    assert code == 1 and "IC-2026-0003.yaml:8:9: its status is requested" in err
    code, _, err = run(["issue", "requests/2026/IC-2026-0001.yaml", "--by", "asmith"], repo)
    assert code == 1 and "its status is issued; only a request can be issued" in err


def test_new_takes_the_next_id_free_on_this_branch_and_on_main(repo: Path) -> None:
    git(repo, "switch", "-q", "main")
    source = request(repo, "EC-2026-0009").read_text()
    request(repo, "EC-2026-0013").write_text(source.replace("EC-2026-0009", "EC-2026-0013"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "merged elsewhere")
    git(repo, "switch", "-q", "pull-request")
    assert not request(repo, "EC-2026-0013").exists()
    code, out, err = run(
        [
            "new",
            "export",
            "--exporter",
            "5550000204",
            "--destination",
            "JP",
            "--by",
            "dokafor",
            "--base",
            "main",
        ],
        repo,
    )
    assert code == 0, err
    year = out.split("requests/")[1][:4]
    created = repo / "requests" / year / f"EC-{year}-{'0014' if year == '2026' else '0001'}.yaml"
    assert created.is_file()
    text = created.read_text()
    assert "document_type: tm11" in text and "us_japan_arrangement" in text
    assert "name: Palouse Grain & Pulse Inc." in text
    code, out, _ = run(["check", str(created.relative_to(repo))], repo)
    assert code == 1  # what is left to fill in, each with its place
    assert f"{created.relative_to(repo)}:" in out and "S001" in out


def test_amend_creates_the_superseding_request(repo: Path) -> None:
    code, out, err = run(
        ["amend", "requests/2026/EC-2026-0010.yaml", "--by", "dokafor", "--base", "main"], repo
    )
    assert code == 0, out + err
    created = Path(out.split()[1].rstrip(","))
    new = (repo / created).read_text()
    new_id = created.stem
    assert "supersedes: EC-2026-0010" in new and "status: requested" in new
    assert "issuance" not in new
    old = request(repo, "EC-2026-0010").read_text()
    assert "superseded_by" not in old and "status: issued" in old  # until the amendment is
    code, lines, _ = check_base(repo)
    assert code == 0, lines  # amend writes nothing that fails the check
    # the goods left on 2026-10-20: the quantity can no longer change (T410) ...
    (repo / created).write_text(new.replace("net_weight_kg: 3400", "net_weight_kg: 3300"))
    code, out, err = run(["issue", str(created), "--by", "jchen"], repo)
    assert code == 1 and "T410" in out + err and "/products/0/net_weight_kg" in out + err
    # ... the gross weight may be corrected
    (repo / created).write_text(new.replace("gross_weight_kg: 3710", "gross_weight_kg: 3740"))
    code, out, err = run(["issue", str(created), "--by", "jchen"], repo)
    assert code == 0, out + err
    old = request(repo, "EC-2026-0010").read_text()  # issuing the amendment supersedes it
    assert f"superseded_by: {new_id}" in old and "status: superseded" in old
    code, lines, _ = check_base(repo)
    assert code == 0, lines
    assert any("issued → superseded" in line for line in lines)
    # marking a record superseded by hand before its replacement is issued is refused
    request(repo, "EC-2026-0010").write_text(
        old.replace("status: superseded", "status: superseded").replace(
            f"superseded_by: {new_id}", "superseded_by: EC-2026-0011"
        )
    )
    code, lines, _ = check_base(repo)
    assert code == 1 and located(lines, "R121")


def test_json_output_lists_the_changes(repo: Path) -> None:
    request(repo, "EC-2026-0004").unlink()
    code, out, _ = run(["check", "--format", "json", "--base", "main"], repo)
    assert code == 1
    changes = json.loads(out)["changes"]
    assert [(c["kind"], c["request_id"]) for c in changes] == [("deleted", "EC-2026-0004")]


def test_unknown_base_is_a_usage_error(repo: Path) -> None:
    code, _, err = run(["check", "--base", "no-such-branch"], repo)
    assert code == 2 and "there is no branch, tag or commit 'no-such-branch'" in err
    assert "git rev-parse" not in err  # plain words, not the git command


def test_a_new_user_session_end_to_end(repo: Path) -> None:
    """Scaffold, fill in, check, issue as a second person, amend, cancel another."""
    code, out, _ = run(
        [
            "new",
            "import",
            "--exporter",
            "5550000115",
            "--importer",
            "9020007290",
            "--by",
            "mlopez",
            "--transport",
            "ocean",
            "--base",
            "main",
        ],
        repo,
    )
    assert code == 0
    created = repo / out.split()[1].rstrip(":")
    text = created.read_text()
    for old, new in (
        ("tariff_code:\n", 'tariff_code: "0803.90.0025"\n'),
        ("net_weight_kg:\n", "net_weight_kg: 20160\n"),
        ("      -\n", "      - B-1\n"),
        ("city:\n", "city: Houston\n"),
        ("state:\n", "state: TX\n"),
        ("departure_date:\n", "departure_date: 2099-01-30\n"),
        ("no_prohibited_fumigation:\n", "no_prohibited_fumigation: true\n"),
        ("no_irradiation:\n", "no_irradiation: true\n"),
    ):
        text = text.replace(old, new)
    text = text.replace("reference:\n", "reference: DOC-1\n").replace(
        "identifies_organic:\n", "identifies_organic: true\n"
    )
    assert "type: phytosanitary_certificate" in text  # asked for bananas by data/records.yaml
    assert " \n" not in text  # no trailing spaces
    created.write_text(text)
    code, out, _ = run(["check", str(created.relative_to(repo))], repo)
    assert code == 0, out
    code, _, err = run(
        [
            "issue",
            str(created.relative_to(repo)),
            "--by",
            "asmith",
            "--number",
            "555-5550000115-000900",
        ],
        repo,
    )
    assert code == 0, err
    assert (
        run(
            [
                "cancel",
                "requests/2026/EC-2026-0012.yaml",
                "--reason",
                "client_request",
                "--by",
                "asmith",
            ],
            repo,
        )[0]
        == 0
    )
    code, lines, _ = check_base(repo)
    assert code == 0, lines


def test_a_file_committed_where_the_build_writes_is_refused(repo: Path) -> None:
    forged = repo / "build" / "site" / "certificates" / "IC-2026-0001.pdf"
    forged.parent.mkdir(parents=True)
    forged.write_bytes(b"%PDF-1.7 forged")
    git(repo, "add", "-f", "build")
    git(repo, "commit", "-q", "-m", "a forged certificate")
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "W801") == ["build/site/certificates/IC-2026-0001.pdf:1:1:"]
    code, out, err = run(["build", "--no-pdf"], repo)
    assert code == 1
    assert "W801" in out and "nothing was built" in err
    assert forged.read_bytes() == b"%PDF-1.7 forged"  # not taken into a site either


def test_a_forged_cache_file_in_the_tree_is_never_published(tmp_path: Path) -> None:
    """Caches live outside the repository: a PDF planted under the cache's old place in the
    tree, named by the key a build would look for, is never read."""
    repo = make_project(tmp_path / "repo", with_requests=True, with_site=True)
    assert run(["build"], repo)[0] == 0
    site = repo / "build" / "site"
    record = holder_details(site, "IC-2026-0001")["record"].encode()
    digest = hashlib.sha256(record).hexdigest()
    genuine = holder_pdf(site, "IC-2026-0001")
    secret = HolderKeys.from_environment().fingerprint  # cached PDFs are named by it too
    cache = repo / "build" / "cache" / "pdf"
    cache.mkdir(parents=True)
    for name in (f"{digest}.pdf", f"{digest}.preview.pdf", f"{digest}.preview.{secret}.pdf"):
        (cache / name).write_bytes(b"%PDF-1.7 forged")  # the names a build looks for
    shutil.rmtree(repo / "build" / "site")
    shutil.rmtree(Project(repo).cache_dir)
    assert run(["build"], repo)[0] == 0
    assert holder_pdf(site, "IC-2026-0001") == genuine


def test_issue_refuses_a_number_another_request_holds(repo: Path) -> None:
    path = "requests/2026/IC-2026-0003.yaml"
    before = (repo / path).read_text()
    taken = "555-5550000115-000298"  # the number of IC-2026-0007
    code, out, err = run(["issue", path, "--by", "asmith", "--number", taken], repo)
    assert code == 1, out + err
    assert "R122" in out + err and "nothing was written" in err
    assert (repo / path).read_text() == before
    assert not (repo / "records" / "2026" / "IC-2026-0003.json").exists()
