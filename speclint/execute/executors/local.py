"""The default executor: the local worker process of ``speclint.execute.runner``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from speclint.execute.options import ExecuteOptions

if TYPE_CHECKING:  # the executors package imports this module: types only, no import circle
    from speclint.execute.executors import Job, Json


class LocalExecutor:
    """One TensorFlow worker process on this machine, replaced when a model kills it."""

    name = "local"

    def run(self, jobs: list[Job], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
        from speclint.execute.runner import iter_jobs

        return iter_jobs(jobs, total, options)
