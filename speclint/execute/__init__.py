"""The execution stage (``speclint --execute``): run each model and record what it does.

Some promises of the spec show only at run time: any batch size works, the output width
does not follow the input size, a row of a batch does not depend on the others, outputs
are finite and are logits. ``execute`` adds ``facts["probes"]`` to every facts document.
TensorFlow is imported only in a worker child process (see ``runner``), never here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import Any

from speclint.errors import SpeclintError
from speclint.execute.options import ExecuteOptions, ProgressEvent, Tolerances
from speclint.execute.plan import plan
from speclint.execute.runner import INSTALL_HINT

__all__ = ["ExecuteOptions", "ProgressEvent", "Tolerances", "execute", "iter_execute", "require_tensorflow"]


def execute(facts_list: list[dict[str, Any]], options: ExecuteOptions | None = None, executor: Any = None) -> None:
    """Add ``facts["probes"]`` to each facts document in place, failures included.

    ``executor``: an ``executors.Executor`` (default: the local worker). Raises
    ``SpeclintError`` (one line) when TensorFlow is missing or the worker cannot start.
    """
    for _index in iter_execute(facts_list, options, executor):
        pass


def iter_execute(
    facts_list: list[dict[str, Any]], options: ExecuteOptions | None = None, executor: Any = None
) -> Iterator[int]:
    """``execute``, yielding each index as soon as its facts document has its probes."""
    options = options or ExecuteOptions()
    if executor is None:
        from speclint.execute.executors.local import LocalExecutor

        executor = LocalExecutor()
    if executor.name == "local":
        require_tensorflow()  # a Ray cluster needs TensorFlow on its nodes, not here
    jobs = []
    for index, facts in enumerate(facts_list):
        job, record = plan(facts, options)
        if record is None:
            assert job is not None
            jobs.append((index, job))
            continue
        record["memory"]["limit_mb"] = options.memory_limit_mb
        facts["probes"] = record
        if options.progress is not None:
            options.progress(
                ProgressEvent(
                    "model-finished",
                    index=index,
                    total=len(facts_list),
                    path=facts.get("path"),
                    status=record["status"],
                )
            )
        yield index
    for index, probes in executor.run(jobs, len(facts_list), options):
        facts_list[index]["probes"] = probes
        yield index


def require_tensorflow() -> None:
    """Fail fast, without importing it, when TensorFlow is not installed."""
    try:
        found = importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise SpeclintError(f"--execute needs TensorFlow, which is not installed: {INSTALL_HINT}")
