"""Test session set-up: builds keep their caches in a throwaway folder, never in ~/.cache."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_CACHE = tempfile.mkdtemp(prefix="certgen-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    os.environ["CERTGEN_CACHE_DIR"] = _CACHE


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE, ignore_errors=True)
