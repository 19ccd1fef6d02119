"""Builds killed at any moment: the rerun gives a folder byte-identical to a clean build, and
a killed build never leaves a folder that looks complete. Builds run as real processes and
are killed with SIGKILL to their whole process group (the workers too)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import make_project, run

FRACTIONS = (0.15, 0.35, 0.55, 0.75, 0.95)
"""Kill points, as fractions of a clean build's duration."""


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def start_build(project: Path, cache: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build"],
        cwd=project,
        env=os.environ | {"CERTGEN_CACHE_DIR": str(cache)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def build_and_time(project: Path, cache: Path) -> float:
    started = time.perf_counter()
    assert start_build(project, cache).wait(timeout=300) == 0
    return time.perf_counter() - started


def killed_build(project: Path, cache: Path, after: float) -> None:
    process = start_build(project, cache)
    try:
        process.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], float]:
    """A clean build of the examples (PDFs included): its files and how long it took."""
    folder = tmp_path_factory.mktemp("clean")
    project = make_project(folder / "repo", True, True)
    seconds = build_and_time(project, folder / "cache")
    return tree(project / "build" / "site"), seconds


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_a_killed_cold_build_leaves_no_site_and_the_rerun_is_clean(
    clean: tuple[dict[str, bytes], float], tmp_path: Path, fraction: float
) -> None:
    expected, seconds = clean
    project = make_project(tmp_path / "repo", True, True)
    out = project / "build" / "site"
    killed_build(project, tmp_path / "cache", seconds * fraction)
    assert not out.exists() or tree(out) == expected, "a killed cold build left a partial site"
    assert build_and_time(project, tmp_path / "cache") > 0
    assert tree(out) == expected


def change_every_certificate(project: Path, prefix: str) -> tuple[Path, str]:
    """Rename the certifier in data/: every certificate's page and PDF, the register and
    MkDocs' pages change."""
    path = project / "data" / "certifier.yaml"
    original = path.read_text("utf-8")
    edited = original.replace("name: Cascadia Organic", f"name: {prefix} Cascadia Organic", 1)
    assert edited != original
    path.write_text(edited, "utf-8")
    return path, original


@pytest.mark.parametrize("fraction", FRACTIONS)
def test_a_killed_incremental_build_then_a_revert_rebuilds_exactly(
    clean: tuple[dict[str, bytes], float], tmp_path: Path, fraction: float
) -> None:
    expected, _ = clean
    project = make_project(tmp_path / "repo", True, True)
    cache = tmp_path / "cache"
    build_and_time(project, cache)
    path, original = change_every_certificate(project, "Renamed")
    seconds = build_and_time(project, cache)  # how long such an incremental build takes
    path.write_text(original, "utf-8")
    build_and_time(project, cache)
    change_every_certificate(project, "Other")  # nothing of it is cached yet
    killed_build(project, cache, seconds * fraction)
    path.write_text(original, "utf-8")
    build_and_time(project, cache)
    assert tree(project / "build" / "site") == expected


def test_two_builds_into_one_folder_cannot_interleave(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    lock = project / "build" / ".site.lock"
    lock.parent.mkdir(parents=True)
    with lock.open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running build holds it
        code, _, err = run(["build", "--no-pdf"], project)
    assert code == 2
    assert "another certgen build is writing" in err
    assert not (project / "build" / "site").exists()


def test_a_folder_certgen_did_not_make_is_never_cleaned(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    out = tmp_path / "documents"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run(["build", "--no-pdf", "--out", str(out)], project)
    assert code == 2
    assert "did not make" in err
    assert (out / "notes.txt").read_text() == "mine"


def test_a_cache_inside_the_repository_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(tmp_path / "repo", True, True)
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(project / "build" / "cache"))
    code, _, err = run(["build", "--no-pdf"], project)
    assert code == 2
    assert "inside the repository" in err and "CERTGEN_CACHE_DIR" in err
