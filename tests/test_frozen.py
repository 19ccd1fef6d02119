"""Issued certificates are fixed at issuance, on real git repositories: what a certificate
says (its record, digest and PDF) never changes with later data, templates or code, and
``certgen check --base`` refuses any change to a frozen record."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from generator.project import Project
from generator.website import certificate_files, certificate_pdf
from tests.helpers import holder_details, holder_pdf, register_on_a_branch, run
from tests.test_build import pdf_text
from tests.test_review import check_base, located, request


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example register with its site sources on main; work happens on a branch."""
    return register_on_a_branch(tmp_path / "repo", with_site=True)


def issued_files(repo: Path, from_scratch: bool = True) -> dict[str, bytes]:
    """Every certificate's JSON record as issued, its digest and its PDF, as the holder's key
    opens them (the sealed PDF too: sealing is deterministic), built from scratch (no cache)
    or not."""
    if from_scratch:
        shutil.rmtree(Project(repo).cache_dir, ignore_errors=True)
        shutil.rmtree(repo / "build", ignore_errors=True)
    code, out, err = run(["build"], repo)
    assert code == 0, out + err
    site = repo / "build" / "site"
    files = {}
    for page in sorted((site / "certificates").glob("*.html")):
        certificate_id = page.stem
        public = json.loads(page.with_suffix(".json").read_bytes())
        files[f"{certificate_id}.json"] = holder_details(site, certificate_id)["record"].encode()
        files[f"{certificate_id}.sha256"] = public["sha256"].encode()
        files[f"{certificate_id}.pdf"] = holder_pdf(site, certificate_id)
        files[f"{certificate_id}.pdf.enc"] = page.with_name(
            f"{certificate_id}.pdf.enc"
        ).read_bytes()
    assert files
    return files


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), "utf-8")


def rename_certifier(repo: Path) -> None:
    edit(repo / "data" / "certifier.yaml", "name: Cascadia Organic", "name: Renamed Organic")


def reword_statement(repo: Path) -> None:
    japan = "Certified in compliance with the terms of the US-Japan Organic Equivalence"
    edit(repo / "data" / "destinations.yaml", japan, japan.replace("Certified", "Produced"))


def rename_reviewer(repo: Path) -> None:
    edit(repo / "data" / "certifier.yaml", "name: Alex Smith", "name: Alexandra Smith-Jones")


def remove_operation(repo: Path) -> None:
    """A refresh of the OID snapshot drops an operation that an issued certificate names."""
    path = repo / "data" / "operations.yaml"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if 'operation_id: "5550000101"' in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("  - "))
    path.write_text("".join(lines[:start] + lines[end:]), "utf-8")


@pytest.mark.parametrize(
    "change", [rename_certifier, reword_statement, rename_reviewer, remove_operation]
)
def test_later_data_never_changes_an_issued_certificate(repo: Path, change: object) -> None:
    before = issued_files(repo)
    assert callable(change)
    change(repo)
    code, lines, _ = check_base(repo)
    assert code == 0, lines
    assert issued_files(repo) == before


def test_a_template_change_never_changes_an_issued_certificate(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = issued_files(repo)
    original = certificate_files.certificate_fragment

    def new_template(*arguments: object) -> str:
        return original(*arguments).replace("</article>", "<p>New layout</p></article>")  # type: ignore[arg-type]

    for module in (certificate_files, certificate_pdf):  # pages and PDFs alike
        monkeypatch.setattr(module, "certificate_fragment", new_template)
    monkeypatch.setattr(certificate_files, "_RENDERING", ["a new rendering"])
    assert issued_files(repo, from_scratch=False) == before  # issued PDFs are made once
    page = holder_details(repo / "build" / "site", "IC-2026-0001")["html"]
    assert "New layout" in page  # a page is a view, and follows the templates
    remade = issued_files(repo)  # with no cache at all, a PDF would show the new template
    assert "New layout" in pdf_text(holder_pdf(repo / "build" / "site", "IC-2026-0001"))
    assert remade != before


def test_changing_or_deleting_a_kept_record_is_refused(repo: Path) -> None:
    kept = repo / "records" / "2026" / "IC-2026-0001.json"
    edit(kept, '"net_weight_kg":18000', '"net_weight_kg":19000')
    (repo / "records" / "2026" / "EC-2026-0005.json").unlink()
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H905") == [
        "records/2026/EC-2026-0005.json:1:1:",
        "records/2026/IC-2026-0001.json:1:1:",
    ]


def issue_by_hand(repo: Path, reviewer: str = "asmith") -> Path:
    path = request(repo, "IC-2026-0003")
    edit(path, "status: requested", "status: issued")
    path.write_text(
        path.read_text()
        + f"issuance:\n  reviewer: {reviewer}\n  issued_on: 2026-11-30\n"
        + "  official_number: 555-5550000104-000400\n"
    )
    return path


