"""certgen intake on recorded issue-form bodies: valid, broken and hostile ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from generator.check.report import markdown_text
from generator.workflow.intake import ATTESTATION_BOXES, CHOICES, LABELS, ORGANIC_DOCUMENTS_BOX
from tests.helpers import ROOT, make_project, run

BODIES = ROOT / "tests" / "intake"
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo", with_requests=True)


def intake(project: Path, body: str, kind: str, tmp_path: Path) -> tuple[int, str, str, str]:
    source = tmp_path / "issue.md"
    source.write_text(body, "utf-8")
    comment = tmp_path / "comment.md"
    code, out, err = run(
        [
            "intake",
            str(source),
            "--kind",
            kind,
            "--by",
            "someoperator",
            "--comment",
            str(comment),
            "--write",
        ],
        project,
    )
    return code, out, err, comment.read_text("utf-8") if comment.exists() else ""


@pytest.mark.parametrize(("name", "kind"), [("import-valid", "import"), ("export-valid", "export")])
def test_a_complete_form_becomes_a_request_that_passes(
    project: Path, tmp_path: Path, name: str, kind: str
) -> None:
    body = (BODIES / f"{name}.md").read_text("utf-8")
    code, out, _, comment = intake(project, body, kind, tmp_path)
    assert code == 0, out
    created = project / out.strip().splitlines()[-1]
    assert created.is_file()
    assert "is complete" in comment and created.name in comment
    data = yaml.safe_load(created.read_text("utf-8"))
    assert data["prepared_by"] == "someoperator"
    assert data["status"] == "requested"
    assert data["attestations"]["no_prohibited_fumigation"] is True
    assert run(["check", str(created.relative_to(project))], project)[0] == 0


def test_export_form_fills_the_document_and_statements_from_the_destination(
    project: Path, tmp_path: Path
) -> None:
    code, out, _, _ = intake(project, (BODIES / "export-valid.md").read_text(), "export", tmp_path)
    assert code == 0, out
    data = yaml.safe_load((project / out.strip().splitlines()[-1]).read_text())
    assert data["document_type"] == "tm11"
    assert data["statements"] == ["us_japan_arrangement"]
    assert data["importer"]["address"] == "2-5-1 Kaigan, Minato-ku, Tokyo 105-0022"


def test_a_broken_form_gets_a_comment_naming_the_fields(project: Path, tmp_path: Path) -> None:
    body = (BODIES / "import-valid.md").read_text()
    body = body.replace("0804.40.0010", "0804.40").replace(
        "- [X] The product was not irradiated", "- [ ] The product was not irradiated"
    )
    code, _, _, comment = intake(project, body, "import", tmp_path)
    assert code == 1
    assert "**Tariff code**: HTS code 0804.40 has 6 digits" in comment
    assert '**Attestations**: "No irradiation" is answered false' in comment
    assert not list((project / "requests").rglob("IC-*-0008.yaml"))  # nothing written


def test_a_missing_answer_is_named_before_any_rule_runs(project: Path, tmp_path: Path) -> None:
    body = (BODIES / "import-valid.md").read_text().replace("Los Angeles", "_No response_")
    code, _, _, comment = intake(project, body, "import", tmp_path)
    assert code == 1
    assert "**Destination city**: this field is required" in comment


def test_the_recorded_broken_body(project: Path, tmp_path: Path) -> None:
    code, _, _, comment = intake(
        project, (BODIES / "import-broken.md").read_text(), "import", tmp_path
    )
    assert code == 1
    assert "**Destination city**" in comment


def test_hostile_input_is_data_and_the_comment_escapes_it(project: Path, tmp_path: Path) -> None:
    code, _, _, comment = intake(
        project, (BODIES / "import-hostile.md").read_text(), "import", tmp_path
    )
    assert code == 1
    assert "**Importer OID operation ID**: appears twice" in comment
    assert "<script>" not in comment and "&lt;script&gt;" in comment
    assert not re.search(r"(?<!\\)\]\(javascript:", comment)  # the link is text, not a link
    assert not list((project / "requests").rglob("IC-*-0008.yaml"))


def test_quoted_answers_cannot_mention_or_format() -> None:
    quoted = markdown_text("ping @certifier/reviewers <b>now</b> [x](https://e.example) `a`")
    assert "@certifier" not in quoted and "@\u2060certifier" in quoted
    assert "<b>" not in quoted and not re.search(r"(?<!\\)[\[\]`]", quoted)


def test_oversized_input_is_refused(project: Path, tmp_path: Path) -> None:
    body = (BODIES / "import-valid.md").read_text() + "\n" + "x" * 70_000
    code, _, _, comment = intake(project, body, "import", tmp_path)
    assert code == 1
    assert "larger than 64 KiB" in comment


def test_an_empty_or_foreign_body_is_refused(project: Path, tmp_path: Path) -> None:
    code, _, _, comment = intake(project, "Please send me a certificate.", "import", tmp_path)
    assert code == 1
    assert "**Exporter OID operation ID**: this field is required" in comment


def _form_labels(name: str) -> list[str]:
    form = yaml.safe_load((FORMS / name).read_text("utf-8"))
    return [item["attributes"]["label"] for item in form["body"] if item["type"] != "markdown"]


@pytest.mark.parametrize("name", ["import-request.yml", "export-request.yml"])
def test_the_issue_forms_and_intake_agree(name: str) -> None:
    form = yaml.safe_load((FORMS / name).read_text("utf-8"))
    labels = _form_labels(name)
    assert set(labels) <= set(LABELS.values())
    for item in form["body"]:
        options = item.get("attributes", {}).get("options", [])
        if item["type"] == "dropdown" and item["id"] in ("mode", "category", "claim"):
            assert set(options) <= set(CHOICES)
        if item["type"] == "checkboxes":
            boxes = {option["label"] for option in options}
            assert boxes <= set(ATTESTATION_BOXES) | {ORGANIC_DOCUMENTS_BOX}
    assert "certificate-request" in form["labels"]
