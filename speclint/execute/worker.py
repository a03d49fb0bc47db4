"""The worker: a child process that imports TensorFlow once, then probes models one by one.

Run as ``python -m speclint.execute.worker --device cpu``. It speaks JSON lines: jobs on
stdin, events on the stdout it was started with. Anything else that writes to stdout
(TensorFlow, a model's ``tf.print``) is sent to stderr instead, so it cannot break the
protocol. Events: ``ready`` (TF imported), ``fatal`` (no TF, no GPU), ``result`` (one job).
A model that crashes or hangs this process is the parent's business: it kills and replaces us.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from speclint.execute.memory import rss_mb
from speclint.vocabulary import Json, format_shape


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="speclint.execute.worker")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    args = parser.parse_args(argv)
    protocol = _protocol_stream()
    _no_core_dumps()
    start = time.perf_counter()
    try:
        import tensorflow as tf
    except ImportError as exc:
        _send(protocol, {"event": "fatal", "kind": "no-tensorflow", "message": f"{type(exc).__name__}: {exc}"})
        return 3
    import_s = time.perf_counter() - start
    tf.get_logger().setLevel("ERROR")

    from speclint.execute.device import choose

    device, problem = choose(tf, args.device)
    if device is None:
        _send(protocol, {"event": "fatal", "kind": "device", "message": problem})
        return 3
    import numpy  # noqa: F401  (imported now so that the freeze below covers it)

    from speclint.execute import models, probes  # noqa: F401  (also frozen below)
    from speclint.execute.plan import probes_record

    _collect()
    _send(
        protocol,
        {
            "event": "ready",
            "tensorflow_version": tf.__version__,
            "device": device,
            "import_s": round(import_s, 6),
            "rss_mb": rss_mb(),
            "pid": os.getpid(),
        },
    )
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        request = json.loads(line)

        def emit(event: Json, number: Any = request["id"]) -> None:
            _send(protocol, {**event, "id": number})

        try:
            record = handle(tf, request["job"], device, emit)
        except Exception as exc:  # a bug of ours: report it for this model and carry on
            record = _plain(
                probes_record(
                    "error",
                    f"speclint internal error while probing: {models.one_line(exc)}",
                    device=device,
                    tensorflow_version=tf.__version__,
                )
            )
        _send(protocol, {"event": "result", "id": request["id"], "probes": record})
    return 0


def handle(tf: Any, job: Json, device: str, emit: Callable[[Json], None] | None = None) -> Json:
    """Load one model, find the call that works, run every probe; never raises for a bad model.

    ``emit`` tells the parent how far it got: ``loaded`` (the record so far) once the first call
    worked, then ``probe-started`` and ``probe`` (its result) for each probe, so that a probe the
    parent must stop (time, memory) costs only its own result. ``job["done"]`` holds the results an
    earlier worker already measured for this model: they are kept, not run again.
    """
    from speclint.execute import models, probes
    from speclint.execute.plan import PROBE_NAMES, probes_record

    record = probes_record("ok", device=device, tensorflow_version=tf.__version__, task=job.get("task"))
    start = time.perf_counter()
    try:
        model = models.load(tf, job, device)
    except Exception as exc:
        record["timings"]["load_s"] = round(time.perf_counter() - start, 6)
        record.update(status="error", reason="load-failed", message=_load_failure(job, models.one_line(exc)))
        if job.get("checkpoint"):  # the static stage reported this cause already: one cause, one finding
            record["explained_by"] = job["checkpoint"]["rule"]
        _collect()
        record["memory"]["rss_mb"] = rss_mb()
        return _plain(record)
    loaded = time.perf_counter()
    record["timings"]["load_s"] = round(loaded - start, 6)
    try:
        if job.get("blocked"):
            record.update(
                status="skipped",
                reason=job.get("blocked_reason"),
                message=f"loaded with {models.loader_name(job)}, not probed: {job['blocked']}",
            )
            return _plain(record)
        context, problem = _context(model, job, device)
        if context is None:
            record.update(status="error", reason="call-failed", message=problem)
            return _plain(record)
        record.update(primary=context.primary["where"], image_size=list(context.size))
        if emit is not None:
            emit({"event": "loaded", "probes": _plain(record)})
        context.results.update(job.get("done") or {})

        def started(name: str) -> None:
            if emit is not None:
                emit({"event": "probe-started", "name": name, "rss_mb": rss_mb()})

        def finished(name: str, result: Json) -> None:
            if emit is not None:
                emit({"event": "probe", "name": name, "result": _plain(result)})

        results = probes.run_all(context, started, finished)
        record["results"] = {name: results[name] for name in PROBE_NAMES if name in results}
    finally:
        record["timings"]["probes_s"] = round(time.perf_counter() - loaded, 6)
        model.close()
        del model
        _collect()
        record["memory"]["rss_mb"] = rss_mb()
    return _plain(record)


def _load_failure(job: Json, error: str) -> str:
    """Why loading failed: what the static stage already knew (the checkpoint), then TensorFlow's words."""
    known = job.get("checkpoint")
    if known:
        shown = error if len(error) <= 160 else error[:157] + "..."
        return f"loading failed: {known['problem']} (see {known['rule']}); TensorFlow: {shown}"
    if "Op type not registered" in error:
        return f"loading failed: the graph uses an op this TensorFlow does not register: {error}"
    return f"loading failed: {error}"