def test_an_issued_request_without_its_record_is_refused(repo: Path) -> None:
    issue_by_hand(repo)
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "R123") == ["requests/2026/IC-2026-0003.yaml:8:9:"]
    assert run(["freeze", "requests/2026/IC-2026-0003.yaml"], repo)[0] == 0
    code, lines, _ = check_base(repo)
    assert code == 0, lines
    code, _, err = run(["freeze", "requests/2026/IC-2026-0003.yaml"], repo)
    assert code == 1 and "never replaced" in err


def test_a_record_written_by_hand_is_refused(repo: Path) -> None:
    issue_by_hand(repo)
    forged = repo / "records" / "2026" / "IC-2026-0003.json"
    shutil.copy(repo / "records" / "2026" / "IC-2026-0001.json", forged)
    code, lines, _ = check_base(repo)
    assert code == 1
    assert located(lines, "H906") == ["records/2026/IC-2026-0003.json:1:1:"]


def test_a_request_the_branch_issues_is_judged_by_every_rule(repo: Path) -> None:
    """Even with a record in place, a branch that issues a request has it judged by every
    rule against today's data: here the preparer issues it (four eyes, R111)."""
    issue_by_hand(repo, reviewer="mlopez")
    shutil.copy(
        repo / "records" / "2026" / "IC-2026-0001.json",
        repo / "records" / "2026" / "IC-2026-0003.json",
    )
    code, lines, _ = check_base(repo)
    assert code == 1
    assert "R111" in {line.split(" ")[1] for line in lines if line.startswith("requests/")}
    assert located(lines, "H906") == ["records/2026/IC-2026-0003.json:1:1:"]


def test_cancelling_keeps_the_record_and_its_digest(repo: Path) -> None:
    before = issued_files(repo)
    code, _, err = run(
        [
            "cancel",
            "requests/2026/IC-2026-0001.yaml",
            "--by",
            "jchen",
            "--reason",
            "other",
            "--note",
            "Withdrawn by the client.",
        ],
        repo,
    )
    assert code == 0, err
    code, lines, _ = check_base(repo)
    assert code == 0, lines
    after = issued_files(repo)
    assert after == before  # the record, its digest and its PDF, as issued
    site = repo / "build" / "site"
    page = (site / "certificates" / "IC-2026-0001.html").read_text()
    assert 'data-status="cancelled"' in page
    assert 'data-status="cancelled"' in holder_details(site, "IC-2026-0001")["html"]
    public = json.loads((site / "certificates" / "IC-2026-0001.json").read_bytes())
    assert public["status"] == "cancelled"  # the status today is public


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("copied", "holds the record of 'IC-2026-0002', not of IC-2026-0001"),
        ("linked", "is not a regular file"),
        ("reformatted", "is not in canonical form"),
    ],
)
def test_a_damaged_record_is_a_located_finding(repo: Path, damage: str, words: str) -> None:
    kept = repo / "records" / "2026" / "IC-2026-0001.json"
    other = repo / "records" / "2026" / "IC-2026-0002.json"
    if damage == "copied":
        shutil.copy(other, kept)
    elif damage == "linked":
        kept.unlink()
        kept.symlink_to(other)
    else:
        kept.write_text(json.dumps(json.loads(kept.read_bytes()), indent=2))
    code, out, _ = run(["check"], repo)
    assert code == 1
    [line] = [line for line in out.splitlines() if " R124 " in line]
    assert line.startswith("requests/2026/IC-2026-0001.yaml:8:9: R124 ") and words in line
    code, _, err = run(["build", "--no-pdf"], repo)
    assert code == 1 and "nothing was published" in err


def test_the_check_cache_sees_a_change_to_a_record_alone(repo: Path) -> None:
    """A warm cache never stands for a record that changed, moved or went: the build
    refuses as the check does."""
    assert run(["build", "--no-pdf"], repo)[0] == 0
    (repo / "records" / "2026" / "IC-2026-0004.json").unlink()
    code, out, _ = run(["check"], repo)
    assert code == 1 and " R123 " in out
    code, out, err = run(["build", "--no-pdf"], repo)
    assert code == 1 and "R123" in out and "nothing was published" in err


def test_a_record_rewritten_with_its_old_size_and_time_is_seen(repo: Path) -> None:
    """The cache keys a record on its change time too, which cannot be set back."""
    assert run(["build", "--no-pdf"], repo)[0] == 0
    kept = repo / "records" / "2026" / "IC-2026-0002.json"
    before = kept.stat()
    changed = kept.read_bytes().replace(b'"net_weight_kg":240000', b'"net_weight_kg":340000')
    assert len(changed) == before.st_size
    kept.write_bytes(changed)
    os.utime(kept, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert run(["build", "--no-pdf"], repo)[0] == 0
    site = repo / "build" / "site"
    published = holder_details(site, "IC-2026-0002")["record"].encode()
    assert published == changed  # what the tree holds (check --base says H905)
    public = json.loads((site / "certificates" / "IC-2026-0002.json").read_bytes())
    assert public["sha256"] == hashlib.sha256(changed).hexdigest()
