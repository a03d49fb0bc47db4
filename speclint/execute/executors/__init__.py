"""Where the execution stage runs: one interface, two implementations.

An executor gets the planned jobs (plain JSON built from the facts by ``plan``; each names
its model's location in ``job["path"]``) and yields ``(index, probes)`` as each model
finishes, in any order. It never raises for one model: a crash, a timeout or a lost node
becomes that model's probes record (``status`` crashed | timeout | out_of_memory). It
raises ``SpeclintError`` (one line) only when it cannot run at all.

- ``local`` (the default): one long-lived worker process on this machine (``runner``).
- ``ray``: one Ray task per model on a local Ray instance or a cluster (``ray_executor``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from speclint.errors import SpeclintError
from speclint.execute.options import ExecuteOptions
from speclint.vocabulary import Json

Job = tuple[int, Json]
EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """Runs planned jobs; see the module docstring for the contract."""

    name: str

    def run(self, jobs: list[Job], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]: ...


def make_executor(name: str = "local", **settings: Any) -> Executor:
    """The executor called ``name``; ``settings`` go to its constructor (e.g. ``address`` for ray)."""
    if name == "local":
        from speclint.execute.executors.local import LocalExecutor

        return LocalExecutor(**settings)
    if name == "ray":
        from speclint.execute.executors.ray_executor import RayExecutor

        return RayExecutor(**settings)
    raise SpeclintError(f"unknown executor {name!r} (choose from: {', '.join(EXECUTORS)})")
