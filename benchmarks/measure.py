"""Measuring a command: wall time and the peak memory of its whole process tree; folders set
aside before a cold run (removed only once every run is over)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path


def tree_memory_kib(pid: int) -> int:
    """Memory used by ``pid`` and all its descendants, in KiB: the sum of their proportional
    set sizes (PSS), so that pages shared after fork are counted once, not once a process."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def timed_run(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak tree memory in KiB (sampled every 50 ms: reading a large process's
    memory map slows it down) and the output of a run."""
    peak = 0
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_memory_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}): {err}")
    return elapsed, peak, out


def set_aside(folder: Path, trash: Path) -> None:
    """Move ``folder`` into ``trash``, which the benchmark's temporary folder removes once
    every run is over: no timed build follows the removal of thousands of files (a file
    system creates files more slowly for a few minutes after; ext4 without a journal skips
    inodes freed in the last minute or five), as none does in a fresh CI checkout."""
    if folder.exists():
        trash.mkdir(exist_ok=True)
        folder.rename(Path(tempfile.mkdtemp(dir=trash)) / folder.name)
