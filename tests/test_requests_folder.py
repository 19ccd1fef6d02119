"""requests/ holds only requests (issue 11, part 4): links, FIFOs, sockets and devices are
refused unopened, everything outside ``<year>/<id>.yaml`` is reported, control characters are
refused however they are written, CSV cells cannot start a formula, and ``--out`` stays out of
what the build reads and of the caches. Real files, real git repositories, the real CLI."""

from __future__ import annotations

import csv
import io
import os
import socket
import stat
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from generator.check.load import load_bytes
from generator.project import Project
from generator.record.public import PublicCertificate, Summary
from generator.website.downloads import download_files
from generator.website.inputs import BuildRefused, site_inputs
from generator.website.register_view import RegisterView
from tests.helpers import ROOT, check_json, make_project, run, working_directory
from tests.test_review import git

REQUEST = "requests/2026/EC-2026-0001.yaml"
SECRET = "Exporter Kept Outside The Repository"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "repo", with_requests=True, with_site=True)


def certgen(
    project: Path, *arguments: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process: a check that waited on a FIFO would time out."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *arguments],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
        check=False,
    )


def located(project: Path, *arguments: str) -> list[str]:
    _, report = check_json(list(arguments), project)
    return [f"{f['path']}:{f['line']}:{f['column']} {f['code']}" for f in report["findings"]]


def outside_request(tmp_path: Path) -> Path:
    """A request that passes, kept outside the repository (what a link would publish)."""
    outside = tmp_path / "outside" / "EC-2026-0099.yaml"
    outside.parent.mkdir(parents=True, exist_ok=True)
    text = (ROOT / REQUEST).read_text().replace("EC-2026-0001", "EC-2026-0099")
    outside.write_text(text.replace("status: issued", "status: requested"))
    return outside


def outside_fifo(tmp_path: Path) -> Path:
    """A FIFO outside the repository: anything that opened it would wait for a writer."""
    fifo = tmp_path / "outside" / "pipe.yaml"
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    return fifo


def test_a_link_to_a_request_outside_the_repository_is_refused(
    project: Path, tmp_path: Path
) -> None:
    link = project / "requests" / "2026" / "EC-2026-0099.yaml"
    link.symlink_to(outside_request(tmp_path))
    findings = located(project)
    assert findings == ["requests/2026/EC-2026-0099.yaml:1:1 Y014"]
    assert located(project, "requests/2026/EC-2026-0099.yaml") == findings
    code, out, err = run(["build", "--no-pdf"], project)
    assert code == 1 and "Y014" in out and "nothing was published" in err
    assert not (project / "build" / "site").exists()


def test_a_link_to_a_fifo_is_never_opened(project: Path, tmp_path: Path) -> None:
    (project / "requests" / "2026" / "EC-2026-0099.yaml").symlink_to(outside_fifo(tmp_path))
    checked = certgen(project, "check", timeout=60)
    assert checked.returncode == 1, checked.stderr
    assert "requests/2026/EC-2026-0099.yaml:1:1: Y014 a symbolic link" in checked.stdout
    given = certgen(project, "check", "requests/2026/EC-2026-0099.yaml", timeout=60)
    assert "requests/2026/EC-2026-0099.yaml:1:1: Y014" in given.stdout


def test_a_fifo_in_requests_never_blocks(project: Path) -> None:
    year = project / "requests" / "2026"
    os.mkfifo(year / "EC-2026-0098.yaml")
    os.mkfifo(year / "queue")
    checked = certgen(project, "check", timeout=60)
    assert checked.returncode == 1
    lines = [line.split(" ", 2)[:2] for line in checked.stdout.splitlines() if " Y0" in line]
    assert lines == [
        ["requests/2026/EC-2026-0098.yaml:1:1:", "Y014"],
        ["requests/2026/queue:1:1:", "Y014"],
    ]
    assert "a FIFO (named pipe) is refused" in checked.stdout
    given = certgen(project, "check", "requests/2026/EC-2026-0098.yaml", timeout=60)
    assert given.returncode == 1 and "EC-2026-0098.yaml:1:1: Y014" in given.stdout
    shown = certgen(project, "show", "requests/2026/EC-2026-0098.yaml", timeout=60)
    assert shown.returncode in (1, 2) and "Traceback" not in shown.stderr
    built = certgen(project, "build", "--no-pdf", timeout=120)
    assert built.returncode == 1 and "Y014" in built.stdout
    assert not (project / "build" / "site").exists()


