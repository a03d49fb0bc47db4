"""The Ray executor: one Ray task per model, on a local Ray instance or a cluster.

How a model reaches the node that probes it:

- a model directory of at most ``ship_limit_mb`` (default 64 MiB) is packed as an
  uncompressed tar and shipped through Ray's object store; the task unpacks it into a
  temporary directory on the node and removes it afterwards, so the cluster needs no
  access to the caller's files;
- a larger model (or every model, with ``ship_limit_mb=0``) is read on the node from the
  same path, so the path must be on a file system the nodes share (NFS, a bucket mount).

The static stage stays on the caller (it is cheap); only the planned job, plain JSON made
from the facts, travels. Each task asks Ray for one CPU, or one GPU with ``--device gpu``,
and for ``memory_limit_mb`` of memory. A task whose Ray worker dies (the process is killed,
its node is lost) is retried ``max_retries`` times by Ray; after that, or when a task
outlives its deadline, the model gets a ``crashed`` or ``timeout`` record: never a lost model.
At most ``max_in_flight`` tasks are submitted at a time and each model's facts are dropped
once reported (``api.Run.results``), so the driver holds only the models in flight, and its
memory stays flat over a long run (``benchmarks/bench_ray.py --simulate``). Two things once
made it grow by 30-50 KiB per model, and are guarded by tests: a distinct Ray task name per
model (Ray's driver keeps state per task name; see ``task_name``), and the packed tar of
each shipped model kept alive by ``tarfile``'s reference cycle until a full garbage
collection (see ``ray_task.pack``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from speclint.errors import SpeclintError
from speclint.execute.options import ExecuteOptions, ProgressEvent
from speclint.execute.plan import probes_record

if TYPE_CHECKING:  # the executors package imports this module: types only, no import circle
    from speclint.execute.executors import Job, Json

INSTALL_HINT = "pip install 'speclint[ray]'"
DEADLINE_SLACK_S = 60.0  # on top of TensorFlow's start and the model's own time limit


class RayExecutor:
    """Fan the jobs out as Ray tasks and yield each model's probes as its task ends."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_cpus: int | None = None,
        max_retries: int = 2,
        ship_limit_mb: float = 64.0,
        max_in_flight: int | None = None,
        init_options: dict[str, Any] | None = None,
        name_tasks: bool = False,
    ) -> None:
        if max_retries < 0:
            raise SpeclintError("--ray-max-retries must be 0 or more")
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self.ship_limit_bytes = int(ship_limit_mb * 2**20)
        self.max_in_flight = max_in_flight
        self.init_options = init_options or {}
        self.name_tasks = name_tasks
        self.shipped: dict[int, str] = {}  # index -> "bytes" | "path" (how each model travelled)

    def run(self, jobs: list[Job], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
        if not jobs:
            return
        ray = _import_ray()
        started_here = self._connect(ray)
        try:
            yield from self._run(ray, jobs, total, options)
        finally:
            if started_here:
                ray.shutdown()

    def _connect(self, ray: Any) -> bool:
        """Join the cluster (address or RAY_ADDRESS) or start a local instance; True if we started one."""
        if ray.is_initialized():
            return False  # a notebook or a Ray job that set Ray up itself
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, **self.init_options}
        if self.address:
            _require_reachable(self.address)
            kwargs["address"] = self.address
        elif self.num_cpus is not None:
            kwargs["num_cpus"] = self.num_cpus
        try:
            ray.init(**kwargs)
        except Exception as exc:  # ConnectionError, a bad address, a version clash: one line
            where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
            raise SpeclintError(f"--executor ray: cannot start or join {where}: {_one_line(exc)}") from None
        return True

    def _run(self, ray: Any, jobs: list[Job], total: int, options: ExecuteOptions) -> Iterator[tuple[int, Json]]:
        import speclint.execute.executors.ray_task as ray_task

        gpu = options.device == "gpu"
        resources = ray.cluster_resources()
        if gpu and not resources.get("GPU"):  # the tasks would wait forever for a GPU that never comes
            raise SpeclintError("--device gpu: the Ray cluster has no GPU (use --device cpu or auto)")
        # Ask for the memory limit, but never more than the whole cluster has: such a task would
        # wait forever as infeasible. The worker's own watchdog still enforces the limit.
        memory = min(
            options.memory_limit_mb * 2**20, int(resources.get("memory", 0)) or options.memory_limit_mb * 2**20
        )
        remote = ray.remote(
            num_cpus=0 if gpu else 1,
            num_gpus=1 if gpu else 0,
            memory=memory,
            max_retries=self.max_retries,
            retry_exceptions=False,  # a model's own failure is a record, not an exception; only deaths retry
        )(ray_task.probe)
        task_options = dataclasses.replace(options, progress=None)  # callbacks stay on the driver
        window = self.max_in_flight or max(2, 2 * int(resources.get("GPU" if gpu else "CPU", 1)))
        deadline_s = (options.startup_timeout_s + options.timeout_s + DEADLINE_SLACK_S) * (self.max_retries + 1)
        pending = list(reversed(jobs))
        in_flight: dict[Any, tuple[int, Json, float, Any]] = {}  # task -> index, job, submitted, model ref
        while pending or in_flight:
            while pending and len(in_flight) < window:
                index, job = pending.pop()
                model_tar = self._ship(ray, index, job)
                ref = remote.options(name=self.task_name(index)).remote(job, model_tar, task_options)
                in_flight[ref] = (index, job, time.monotonic(), model_tar)
                del model_tar
                _progress(options, ProgressEvent("model-started", index=index, total=total, path=job["path"]))
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            now = time.monotonic()
            finished = [(ref, self._outcome(ray, ref, options)) for ref in done]
            for ref, (_index, _job, submitted, _model) in list(in_flight.items()):
                if ref not in done and now - submitted > deadline_s:
                    ray.cancel(ref, force=True)
                    message = f"stopped: the Ray task did not end within {deadline_s:g} s"
                    finished.append((ref, probes_record("timeout", message, reason="lost")))
            for ref, probes in finished:
                index, job, submitted, _model = in_flight.pop(ref)
                del _model  # the shipped model leaves the object store now
                if probes["memory"]["limit_mb"] is None:
                    probes["memory"]["limit_mb"] = options.memory_limit_mb
                if probes["timings"]["wall_s"] is None:
                    probes["timings"]["wall_s"] = round(time.monotonic() - submitted, 6)
                _progress(
                    options,
                    ProgressEvent(
                        "model-finished",
                        index=index,
                        total=total,
                        path=job["path"],
                        status=probes["status"],
                        seconds=probes["timings"]["wall_s"],
                    ),
                )
                yield index, probes

    def task_name(self, index: int) -> str:
        """One Ray task name for every model, unless ``name_tasks`` (then one per model index).

        Ray's driver keeps state per task name for as long as it runs (its ``tasks`` metric
        is tagged by name): measured on Ray 2.60, a name per model grew driver memory by
        30-40 KiB per model and one name by about 3 KiB, so a 10,000-model audit uses one
        name; ``name_tasks=True`` is for following a short run (``ray list tasks``, process
        titles ``ray::speclint-probe-N``).
        """
        return f"speclint-probe-{index}" if self.name_tasks else "speclint-probe"

    def _ship(self, ray: Any, index: int, job: Json) -> Any:
        """An object-store reference to the packed model, or None to read ``job["path"]`` on the node."""
        from speclint.execute.executors.ray_task import pack

        path = os.fsdecode(job["path"])
        if self.ship_limit_bytes > 0 and _tree_size(path, self.ship_limit_bytes) <= self.ship_limit_bytes:
            self.shipped[index] = "bytes"
            # Through the object store, the reference held until the task ends.
            return ray.put(pack(path))
        self.shipped[index] = "path"
        return None

    def _outcome(self, ray: Any, ref: Any, options: ExecuteOptions) -> Json:
        """The task's probes, or a ``crashed`` record once Ray has given up on it."""
        try:
            probes: Json = ray.get(ref)
        except ray.exceptions.TaskCancelledError:
            return probes_record("timeout", "stopped: the Ray task was cancelled", reason="lost")
        except ray.exceptions.RayError as exc:
            attempts = self.max_retries + 1
            message = (
                f"the Ray task failed {attempts} time{'s' if attempts != 1 else ''} "
                f"({type(exc).__name__}): {_one_line(exc)}"
            )
            return probes_record("crashed", message, reason="lost")
        if "fatal" in probes:
            raise SpeclintError(str(probes["fatal"]))
        return probes


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise SpeclintError(f"--executor ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


def _require_reachable(address: str, timeout_s: float = 10.0) -> None:
    """Fail in seconds, not minutes, when nothing listens at a ``host:port`` address (Ray retries long)."""
    import socket

    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return  # ray://, auto, local: Ray's own business
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        raise SpeclintError(
            f"--executor ray: cannot start or join the Ray cluster at {address}: {exc.strerror or exc}"
        ) from None


def _tree_size(path: str, stop_above: int) -> int:
    """Bytes of the regular files under ``path``; stops counting once past ``stop_above``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                continue
            if total > stop_above:
                return total
    return total


def _progress(options: ExecuteOptions, event: ProgressEvent) -> None:
    if options.progress is not None:
        options.progress(event)


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
