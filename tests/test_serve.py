"""``certgen serve`` keeps serving through mistakes: it prints its address, shows a failed
build's findings in the terminal and on every page (over the last site that built), rebuilds
when the file is fixed, and never exits with 3 for a user's mistake."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import make_project


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, subprocess.Popen[str]]]:
    project = make_project(tmp_path / "repo", True, True)
    broken = project / "requests" / "2026" / "IC-2026-0003.yaml"
    broken.write_text(broken.read_text().replace("service_level: standard", "service_level: fast"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", "--no-pdf", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=os.environ | {"CERTGEN_CACHE_DIR": str(tmp_path / "cache")},
    )
    try:
        yield project, f"http://127.0.0.1:{port}/", server
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.read().decode("utf-8"))


def _wait(check: object, seconds: float = 90) -> None:
    assert callable(check)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("gave up waiting")


def _state(base: str) -> dict[str, object]:
    return dict(json.loads(_fetch(base + "__certgen/state")))


def test_serve_shows_findings_and_keeps_the_last_good_site(
    served: tuple[Path, str, subprocess.Popen[str]],
) -> None:
    project, base, server = served
    assert server.stdout is not None
    first = server.stdout.readline()
    assert first.strip() == f"serving the site at {base} (Ctrl-C to stop)"
    # the register has an error from the start: the page says so, the server stays up
    _wait(lambda: _state(base)["version"] == 1)
    page = _fetch(base)
    assert "The last change does not build" in page
    assert "IC-2026-0003.yaml:7:16: R106 service level" in page and "fast" in page
    assert server.poll() is None
    # fixed: the site builds and the box is gone
    broken = project / "requests" / "2026" / "IC-2026-0003.yaml"
    broken.write_text(broken.read_text().replace("service_level: fast", "service_level: standard"))
    _wait(lambda: _state(base)["ok"] is True)
    page = _fetch(base + "certificates/EC-2026-0005.html")
    assert "certgen-build-problems" not in page and "__certgen/state" in page
    # broken again: the last good site is still served, with the findings over it
    broken.write_text(broken.read_text().replace("service_level: standard", "service_level: x"))
    _wait(lambda: _state(base)["ok"] is False)
    page = _fetch(base + "certificates/EC-2026-0005.html")
    assert "certgen-build-problems" in page and "EC-2026-0005" in page
    assert server.poll() is None
    server.terminate()
    output = server.communicate(timeout=30)[0]
    assert "R106" in output and "the site was not rebuilt" in output
    assert "unexpected failure" not in output


def test_serve_on_a_taken_port_is_a_usage_error(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", True, True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        completed = subprocess.run(
            [sys.executable, "-m", "generator", "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=project,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert completed.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in completed.stderr


def test_build_without_the_site_sources_is_a_usage_error(tmp_path: Path) -> None:
    project = make_project(tmp_path / "repo", with_requests=True)  # no site/, no mkdocs.yml
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "build", "--no-pdf"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2, completed.stderr
    assert "mkdocs.yml and site are missing from" in completed.stderr