def test_a_socket_and_a_device_are_refused(project: Path) -> None:
    year = project / "requests" / "2026"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with working_directory(year), server:
        server.bind("EC-2026-0097.yaml")  # relative: socket paths are short
        try:
            os.mknod("EC-2026-0096.yaml", stat.S_IFCHR | 0o600, os.makedev(1, 3))
            device = ["requests/2026/EC-2026-0096.yaml:1:1 Y014"]
        except PermissionError:  # no CAP_MKNOD here: the socket alone
            device = []
        findings = located(project)
    assert findings == [*device, "requests/2026/EC-2026-0097.yaml:1:1 Y014"]


def test_linked_folders_are_refused_and_not_walked(project: Path, tmp_path: Path) -> None:
    outside = outside_request(tmp_path).parent
    (outside / "IC-2027-0001.yaml").write_bytes(b"")
    (project / "requests" / "2027").symlink_to(outside, target_is_directory=True)
    assert located(project) == ["requests/2027:1:1 Y014"]
    assert located(project, "requests/2027/IC-2027-0001.yaml") == ["requests/2027:1:1 Y014"]
    assert located(project, "requests/2027") == ["requests/2027:1:1 Y014"]
    with pytest.raises(BuildRefused) as refused:
        site_inputs(Project(project))  # what certgen serve's MkDocs plugin runs
    assert [f.code for f in refused.value.result.findings] == ["Y014"]


def test_a_linked_data_file_is_refused(project: Path, tmp_path: Path) -> None:
    trainings = project / "data" / "trainings.yaml"
    trainings.rename(tmp_path / "trainings.yaml")
    trainings.symlink_to(tmp_path / "trainings.yaml")
    assert "data/trainings.yaml:1:1 Y014" in located(project)


def test_a_linked_requests_folder_is_refused(project: Path, tmp_path: Path) -> None:
    moved = tmp_path / "elsewhere"
    (project / "requests").rename(moved)
    (project / "requests").symlink_to(moved, target_is_directory=True)
    assert located(project) == ["requests:1:1 Y014"]
    assert located(project, "requests/") == ["requests/:1:1 Y014"]  # as given
    assert located(project, REQUEST) == ["requests:1:1 Y014"]


def test_a_link_added_by_a_branch_is_refused_with_base(project: Path, tmp_path: Path) -> None:
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "the register")
    git(project, "switch", "-q", "-c", "pull-request")
    (project / "requests" / "2026" / "EC-2026-0099.yaml").symlink_to(outside_fifo(tmp_path))
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "a link")
    checked = certgen(project, "check", "--base", "main", timeout=60)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "requests/2026/EC-2026-0099.yaml:1:1: Y014" in checked.stdout


def test_names_outside_the_layout_are_reported(project: Path) -> None:
    requests = project / "requests"
    source = (project / REQUEST).read_text()
    (requests / "README.md").write_text("how to file a request\n")
    (requests / ".gitkeep").write_text("")
    (requests / "2026" / ".gitkeep").write_text("")
    (requests / ".DS_Store").write_bytes(b"\0")
    (requests / "drafts").mkdir()
    (requests / "drafts" / "EC-2026-0050.yaml").write_text(source)
    (requests / "2026" / "archive").mkdir()
    (requests / "2026" / "EC-2026-0051.yml").write_text(source)
    (requests / "2026" / "ec-2026-0052.yaml").write_text(source)
    (requests / "2026" / "EC-2025-0053.yaml").write_text(source)
    (requests / "2026" / "EC-2026-53.yaml").write_text(source)
    expected = [
        "requests/.DS_Store:1:1 Y016",
        "requests/2026/EC-2025-0053.yaml:1:1 Y016",
        "requests/2026/EC-2026-0051.yml:1:1 Y016",
        "requests/2026/EC-2026-53.yaml:1:1 Y016",
        "requests/2026/archive/:1:1 Y016",
        "requests/2026/ec-2026-0052.yaml:1:1 Y016",
        "requests/README.md:1:1 Y016",
        "requests/drafts/:1:1 Y016",
    ]
    assert located(project) == expected
    assert located(project, "requests/drafts/EC-2026-0050.yaml") == [
        "requests/drafts/EC-2026-0050.yaml:1:1 Y016"
    ]
    _, report = check_json(["requests/2026/EC-2026-0051.yml"], project)
    assert "name it EC-2026-0051.yaml" in report["findings"][0]["message"]
    assert "requests/<year>/<id>.yaml" in report["findings"][0]["message"]


