"""Worker processes forked from this one, for the stages that spread their work over the cores."""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


@contextmanager
def forked_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one, sharing its memory copy-on-write.

    The objects alive now are frozen out of the garbage collector first (``collector_frozen``):
    a child's collection would otherwise touch every inherited object and copy all of the
    parent's memory."""
    context = multiprocessing.get_context("fork")
    with collector_frozen(), ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield pool


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a large result is made or received (outcomes unpickled
    from workers or from the cache, acyclic): hundreds of thousands of new objects would
    otherwise set off collections that walk all of them again and again. The whole
    process's collector, not a thread's (``certgen serve`` answers on other threads). Also
    a decorator: ``@collector_paused()``."""
    with _collecting(False):
        yield


@contextmanager
def collector_resumed() -> Iterator[None]:
    """Garbage collection on inside a stretch where it is paused (for work that leaves
    cycles behind, such as MkDocs' run)."""
    with _collecting(True):
        yield


@contextmanager
def _collecting(on: bool) -> Iterator[None]:
    """The collector on or off for a while, then back as it was."""
    collecting = gc.isenabled()
    gc.enable() if on else gc.disable()
    try:
        yield
    finally:
        gc.enable() if collecting else gc.disable()


@contextmanager
def collector_frozen() -> Iterator[None]:
    """The objects alive now (the checked register and its certificates, or what the last
    build kept of them, which live until the build ends) out of the garbage collector's way:
    at 100,000 certificates it spent 10 to 14 s walking them again and again. Objects made
    later are not frozen. They are given back to it after (a preview server builds again and
    again in one process), unless they were frozen already: what the caller froze stays so."""
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_already:
            gc.unfreeze()
