"""The code stays lint-clean, formatted and type-checked (mypy strict on generator/)."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


def test_ruff_lint_and_format() -> None:
    lint = run_tool("ruff", "check", "generator", "tests", "benchmarks")
    assert lint.returncode == 0, lint.stdout
    form = run_tool("ruff", "format", "--check", "generator", "tests", "benchmarks")
    assert form.returncode == 0, form.stdout


def test_mypy_strict() -> None:
    result = run_tool(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout
