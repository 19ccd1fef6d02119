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
