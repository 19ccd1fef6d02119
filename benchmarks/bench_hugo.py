"""A cold ``certgen build --no-pdf`` side by side with Hugo on the same certificates, on the
same machine, in the same run.

For each size, a synthetic register of issued certificates (benchmarks/synthetic.py), and from
its frozen records (records/<year>/<id>.json, with each request's status and cancellation
read from its file) a minimal Hugo site, written before any timing: one content page a
certificate (JSON front matter: number, document, status and cancellation, exporter,
importer, destination, issued date, products with lots, packages and net weights, the
record's SHA-256; no body), hugo.toml, and layouts without a theme: baseof, single (the
certificate), index (the home page) and list, the register: ONE page listing every
certificate (not paginated), newest first. Taxonomies, RSS, sitemap, robots.txt and 404 are
off; uglyURLs and disablePathToLower give certgen's paths (certificates/<id>.html).

Runs are interleaved (certgen 1, Hugo 1, certgen 2, ...), each cold: certgen with no output
folder and an empty CERTGEN_CACHE_DIR, Hugo with no destination, no resources/ and an empty
--cacheDir. Only the commands are timed; wall time and the peak memory (PSS) of the process
tree come from benchmarks/measure.py, CPU time (user and system, the workers included) from
getrusage: on a shared machine it moves less than wall time with other people's work.

What differs: ``certgen build --no-pdf`` does more than render. It checks every request
(YAML parsed with positions, JSON Schema, every rule, the cross-request rules) against
data/, reads and digests every frozen record, runs MkDocs (Material) for the guidance pages
and the page shell, and writes three files a certificate: its public page (the shell, about
17 KB, with what the publication policy makes public), its public JSON record and its
holder's details (the full certificate fragment rendered and sealed with AES-GCM under a key
derived for the certificate); then the register's year pages, the register's and the
verification page's lookup files, the JSON and CSV downloads and the Atom feed. It makes no
PDF and signs nothing (no signing key in the environment). Hugo reads ready-made front
matter and renders one small HTML page a certificate (every field in the clear) and one list.

    python benchmarks/bench_hugo.py                       # 10,000 and 100,000, 3 runs each
    python benchmarks/bench_hugo.py --sizes 1000 --runs 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_build import COMMAND  # noqa: E402
from benchmarks.measure import set_aside, timed_run  # noqa: E402
from benchmarks.synthetic import make_project  # noqa: E402

INSTALL_HUGO = "apt-get update && apt-get install -y hugo"
AS_FAST_AS_HUGO_AT = 10_000
"""The size at which certgen's cold build must be no slower than Hugo's."""
LIMITS = {100_000: (60.0, 1536)}
"""Size: certgen's cold build under these seconds and MiB."""
_STATUS = re.compile(r"^status: *(\w+)", re.MULTILINE)
_CANCELLED_ON = re.compile(r"^  cancelled_on: *'?(\d{4}-\d{2}-\d{2})", re.MULTILINE)
_REASON = re.compile(r"^  reason: *(\w+)", re.MULTILINE)

CONFIG = """\
baseURL = "https://certificates.example/"
title = "Certificate register (Hugo)"
languageCode = "en"
uglyURLs = true
timeout = "600s"
buildFuture = true
disablePathToLower = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} | {{ site.Title }}</title>
</head>
<body>
<header><a href="{{ "index.html" | relURL }}">{{ site.Title }}</a> ·
<a href="{{ "certificates.html" | relURL }}">Register</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}{{ with .Params }}
<article class="certificate" data-status="{{ .status }}" data-number="{{ .number }}">
{{ if ne .status "issued" }}<div class="banner" role="status"><strong>{{ .status | title }}</strong>
{{ with .cancelled_on }} on {{ dateFormat "2 January 2006" . }}{{ end }}
{{ with .reason }}: {{ replace . "_" " " }}{{ end }}.</div>{{ end }}
<header><p>{{ .certifier }}</p><h1>{{ .document }}</h1>
<p>Certificate number <strong>{{ .number }}</strong></p></header>
<dl>
<div><dt>Status</dt><dd>{{ .status | title }}</dd></div>
<div><dt>Issued on</dt><dd>{{ dateFormat "2 January 2006" .issued_on }}</dd></div>
{{ with .exporter }}<div><dt>Exporter</dt><dd>{{ . }}</dd></div>{{ end }}
{{ with .importer }}<div><dt>Importer</dt><dd>{{ . }}</dd></div>{{ end }}
{{ with .destination }}<div><dt>Destination</dt><dd>{{ . }}</dd></div>{{ end }}
</dl>
<table><thead><tr><th>Product</th><th>Lots</th><th>Packages</th><th>Net weight</th></tr></thead>
<tbody>{{ range .products }}
<tr><td>{{ .name }}</td><td>{{ with .lots }}{{ delimit . ", " }}{{ end }}</td>
<td>{{ .packages }}</td>
<td>{{ with .net_weight_kg }}{{ lang.FormatNumber 0 . }} kg{{ end }}</td></tr>
{{ end }}</tbody></table>
<footer><p>SHA-256 of the record as issued: <code>{{ .sha256 }}</code></p></footer>
</article>
{{ end }}{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>The register</h1>
<p>{{ len .Pages }} certificates, newest first.</p>
<table><thead><tr><th>Number</th><th>Document</th><th>Exporter</th><th>Destination</th>
<th>Products</th><th>Issued</th><th>Status</th></tr></thead>
<tbody>{{ range .Pages.ByDate.Reverse }}{{ $page := . }}{{ with .Params }}
<tr data-status="{{ .status }}"><td><a href="{{ $page.RelPermalink }}">{{ .number }}</a></td>
<td>{{ .document }}</td><td>{{ .exporter | default "—" }}</td>
<td>{{ .destination | default "—" }}</td>
<td>{{ range $i, $p := .products }}{{ if $i }}; {{ end }}{{ $p.name }}{{ end }}</td>
<td>{{ .issued_on }}</td><td>{{ .status | title }}</td></tr>{{ end }}{{ end }}
</tbody></table>
{{ end }}
""",
    "index.html": """\
{{ define "main" }}
<h1>{{ site.Title }}</h1>
<p><a href="{{ "certificates.html" | relURL }}">The register</a>:
{{ len site.RegularPages }} certificates.</p>
{{ end }}
""",
}


