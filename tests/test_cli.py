"""The certgen command line: output formats, exit codes, GitHub annotations and summary."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.check.rules import RULES
from generator.project import Project
from tests.helpers import ROOT, make_project, run

BROKEN = {
    "IC-2026-0003.yaml": ('operation_id: "5550000104"', "operation_id: 5550000104"),
    "EC-2026-0005.yaml": ("document_type: tm11", "document_type: transaction_certificate"),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo", with_requests=True)


def break_examples(project: Path) -> None:
    """Break two examples; an issued one loses its frozen record, as when a branch issues it,
    so that every rule judges it."""
    for name, (old, new) in BROKEN.items():
        path = project / "requests" / "2026" / name
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        Project(project).frozen_record(name.removesuffix(".yaml")).unlink(missing_ok=True)


def test_clean_check(project: Path) -> None:
    code, out, err = run(["check"], project)
    assert (code, err) == (0, "")
    assert out == "checked 20 files: no problems\n"


def test_text_lines_name_file_line_and_column_with_paths_as_given(project: Path) -> None:
    break_examples(project)
    code, out, _ = run(["check", "./requests"], project)
    assert code == 1
    assert out.splitlines() == [
        "./requests/2026/EC-2026-0005.yaml:8:16: D501 Japan requires a TM-11 export certificate "
        "(document_type: tm11), not transaction_certificate",
        "./requests/2026/IC-2026-0003.yaml:10:17: S001 'operation_id' must be text, but YAML reads "
        '5550000104 as a whole number; put it in quotes: "5550000104"',
        "checked 20 files: 2 errors, 0 warnings",
    ]


def test_json_format(project: Path) -> None:
    break_examples(project)
    code, out, _ = run(["check", "--format", "json", "requests/2026/IC-2026-0003.yaml"], project)
    report = json.loads(out)
    assert code == 1
    assert report["summary"] == {"files": 1, "errors": 1, "warnings": 0}
    [finding] = report["findings"]
    assert set(finding) == {"path", "line", "column", "code", "severity", "message", "pointer"}
    assert finding["path"] == "requests/2026/IC-2026-0003.yaml"
    assert (finding["line"], finding["column"], finding["code"]) == (10, 17, "S001")
    assert finding["pointer"] == "/exporter/operation_id"
    assert finding["severity"] == "error"


def test_warnings_alone_exit_zero(project: Path) -> None:
    path = project / "requests" / "2026" / "IC-2026-0003.yaml"
    path.write_text(path.read_text().replace("2026-12-09", "2026-11-27"))
    code, out, _ = run(["check", "requests/2026/IC-2026-0003.yaml"], project)
    assert code == 0
    assert "T408 warning: " in out
    assert out.endswith("checked 1 file: 0 errors, 1 warning\n")


def test_one_file_is_checked_against_the_whole_register(project: Path) -> None:
    """IC-2026-0006 supersedes IC-2026-0004: checking it alone still sees the link back."""
    code, out, _ = run(["check", "requests/2026/IC-2026-0006.yaml"], project)
    assert (code, out) == (0, "checked 1 file: no problems\n")
    (project / "requests" / "2026" / "IC-2026-0004.yaml").unlink()
    code, out, _ = run(["check", "requests/2026/IC-2026-0006.yaml"], project)
    assert code == 1
    assert "R120 no request IC-2026-0004 exists" in out


def test_usage_errors_exit_2(project: Path) -> None:
    assert run(["check", "no/such/file.yaml"], project)[0] == 2
    assert run(["explain", "Z999"], project)[0] == 2
    assert run(["check"], project.parent)[0] == 2  # not inside a certgen repository
    with pytest.raises(SystemExit) as exit_info:
        run(["check", "--format", "xml"], project)
    assert exit_info.value.code == 2


@pytest.mark.parametrize("out", ["site", "requests/2026", ".", "..", "data"])
def test_build_refuses_to_write_into_what_it_reads(project: Path, out: str) -> None:
    before = sorted(p.name for p in (project / "site").rglob("*"))
    code, _, err = run(["build", "--no-pdf", "--out", out], project)
    assert code == 2
    assert "choose" in err and "build/site" in err
    assert sorted(p.name for p in (project / "site").rglob("*")) == before


def test_broken_setup_exits_3(project: Path) -> None:
    (project / "schemas" / "request.schema.json").write_text("{")
    code, _, err = run(["check"], project)
    assert code == 3
    assert "cannot continue" in err


def test_rule_crash_exits_3_naming_the_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(context: object) -> None:
        raise KeyError("boom")

    monkeypatch.setitem(RULES, "P201", dataclasses.replace(RULES["P201"], func=crash))
    code, _, err = run(["check", "requests/2026/IC-2026-0005.yaml"], project)
    assert code == 3
    assert "IC-2026-0005.yaml" in err
    assert "Traceback" not in err


def test_data_findings_are_reported_and_block_rules(project: Path) -> None:
    path = project / "data" / "operations.yaml"
    path.write_text(path.read_text().replace('- operation_id: "5550000102"', "- operation_id: 555"))
    code, out, _ = run(["check"], project)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("data/operations.yaml:")
    assert " S00" in lines[0]
    assert lines[-1] == "checked 20 files: 1 error, 0 warnings"


def test_github_annotations_and_summary(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(12):  # 12 errors: only 10 become annotations
        target = project / "requests" / "2026" / f"IC-2026-01{index:02d}.yaml"
        shutil.copy(project / "requests" / "2026" / "IC-2026-0003.yaml", target)
        text = target.read_text().replace("IC-2026-0003", f"IC-2026-01{index:02d}")
        hostile = 'name: "<script>alert(1)</script> | x\\n::error::forged"'
        target.write_text(text.replace("name: Great Lakes Natural Foods Inc.", hostile))
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(["check"], project)
    assert code == 1
    annotations = [line for line in out.splitlines() if line.startswith("::")]
    assert len([a for a in annotations if a.startswith("::error ")]) == 10
    assert annotations[-1] == "::notice::2 more findings are listed in the job summary"
    first = annotations[0]
    assert first.startswith(
        "::error file=requests/2026/IC-2026-0100.yaml,line=14,col=9,title=P206::"
    )
    assert not any(line.startswith("::error::forged") for line in out.splitlines())
    table = summary.read_text()
    assert table.count("| P206 |") == 12
    assert "<script>" not in table and "&lt;script&gt;" in table
    assert "\\| x" in table


def test_rules_lists_every_code(project: Path) -> None:
    code, out, _ = run(["rules"], project)
    assert code == 0
    for rule_code in ("Y001", "S002", "P203", "R103", "A701"):
        assert f"  {rule_code}  " in out


def test_explain_prints_the_documentation(project: Path) -> None:
    code, out, _ = run(["explain", "p203"], project)
    assert code == 0
    assert out.startswith("P203 exporter_certified_throughout (error, request rules)")
    assert "Fix:" in out


def test_show_prints_derived_facts(project: Path) -> None:
    code, out, _ = run(["show", "requests/2026/EC-2026-0005.yaml"], project)
    assert code == 0
    assert "TM-11 export certificate, issued in the certifier's own form" in out
    assert "due            2026-06-29 (Mon)" in out
    assert "USD 75.00" in out
    code, out, _ = run(["show", "--format", "json", "requests/2026/EC-2026-0001.yaml"], project)
    facts = json.loads(out)["facts"]
    assert (facts["document_type"], facts["market"], facts["due"]) == (
        "traces_coi",
        "EU",
        "2026-02-09",
    )
    assert facts["fee"]["total"] == "90"


def test_show_reports_findings_of_a_broken_request(project: Path) -> None:
    break_examples(project)
    code, out, _ = run(["show", "requests/2026/IC-2026-0003.yaml"], project)
    assert code == 1
    assert "IC-2026-0003.yaml:10:17: S001" in out


def test_console_script_runs_from_a_fresh_process() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "check"], cwd=ROOT, capture_output=True, text=True
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.startswith("checked ")


def test_json_stays_parseable_inside_github_actions(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_examples(project)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = run(["check", "--format", "json"], project)
    assert code == 1
    assert json.loads(out)["summary"]["errors"] == 2
    assert "| D501 |" in summary.read_text()


def test_every_option_and_argument_has_help_text() -> None:
    """``certgen <command> --help`` explains every option and argument."""
    import argparse

    from generator.cli import _parser

    missing = []
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, command in action.choices.items():
                missing += [
                    f"{name} {'/'.join(a.option_strings) or a.dest}"
                    for a in command._actions
                    if a.help is None and a.dest != "help"
                ]
    assert missing == []


def test_format_github_prints_annotations_outside_actions(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", with_requests=True)
    path = project / "requests" / "2026" / "IC-2026-0003.yaml"
    path.write_text(path.read_text().replace("service_level: standard", "service_level: fast"))
    code, out, _ = run(["check", "--format", "github", "requests/2026/IC-2026-0003.yaml"], project)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(
        "::error file=requests/2026/IC-2026-0003.yaml,line=7,col=16,title=R106::service level"
    )
    assert lines[-1] == "checked 1 file: 1 error, 0 warnings"
