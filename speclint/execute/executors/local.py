"""The default executor: the local worker process of ``speclint.execute.runner``."""

from __future__ import annotations

from collections.abc import Iterator

from speclint.execute.executors import Job, Json
from speclint.execute.options import ExecuteOptions


class LocalExecutor:
    """One TensorFlow worker process on this machine, replaced when a model kills it."""

    name = "local"

    def run(self, jobs: list[Job], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
        from speclint.execute.runner import iter_jobs

        return iter_jobs(jobs, total, options)
