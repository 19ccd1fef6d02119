"""What the public register costs a browser and the build, since certificates are published
public-only (issue 10): the bytes a browser fetches to open the register page and to verify one
number, and the cold build time against the build before the confidentiality change.

1. Builds a synthetic register of N issued certificates without PDFs, serves it with a local
   HTTP server and opens it in Debian's Chromium (Playwright), counting the body of every
   response (page, stylesheets, scripts, the data files the scripts load, workers' fetches):
   register/index.html until the network is idle and its table is shown; verify.html, a
   number typed and the result shown. The server's own log of the bytes it sent is a check
   that the browser missed nothing. Targets: under 1 MB each at 10,000, under 2 MB at 100,000.
2. Times the cold build (no output, no cache, ``--no-pdf``) of N certificates with this code
   and with the code before the change (a git worktree of ``--baseline``, run with PYTHONPATH
   pointing to it), each on the synthetic register its own ``benchmarks/synthetic.py`` makes,
   ``certgen check`` first; runs interleaved (ABBA...), medians and their ratio. Target: x1.10.

    python benchmarks/bench_publication.py                    # 10,000: sizes and build times
    python benchmarks/bench_publication.py --count 100000 --no-build-time
    python benchmarks/bench_publication.py --ref HEAD --baseline 49da954^ --runs 5

1 kB = 1,000 bytes, 1 MB = 1,000,000 bytes.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import timed_run  # noqa: E402
from generator.website.register import fnv1a, normalize  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
BASELINE = "49da954^"
FETCH_LIMITS = {10_000: 1_000_000, 100_000: 2_000_000}
BUILD_RATIO_LIMIT = 1.10


def limit_for(count: int) -> int:
    """The fetch budget: 1 MB up to 10,000 certificates, 2 MB up to 100,000."""
    return FETCH_LIMITS[10_000] if count <= 10_000 else FETCH_LIMITS[100_000]


# Code trees: this checkout, or a worktree of a commit ------------------------------------------


@contextmanager
def code_tree(ref: str | None, workdir: Path, label: str) -> Iterator[Path]:
    """The checkout itself (``ref`` None) or a detached git worktree of ``ref``, removed after."""
    if ref is None:
        yield ROOT
        return
    path = workdir / f"code-{label}"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), ref],
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False
        )


def environment(tree: Path, cache: Path) -> dict[str, str]:
    """The environment of a certgen run from ``tree``: its code first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree) + os.pathsep + env.get("PYTHONPATH", "")
    env["CERTGEN_CACHE_DIR"] = str(cache)
    return env


