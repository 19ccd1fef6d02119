"""Shared test helpers: a throwaway copy of the repository and the CLI run in-process."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generator.cli import main

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases"
PUBLISHED_LINE = re.compile(r"^status: (issued|cancelled|superseded)$", re.MULTILINE)


def make_project(target: Path, with_requests: bool = False, with_site: bool = False) -> Path:
    """A copy of the repository's schemas and data in ``target``; optionally its requests (with
    their frozen records), and the site sources (site/, mkdocs.yml) for building."""
    parts = ["schemas", "data"]
    parts += ["requests", "records"] if with_requests else []
    parts += ["site"] if with_site else []
    for part in parts:
        shutil.copytree(ROOT / part, target / part)
    if with_site:
        shutil.copy(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    return target


@contextlib.contextmanager
def working_directory(path: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)


def run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run ``certgen ARGS`` in-process in ``cwd``; return exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with working_directory(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def check_json(args: list[str], cwd: Path) -> tuple[int, dict[str, Any]]:
    code, out, err = run(["check", "--format", "json", *args], cwd)
    assert code in (0, 1), err
    return code, json.loads(out)


def case_findings(case: Path, workdir: Path, must_freeze: bool = False) -> list[str]:
    """Run one case (a file, or a folder of files with an optional data/ overlay) in a fresh
    project and return its findings as 'path:line:column CODE', paths relative to the case.
    Issued requests are first frozen where ``certgen issue`` would have frozen them (it
    refuses a request with errors); with ``must_freeze`` each of them must be."""
    project = make_project(workdir)
    target = workdir / "case"
    if case.is_dir():
        shutil.copytree(case, target, ignore=shutil.ignore_patterns("data"))
        for overlay in sorted((case / "data").glob("*.yaml")) if (case / "data").is_dir() else ():
            shutil.copy(overlay, project / "data" / overlay.name)
        arguments = ["case"]
    else:
        target.mkdir()
        shutil.copy(case, target / case.name, follow_symlinks=False)
        arguments = [f"case/{case.name}"]
    for path in sorted(target.rglob("*.yaml")):
        if not path.is_symlink() and PUBLISHED_LINE.search(path.read_text("utf-8", "replace")):
            code, _, err = run(["freeze", str(path.relative_to(project))], project)
            assert code == 0 or not must_freeze, err
    _, report = check_json(arguments, project)
    return [
        f"{_relative(f['path'])}:{f['line']}:{f['column']} {f['code']}" for f in report["findings"]
    ]


def _relative(path: str) -> str:
    return path[len("case/") :] if path.startswith("case/") else path


def holder_details(site: Path, certificate_id: str) -> dict[str, Any]:
    """A certificate's holder details as its key opens them (the development secret, as the
    tests build without CERTGEN_HOLDER_SECRET): ``html``, ``record`` (canonical JSON text)
    and ``jws``."""
    import base64

    from generator.record.holder import HolderKeys

    text = (site / "certificates" / f"{certificate_id}.holder.js").read_text("utf-8")
    payload = json.loads(text[text.index(",") + 1 : text.rindex(")")])
    sealed = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    opened = HolderKeys.from_environment().open(certificate_id, "details", sealed)
    details: dict[str, Any] = json.loads(opened)
    return details


def holder_pdf(site: Path, certificate_id: str) -> bytes:
    """A certificate's PDF as its holder's key opens it."""
    from generator.record.holder import HolderKeys

    sealed = (site / "certificates" / f"{certificate_id}.pdf.enc").read_bytes()
    return HolderKeys.from_environment().open(certificate_id, "pdf", sealed)


def holder_link(url: str, certificate_id: str) -> str:
    """The address that opens a certificate's holder view (development secret)."""
    from generator.record.holder import HolderKeys

    return HolderKeys.from_environment().link(url, certificate_id)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextlib.contextmanager
def served(folder: Path) -> Iterator[str]:
    """``folder`` served over HTTP on a free local port, quietly; yields its address (with a
    trailing slash) and stops the server afterwards."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    import pytest
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.is_file():
        pytest.fail("Chromium is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
}


def git(repo: Path, *arguments: str) -> str:
    """Run git in ``repo`` as a test author; its output (fails the test on an error)."""
    completed = subprocess.run(
        ["git", *arguments],
        cwd=repo,
        capture_output=True,
        text=True,
        env=os.environ | GIT_ENV,
        check=True,
    )
    return completed.stdout


def register_on_a_branch(target: Path, with_site: bool = False) -> Path:
    """A git repository whose main branch holds the example register (and the site sources
    ``with_site``); work happens on the branch ``pull-request``."""
    project = make_project(target, with_requests=True, with_site=with_site)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "the register")
    git(project, "switch", "-q", "-c", "pull-request")
    return project
