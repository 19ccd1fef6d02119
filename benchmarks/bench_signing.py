"""What signing costs: the time to sign one certificate PDF, and a cold build without PDFs
signed (a JWS per JSON record) against the same build unsigned (a preview), interleaved.
The key is a throwaway one made here, as in the tests.

    python benchmarks/bench_signing.py                     # 10,000 certificates, 3 runs each
    python benchmarks/bench_signing.py --sizes 1000 --runs 5 --pdf-samples 30
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import timed_run
from benchmarks.synthetic import make_project
from tests.throwaway_keys import (
    key_environment,
    make_authority,
    make_signing_key,
    publish_throwaway_key,
)

COMMAND = [sys.executable, "-m", "generator", "build", "--no-pdf", "--timings"]
KEY_VARIABLES = ("CERTGEN_SIGNING_PKCS12", "CERTGEN_SIGNING_PASSPHRASE")


def cold(project: Path, cache: Path, key: dict[str, str] | None) -> float:
    shutil.rmtree(project / "build", ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    for name in KEY_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(key or {})
    elapsed, _, out = timed_run(COMMAND, project)
    if "built" not in out:
        raise SystemExit(f"the build failed:\n{out}")
    return elapsed


def bench_builds(size: int, runs: int, folder: Path) -> None:
    project = make_project(folder / f"register-{size}", size, issued_only=True)
    key = publish_throwaway_key(project, folder / "secrets")
    cache = folder / "cache"
    os.environ["CERTGEN_CACHE_DIR"] = str(cache)
    unsigned, signed = [], []
    for _ in range(runs):  # interleaved, so that a noisy moment hits both alike
        unsigned.append(cold(project, cache, None))
        signed.append(cold(project, cache, key))
    a, b = statistics.median(unsigned), statistics.median(signed)
    print(f"\n{size:,} certificates, cold build without PDFs, median of {runs}:")
    print(f"  unsigned (preview) {a:6.2f} s   runs {', '.join(f'{t:.2f}' for t in unsigned)}")
    print(f"  signed (JWS each)  {b:6.2f} s   runs {', '.join(f'{t:.2f}' for t in signed)}")
    print(f"  signed / unsigned  {b / a:6.3f}")


def bench_pdf(samples: int, folder: Path) -> None:
    from generator.record.signing import signer_from_environment

    p12, _ = make_signing_key(make_authority(), folder / "pdf-secrets")
    os.environ.update(key_environment(p12))
    signer = signer_from_environment()
    assert signer is not None
    from generator.website.render import pdf_bytes

    pdf = pdf_bytes("<h1>Certificate</h1>" + "<p>line</p>" * 200, "", [("certificate.json", b"{}")])
    seconds = []
    for _ in range(samples):
        started = time.perf_counter()
        signer.sign_pdf(pdf, "Benchmark Certifier")
        seconds.append(time.perf_counter() - started)
    print(
        f"\nsigning one PDF ({len(pdf):,} bytes, ECDSA P-256): median "
        f"{statistics.median(seconds) * 1000:.1f} ms, max {max(seconds) * 1000:.1f} ms over "
        f"{samples} (target < 200 ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="What signing costs.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pdf-samples", type=int, default=30)
    arguments = parser.parse_args()
    print(f"certgen signing benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="certgen-bench-signing-") as folder:
        bench_pdf(arguments.pdf_samples, Path(folder))
        for size in arguments.sizes:
            bench_builds(size, arguments.runs, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