def describe(tree: Path) -> str:
    commit = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dirty = subprocess.run(
        [
            "git",
            "-C",
            str(tree),
            "status",
            "--porcelain",
            "--",
            "generator",
            "site",
            "schemas",
            "data",
            "mkdocs.yml",
            "benchmarks/synthetic.py",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return commit[:90] + (" + uncommitted changes" if dirty else "")


def make_register(tree: Path, count: int, target: Path, cache: Path) -> float:
    """``tree``'s own synthetic register of ``count`` issued certificates at ``target``, checked
    by ``tree``'s certgen; the seconds it took to make."""
    env = environment(tree, cache)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(tree / "benchmarks" / "synthetic.py"),
            str(count),
            str(target),
            "--issued-only",
        ],
        cwd=tree,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    made = time.perf_counter() - started
    where = subprocess.run(
        [sys.executable, "-c", "import generator; print(generator.__file__)"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not where.startswith(str(tree)):
        raise SystemExit(f"certgen imported from {where}, not from {tree}")
    check = subprocess.run(
        [sys.executable, "-m", "generator", "check"],
        cwd=target,
        env=env,
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:  # beyond 9,999 a year, synthetic IDs no longer match S005
        summary = (check.stdout.strip().splitlines() or ["?"])[-1]
        print(f"  WARNING: certgen check on the synthetic register: {summary}")
    return made


def build(tree: Path, project: Path, cache: Path) -> tuple[float, float, int]:
    """A cold ``certgen build --no-pdf`` of ``project`` with ``tree``'s code: wall seconds, CPU
    seconds (user and system, the build and its workers: less disturbed by other work on the
    machine than wall time) and peak memory (KiB) of the process tree."""
    shutil.rmtree(project / "build", ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    command = [sys.executable, "-m", "generator", "build", "--no-pdf"]
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(environment(tree, cache))  # timed_run's process inherits it
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        elapsed, peak, _ = timed_run(command, project)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, peak


# Bytes fetched by a browser ---------------------------------------------------------------------


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the site and logs the path and size of every file it sends."""

    sent: list[tuple[str, int]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        opened = super().send_head()
        if opened is not None and hasattr(opened, "fileno"):
            size = os.fstat(opened.fileno()).st_size
            self.sent.append((unquote(urlsplit(self.path).path), size))
        return opened


@contextmanager
def serve(site: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    sent: list[tuple[str, int]] = []
    handler = type("Handler", (_CountingHandler,), {"sent": sent})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(site))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", sent
    finally:
        server.shutdown()
        server.server_close()


def fetched(
    browser: Any, url: str, sent: list[tuple[str, int]], action: Callable[[Any], None]
) -> tuple[dict[str, int], dict[str, int]]:
    """Bytes of every response the browser receives opening ``url`` in a fresh context (no
    cache) and doing ``action``: by URL path, as the browser saw them and as the server sent
    them. Responses from elsewhere than the site keep their full URL."""
    del sent[:]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    responses: list[Any] = []
    context.on("response", lambda response: responses.append(response))
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    action(page)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # anything started by the result, e.g. a lazy script
    seen: dict[str, int] = {}
    origin = url.split("/", 3)[:3]
    for response in responses:
        try:
            size = len(response.body())
        except Exception:  # a redirect or a response without a body
            size = 0
        local = response.url.split("/", 3)[:3] == origin
        key = "/" + unquote(urlsplit(response.url).path.lstrip("/")) if local else response.url
        seen[key] = seen.get(key, 0) + size
    context.close()
    served: dict[str, int] = {}
    for path, size in sent:
        served[path] = served.get(path, 0) + size
    return seen, served


def jsonp_value(path: Path) -> Any:
    """The value of a ``certgen.deliver("key", value);`` data file."""
    text = path.read_text("utf-8").strip()
    return json.loads(text[text.index(",") + 1 : text.rindex(")")])


def chosen_number(site: Path) -> tuple[str, str, int]:
    """A certificate number to verify (an issued certificate from the middle of the register),
    the lookup file it falls into (FNV-1a, as certgen.js), and the number of lookup files."""
    shards = jsonp_value(site / "data" / "lookup" / "meta.js")["shards"]
    rows = [
        row
        for year in jsonp_value(site / "data" / "register" / "years.js")
        for row in jsonp_value(site / "data" / "register" / f"{year['year']}.js")
    ]
    issued = sorted(
        (row for row in rows if row["status"] == "issued" and row["number"]),
        key=lambda row: row["page"],
    )
    number = issued[len(issued) // 2]["number"]
    return number, f"{fnv1a(normalize(number)) % shards:04x}", shards


def report(label: str, seen: dict[str, int], served: dict[str, int], limit: int) -> int:
    total = sum(seen.values())
    verdict = "met" if total < limit else f"MISSED by {(total - limit) / 1000:,.1f} kB"
    print(
        f"  {label}: {total / 1000:,.1f} kB in {len(seen)} files"
        f" (limit {limit / 1000:,.0f} kB: {verdict})"
    )
    if sum(served.values()) != total or set(served) != set(seen):
        print(
            f"    the server sent {sum(served.values()) / 1000:,.1f} kB in {len(served)} files;"
            f" only the browser saw: {sorted(set(seen) - set(served))[:5]},"
            f" only the server sent: {sorted(set(served) - set(seen))[:5]}"
        )
    for path, size in sorted(seen.items(), key=lambda item: -item[1])[:6]:
        print(f"    {size / 1000:9,.1f} kB  {size / total:4.0%}  {path}")
    return total


def fetch_sizes(site: Path, count: int, label: str) -> dict[str, Any]:
    """Open the register and verify one number on ``site``; print and return the figures."""
    from playwright.sync_api import sync_playwright

    if not (site / "data" / "lookup" / "meta.js").is_file():
        raise SystemExit(f"no built site at {site} (did the build refuse the register?)")
    limit = limit_for(count)
    number, shard, shards = chosen_number(site)
    lookups = sorted((site / "data" / "lookup").glob("[0-9a-f]*.js"))
    largest = max(path.stat().st_size for path in lookups)
    published = sum(year["count"] for year in jsonp_value(site / "data" / "register" / "years.js"))
    print(
        f"\nBytes fetched, {label}: {published:,} certificates, {shards} lookup files"
        f" (largest {largest / 1000:.1f} kB)"
    )

    def register(page: Any) -> None:
        page.wait_for_function(
            "/certificate/.test("
            "(document.querySelector('#certgen-register-summary') || {}).textContent || '')"
        )

    def verify(page: Any) -> None:
        page.fill("#certgen-number", number)
        page.press("#certgen-number", "Enter")
        page.wait_for_selector("#certgen-verify-result .certgen-result", timeout=30_000)
        text = page.inner_text("#certgen-verify-result")
        if "No certificate numbered" in text:
            raise SystemExit(f"verify.html did not find {number}: {text}")

    with serve(site) as (base, sent), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            seen, served = fetched(browser, base + "register/index.html", sent, register)
            register_total = report("register/index.html", seen, served, limit)
            seen, served = fetched(browser, base + "verify.html", sent, verify)
            print(f"  (number {number}, lookup file data/lookup/{shard}.js)")
            verify_total = report("verify.html, one number verified", seen, served, limit)
            if f"/data/lookup/{shard}.js" not in seen:
                print(f"    WARNING: data/lookup/{shard}.js was not fetched")
            shard_size = seen.get(f"/data/lookup/{shard}.js", 0)
        finally:
            browser.close()
    worst = verify_total - shard_size + largest
    print(f"  verify.html with the largest lookup file: {worst / 1000:,.1f} kB")
    return {
        "count": published,
        "register_bytes": register_total,
        "verify_bytes": verify_total,
        "verify_worst_bytes": worst,
        "limit_bytes": limit,
    }


# The benchmark ----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="certificates (10,000)")
    parser.add_argument("--runs", type=int, default=3, help="cold builds of each version (3)")
    parser.add_argument("--ref", help="the code measured, a commit (default: this checkout)")
    parser.add_argument("--baseline", default=BASELINE, help=f"the code before ({BASELINE})")
    parser.add_argument("--no-build-time", action="store_true", help="fetch sizes only")
    parser.add_argument("--workdir", type=Path, help="where to work (default: a temporary folder)")
    parser.add_argument("--site", type=Path, help="only the fetch sizes of this built site")
    arguments = parser.parse_args()
    print(f"certgen publication benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    if arguments.site:
        print(json.dumps(fetch_sizes(arguments.site, arguments.count, str(arguments.site))))
        return 0
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="certgen-publication-", dir=arguments.workdir) as tmp:
        workdir = Path(tmp)
        with code_tree(arguments.ref, workdir, "current") as current:
            print(f"current:  {describe(current)}")
            project = workdir / "register-current"
            cache = workdir / "cache-current"
            made = make_register(current, arguments.count, project, cache)
            print(f"  synthetic register of {arguments.count:,} made and checked ({made:.0f} s)")
            if arguments.no_build_time:
                elapsed, cpu, peak = build(current, project, cache)
                print(
                    f"  cold build {elapsed:.1f} s (CPU {cpu:.1f} s),"
                    f" peak memory {peak / 1024:,.0f} MiB"
                )
                results["current"] = fetch_sizes(
                    project / "build" / "site", arguments.count, "current"
                )
            else:
                results.update(build_times(arguments, current, project, cache, workdir))
    print(json.dumps(results))
    return 0


def build_times(
    arguments: argparse.Namespace, current: Path, project: Path, cache: Path, workdir: Path
) -> dict[str, Any]:
    """Interleaved cold builds of the current and the baseline code; fetch sizes of both sites."""
    results: dict[str, Any] = {}
    with code_tree(arguments.baseline, workdir, "baseline") as baseline:
        print(f"baseline: {arguments.baseline} = {describe(baseline)}")
        old_project = workdir / "register-baseline"
        old_cache = workdir / "cache-baseline"
        made = make_register(baseline, arguments.count, old_project, old_cache)
        print(f"  its synthetic register of {arguments.count:,} made and checked ({made:.0f} s)")
        versions = {
            "current": (current, project, cache),
            "baseline": (baseline, old_project, old_cache),
        }
        times: dict[str, list[float]] = {"current": [], "baseline": []}
        cpus: dict[str, list[float]] = {"current": [], "baseline": []}
        peaks: dict[str, list[int]] = {"current": [], "baseline": []}
        print(f"\nCold builds (--no-pdf), {arguments.count:,} certificates, interleaved:")
        for round_number in range(arguments.runs):
            order = ["baseline", "current"] if round_number % 2 == 0 else ["current", "baseline"]
            for name in order:
                elapsed, cpu, peak = build(*versions[name])
                times[name].append(elapsed)
                cpus[name].append(cpu)
                peaks[name].append(peak)
                print(
                    f"  round {round_number + 1} {name:<8} {elapsed:6.2f} s (CPU {cpu:6.2f} s),"
                    f" peak {peak / 1024:,.0f} MiB",
                    flush=True,
                )
        medians = {name: statistics.median(values) for name, values in times.items()}
        cpu_medians = {name: statistics.median(values) for name, values in cpus.items()}
        ratio = medians["current"] / medians["baseline"]
        cpu_ratio = cpu_medians["current"] / cpu_medians["baseline"]
        for name in ("baseline", "current"):
            print(
                f"  {name:<8} median {medians[name]:6.2f} s (min {min(times[name]):.2f},"
                f" max {max(times[name]):.2f}), CPU median {cpu_medians[name]:.2f} s,"
                f" peak memory {max(peaks[name]) / 1024:,.0f} MiB"
            )
        verdict = "met" if ratio <= BUILD_RATIO_LIMIT else "MISSED"
        print(
            f"  ratio current/baseline x{ratio:.3f} wall (limit x{BUILD_RATIO_LIMIT:.2f}:"
            f" {verdict}), x{cpu_ratio:.3f} CPU"
        )
        results["build_seconds"] = medians
        results["build_cpu_seconds"] = cpu_medians
        results["build_ratio"] = round(ratio, 4)
        results["build_cpu_ratio"] = round(cpu_ratio, 4)
        results["current"] = fetch_sizes(project / "build" / "site", arguments.count, "current")
        results["baseline"] = fetch_sizes(
            old_project / "build" / "site", arguments.count, f"baseline {arguments.baseline}"
        )
    return results


if __name__ == "__main__":
    raise SystemExit(main())
