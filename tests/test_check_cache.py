"""The check cache (generator/check/cache.py) across a fresh checkout: every request file and
record has a new state (inode, times) but the same bytes, as after ``git clone`` in CI; the
cache stands for them without checking any again, and for nothing whose bytes or kind
changed."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generator.check import register_index
from generator.check.cache import CheckCache
from generator.check.pipeline import run_check
from generator.project import Project
from generator.record.drafting import DraftingChecker
from generator.website.build import build
from tests.helpers import make_project

ENVIRONMENT = "test-environment"


def _fresh_checkout(project: Path) -> None:
    """Write every request file and record again with the same bytes: new inodes and times,
    as a fresh clone has."""
    for folder in ("requests", "records"):
        for path in sorted((project / folder).rglob("*")):
            if path.is_file():
                content = path.read_bytes()
                path.unlink()
                path.write_bytes(content)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example repository, its files trusted as checked at once (the racy window is
    tested on its own)."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    return make_project(tmp_path / "project", with_requests=True, with_site=True)


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files the checker reads (in this process: the runs below use one job)."""
    seen: list[str] = []
    original = DraftingChecker.check_file

    def counting(self: DraftingChecker, path: str, display: str) -> object:
        seen.append(os.path.basename(display))
        return original(self, path, display)

    monkeypatch.setattr(DraftingChecker, "check_file", counting)
    return seen


def _check(project: Path, cache_dir: Path) -> list[tuple[str, int, str]]:
    cache = CheckCache(cache_dir, ENVIRONMENT)
    result = run_check(DraftingChecker(Project(project)), [str(project / "requests")], 1, cache)
    cache.save()
    return sorted((os.path.basename(f.path), f.line, f.code) for f in result.findings)


def test_a_fresh_checkout_is_not_checked_again(
    project: Path, tmp_path: Path, checked: list[str]
) -> None:
    before = _check(project, tmp_path / "cache")
    requests = len(list((project / "requests").rglob("*.yaml")))
    assert len(checked) == requests
    _fresh_checkout(project)
    checked.clear()
    assert _check(project, tmp_path / "cache") == before
    assert checked == []
    assert _check(project, tmp_path / "cache") == before  # its new states were kept
    assert checked == []


def test_a_file_whose_bytes_changed_is_checked_again(
    project: Path, tmp_path: Path, checked: list[str]
) -> None:
    _check(project, tmp_path / "cache")
    _fresh_checkout(project)
    record = project / "records" / "2026" / "IC-2026-0002.json"
    record.write_bytes(record.read_bytes().replace(b'"net_weight_kg":240000', b'"net_weight_kg":1'))
    request = project / "requests" / "2026" / "EC-2026-0006.yaml"
    request.write_text(request.read_text("utf-8").replace("city: Taipei", "city: Taichung"))
    checked.clear()
    _check(project, tmp_path / "cache")
    assert sorted(checked) == ["EC-2026-0006.yaml", "IC-2026-0002.yaml"]


def test_a_record_made_a_link_or_moved_behind_one_is_checked_again(
    project: Path, tmp_path: Path, checked: list[str]
) -> None:
    """Same bytes, but reached through a link: the check's R124 must see it."""
    _check(project, tmp_path / "cache")
    record = project / "records" / "2026" / "IC-2026-0002.json"
    copy = tmp_path / "IC-2026-0002.json"
    shutil.copy(record, copy)
    record.unlink()
    record.symlink_to(copy)
    folder = project / "records" / "2025"
    shutil.move(folder, tmp_path / "2025")
    folder.symlink_to(tmp_path / "2025")
    checked.clear()
    findings = _check(project, tmp_path / "cache")
    assert sorted(checked) == ["IC-2025-0014.yaml", "IC-2026-0002.yaml"]
    assert {name for name, _, code in findings if code == "R124"} == {
        "IC-2025-0014.yaml",
        "IC-2026-0002.yaml",
    }


def test_a_build_after_a_fresh_checkout_takes_the_check_from_the_cache(
    project: Path, tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As in CI: a fresh clone, the cache restored, no output folder; the date the build is
    published as of (SOURCE_DATE_EPOCH, the commit's) is new too, and is not the check's."""
    monkeypatch.setenv("CERTGEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01
    site = project / "build" / "site"
    build(Project(project), site, make_pdf=False, jobs=1)
    _fresh_checkout(project)
    shutil.rmtree(project / "build")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796169600")  # the next day
    checked.clear()
    build(Project(project), site, make_pdf=False, jobs=1)
    assert checked == []
    shutil.rmtree(tmp_path / "cache")  # and the same site as a build with no cache makes
    build(Project(project), project / "build" / "fresh", make_pdf=False, jobs=1)
    made = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    again = project / "build" / "fresh"
    assert made == {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}


def test_a_file_changed_while_it_is_checked_is_not_kept(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its bytes after the check may not be those checked: the cache keeps nothing of it, so
    no later checkout with those bytes is taken for checked."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", 2)
    target = project / "requests" / "2026" / "EC-2026-0006.yaml"
    original = DraftingChecker.check_file

    def edited_while_checked(self: DraftingChecker, path: str, display: str) -> object:
        outcome = original(self, path, display)
        if display.endswith("EC-2026-0006.yaml") and b"kind: export\n" in target.read_bytes():
            target.write_bytes(target.read_bytes().replace(b"kind: export\n", b"kind: exports\n"))
        return outcome

    monkeypatch.setattr(DraftingChecker, "check_file", edited_while_checked)
    assert not [f for f in _check(project, tmp_path / "cache") if f[2] == "S004"]
    monkeypatch.setattr(DraftingChecker, "check_file", original)
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    _fresh_checkout(project)
    cached = _check(project, tmp_path / "cache")
    assert cached == _check(project, tmp_path / "no-cache")
    assert any(name == "EC-2026-0006.yaml" and code == "S004" for name, _, code in cached)


def test_a_project_reached_through_a_link_keeps_its_cache(
    tmp_path: Path, checked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only links inside the repository (records/, records/<year>) are findings: one above it
    (a workspace reached through a link) leaves the cache in use."""
    monkeypatch.setattr(register_index, "RACY_SECONDS", -1)
    real = tmp_path / "real"
    make_project(real / "project", with_requests=True, with_site=True)
    (tmp_path / "link").symlink_to(real)
    project = tmp_path / "link" / "project"
    _check(project, tmp_path / "cache")
    checked.clear()
    _check(project, tmp_path / "cache")
    assert checked == []