@dataclass
class Runs:
    """One tool's cold runs at one size."""

    name: str
    seconds: list[float] = field(default_factory=list)
    peaks_kib: list[int] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    files: int = 0
    bytes: int = 0
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peaks_kib) / 1024

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu_seconds)


def write_hugo_site(project: Path, site: Path) -> int:
    """The Hugo site of ``project``'s published certificates; how many pages it has."""
    for relative, text in LAYOUTS.items():
        (site / "layouts" / relative).parent.mkdir(parents=True, exist_ok=True)
        (site / "layouts" / relative).write_text(text, "utf-8")
    (site / "hugo.toml").write_text(CONFIG, "utf-8")
    content = site / "content" / "certificates"
    content.mkdir(parents=True)
    count = 0
    for record_path in sorted((project / "records").rglob("*.json")):
        raw = record_path.read_bytes()
        record = json.loads(raw)
        request = project / "requests" / record_path.parent.name / f"{record['id']}.yaml"
        page = front_matter(record, request.read_text("utf-8"), hashlib.sha256(raw).hexdigest())
        text = json.dumps(page, ensure_ascii=False, indent=1) + "\n"
        (content / f"{record['id']}.md").write_text(text, "utf-8")
        count += 1
    return count


def front_matter(record: dict[str, Any], request: str, sha256: str) -> dict[str, Any]:
    """What a certificate's page shows: the record's fields, the status from its request."""
    status = _STATUS.search(request)
    cancelled_on, reason = _CANCELLED_ON.search(request), _REASON.search(request)
    exporter = record.get("exporter") or {}
    return {
        "title": f"{record['document']['title']} {record['number']}",
        "date": record["issued_on"],
        "id": record["id"],
        "number": record["number"],
        "document": record["document"]["title"],
        "document_type": record["document"]["type"],
        "status": status[1] if status else "issued",
        "cancelled_on": cancelled_on[1] if cancelled_on else None,
        "reason": reason[1] if reason else None,
        "certifier": record["certifier"]["name"],
        "exporter": _party(exporter, exporter.get("operation_id")),
        "importer": _party(record.get("importer") or {}, None),
        "destination": (record.get("destination") or {}).get("country_name"),
        "issued_on": record["issued_on"],
        "products": [_product(p) for p in record["products"]],
        "sha256": sha256,
    }


def _party(party: dict[str, Any], operation_id: str | None) -> str | None:
    name = party.get("name")
    return f"{name} ({operation_id})" if name and operation_id else name


def _product(product: dict[str, Any]) -> dict[str, Any]:
    packages = product.get("packages") or {"count": 0, "kind": ""}
    times = "\u00d7 " if packages["kind"][:1].isdigit() else ""  # as certgen writes it
    return {
        "name": product["name_as_labeled"],
        "lots": product.get("lots", []),
        "packages": f"{packages['count']:,} {times}{packages['kind']}" if packages["kind"] else "",
        "net_weight_kg": product.get("net_weight_kg"),
    }


def certgen_cold(project: Path, scratch: Path, runs: Runs, pages: int) -> None:
    """A cold certgen build: the last one's output and cache set aside (as Hugo's are: no
    timed run of either follows the removal of thousands of files), a new cache folder."""
    set_aside(project / "build", scratch / "trash")
    cache = Path(tempfile.mkdtemp(prefix="certgen-cache-", dir=scratch))
    os.environ["CERTGEN_CACHE_DIR"] = str(cache)  # timed_run's process inherits it
    out = _timed(runs, COMMAND, project)
    runs.note = next((line for line in out.splitlines() if line.startswith("timings")), "")
    _check_pages(runs, project / "build" / "site", pages)
    set_aside(cache, scratch / "trash")