QUOTED_ESCAPES = ["\\u0000", "\\x1b", "\\e", "\\x07", "\\r", "\\N", "\\x9b", "\\u202e", "\\x7f"]


@pytest.mark.parametrize("escape", QUOTED_ESCAPES)
def test_an_escaped_control_character_is_refused_in_a_value_and_a_key(escape: str) -> None:
    text = f'id: IC-2026-0001\nnotes: "a{escape}b"\n"key{escape}": 1\nok: "tab\\tand\\nline"\n'
    loaded = load_bytes(text.encode(), "x.yaml")
    assert loaded.document is None
    assert [(f.line, f.column, f.code) for f in loaded.findings] == [(2, 8, "Y015"), (3, 1, "Y015")]
    assert "key holds" in loaded.findings[1].message


def test_tab_and_newline_escapes_are_allowed() -> None:
    loaded = load_bytes(b'id: IC-2026-0001\nnotes: "tab\\there\\nnext \\\\u0000"\n', "x.yaml")
    assert loaded.document is not None
    assert loaded.document.data["notes"] == "tab\there\nnext \\u0000"


@pytest.mark.parametrize("raw", ["\x00", "\x1b", "\x07", "\x7f", "\x85"])
def test_raw_control_characters_are_refused_in_a_value_and_a_key(raw: str) -> None:
    for text in (f"id: IC-2026-0001\nnotes: a{raw}b\n", f"id: IC-2026-0001\nke{raw}y: 1\n"):
        loaded = load_bytes(text.encode(), "x.yaml")
        assert [(f.line, f.code) for f in loaded.findings] == [(2, "Y008")]


def test_an_escaped_nul_never_reaches_a_build(project: Path) -> None:
    path = project / "requests" / "2026" / "EC-2026-0002.yaml"
    lines = path.read_text().splitlines(keepends=True)
    at = lines.index("  name: Ulster Fresh Produce Ltd\n")
    lines[at] = '  name: "Ulster Fresh\\u0000 Produce Ltd"\n'
    path.write_text("".join(lines))
    assert located(project) == [f"requests/2026/EC-2026-0002.yaml:{at + 1}:9 Y015"]
    code, out, _ = run(["build", "--no-pdf"], project)
    assert code == 1 and "Y015" in out
    assert not (project / "build" / "site").exists()


def test_reference_data_refuses_escaped_control_characters(project: Path) -> None:
    certifier = project / "data" / "certifier.yaml"
    text = certifier.read_text()
    line = next(i for i, t in enumerate(text.splitlines()) if t.startswith("name:"))
    lines = text.splitlines(keepends=True)
    lines[line] = 'name: "Certifier\\x1b[2J"\n'
    certifier.write_text("".join(lines))
    assert f"data/certifier.yaml:{line + 1}:7 Y015" in located(project)


HOSTILE = [
    ' =HYPERLINK("http://evil.example","x")',
    "\t=1+1",
    "\r\n@SUM(A1)",
    "-2+3",
    "+cmd",
    "@x",
    "\u3000=1",
]


