"""Every case in tests/cases: valid ones give no findings; each invalid one gives exactly the
findings listed for it in expected-findings.yaml (code, line, column), compared as a whole."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.helpers import CASES, case_findings

EXPECTED: dict[str, list[str]] = yaml.safe_load(
    (CASES / "expected-findings.yaml").read_text(encoding="utf-8")
)


def _too_large(folder: Path) -> Path:
    path = folder / "y009-too-large.yaml"
    path.write_text("id: IC-2026-0001\nnotes: " + "x" * 300_000 + "\n", encoding="utf-8")
    return path


def _unreadable(folder: Path) -> Path:
    path = folder / "y014-unreadable.yaml"
    os.symlink(folder / "missing-target.yaml", path)
    return path


GENERATED: dict[str, Callable[[Path], Path]] = {
    "y009-too-large.yaml": _too_large,
    "y014-unreadable.yaml": _unreadable,
}


def test_every_case_has_expected_findings() -> None:
    on_disk = {p.name for p in (CASES / "invalid").iterdir()}
    assert on_disk | set(GENERATED) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_case(name: str, tmp_path: Path) -> None:
    if name in GENERATED:
        (tmp_path / "source").mkdir()
        case = GENERATED[name](tmp_path / "source")
    else:
        case = CASES / "invalid" / name
    assert case_findings(case, tmp_path / "work") == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(p.name for p in (CASES / "valid").glob("*.yaml")))
def test_valid_case(name: str, tmp_path: Path) -> None:
    assert case_findings(CASES / "valid" / name, tmp_path, must_freeze=True) == []
