"""The build stamp (generator/website/build_stamp.py): a build that finds what the last one was
made from and left does nothing; any change to what a build reads besides request files (those
are tests/test_build_delta.py's), or to the output folder's files, gives a full build, whose
output is what a build from nothing gives."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from generator.check import register_index
from generator.project import Project
from generator.website import build_stamp
from generator.website.build import BuildReport, build
from generator.website.inputs import BuildRefused
from generator.website.output_folder import MARKER
from tests.helpers import make_project


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _full(report: BuildReport) -> bool:
    return "check" in report.timings


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository, its files trusted as listed at once (they were all written
    just now: the racy window is tested on its own)."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    return make_project(tmp_path / "project", with_requests=True, with_site=True)


def _build(project: Path) -> BuildReport:
    return build(Project(project), project / "build" / "site", make_pdf=False)


def test_nothing_changed_nothing_done(project: Path) -> None:
    first = _build(project)
    assert _full(first) and first.pages_written > 0
    before = _tree(project / "build" / "site")
    again = _build(project)
    assert not _full(again)
    assert (again.certificates, again.pages_written, again.files_written) == (
        first.certificates,
        0,
        0,
    )
    assert _tree(project / "build" / "site") == before


def _rewrite_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Change a file's bytes keeping its size and modification time: its change time tells."""
    assert len(old) == len(new)
    status = path.stat()
    path.write_bytes(path.read_bytes().replace(old, new, 1))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


