"""certgen intake on recorded issue-form bodies (valid, broken and hostile ones) and on request
files from the site's request page."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.check.report import markdown_text
from generator.errors import UsageError
from generator.record.public import strip_confidential
from generator.workflow.intake import (
    ATTESTATION_BOXES,
    CHOICES,
    FOR_THE_DESK,
    LABELS,
    ORGANIC_DOCUMENTS_BOX,
    carried_over,
    requester,
)
from generator.workflow.intake_notes import issue_text
from tests.helpers import ROOT, check_json, make_project, run

BODIES = ROOT / "tests" / "intake"
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"
SCHEMA = json.loads((ROOT / "schemas" / "request.schema.json").read_text("utf-8"))
DESK_EMAIL = yaml.safe_load((ROOT / "data" / "certifier.yaml").read_text())["contact"]["email"]


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
    assert data["prepared_by"] == "github:someoperator"  # an outside requester, never staff
    assert data["status"] == "requested"
    assert data["attestations"]["no_prohibited_fumigation"] is True
    # passes but for the document references, which the desk fills in from the documents
    _, report = check_json([str(created.relative_to(project))], project)
    # the recorded forms depart in 2099, so that they never go stale: T413 asks if the year
    # is right, a warning only
    found = [f for f in report["findings"] if f["code"] != "T413"]
    references = [f for f in found if f["pointer"].endswith("/reference")]
    assert found == references and references
    assert {f["pointer"] for f in references} == {
        f"/documents/{i}/reference" for i in range(len(data["documents"]))
    }


@pytest.mark.parametrize(("name", "kind"), [("import-valid", "import"), ("export-valid", "export")])
def test_intake_asks_for_and_invents_no_confidential_value(
    project: Path, tmp_path: Path, name: str, kind: str
) -> None:
    code, out, _, comment = intake(project, (BODIES / f"{name}.md").read_text(), kind, tmp_path)
    assert code == 0, out
    *desk_lines, path = out.strip().splitlines()
    data = yaml.safe_load((project / path).read_text("utf-8"))
    assert _confidential_values(data) == [None] * len(data["documents"])
    assert [d["type"] for d in data["documents"]][:3] == [
        "commercial_invoice",
        "packing_list",
        "bill_of_lading",
    ]
    # each reference left empty is a located finding for the desk, which holds nothing up
    assert len(desk_lines) == len(data["documents"])
    for line in desk_lines:
        assert re.match(rf"^{re.escape(path)}:\d+:\d+: S\d{{3}} {FOR_THE_DESK}$", line), line
    assert "Send privately" in comment and DESK_EMAIL in comment and "Commercial invoice" in comment


def _confidential_values(data: Any) -> list[Any]:
    """The values of ``data`` that the schema marks x-confidential."""
    public = strip_confidential(data, SCHEMA, SCHEMA)

    def removed(full: Any, kept: Any) -> list[Any]:
        if isinstance(full, dict):
            gone = [value for key, value in full.items() if key not in kept]
            return gone + [x for k, v in full.items() if k in kept for x in removed(v, kept[k])]
        if isinstance(full, list):
            return [x for f, k in zip(full, kept, strict=True) for x in removed(f, k)]
        return []

    return removed(data, public)


def test_issue_authors_are_recorded_apart_from_staff_handles() -> None:
    assert requester("asmith") == "github:asmith"  # a staff handle's twin is not staff
    assert requester("github:octo-buyer") == "github:octo-buyer"
    for login in ("", "-a", "a--b", "a" * 40, "dependabot[bot]", "x\ny", "github:github:a"):
        with pytest.raises(UsageError):
            requester(login)


def test_a_request_that_differs_only_in_when_it_came_in_is_kept_as_written() -> None:
    old = "id: IC-2026-0008\nrequested_at: '2026-12-01T10:00:00-08:00'\nlots: [A]\n"
    later = old.replace("10:00:00", "11:30:00")
    assert carried_over(old, later) is old
    assert carried_over(old, later.replace("[A]", "[B]")) == later.replace("[A]", "[B]")
    assert carried_over(None, later) == later


def test_document_numbers_typed_into_the_issue_are_refused_not_copied(
    project: Path, tmp_path: Path
) -> None:
    body = (BODIES / "import-valid.md").read_text()
    body = body.replace(
        "- [X] Commercial invoice", "- [X] Commercial invoice\ncommercial_invoice: INV-5001"
    )
    code, out, _, comment = intake(project, body, "import", tmp_path)
    assert code == 1
    assert "**Supporting documents**: write no document numbers" in comment
    assert DESK_EMAIL in comment
    assert "INV-5001" not in out + comment
    assert not list((project / "requests").rglob("IC-*-0008.yaml"))


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
    assert "**Supporting documents**: write no document numbers" in comment
    assert "<script>" not in comment and "&lt;script&gt;" in comment
    assert not re.search(r"(?<!\\)\]\(javascript:", comment)  # the link is text, not a link
    assert not list((project / "requests").rglob("IC-*-0008.yaml"))


@pytest.mark.parametrize(
    "answer",
    [
        "see https://evil.example/x",
        "HTTP://y.example and ftp://f.example",
        "www.evil.example WWW.z.example",
        "#12 owner/repo#3 GH#4",
        "[a](https://e.example) <https://x.example>",
        "mailto:a@b.example @team",
    ],
)
def test_the_comment_repeats_no_link_of_the_requester(
    project: Path, tmp_path: Path, answer: str
) -> None:
    body = (BODIES / "import-valid.md").read_text("utf-8")
    field = r"(### Exporter OID operation ID\n\n)[^\n]*"
    code, _, _, comment = intake(
        project, re.sub(field, rf"\g<1>{answer}", body), "import", tmp_path
    )
    assert code == 1 and "**Exporter OID operation ID**: operation “" in comment
    live = comment.split("**Send privately**")[0].replace("\u2060", " ")  # the desk's address
    shown = html.unescape(live.replace(" ", "").replace("\\", ""))
    assert answer.replace(" ", "") in shown  # still shown, as written
    assert not re.search(r"://|www\.|#[0-9]|@\w|(?<!\\)[\[<]", live, re.IGNORECASE)


def test_issue_text_breaks_links_with_word_joiners() -> None:
    assert issue_text("a https://e.example #1") == "a https:\u2060//e.example \\#\u20601"


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
        if item["type"] == "checkboxes" and item["id"] == "attestations":
            boxes = {option["label"] for option in options}
            assert boxes <= set(ATTESTATION_BOXES) | {ORGANIC_DOCUMENTS_BOX}
        if item["type"] == "checkboxes" and item["id"] == "documents":
            assert {option["label"] for option in options} <= set(_document_titles())
    assert "certificate-request" in form["labels"]


def _document_titles() -> dict[str, str]:
    records = yaml.safe_load((ROOT / "data" / "records.yaml").read_text("utf-8"))
    return {kind["title"]: kind["id"] for kind in records["documents"]}


@pytest.mark.parametrize("name", ["import-request.yml", "export-request.yml"])
def test_the_issue_forms_ask_for_nothing_confidential_and_say_where_it_goes(name: str) -> None:
    form = yaml.safe_load((FORMS / name).read_text("utf-8"))
    text_answers = [
        item for item in form["body"] if item["type"] in ("input", "textarea", "dropdown")
    ]
    confidential = _confidential_names(SCHEMA)
    assert {"reference", "contact", "invoice_value", "notes"} <= confidential
    for item in text_answers:
        assert item["id"] not in confidential, item["id"]
    intro = form["body"][0]["attributes"]["value"]
    assert DESK_EMAIL in intro and "Send privately" in intro
    documents = next(item for item in form["body"] if item.get("id") == "documents")
    assert (
        documents["type"] == "checkboxes" and DESK_EMAIL in documents["attributes"]["description"]
    )


def _confidential_names(schema: Any) -> set[str]:
    """The names of every property the schema marks x-confidential."""
    names: set[str] = set()
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            sub = sub if isinstance(sub, dict) else {}
            target = SCHEMA["$defs"].get(sub.get("$ref", "").rsplit("/", 1)[-1], {})
            if sub.get("x-confidential") or target.get("x-confidential"):
                names.add(name)
        for value in schema.values():
            names |= _confidential_names(value)
    elif isinstance(schema, list):
        for value in schema:
            names |= _confidential_names(value)
    return names


# --- a request file from the site's "Request a certificate" page -----------------------------


def downloaded_request(tmp_path: Path, **changes: str) -> Path:
    """EC-2026-0005 as the request page gives it: a placeholder ID, requested, not issued."""
    text = (ROOT / "requests" / "2026" / "EC-2026-0005.yaml").read_text("utf-8")
    text = text[: text.index("issuance:")]
    text = text.replace("id: EC-2026-0005", "id: EC-2026-0000")
    text = text.replace("status: issued", "status: requested")
    for old, new in changes.items():
        text = text.replace(old, new)
    target = tmp_path / "request.yaml"
    target.write_text(text, "utf-8")
    return target


def test_a_downloaded_request_takes_the_next_id_and_keeps_the_clients_values(
    project: Path, tmp_path: Path
) -> None:
    source = downloaded_request(tmp_path)
    code, out, err = run(["intake", "--file", str(source), "--by", "mlopez"], project)
    assert code == 0, out + err
    created = project / out.strip().splitlines()[-1]
    assert created == project / "requests" / "2026" / "EC-2026-0013.yaml"
    data = yaml.safe_load(created.read_text("utf-8"))
    sent = yaml.safe_load(source.read_text("utf-8"))
    assert data["id"] == "EC-2026-0013" and data["prepared_by"] == "mlopez"
    assert data["requested_at"] == sent["requested_at"]  # the client's, kept
    assert {k: v for k, v in data.items() if k not in ("id", "prepared_by")} == {
        k: v for k, v in sent.items() if k not in ("id", "prepared_by")
    }
    assert created.read_text("utf-8").splitlines()[1] == "id: EC-2026-0013"
    assert run(["check", str(created.relative_to(project))], project)[0] == 0


def test_a_downloaded_request_without_a_time_gets_the_time_it_is_taken_in(
    project: Path, tmp_path: Path
) -> None:
    source = downloaded_request(
        tmp_path, **{"prepared_by: dokafor\n": "", "requested_at: 2026-06-22T10:00:00-07:00\n": ""}
    )
    code, out, _ = run(["intake", "--file", str(source), "--by", "mlopez"], project)
    created = project / out.strip().splitlines()[-1]
    lines = created.read_text("utf-8").splitlines()
    assert lines[3] == "prepared_by: mlopez" and lines[4].startswith("requested_at: ")
    received = yaml.safe_load(lines[4])["requested_at"]
    assert created.parent.name == str(received)[:4]  # filed under the year it came in
    assert code in (0, 1)  # the rules judge it as received today: findings are the desk's


def test_a_downloaded_request_with_findings_is_written_and_they_are_located(
    project: Path, tmp_path: Path
) -> None:
    source = downloaded_request(tmp_path, **{'tariff_code: "1104.12"': "tariff_code: 1104.12"})
    code, out, _ = run(["intake", "--file", str(source), "--by", "mlopez"], project)
    assert code == 1
    *findings, path = out.strip().splitlines()
    assert path == "requests/2026/EC-2026-0013.yaml"
    assert [line.split(" ")[:2] for line in findings] == [[f"{path}:24:18:", "S001"]]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- not\n- a request\n", ":1:1: Y005"),
        ("{certificate: 555-0001, status: issued}\n", ":1:1: S002"),
        ("kind: certificate\nstatus: requested\n", ":1:7: S004"),
        ("kind: export\nstatus: issued\n", ":2:9: S004"),
        ("kind: export\n  status: [\n", ": Y001"),
        ("\x00\x01binary", ": Y0"),
    ],
)
def test_a_file_that_is_not_a_new_request_is_refused_with_a_located_finding(
    project: Path, tmp_path: Path, text: str, where: str
) -> None:
    source = tmp_path / "request.yaml"
    source.write_text(text, "utf-8")
    code, out, err = run(["intake", "--file", str(source), "--by", "mlopez"], project)
    assert code == 1 and "Traceback" not in err and "refused" in err
    assert out.startswith(str(source)) and where in out.splitlines()[0]
    assert not list((project / "requests").rglob("EC-2026-0013.yaml"))


def test_intake_takes_an_issue_body_or_a_file(project: Path, tmp_path: Path) -> None:
    source = downloaded_request(tmp_path)
    assert run(["intake", "--by", "mlopez"], project)[0] == 2
    assert run(["intake", str(source), "--file", str(source), "--by", "x"], project)[0] == 2
    assert run(["intake", str(source), "--by", "x"], project)[0] == 2  # an issue body needs --kind
    assert run(["intake", "--file", str(tmp_path / "gone.yaml"), "--by", "x"], project)[0] == 2
