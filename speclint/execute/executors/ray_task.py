"""What one Ray task runs on a cluster node: probe one model with a local speclint worker.

The task reuses the process-isolated worker of ``runner`` (TensorFlow in a child process,
watched for time and memory), so a model that crashes, hangs or bloats costs its own
record, exactly as on one machine. The worker lives as long as the Ray worker process
that started it, so a node imports TensorFlow once per Ray worker, not once per model.
Imported on the node only: the driver never imports this module's dependencies itself.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import tempfile
import time
from typing import Any

from speclint.vocabulary import Json

_SLOTS: dict[str, Any] = {}  # device -> runner.WorkerSlot kept between tasks in this Ray worker process


def probe(job: Json, model_tar: bytes | None, options: Any) -> Json:
    """The probes record of one model; ``{"fatal": message}`` when no worker can start here.

    ``model_tar``: the model directory as an uncompressed tar (shipped through Ray's object
    store), or None when ``job["path"]`` is readable here (a shared file system).
    """
    from speclint.execute.runner import WorkerSlot, WorkerStartError, probe_model

    scratch = None
    try:
        if model_tar is not None:
            scratch = tempfile.mkdtemp(prefix="speclint-ray-model-")
            job = {**job, "path": _unpack(model_tar, scratch)}
        slot = _SLOTS.setdefault(options.device, WorkerSlot(options))
        slot.options = options
        sent = time.perf_counter()
        try:
            probes = probe_model(slot, job, options)
        except WorkerStartError as exc:
            return {"fatal": f"on Ray node {_node()}: {exc}"}
        probes["timings"].update(
            wall_s=round(time.perf_counter() - sent, 6), worker_start_s=round(slot.take_start(), 6)
        )
        return probes
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _unpack(model_tar: bytes, into: str) -> str:
    """Extract the shipped model under ``into``; members may not leave it (tarfile's data filter)."""
    with tarfile.open(fileobj=io.BytesIO(model_tar), mode="r:") as archive:
        archive.extractall(into, filter="data")
    return os.path.join(into, "model")


def pack(model_dir: str) -> bytes:
    """The model directory as an uncompressed tar whose single top-level entry is ``model``.

    ``tarfile`` makes a reference cycle (each member's ``TarInfo.tarfile`` points back at the
    archive, which lists its members and holds the ``BytesIO``), so without the two lines
    below every packed model's buffer would live on until Python's cyclic garbage collector
    runs a full collection: in a long Ray run that is about 30 KiB per model in the driver.
    """
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:") as archive:
        archive.add(model_dir, arcname="model")
        members = archive.getmembers()  # the archive's own list (a writing archive has no more to load)
    members.clear()  # break the cycle: freed by reference counting, now
    data = buffer.getvalue()
    buffer.close()  # the buffer is ours (``data``) alone, whatever still refers to the BytesIO
    return data


def _node() -> str:
    import socket

    return socket.gethostname()
