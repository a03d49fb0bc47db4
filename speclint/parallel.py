"""Run one piece of work per model in worker processes, within a memory budget.

``run_models`` is how ``speclint.pipeline`` spreads models over ``--jobs`` processes: models
start while the sum of their memory estimates fits the budget, a worker that dies (the kernel's
out-of-memory killer) costs no other model its report, and Ctrl-C stops every worker at once.
"""

from __future__ import annotations

import os
import signal
import stat
from collections.abc import Callable, Iterator
from typing import Any

MB = 1 << 20
MIN_PARALLEL_MODELS = 4  # fewer models are read faster than worker processes start
READ_MEMORY_BASE = 64 * MB  # a worker's own footprint, before any model
READ_MEMORY_FACTOR = {".pb": 8, ".pbtxt": 24}  # peak memory per byte of saved_model.pb(txt), measured with margin
SMALL_MODEL = READ_MEMORY_BASE + 8 * MB  # estimated at most this: batched with others
MAX_CHUNK = 16  # models per batch

WORKER_DIED = (
    "reading stopped: the worker process reading it died (out of memory? lower --jobs or --memory-budget); not checked"
)


ARCHIVE_EXPANSION = 3  # a published archive's graph, unpacked in memory, against the archive's size (gzip'd protos)


def memory_estimate(model: str) -> int:
    """Peak memory reading ``model`` may take: a multiple of its saved_model file's size (of the
    archive's size, for a published archive read in place: its members are never listed here)."""
    estimate = READ_MEMORY_BASE
    try:
        info = os.stat(model)
    except OSError:
        return estimate
    if stat.S_ISREG(info.st_mode):
        return estimate + READ_MEMORY_FACTOR[".pb"] * ARCHIVE_EXPANSION * info.st_size
    for name, factor in (
        ("saved_model.pb", READ_MEMORY_FACTOR[".pb"]),
        ("saved_model.pbtxt", READ_MEMORY_FACTOR[".pbtxt"]),
    ):
        try:
            estimate += factor * os.stat(os.path.join(model, name)).st_size
            break
        except OSError:
            continue
    return estimate


class WorkerDied:
    """What ``run_models`` yields for a model whose worker process died while working on it."""

    def __init__(self, message: str) -> None:
        self.message = message


def run_models(
    work: Callable[[str], Any],
    models: list[str],
    jobs: int,
    budget: int,
    advance: Callable[[], None] | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, work(model))`` for every model, as each finishes.

    With several jobs, models start in order while the sum of their memory estimates fits in
    ``budget``; a model that would exceed it waits for running ones to finish (one that
    exceeds it alone runs alone). A worker that dies costs no other model its report: the
    models it took down are worked on again one at a time, and one that kills its worker alone
    yields ``WorkerDied``. Callers sort: the report never depends on the order here.
    """
    done = advance or (lambda: None)
    if jobs <= 1 or len(models) < MIN_PARALLEL_MODELS:
        for index, model in enumerate(models):
            yield index, work(model)
            done()
        return
    global _WORK
    _WORK = work  # reaches the workers by fork; elsewhere through the initializer
    estimates = [memory_estimate(model) for model in models]
    pending = list(range(len(models)))
    try:
        while pending:
            run = _PoolRun(work, models, jobs, estimates, budget)
            for index, value in run.results(pending):
                yield index, value
                done()
            for index in run.taken_down:  # in flight when a worker died: each again, alone
                yield index, _alone(work, models[index])
                done()
            pending = run.not_started
    finally:
        _WORK = None


class _PoolRun:
    """One process pool over some models, until they are done or a worker dies."""

    def __init__(self, work: Callable[[str], Any], models: list[str], jobs: int, estimates: list[int], limit: int):
        self.work, self.models, self.jobs, self.estimates, self.limit = work, models, jobs, estimates, limit
        self.taken_down: list[int] = []
        self.not_started: list[int] = []

    def results(self, indices: list[int]) -> Iterator[tuple[int, Any]]:
        from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        chunks = self._chunks(indices)
        running: dict[Future[Any], list[int]] = {}
        in_use, following = 0, 0
        workers = min(self.jobs, len(chunks))
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(self.work,))
        stopped = False
        try:
            while following < len(chunks) or running:
                while following < len(chunks) and len(running) < self.jobs:
                    chunk = chunks[following]
                    estimate = self._estimate(chunk)
                    if running and in_use + estimate > self.limit:
                        break  # queued until enough of the budget is free
                    running[pool.submit(_call_chunk, [self.models[i] for i in chunk])] = chunk
                    in_use += estimate
                    following += 1
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = running.pop(future)
                    in_use -= self._estimate(chunk)
                    try:
                        values = future.result()
                    except BrokenProcessPool:
                        self.taken_down = sorted([*chunk, *(i for other in running.values() for i in other)])
                        self.not_started = [i for later in chunks[following:] for i in later]
                        return
                    yield from zip(chunk, values, strict=True)
        except BaseException:  # Ctrl-C, or the caller stopped listening: no worker outlives the run
            stopped = True
            _stop(pool)
            raise
        finally:
            if not stopped:
                pool.shutdown(wait=True)

    def _estimate(self, chunk: list[int]) -> int:
        return max(self.estimates[i] for i in chunk)  # a worker reads its chunk one model at a time

    def _chunks(self, indices: list[int]) -> list[list[int]]:
        """Small models travel in batches (one round trip each), big ones alone (the budget sees each)."""
        size = max(1, min(MAX_CHUNK, len(indices) // (self.jobs * 4)))
        chunks: list[list[int]] = []
        current: list[int] = []
        for index in indices:
            if self.estimates[index] > SMALL_MODEL:
                chunks.append([index])
                continue
            current.append(index)
            if len(current) == size:
                chunks.append(current)
                current = []
        return [*chunks, current] if current else chunks


def _stop(pool: Any) -> None:
    """Cancel what has not started and end the workers now, not after their current model."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def _alone(work: Callable[[str], Any], model: str) -> Any:
    """``work(model)`` in a worker of its own; ``WorkerDied`` when that worker dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=1, initializer=_start_worker, initargs=(work,))
    try:
        value = pool.submit(_call_work, model).result()
    except BrokenProcessPool:
        value = WorkerDied(WORKER_DIED)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return value


_WORK: Callable[[str], Any] | None = None


def _start_worker(work: Callable[[str], Any]) -> None:
    """In each worker: the work to do, and Ctrl-C left to the main process, which stops the workers
    itself (a worker interrupted by the terminal's SIGINT would print a traceback)."""
    global _WORK
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if _WORK is None:
        _WORK = work


def _call_work(model: str) -> Any:
    assert _WORK is not None
    return _WORK(model)


def _call_chunk(models: list[str]) -> list[Any]:
    return [_call_work(model) for model in models]