def hugo_cold(site: Path, scratch: Path, runs: Runs, pages: int) -> None:
    destination, cache = scratch / "hugo-public", scratch / "hugo-cache"
    for folder in (destination, cache, site / "resources", site / "public"):
        set_aside(folder, scratch / "trash")
    command = ["hugo", "--quiet", "--source", str(site), "--destination", str(destination)]
    _timed(runs, [*command, "--cacheDir", str(cache)], site)
    _check_pages(runs, destination, pages)


def _timed(runs: Runs, command: list[str], cwd: Path) -> str:
    """Run ``command``, add its wall time, peak memory and CPU time (user and system, of
    the process and the workers it waited for: less sensitive than wall time to other work
    on the machine) to ``runs``; its output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    elapsed, peak, out = timed_run(command, cwd)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    runs.seconds.append(elapsed)
    runs.peaks_kib.append(peak)
    runs.cpu_seconds.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return out


def _check_pages(runs: Runs, output: Path, pages: int) -> None:
    made = len(list((output / "certificates").glob("*.html")))
    if made != pages:
        raise SystemExit(f"{runs.name} wrote {made} certificate pages in {output}, not {pages}")
    runs.files, runs.bytes = _tree_size(output)


def _tree_size(folder: Path) -> tuple[int, int]:
    files = total = 0
    for root, _, names in os.walk(folder):
        for name in names:
            files += 1
            total += (Path(root) / name).stat().st_size
    return files, total


def bench(size: int, runs: int, workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    project = make_project(workdir / f"register-{size}", size, issued_only=True)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    pages = write_hugo_site(project, workdir / f"hugo-{size}")
    print(
        f"\n{size:,} requests, {pages:,} published certificates (register generated in "
        f"{generated:.1f} s, Hugo content in {time.perf_counter() - started:.1f} s)"
    )
    certgen, hugo = Runs("certgen"), Runs("hugo")
    load_before = os.getloadavg()[0]
    for _ in range(runs):
        certgen_cold(project, workdir, certgen, pages)
        hugo_cold(workdir / f"hugo-{size}", workdir, hugo, pages)
    load_after = os.getloadavg()[0]
    print(f"  load average (1 min): {load_before:.2f} before the runs, {load_after:.2f} after")
    for side in (certgen, hugo):
        _print_runs(side)
    _print_comparison(size, certgen, hugo)
    for folder in (project, workdir / f"hugo-{size}", workdir / "hugo-public"):
        set_aside(folder, workdir / "trash")  # removed with the benchmark's folder
    return {"size": size, "pages": pages} | _summary(certgen) | _summary(hugo)


def _print_runs(runs: Runs) -> None:
    print(
        f"  {runs.name:<8} wall median {runs.median:7.2f} s (min {min(runs.seconds):.2f}, max "
        f"{max(runs.seconds):.2f}; {len(runs.seconds)} runs), CPU median {runs.median_cpu:.2f} s,"
        f" peak memory {runs.peak_mib:.0f} MiB, output {runs.files:,} files, "
        f"{runs.bytes / 2**20:,.1f} MiB"
    )
    if runs.note:
        print(f"  {'':<8} last run's {runs.note}")


def _print_comparison(size: int, certgen: Runs, hugo: Runs) -> None:
    ratios = [
        ("wall", certgen.median / hugo.median),
        ("CPU", certgen.median_cpu / hugo.median_cpu),
        ("memory", certgen.peak_mib / hugo.peak_mib),
        ("files", certgen.files / hugo.files),
        ("bytes", certgen.bytes / hugo.bytes),
    ]
    print("  certgen/hugo: " + ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios))
    if size == AS_FAST_AS_HUGO_AT:
        _verdict(
            f"certgen no slower than Hugo ({certgen.median:.2f} s vs {hugo.median:.2f} s)",
            certgen.median <= hugo.median,
        )
    if size in LIMITS:
        seconds, mib = LIMITS[size]
        _verdict(f"certgen under {seconds:g} s ({certgen.median:.1f} s)", certgen.median < seconds)
        _verdict(f"certgen under {mib} MiB ({certgen.peak_mib:.0f} MiB)", certgen.peak_mib < mib)


def _verdict(claim: str, holds: bool) -> None:
    print(f"  target: {claim}: {'met' if holds else 'MISSED'}")


def _summary(runs: Runs) -> dict[str, Any]:
    values: dict[str, Callable[[Runs], Any]] = {
        "median_s": lambda r: round(r.median, 2),
        "cpu_s": lambda r: round(r.median_cpu, 2),
        "peak_mib": lambda r: round(r.peak_mib),
        "files": lambda r: r.files,
        "bytes": lambda r: r.bytes,
    }
    return {f"{runs.name}_{key}": value(runs) for key, value in values.items()}


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description="Time a cold certgen build against Hugo.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    if shutil.which("hugo") is None:
        print(f"hugo is not on PATH; install it with: {INSTALL_HUGO}", file=sys.stderr)
        return 2
    commit = _output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    print(f"certgen build --no-pdf vs Hugo: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"certgen commit {commit}; {_output(['hugo', 'version'])}")
    summaries = []
    with tempfile.TemporaryDirectory(prefix="certgen-bench-hugo-") as folder:
        for size in arguments.sizes:
            summaries.append(bench(size, arguments.runs, Path(folder)))
    print(json.dumps(summaries))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
