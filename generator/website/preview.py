"""``certgen serve``: the site built by ``certgen build`` into ``build/preview``, served on a
local address and rebuilt when a request, record, data, schema or site file changes.

A build that fails never stops the server: its findings are printed in the terminal and shown
at the top of every page, over the last site that built (or alone, before any did), and the
pages reload themselves when a build finishes. Builds are incremental (certgen's caches), and
the output folder is only ever replaced file by file, so a page is never served half written.
"""

from __future__ import annotations

import html
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from generator.check.report import as_text
from generator.errors import CertgenError
from generator.project import Project
from generator.website.build import build
from generator.website.inputs import BuildRefused

STATE_PATH = "/__certgen/state"
POLL_SECONDS = 0.5
WATCHED = ("requests", "records", "data", "schemas", "site", "mkdocs.yml")

_RELOAD = """<script>(function () {
  var seen = null;
  function poll() {
    fetch("STATE", {cache: "no-store"}).then(function (r) { return r.json(); }).then(function (s) {
      if (seen !== null && s.version !== seen) location.reload();
      seen = s.version;
    }).catch(function () {}).finally(function () { setTimeout(poll, 1000); });
  }
  poll();
})();</script>""".replace("STATE", STATE_PATH)


@dataclass
class BuildState:
    """The outcome of the last build: a version that changes with each, and its problems."""

    version: int = 0
    problems: str = ""
    """The findings (or the error) of the last build; empty when it succeeded."""
    built_once: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, problems: str, built: bool) -> None:
        with self.lock:
            self.version += 1
            self.problems = problems
            self.built_once = self.built_once or built


def rebuild(project: Project, out_dir: Path, make_pdf: bool, state: BuildState) -> None:
    """Build into ``out_dir``; on failure print why and keep the last good site."""
    started = time.perf_counter()
    try:
        report = build(project, out_dir, make_pdf=make_pdf)
    except BuildRefused as refused:
        problems = as_text(refused.result)
        print(f"the site was not rebuilt: {refused}\n{problems}", flush=True)
        state.record(problems, built=False)
        return
    except CertgenError as error:
        print(f"the site was not rebuilt: {error}", flush=True)
        state.record(str(error), built=False)
        return
    took = time.perf_counter() - started
    print(
        f"built in {took:.1f} s: {report.certificates} certificates, {report.files_written} "
        "files updated",
        flush=True,
    )
    state.record("", built=True)


def snapshot(project: Project) -> dict[str, float]:
    """Modification time of every watched file."""
    found = {}
    for name in WATCHED:
        root = project.root / name
        for path in _files(root):
            try:
                found[str(path)] = path.stat().st_mtime
            except OSError:
                continue
    return found


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
    elif root.is_dir():
        yield from (p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; adds the reload script, and the last build's problems, to
    every page."""

    state: BuildState

    def do_GET(self) -> None:
        if self.path.split("?")[0] == STATE_PATH:
            with self.state.lock:
                body = json.dumps({"version": self.state.version, "ok": not self.state.problems})
            self._send(body.encode(), "application/json")
            return
        if not self.state.built_once:
            self._send(_page(self.state.problems or "Building the site…").encode(), "text/html")
            return
        target = Path(self.translate_path(self.path))
        if target.is_dir():
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            self._send(_with_problems(target.read_text("utf-8"), self.state).encode(), "text/html")
            return
        super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal shows builds and their findings, not every request


def _problems_box(problems: str) -> str:
    return (
        '<div id="certgen-build-problems" role="alert" style="position:sticky;top:0;z-index:9;'
        "background:#fff3f3;border:2px solid #b00020;padding:1em;margin:0;font:14px/1.4 "
        'monospace;white-space:pre-wrap;max-height:50vh;overflow:auto">'
        "<strong>The last change does not build</strong> (this is the last site that did; "
        "fix the files and save: the page reloads).\n\n"
        f"{html.escape(problems)}</div>"
    )


def _with_problems(page: str, state: BuildState) -> str:
    with state.lock:
        problems = state.problems
    box = _problems_box(problems) if problems else ""
    head, marker, rest = page.partition("<body")
    if not marker:
        return box + page + _RELOAD
    opening, close, body = rest.partition(">")
    return head + marker + opening + close + box + body.replace("</body>", _RELOAD + "</body>", 1)


def _page(problems: str) -> str:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>certgen serve</title>'
        f"<body>{_problems_box(problems)}{_RELOAD}</body></html>"
    )


def serve(project: Project, host: str, port: int, make_pdf: bool) -> None:
    """Serve until interrupted; rebuild after every change to a watched file."""
    out_dir = project.root / "build" / "preview"
    state = BuildState()
    handler = partial(type("BoundHandler", (Handler,), {"state": state}), directory=str(out_dir))
    server = http.server.ThreadingHTTPServer((host, port), handler)
    print(f"serving the site at http://{host}:{server.server_port}/ (Ctrl-C to stop)", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen = snapshot(project)
    rebuild(project, out_dir, make_pdf, state)
    try:
        while True:
            time.sleep(POLL_SECONDS)
            now = snapshot(project)
            if now != seen:
                seen = now
                rebuild(project, out_dir, make_pdf, state)
    finally:
        server.shutdown()
        server.server_close()
