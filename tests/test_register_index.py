"""The register index (generator/check/register_index.py): a check of one file that takes the
register's other files from the index finds exactly what a check reading them all finds, on a
register with cross-request problems, and stays exact as files change, appear and go."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.check import listing, register_index
from generator.check.outcomes import CheckResult
from generator.check.pipeline import Checker, run_check
from generator.check.rules import Entry
from generator.findings import Finding
from generator.project import Project
from generator.workflow.lifecycle import Lifecycle
from tests.helpers import make_project, run, working_directory

CASES = Path(__file__).parent / "cases" / "invalid"


class CountingChecker(Checker):
    """A checker that counts the files it reads for their entries only (context files)."""

    read: int = 0

    def index_file(self, path: str, display: str) -> Entry | None:
        self.read += 1
        return super().index_file(path, display)


def _with_problems(root: Path) -> Path:
    """The example register, with cross-request problems added: a duplicate ID, broken
    amendment links from either side, two amendments of one certificate at once, a repeated
    official number, an amendment after departure that changes what left (T410)."""
    make_project(root, with_requests=True)
    year = root / "requests" / "2026"
    copy = (year / "EC-2026-0002.yaml").read_text("utf-8")
    (year / "EC-2026-0901.yaml").write_text(copy, "utf-8")  # R103 both sides (and R102)
    unknown = (CASES / "r120-supersedes-unknown.yaml").read_text("utf-8")
    (year / "IC-2026-0902.yaml").write_text(unknown.replace("IC-2026-0003", "IC-2026-0902"))
    for number in ("0904", "0905"):  # one amendment at a time (R120)
        text = unknown.replace("IC-2026-0003", f"IC-2026-{number}")
        (year / f"IC-2026-{number}.yaml").write_text(text.replace("IC-2026-0999", "IC-2026-0002"))
    repeated = CASES / "r122-duplicate-official-number" / "IC-2026-0008.yaml"
    (year / "IC-2026-0903.yaml").write_text(
        repeated.read_text("utf-8").replace("IC-2026-0008", "IC-2026-0903")
    )
    replaced = (CASES / "r121-superseded-by-unknown.yaml").read_text("utf-8")
    replaced = replaced.replace("IC-2026-0001", "IC-2026-0906")  # R121: no link back
    (year / "IC-2026-0906.yaml").write_text(replaced.replace("IC-2026-0999", "IC-2026-0003"))
    for name in ("IC-2026-0001.yaml", "IC-2026-0009.yaml"):
        shutil.copy(CASES / "t410-amendment-after-departure-changes-weight" / name, year / name)
    return root


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in (root / "requests").rglob("*.yaml"))


def _own(result: CheckResult, display: str) -> list[Finding]:
    return [f for f in result.findings if f.path == display]


def _compare_every_file(root: Path, index: Path) -> int:
    """Check each file with the index and without it: the same findings, and those a check of
    the whole register gives that file. The count of files the indexed checks read."""
    checker, indexing = Checker(Project(root)), CountingChecker(Project(root))
    whole = run_check(checker, ["requests"], jobs=1)
    for display in _files(root):
        plain = run_check(checker, [display], jobs=1)
        indexed = run_check(indexing, [display], jobs=1, index_folder=index)
        assert indexed.findings == plain.findings, display
        assert _own(indexed, display) == _own(whole, display), display
    assert indexing.read <= len(_files(root))  # from the index: each file read once at most
    return indexing.read


@pytest.fixture
def register(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The register with problems, its files trusted as soon as they are read (their change
    times are now, and cannot be set back: the racy window is tested on its own)."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    return _with_problems(tmp_path / "project")


def test_cross_request_problems_are_found_as_by_a_whole_check(
    register: Path, tmp_path: Path
) -> None:
    with working_directory(register):
        checker = Checker(Project(register))
        whole = run_check(checker, ["requests"], jobs=1)
        codes = {f.code for f in whole.findings}
        assert {
            "R103",
            "R120",
            "R121",
            "R122",
            "T410",
        } <= codes  # the register has what is compared
        _compare_every_file(register, tmp_path / "index")


def test_the_index_reads_only_what_changed(register: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    target = "requests/2026/EC-2026-0002.yaml"
    with working_directory(register):
        checker = CountingChecker(Project(register))
        run_check(checker, [target], jobs=1, index_folder=index)
        first = checker.read
        assert first == len(_files(register))  # a new index reads every file once
        run_check(checker, [target], jobs=1, index_folder=index)
        assert checker.read == first  # nothing changed: nothing read

        # another file takes the target's ID, rewritten in place with its size and
        # modification time as they were: only its change time tells
        other = register / "requests" / "2026" / "EC-2026-0003.yaml"
        before = other.stat()
        content = other.read_bytes().replace(b"id: EC-2026-0003", b"id: EC-2026-0002")
        assert len(content) == before.st_size
        with other.open("r+b") as handle:
            handle.write(content)
        os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
        result = run_check(checker, [target], jobs=1, index_folder=index)
        assert checker.read == first + 1
        assert any(f.code == "R103" and "EC-2026-0003" in f.message for f in result.findings)
        assert result.findings == run_check(Checker(Project(register)), [target], jobs=1).findings


def test_files_that_appear_and_go(register: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    with working_directory(register):
        _compare_every_file(register, index)
        year = register / "requests" / "2026"
        (year / "EC-2026-0901.yaml").unlink()  # the duplicate goes
        shutil.copy(year / "IC-2026-0003.yaml", year / "IC-2026-0950.yaml")  # another comes
        (register / "requests" / "2027").mkdir()
        shutil.copy(
            year / "EC-2026-0004.yaml", register / "requests" / "2027" / "EC-2027-0001.yaml"
        )
        _compare_every_file(register, index)
        shutil.rmtree(register / "requests" / "2025")  # a whole year folder goes
        _compare_every_file(register, index)
        # what a check never reads as a request is never indexed either
        (year / "notes.txt").write_text("id: EC-2026-0002\n")
        (year / "EC-2026-0960.yaml").symlink_to(year / "EC-2026-0002.yaml")
        (year / "IC-2026-0961.yaml").mkdir()
        (year / "EC-2025-0962.yaml").write_text((year / "EC-2026-0002.yaml").read_text())
        _compare_every_file(register, index)


def test_a_file_changed_just_now_is_read_again(register: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    target = "requests/2026/EC-2026-0002.yaml"
    with working_directory(register):
        register_index.RACY_SECONDS = 3600  # every file was changed within the window
        checker = CountingChecker(Project(register))
        run_check(checker, [target], jobs=1, index_folder=index)
        first = checker.read
        run_check(checker, [target], jobs=1, index_folder=index)
        assert checker.read == 2 * first  # none trusted: all read again


def test_a_large_register_is_listed_in_two_processes(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "PARALLEL_FILES", 0)
    with working_directory(register):
        _compare_every_file(register, tmp_path / "index")


def test_certgen_check_of_a_file_lists_the_register_before_loading_the_checker(
    register: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command starts the listing (in two processes here) first: what it prints is what a
    check reading the whole register prints."""
    monkeypatch.setattr(listing, "PARALLEL_FILES", 0)
    target = "requests/2026/EC-2026-0901.yaml"
    first = run(["check", target], register)
    again = run(["check", target], register)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(register / "schemas" / "request.schema.json"))
    read_whole = run(["check", target], register)  # no index can be kept there
    assert first == again == read_whole
    assert first[0] == 1 and "R103" in first[1]


