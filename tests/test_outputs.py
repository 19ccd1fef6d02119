"""What commands read and write besides the check itself (issue 11's attack review, S7 and
nit 5): ``show``, ``intake --file`` and an issue body never follow a link nor open a FIFO or a
device; the output flags never write through a link nor over what the repository keeps. Real
files, links and FIFOs, the real CLI (in its own process where a FIFO could make it wait)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, make_project, run

REQUEST = "requests/2026/IC-2026-0003.yaml"
BODY = ROOT / "tests" / "intake" / "import-valid.md"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo", with_requests=True, with_site=True)


def certgen(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process: one that waited on a FIFO would time out."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=False,
    )


def outside_year(project: Path, tmp_path: Path) -> Path:
    """requests/2027 linked to a folder outside the repository holding a request."""
    folder = tmp_path / "outside" / "2027"
    folder.mkdir(parents=True)
    text = (project / REQUEST).read_text("utf-8").replace("IC-2026-0003", "IC-2027-0001")
    (folder / "IC-2027-0001.yaml").write_text(text, "utf-8")
    (project / "requests" / "2027").symlink_to(folder)
    return folder / "IC-2027-0001.yaml"


# --- reading: show, intake --file, the issue body ---------------------------------------------


def test_show_does_not_read_through_a_linked_year_folder(project: Path, tmp_path: Path) -> None:
    outside_year(project, tmp_path)
    for form in ([], ["--format", "json"]):
        code, out, err = run(["show", *form, "requests/2027/IC-2027-0001.yaml"], project)
        assert code == 1, err
        assert "requests/2027" in out and "Y014" in out and "symbolic link" in out
        assert "IC-2027-0001" not in out and "exporter" not in out


def test_show_names_a_fifo_as_check_does(project: Path) -> None:
    os.mkfifo(project / "requests" / "2026" / "IC-2026-0099.yaml")
    shown = certgen(project, "show", "requests/2026/IC-2026-0099.yaml")
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout.startswith("requests/2026/IC-2026-0099.yaml:1:1: Y014 a FIFO")
    assert "no such file" not in shown.stdout + shown.stderr
    checked = certgen(project, "check", "requests/2026/IC-2026-0099.yaml")
    assert checked.stdout.splitlines()[0] == shown.stdout.splitlines()[0]


def test_show_still_shows_a_request_and_refuses_a_folder(project: Path) -> None:
    code, out, _ = run(["show", REQUEST], project)
    assert code == 0 and out.startswith(REQUEST + "\n  request        IC-2026-0003")
    assert run(["show", "requests/2026"], project)[0] == 2
    assert run(["show", "requests/2026/IC-2026-0999.yaml"], project)[0] == 2


@pytest.mark.parametrize("form", [["--file"], ["--kind", "import"]])
def test_intake_refuses_a_fifo_a_link_and_a_device_unread(
    project: Path, tmp_path: Path, form: list[str]
) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "link.yaml"
    link.symlink_to(BODY if "--kind" in form else project / REQUEST)
    before = sorted((project / "requests").rglob("*"))
    for given, kind in [(fifo, "a FIFO (named pipe)"), (link, "a symbolic link")]:
        taken = certgen(project, "intake", *form, str(given), "--by", "mlopez", "--write")
        assert taken.returncode == 2, taken.stderr
        assert f"certgen: {given}: {kind} is refused here" in taken.stderr
    device = certgen(project, "intake", *form, "/dev/zero", "--by", "mlopez")
    assert device.returncode == 2 and "/dev/zero: a device is refused here" in device.stderr
    assert sorted((project / "requests").rglob("*")) == before


def test_intake_still_reads_a_regular_file_and_stdin(project: Path, tmp_path: Path) -> None:
    body = BODY.read_text("utf-8")
    taken = subprocess.run(
        [sys.executable, "-m", "generator", "intake", "-", "--kind", "import", "--by", "x"],
        cwd=project,
        input=body,
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert taken.returncode == 0, taken.stdout + taken.stderr
    (tmp_path / "issue.md").write_text(body, "utf-8")
    code, out, err = run(
        ["intake", str(tmp_path / "issue.md"), "--kind", "import", "--by", "x"], project
    )
    assert code == 0, out + err


# --- writing: the output flags ----------------------------------------------------------------


def output_runs(project: Path, tmp_path: Path) -> dict[str, list[str]]:
    """Each output flag with the command around it, the path to write left last."""
    (tmp_path / "summary.json").write_text("{}", "utf-8")
    (tmp_path / "issue.md").write_text(BODY.read_text("utf-8"), "utf-8")
    intake = ["intake", str(tmp_path / "issue.md"), "--kind", "import", "--by", "x"]
    return {
        "check --summary-file": ["check", REQUEST, "--summary-file"],
        "check --summary-json": ["check", REQUEST, "--summary-json"],
        "comment --output": ["comment", str(tmp_path / "summary.json"), "--output"],
        "intake --comment": [*intake, "--comment"],
    }


FLAGS = ["check --summary-file", "check --summary-json", "comment --output", "intake --comment"]
KEPT = [
    REQUEST,
    "records/2026/EC-2026-0001.json",
    "data/certifier.yaml",
    "schemas/request.schema.json",
    "site/index.md",
    "requests/2026/IC-2026-0100.yaml",  # a new file in a kept folder
    "requests/2026/../2026/new.md",
]


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("target", KEPT)
def test_an_output_flag_never_writes_over_what_the_repository_keeps(
    project: Path, tmp_path: Path, flag: str, target: str
) -> None:
    before = {path: path.read_bytes() for path in project.rglob("*") if path.is_file()}
    code, out, err = run([*output_runs(project, tmp_path)[flag], target], project)
    assert code == 2, out + err
    assert f"{flag.split()[1]} {target}: inside " in err and "which the repository keeps" in err
    assert {path: path.read_bytes() for path in project.rglob("*") if path.is_file()} == before


@pytest.mark.parametrize("flag", FLAGS)
def test_an_output_flag_never_writes_through_a_link(
    project: Path, tmp_path: Path, flag: str
) -> None:
    request = project / REQUEST
    before = request.read_bytes()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "out.md").symlink_to(request)  # a link to a request
    (project / "requests" / "sumlink").symlink_to(tmp_path / "gone.md")  # a dangling link
    (project / "reports").symlink_to(elsewhere)  # a folder link in the repository
    (tmp_path / "into-repo").symlink_to(project / "build", target_is_directory=True)
    (project / "build").mkdir()
    os.mkfifo(project / "pipe.md")
    for target, words in [
        ("out.md", "out.md: a symbolic link; certgen writes an output only"),
        ("requests/sumlink", "requests/sumlink: a symbolic link;"),
        ("reports/new.md", "reports/new.md: its folder "),
        (str(tmp_path / "into-repo" / "new.md"), "new.md: its folder "),
        ("reports/../summary.md", "reports/../summary.md: its folder "),
        ("pipe.md", "pipe.md: not a regular file;"),
        ("build", "build: a folder;"),
    ]:
        code, out, err = run([*output_runs(project, tmp_path)[flag], target], project)
        assert code == 2 and words in err, (target, out + err)
    assert request.read_bytes() == before
    assert not (tmp_path / "gone.md").exists() and list(elsewhere.iterdir()) == []
    assert list((project / "build").iterdir()) == []


@pytest.mark.parametrize("flag", FLAGS)
def test_an_output_flag_writes_a_new_or_regular_file(
    project: Path, tmp_path: Path, flag: str
) -> None:
    outside = tmp_path / "outside.md"
    for target in ["build/new.md", "summary.md", str(outside)]:
        (project / "build").mkdir(exist_ok=True)
        code, out, err = run([*output_runs(project, tmp_path)[flag], target], project)
        assert code in (0, 1) and "certgen:" not in err, (target, out + err)
        assert (project / target).stat().st_size > 0
    outside.write_text("old", "utf-8")
    run([*output_runs(project, tmp_path)[flag], str(outside)], project)
    assert outside.read_text("utf-8") != "old"


def test_a_hard_link_to_a_request_is_replaced_not_written_through(
    project: Path, tmp_path: Path
) -> None:
    request = project / REQUEST
    before = request.read_bytes()
    os.link(request, project / "summary.md")
    code, _, err = run(["check", REQUEST, "--summary-file", "summary.md"], project)
    assert code == 0, err
    assert request.read_bytes() == before
    assert (project / "summary.md").read_bytes() != before


def test_into_takes_only_a_request_file_of_the_register(project: Path, tmp_path: Path) -> None:
    (tmp_path / "issue.md").write_text(BODY.read_text("utf-8"), "utf-8")
    intake = ["intake", str(tmp_path / "issue.md"), "--kind", "import", "--by", "x"]
    copy = project / "IC-2026-0003.yaml"
    copy.write_bytes((project / REQUEST).read_bytes())
    (project / "requests" / "2026" / "IC-2026-0100.yaml").symlink_to(copy)
    outside = outside_year(project, tmp_path)
    kept = outside.read_bytes()
    for into, words in [
        ("IC-2026-0003.yaml", "not a request file"),
        ("data/IC-2026-0003.yaml", "not a request file"),
        (str(copy), "not a request file"),
        ("requests/2026/IC-2026-0100.yaml", "a symbolic link"),
        ("requests/2027/IC-2027-0001.yaml", "is a symbolic link"),
    ]:
        (project / "data" / "IC-2026-0003.yaml").write_bytes(copy.read_bytes())
        code, out, err = run([*intake, "--into", into], project)
        assert code == 2 and words in err, (into, out + err)
    assert outside.read_bytes() == kept and copy.read_bytes() == (project / REQUEST).read_bytes()
