"""Worker processes forked from this one, for the stages that spread their work over the cores."""

from __future__ import annotations

import gc
import marshal
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

Item = TypeVar("Item")


@contextmanager
def forked_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Worker processes forked from this one, sharing its memory copy-on-write.

    The objects alive now are frozen out of the garbage collector first: a child's collection
    would otherwise touch every inherited object and copy all of the parent's memory."""
    gc.freeze()
    try:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("fork")
        ) as pool:
            yield pool
    finally:
        gc.unfreeze()


class ChildFailed(Exception):
    """A forked child ended without its results."""


def in_two_processes(
    work: Callable[[Item], Any], mine: Sequence[Item], theirs: Sequence[Item]
) -> list[Any]:
    """``work`` over ``mine`` here and over ``theirs`` at the same time in a forked child:
    the results in the order of ``mine`` then ``theirs``. For short work (a tenth of a
    second) that a pool's start would cost more than; the results must be plain values
    (marshal's: numbers, strings, tuples, lists, dicts)."""
    if not theirs:
        return [work(item) for item in mine]
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        code = 1
        try:
            os.close(reader)
            with os.fdopen(writer, "wb") as out:
                out.write(marshal.dumps([work(item) for item in theirs]))
            code = 0
        finally:
            os._exit(code)
    os.close(writer)
    try:
        results = [work(item) for item in mine]
    finally:
        with os.fdopen(reader, "rb") as answer:
            content = answer.read()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        raise ChildFailed(f"a forked worker ended with status {status}")
    return [*results, *marshal.loads(content)]
