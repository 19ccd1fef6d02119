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

    The objects alive now are frozen out of the garbage collector first: a child's collection
    would otherwise touch every inherited object and copy all of the parent's memory."""
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            yield pool
    finally:
        if not frozen_already:  # what the caller froze stays frozen
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a large result is made or received (outcomes unpickled
    from workers or from the cache, acyclic): hundreds of thousands of new objects would
    otherwise set off collections that walk all of them again and again."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def register_frozen() -> Iterator[None]:
    """The objects alive now (the checked register and its certificates, or what the last
    build kept of them, which live until the build ends) out of the garbage collector's way:
    at 100,000 certificates it spent 10 to 14 s walking them again and again. Objects made
    later are not frozen. They are given back to it when the build is done (a preview server
    builds again and again in one process)."""
    frozen_already = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not frozen_already:
            gc.unfreeze()
