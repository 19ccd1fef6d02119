"""Time ``certgen check`` on synthetic registers and print the figures.

For each size, a synthetic repository (benchmarks/synthetic.py) is written to a temporary
folder, then ``certgen check`` runs in a fresh process several times. Printed per size:
median, fastest and slowest wall time, files per second, and the peak memory of the whole
process tree (the sum of the proportional set sizes of certgen and its workers, so that memory
shared after fork counts once).

    python benchmarks/bench_check.py                 # 10,000 and 100,000 requests, 3 runs
    python benchmarks/bench_check.py --sizes 1000 --runs 5 --jobs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import timed_run
from benchmarks.synthetic import make_project

TARGETS = {10_000: (5.0, 1024), 100_000: (60.0, 1024)}
"""Targets on a 2-core machine: seconds and MiB."""


def bench(size: int, runs: int, jobs: int | None, workdir: Path) -> None:
    project = workdir / f"register-{size}"
    started = time.perf_counter()
    make_project(project, size)
    print(f"\n{size:,} requests (generated in {time.perf_counter() - started:.1f} s)")
    command = [sys.executable, "-m", "generator", "check"]
    if jobs:
        command += ["--jobs", str(jobs)]
    times, peaks = [], []
    for run in range(1, runs + 1):
        elapsed, peak, out = timed_run(command, project)
        last = out.strip().splitlines()[-1]
        times.append(elapsed)
        peaks.append(peak)
        print(f"  run {run}: {elapsed:6.2f} s  peak {peak / 1024:6.0f} MiB  ({last})")
    median = statistics.median(times)
    print(
        f"  median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f}), "
        f"{size / median:,.0f} files/s, peak memory {max(peaks) / 1024:.0f} MiB"
    )
    if size in TARGETS:
        seconds, mebibytes = TARGETS[size]
        verdict = "met" if median < seconds and max(peaks) / 1024 < mebibytes else "MISSED"
        print(f"  target < {seconds:g} s and < {mebibytes} MiB: {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Time certgen check on synthetic registers.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, help="worker processes (default: certgen's own)")
    arguments = parser.parse_args()
    print(f"certgen check benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="certgen-bench-") as folder:
        for size in arguments.sizes:
            bench(size, arguments.runs, arguments.jobs, Path(folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