def test_without_a_usable_index_the_register_is_read(register: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "index"
    not_a_folder.write_text("a file where the index folder would be")
    target = "requests/2026/EC-2026-0002.yaml"
    with working_directory(register):
        checker = CountingChecker(Project(register))
        result = run_check(checker, [target], jobs=1, index_folder=not_a_folder)
        assert checker.read == len(_files(register)) - 1
        assert result.findings == run_check(checker, [target], jobs=1).findings


def test_a_damaged_index_is_made_again(register: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    target = "requests/2026/EC-2026-0002.yaml"
    with working_directory(register):
        checker = CountingChecker(Project(register))
        expected = run_check(checker, [target], jobs=1, index_folder=index).findings
        for database in index.glob("*.sqlite3"):
            database.write_bytes(b"not a database" * 100)
        assert run_check(checker, [target], jobs=1, index_folder=index).findings == expected
        read = checker.read
        run_check(checker, [target], jobs=1, index_folder=index)
        assert checker.read == read  # made again, and used


def test_another_environment_never_reads_the_index(register: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    root = str(register / "requests")
    first = register_index.RegisterIndex.open(index, root, "one")
    first.close()
    second = register_index.RegisterIndex.open(index, root, "two")
    second.close()
    assert first.database != second.database
    assert not first.database.exists()  # the other environment's database is removed


def test_a_cache_inside_the_repository_is_never_used(
    register: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a pull request could plant an index, none is kept or read: the check reads the
    register (as the build refuses such a cache folder)."""
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(register / "build" / "cache"))
    target = "requests/2026/EC-2026-0901.yaml"
    code, out, _ = run(["check", target], register)
    assert code == 1 and "R103" in out
    assert not list(register.rglob("*.sqlite3"))


def test_issue_cancel_and_amend_check_through_their_cache(register: Path) -> None:
    """The whole-register check that issue, cancel and amend run (twice each) takes unchanged
    files from the commands' check cache: the same findings as reading every file, before and
    after a file changes."""
    with working_directory(register):
        first = Lifecycle.open(Project(register))
        whole = [str(register / "requests")]  # as the commands name it
        plain = run_check(Checker(Project(register)), whole, jobs=1).findings
        assert first.whole_check().findings == plain
        assert list((Project(register).cache_dir / "check-commands").glob("group-*.pickle"))
        cached = Lifecycle.open(Project(register)).whole_check()
        assert cached.findings == plain
        other = register / "requests" / "2026" / "EC-2026-0003.yaml"
        other.write_bytes(other.read_bytes().replace(b"id: EC-2026-0003", b"id: EC-2026-0002"))
        plain = run_check(Checker(Project(register)), whole, jobs=1).findings
        assert Lifecycle.open(Project(register)).whole_check().findings == plain
        assert any("EC-2026-0003" in f.message for f in plain if f.code == "R103")


DISCARD = """
import sys
from generator.check import listing
listing.PARALLEL_FILES = 0
started = [listing.start(root) for root in sys.argv[1:]]
for each in started:
    each.discard()
print("discarded")
"""


def test_listings_given_up_never_hang(tmp_path: Path) -> None:
    """Two registers' listings, each in two processes with more to send than a pipe holds,
    given up without being read (a check that stops on a usage error): every process ends."""
    roots = []
    for name in ("one", "two"):
        for year in ("2025", "2026"):
            folder = tmp_path / name / "requests" / year
            folder.mkdir(parents=True)
            for number in range(1, 2001):  # about 110 kB of listing a folder
                (folder / f"EC-{year}-{number:04d}.yaml").touch()
        roots.append(str(tmp_path / name / "requests"))
    done = subprocess.run(
        [sys.executable, "-c", DISCARD, *roots],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0 and done.stdout.strip() == "discarded", done.stderr