CHANGES: dict[str, Callable[[Path, pytest.MonkeyPatch], None]] = {
    "a frozen records' year folder": lambda p, _: (p / "records" / "2030").mkdir(),
    "reference data": lambda p, _: (p / "data" / "services.yaml").write_text(
        (p / "data" / "services.yaml").read_text() + "\n# a comment\n"
    ),
    "a client's publication consent narrowed": lambda p, _: (
        p / "data" / "operations.yaml"
    ).write_text(
        (p / "data" / "operations.yaml")
        .read_text()
        .replace(
            "      fields: [exporter, destination, products]\n", "      fields: [destination]\n", 1
        )
    ),
    "a guidance page": lambda p, _: (p / "site" / "verify.md").write_text(
        (p / "site" / "verify.md").read_text() + "\nOne more line.\n"
    ),
    "mkdocs.yml": lambda p, _: (p / "mkdocs.yml").write_text(
        (p / "mkdocs.yml").read_text() + "\n# a comment\n"
    ),
    "the build's date": lambda _, m: m.setenv("SOURCE_DATE_EPOCH", "1798761600"),
    "the holder secret": lambda _, m: m.setenv("CERTGEN_HOLDER_SECRET", "s" * 48),
    "an output file gone": lambda p, _: (p / "build" / "site" / "index.html").unlink(),
    "an output file added": lambda p, _: (p / "build" / "site" / "stray.html").write_text("x"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_gives_a_full_build(
    change: str, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _build(project)
    CHANGES[change](project, monkeypatch)
    report = _build(project)
    assert _full(report), change
    assert not _full(_build(project))  # and then nothing again
    fresh = project.parent / "fresh"
    shutil.copytree(project, fresh, ignore=shutil.ignore_patterns("build"))
    _build(fresh)
    built = _tree(project / "build" / "site")
    built.pop("stray.html", None)  # a build leaves alone a file it never made
    assert built == _tree(fresh / "build" / "site")


def test_a_stray_file_in_the_register_is_refused(project: Path) -> None:
    _build(project)
    (project / "requests" / "notes.yaml").write_text("id: EC-2026-0002\n")
    with pytest.raises(BuildRefused):
        _build(project)


def test_files_changed_just_now_are_not_trusted(project: Path) -> None:
    """Every request file and record changed within the window: the next build reads every
    request file again (a record stands for its request)."""
    register_index.RACY_SECONDS = 3600
    _build(project)
    again = _build(project)
    requests = len(list((project / "requests").rglob("*.yaml")))
    assert _full(again) or again.checked == requests


def test_the_output_folders_key_is_kept_from_the_names_added_and_removed(tmp_path: Path) -> None:
    """``outputs_after`` (a build after a few changes: no listing of the output folder) gives
    the key a listing gives, with files added in new and old folders and files removed."""
    out_dir = tmp_path / "site"
    for relative in ("index.html", "certificates/A.html", "certificates/B.html", "a/b/c.js"):
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / relative).write_text("x")
    outputs, folders = build_stamp.outputs_key(out_dir)
    stamp = build_stamp.Stamp("base", outputs, 0, "2026-01-01", {}, "", "", {}, folders)
    added = ["certificates/C.html", "new/deep/d.json", "a/e.js"]
    removed = ["certificates/A.html", "a/b/c.js"]
    for relative in added:
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / relative).write_text("y")
    for relative in removed:
        (out_dir / relative).unlink()
    after = build_stamp.outputs_after(out_dir, stamp, added, removed)
    assert after == build_stamp.outputs_key(out_dir)
    folders = {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_dir()}
    assert set(after[1]) == {"", *folders}
    (out_dir / "stray.txt").write_text("z")
    assert build_stamp.outputs_key(out_dir)[0] != after[0]


def test_the_output_folders_key_is_the_same_however_the_folder_is_spelled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The names are relative to the output folder: a build given ``build/site`` after one
    given its absolute path keeps the same key (and finds the same folders)."""
    out_dir = tmp_path / "build" / "site"
    (out_dir / "certificates").mkdir(parents=True)
    (out_dir / "certificates" / "A.html").write_text("x")
    monkeypatch.chdir(tmp_path)
    assert build_stamp.outputs_key(Path("build/site")) == build_stamp.outputs_key(out_dir)


def _output_folder(tmp_path: Path) -> Path:
    out_dir = tmp_path / "site"
    for relative in (MARKER, "index.html", "certificates/A.html", "data/lookup/0.js"):
        (out_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / relative).write_text("x")
    return out_dir


def test_folders_written_just_before_the_key_are_trusted_by_the_file_systems_clock(
    tmp_path: Path,
) -> None:
    """A folder written just before the key is made is trusted as soon as the file system's
    clock (the time it gives the output folder's marker) has moved past it: the build after
    a build that wrote into ``certificates/`` does not list its 300,000 files again. Without
    a marker (a folder certgen did not make), the racy window of two seconds applies."""
    out_dir = _output_folder(tmp_path)
    time.sleep(0.05)  # past any file system's tick but a coarse one's, far within two seconds
    _, folders = build_stamp.outputs_key(out_dir)
    assert folders and all(times != [-1, -1, -1] for times in folders.values())
    assert build_stamp.Stamp("b", "", 0, "", {}, "", "", {}, folders).same_outputs(out_dir)
    (out_dir / MARKER).unlink()
    _, folders = build_stamp.outputs_key(out_dir)
    assert all(times == [-1, -1, -1] for times in folders.values())


@pytest.mark.parametrize("key", ["outputs_key", "outputs_after"])
def test_a_folder_changed_as_its_times_are_read_is_never_trusted_as_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    """A file added to a folder after the clock was read but before the folder's times were
    (the same tick, or the next) leaves the folder untrusted: the next build lists it."""
    out_dir = _output_folder(tmp_path)
    time.sleep(0.05)
    outputs, folders = build_stamp.outputs_key(out_dir)
    stamp = build_stamp.Stamp("b", outputs, 0, "", {}, "", "", {}, folders)
    clock_of = build_stamp._clock_of

    def clock_then_a_new_file(folder: Path) -> int:
        now = clock_of(folder)
        (folder / "certificates" / "B.html").write_text("y")
        return now

    monkeypatch.setattr(build_stamp, "_clock_of", clock_then_a_new_file)
    if key == "outputs_key":
        _, folders = build_stamp.outputs_key(out_dir)
    else:
        _, folders = build_stamp.outputs_after(out_dir, stamp, [], [])
    monkeypatch.undo()
    assert folders["certificates"] == [-1, -1, -1]
    kept = build_stamp.Stamp("b", outputs, 0, "", {}, "", "", {}, folders)
    assert not build_stamp._folders_as_kept(out_dir, kept.output_folders)


REAL_UTIME = os.utime


def _whole_seconds(path: str, *args: object, **kwargs: object) -> None:
    """A file system that keeps whole seconds (or two), as sshfs or FAT: a touch's time."""
    second = time.time_ns() // 10**9 * 10**9
    REAL_UTIME(path, ns=(second, second), follow_symlinks=False)


@pytest.mark.parametrize("clock", ["another machine's", "whole seconds"])
def test_only_the_kernels_own_fine_clock_is_trusted_before_the_racy_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: str
) -> None:
    """A marker stamped far from this machine's clock (a network file system stamping by the
    server's), or in whole seconds, gives the racy window: folders written 50 ms before are
    not trusted. A folder on another file system (mounted within) never is."""
    out_dir = _output_folder(tmp_path)
    time.sleep(0.05)
    if clock == "whole seconds":
        monkeypatch.setattr(build_stamp.os, "utime", _whole_seconds)
    else:
        ahead = time.time_ns() + 10**9
        monkeypatch.setattr(build_stamp.time, "time_ns", lambda: ahead)
    _, folders = build_stamp.outputs_key(out_dir)
    monkeypatch.undo()
    assert all(times == [-1, -1, -1] for times in folders.values())
    status = os.lstat(out_dir / "certificates")
    mounted = build_stamp._Clock(time.time_ns(), status.st_dev + 1)
    assert build_stamp._folder_times(status, mounted) == [-1, -1, -1]
    assert build_stamp._folder_times(status, replace(mounted, device=status.st_dev)) != [-1] * 3
