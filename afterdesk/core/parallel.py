"""Cutting a history file into chunks of whole lines, and running a function over them in
worker processes, results in file order.

Parsing a line (JSON, checks, times, fingerprint) is pure CPU work, the largest part of an
import: the check pass hands chunks to worker processes and merges their results in order, so
it uses every core. A worker only reads the file and computes; it never touches the database.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

# A chunk is (offset, length in bytes, number of its first line).
Chunk = tuple[int, int, int]
CHUNK_BYTES = 4 * 1024 * 1024
# Files smaller than this are checked in-process: starting workers would cost more.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
MAX_PROCESSES = 4

Result = TypeVar("Result")


def file_chunks(path: Path, size: int | None = None) -> Iterator[Chunk]:
    """Chunks of about `size` bytes (CHUNK_BYTES) that end at a line end (the last may not),
    numbered as iterating the file in binary mode numbers its lines (split at b"\\n" only)."""
    size = size or CHUNK_BYTES
    with path.open("rb") as handle:
        offset, first = 0, 1
        while data := handle.read(size):
            if not data.endswith(b"\n"):
                data += handle.readline()
            yield offset, len(data), first
            offset += len(data)
            first += data.count(b"\n")


def chunk_lines(path: Path, chunk: Chunk) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line with its end) for every line of a chunk."""
    offset, length, first = chunk
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read(length)
    lines = data.split(b"\n")
    last = lines.pop()  # b"" after a final line end, else a last line without one
    for index, line in enumerate(lines):
        yield first + index, line + b"\n"
    if last:
        yield first + len(lines), last


def process_count(path: Path) -> int:
    """How many worker processes to check this file with (0: check it in-process)."""
    cores = os.cpu_count() or 1
    if cores < 2 or path.stat().st_size < PARALLEL_MIN_BYTES:
        return 0
    return min(cores, MAX_PROCESSES)


def _start_method() -> str:
    # fork is fastest (the workers inherit the loaded project) but only safe from a process
    # with no other thread; macOS and threaded servers spawn fresh interpreters instead.
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def _worker_setup() -> None:
    """A spawned worker loads the project's settings and apps before its first task."""
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def ordered_map(
    function: Callable[..., Result],
    tasks: Iterable[tuple[Any, ...]],
    *,
    processes: int,
    start_method: str | None = None,
) -> Iterator[Result]:
    """`function(*task)` for every task, in task order: in-process when `processes` is 0,
    else in that many worker processes with at most two tasks per process in flight (the
    results wait in memory until the caller takes them)."""
    if processes <= 0:
        for task in tasks:
            yield function(*task)
        return
    context = multiprocessing.get_context(start_method or _start_method())
    # Unlike multiprocessing.Pool, the executor fails (BrokenProcessPool) when a worker cannot
    # start, instead of starting new ones forever.
    with ProcessPoolExecutor(processes, mp_context=context, initializer=_worker_setup) as pool:
        pending: deque[Future[Result]] = deque()
        try:
            for task in tasks:
                pending.append(pool.submit(function, *task))
                if len(pending) >= 2 * processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