def _context(model: Any, job: Json, device: str) -> tuple[Any, str | None]:
    """The first consumer call and image size that work on one random image, as a probe Context.

    A resumed job (``job["resume"]``: an earlier worker was stopped in a probe) tries the call
    and size that worked then first, so the remaining probes measure the same thing.
    """
    import numpy as np

    from speclint.execute import probes
    from speclint.execute.models import one_line

    options = job["options"]
    resume = job.get("resume") or {}
    if job["image_size"]:
        sizes = [tuple(job["image_size"])]
    else:
        sizes = list(dict.fromkeys([(options["free_image_size"],) * 2, (options["fallback_image_size"],) * 2]))
    if resume.get("image_size"):
        sizes = list(dict.fromkeys([tuple(resume["image_size"]), *sizes]))
    candidates = [c for c in job["calls"] if c.get("training") is not True]
    candidates.sort(key=lambda c: c["where"] != resume.get("primary"))
    first_problem = None
    for size in sizes:
        randoms = np.random.default_rng(options["seed"]).random(
            (max(options["batch_sizes"]), *size, 3), dtype=np.float32
        )
        for call in candidates:
            try:
                output = model.call(call, randoms[:1])
            except Exception as exc:
                if first_problem is None:
                    first_problem = (
                        f"calling {call['where']} with a float32 {format_shape([1, *size, 3])} batch of "
                        f"images in [0, 1] failed: {one_line(exc)}"
                    )
                continue
            context = probes.Context(model=model, job=job, primary=call, size=size, device=device, randoms=randoms)
            context.remember(("batch", 1), probes.Outcome(output, None))
            return context, None
    return None, first_problem or "no call to make"


def _no_core_dumps() -> None:
    """A model that segfaults should cost one failure record, not a core file in the user's directory."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass


def _collect() -> None:
    """Free the last model's reference cycles, then freeze the survivors.

    A full collection walks every object, and TensorFlow brings hundreds of thousands:
    ~0.15 s per model. Frozen objects are skipped by later collections, so each one costs
    only what the last model allocated (~2 ms). What survives a full collection is
    reachable, so freezing it loses nothing.
    """
    gc.collect()
    gc.freeze()


def _plain(value: Any) -> Any:
    """Strict JSON: numpy scalars become Python numbers, NaN and Inf become null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _protocol_stream() -> IO[str]:
    """Keep the real stdout for the protocol; point fd 1 (and sys.stdout) at stderr."""
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(protocol_fd, "w", encoding="utf-8", buffering=1)


def _send(stream: IO[str], event: Json) -> None:
    stream.write(json.dumps(event, allow_nan=False) + "\n")
    stream.flush()


if __name__ == "__main__":
    sys.exit(main())