def test_csv_cells_never_start_a_formula() -> None:
    """The CSV writer fed records whose public names start a formula, after blanks or not."""
    summary = Summary("N-1", "T", "oc", "issued", "2026-01-02", "https://x/", products="fine")
    certificates = [
        PublicCertificate(
            id=f"IC-2026-{i:04d}",
            year=2026,
            canonical=b"{}",
            digest="0" * 64,
            summary=replace(summary, exporter=value, importer=value, net_weight_kg=-1.5),
            status_fields={},
        )
        for i, value in enumerate(HOSTILE, 1)
    ]
    planned, _ = download_files(
        RegisterView.of(certificates), "https://x/", date(2026, 1, 2), "Certifier"
    )
    content = planned["downloads/certificates.csv"].make()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert [row["exporter"] for row in rows] == ["'" + value for value in HOSTILE]
    assert [row["importer"] for row in rows] == ["'" + value for value in HOSTILE]
    assert {row["products"] for row in rows} == {"fine"}
    assert {row["net_weight_kg"] for row in rows} == {"-1.5"}  # a number is never quoted


def test_a_built_csv_neutralizes_a_hostile_exporter(project: Path) -> None:
    """Through a real build: an exporter name that starts with a blank and '=' (public by its
    consent) reaches the CSV quoted."""
    hostile = ' =HYPERLINK("http://evil.example","x")'
    operations = project / "data" / "operations.yaml"
    consent = (
        "    publication_consent:\n"
        "      fields: [exporter, destination, products]\n"
        "      given_on: 2025-11-03\n"
        '      kept_in: "client file 5550000203 (test)"\n'
        "    contact: {name: Dev Patel"
    )
    text = operations.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    operations.write_text(text.replace("    contact: {name: Dev Patel", consent))
    request = project / REQUEST
    request.write_text(
        request.read_text().replace("name: Golden State Almond Growers", f"name: '{hostile}'")
    )
    Project(project).frozen_record("EC-2026-0001").unlink()
    assert run(["freeze", REQUEST], project)[0] == 0
    code, out, err = run(["build", "--no-pdf"], project)
    assert code == 0, out + err
    content = (project / "build" / "site" / "downloads" / "certificates.csv").read_text("utf-8")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(content))}
    assert rows["EC-2026-0001"]["exporter"] == "'" + hostile
    for row in rows.values():
        for value in row.values():
            assert not value.lstrip().startswith(("=", "+", "-", "@")), row


REFUSED_OUTPUTS = [
    ".",
    "..",
    "requests",
    "requests/2026",
    "tests",
    "data",
    "site",
    "build",
    "build/cache",
    "build/cache/site",
    "build/../tests",
    "build/site/..",
]


@pytest.mark.parametrize("out", REFUSED_OUTPUTS)
def test_out_inside_the_repository_but_not_under_build_is_refused(project: Path, out: str) -> None:
    before = sorted(str(p.relative_to(project)) for p in project.rglob("*"))
    code, _, err = run(["build", "--no-pdf", "--out", out], project)
    assert code == 2, err
    assert "Traceback" not in err and "build/site" in err
    assert sorted(str(p.relative_to(project)) for p in project.rglob("*")) == before


def test_out_through_a_link_into_the_repository_is_refused(project: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(project / "requests", target_is_directory=True)
    code, _, err = run(["build", "--no-pdf", "--out", str(link / "2026")], project)
    assert code == 2 and "requests/2026/" in err
    (project / "build").mkdir()
    (project / "build" / "site").symlink_to(project / "data", target_is_directory=True)
    code, _, err = run(["build", "--no-pdf"], project)
    assert code == 2 and "(data/)" in err


def test_out_in_the_caches_is_refused(project: Path) -> None:
    caches = Project(project).caches
    for out in (caches, caches / "site", Project(project).cache_dir / "mkdocs"):
        code, _, err = run(["build", "--no-pdf", "--out", str(out)], project)
        assert code == 2 and "caches" in err, out


def test_out_under_build_is_accepted(project: Path) -> None:
    code, out, err = run(["build", "--no-pdf", "--out", "build/preview"], project)
    assert code == 0, out + err
    assert (project / "build" / "preview" / "downloads" / "certificates.csv").is_file()
