"""Figures of ``--executor ray`` against the local worker, and a long run's driver memory.

    python benchmarks/bench_ray.py [--repeat 6] [--simulate 1000] [--json]

1. models/s of ``--execute`` on the golden TF2 models, local worker vs Ray (a local Ray
   instance with one CPU, so both run one model at a time), in steady state: TensorFlow's
   import in the worker and Ray's start-up are reported apart, once per run.
2. The same on a heavier model built here with TensorFlow (a 224x224 conv stack, about
   1-2 s of probes per model on a CPU): Ray's overhead per model must stay under 10% of
   the local time for models that take 1 s or more. The golden models take 0.05-0.4 s,
   where a fixed cost of a few tens of milliseconds is a larger share.
3. ``--simulate N``: N models (the small TF1 golden module, repeated, each probed for
   real) through the streamed API on a local Ray cluster with 2 worker CPUs; the driver's
   resident memory is sampled every N/10 models and must stay flat.

The machine is shared (2 cores, other jobs running): compare figures from one run only.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
MODELS = REPO / "golden" / "models"
TF2_MODELS = [
    "tf2-feature-vector",
    "tf2-classifier",
    "tf2-classifier-training",
    "tf2-feature-vector-dynamic-size",
    "tf2-feature-vector-training",
]

HEAVY = """
import sys, tensorflow as tf
shapes = [(3, 16), (16, 32), (32, 32)]
kernels = [tf.Variable(tf.random.stateless_normal((3, 3, a, b), seed=(i, 0)) * 0.05) for i, (a, b) in enumerate(shapes)]
root = tf.__internal__.tracking.AutoTrackable()
def forward(images):
    x = images
    for kernel in kernels:
        x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME"))
    return tf.reduce_mean(x, axis=[1, 2])
root.__call__ = tf.function(forward, input_signature=[tf.TensorSpec([None, 224, 224, 3], tf.float32)])
root.variables = kernels
root.trainable_variables = kernels
root.regularization_losses = []
tf.saved_model.save(root, sys.argv[1])
"""


def memory_mb() -> dict[str, float]:
    """The driver's resident memory split as the kernel counts it: anonymous (heap), file, shared memory.

    Ray's object store is shared memory mapped into the driver: pages the driver writes
    (``ray.put``) count in its RSS as ``RssShmem`` while they stay mapped, but they belong to the
    store (bounded by its size), not to the driver's heap.
    """
    wanted = {"VmRSS": "rss", "RssAnon": "anon", "RssFile": "file", "RssShmem": "shmem"}
    found: dict[str, float] = {}
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            key = line.split(":")[0]
            if key in wanted:
                found[wanted[key]] = round(int(line.split()[1]) / 1024, 1)
    return found


def run_local(paths: list[str], repeat: int) -> dict[str, Any]:
    from speclint.execute import ExecuteOptions, execute
    from speclint.read import read_model

    documents = [copy.deepcopy(read_model(p)) for p in paths for _ in range(repeat)]
    start = time.perf_counter()
    execute(documents, ExecuteOptions())
    total = time.perf_counter() - start
    startup = documents[0]["probes"]["timings"]["worker_start_s"]
    _require_ok(documents)
    return {"models": len(documents), "total_s": total, "startup_s": startup, "steady_s": total - startup}


def run_ray(paths: list[str], repeat: int) -> dict[str, Any]:
    import ray

    from speclint.execute import ExecuteOptions, execute
    from speclint.execute.executors import make_executor
    from speclint.read import read_model

    start = time.perf_counter()
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        executor = make_executor("ray", max_in_flight=1)  # one at a time: each model's round trip is its own
        warm = [read_model(paths[0])]
        execute(warm, ExecuteOptions(), executor)  # Ray start and TF import in the Ray worker
        startup = time.perf_counter() - start
        documents = [copy.deepcopy(read_model(p)) for p in paths for _ in range(repeat)]
        submitted: dict[int, float] = {}
        overheads: list[float] = []

        def on_event(event: Any) -> None:
            if event.kind == "model-started":
                submitted[event.index] = time.perf_counter()
            elif event.kind == "model-finished":  # seconds: the task's own worker round trip
                overheads.append(time.perf_counter() - submitted[event.index] - event.seconds)

        begin = time.perf_counter()
        execute(documents, ExecuteOptions(progress=on_event), executor)
        steady = time.perf_counter() - begin
    finally:
        ray.shutdown()
    _require_ok(documents)
    overheads.sort()
    return {
        "models": len(documents),
        "startup_s": startup,
        "steady_s": steady,
        "task_overhead_median_s": overheads[len(overheads) // 2],
        "task_overhead_max_s": overheads[-1],
    }


def _require_ok(documents: list[dict[str, Any]]) -> None:
    for document in documents:
        if document["probes"]["status"] != "ok":
            raise SystemExit(f"{document['path']}: {document['probes']['status']}: {document['probes']['message']}")


def compare(paths: list[str], repeat: int) -> dict[str, Any]:
    local = run_local(paths, repeat)
    on_ray = run_ray(paths, repeat)
    per_local = local["steady_s"] / local["models"]
    per_ray = on_ray["steady_s"] / on_ray["models"]
    return {
        "models": local["models"],
        "local": {**local, "models_per_s": 1 / per_local, "per_model_s": per_local},
        "ray": {**on_ray, "models_per_s": 1 / per_ray, "per_model_s": per_ray},
        "ray_overhead_per_model_s": per_ray - per_local,
        "ray_overhead_percent": 100 * (per_ray - per_local) / per_local,
        # The same figure without the noise of model time on a shared CPU: what Ray adds around
        # the very worker round trip that the local executor makes (median over the models).
        "ray_task_overhead_percent": 100 * on_ray["task_overhead_median_s"] / per_local,
    }


def simulate(count: int, model: str, ship_limit_mb: float) -> dict[str, Any]:
    """``count`` models through ``Run.results`` on a 2-CPU local Ray cluster; driver RSS on the way."""
    import ray

    from speclint.execute import ExecuteOptions
    from speclint.execute.executors import make_executor
    from speclint.pipeline import Pipeline
    from speclint.settings import Overrides

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        pipeline = Pipeline.prepare(Overrides(use_config=False, jobs=1))
        samples: list[dict[str, Any]] = [{"done": 0, **memory_mb()}]
        statuses: dict[str, int] = {}
        start = time.perf_counter()
        step = max(1, count // 10)
        executor = make_executor("ray", ship_limit_mb=ship_limit_mb)
        stream = pipeline.results(execute=True, executor=executor, options=ExecuteOptions(), models=[model] * count)
        for done, checked in enumerate(stream, 1):
            result = checked.result
            status = str((result.execution or {}).get("status"))
            statuses[status] = statuses.get(status, 0) + 1
            if done % step == 0:
                samples.append({"done": done, **memory_mb(), "s": round(time.perf_counter() - start, 1)})
        wall = time.perf_counter() - start
    finally:
        ray.shutdown()
    anon = [s["anon"] for s in samples[1:]]
    rss = [s["rss"] for s in samples[1:]]
    return {
        "models": count,
        "shipped": "bytes" if ship_limit_mb else "path",
        "wall_s": wall,
        "models_per_s": count / wall,
        "statuses": statuses,
        "driver_memory_mb": samples,
        "rss_growth_after_first_tenth_mb": round(max(rss) - rss[0], 1),
        "heap_growth_after_first_tenth_mb": round(max(anon) - anon[0], 1),
        "rss_kib_per_model_after_first_tenth": round((rss[-1] - rss[0]) * 1024 / max(1, count - step), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=4, help="copies of each golden model per run")
    parser.add_argument("--heavy-repeat", type=int, default=3, help="copies of the heavy model per run")
    parser.add_argument("--simulate", type=int, default=1000, help="models in the driver-memory run (0: skip)")
    parser.add_argument("--skip-compare", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures: dict[str, Any] = {}
    if not args.skip_compare:
        figures["golden_tf2"] = compare([str(MODELS / n) for n in TF2_MODELS], args.repeat)
        print(json.dumps({"golden_tf2": figures["golden_tf2"]}), file=sys.stderr, flush=True)
        with tempfile.TemporaryDirectory(prefix="speclint-heavy-") as tmp:
            heavy = str(Path(tmp) / "heavy-conv-224")
            subprocess.run([sys.executable, "-c", HEAVY, heavy], check=True)
            figures["heavy_224"] = compare([heavy], args.heavy_repeat)
    if args.simulate:
        for ship_limit_mb in (0.0, 64.0):  # shared file system, then bytes through the object store
            key = "simulated_" + ("path" if not ship_limit_mb else "bytes")
            figures[key] = simulate(args.simulate, str(MODELS / "tf1-hub-feature-vector"), ship_limit_mb)
            print(json.dumps({key: figures[key]}), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for name in ("golden_tf2", "heavy_224"):
        if name in figures:
            f = figures[name]
            print(
                f"{name}: {f['models']} models; local {f['local']['models_per_s']:.2f} models/s "
                f"({f['local']['per_model_s']:.3f} s/model, worker start {f['local']['startup_s']:.1f} s); "
                f"ray {f['ray']['models_per_s']:.2f} models/s ({f['ray']['per_model_s']:.3f} s/model, "
                f"start {f['ray']['startup_s']:.1f} s); "
                f"difference {f['ray_overhead_per_model_s'] * 1000:+.0f} ms/model "
                f"({f['ray_overhead_percent']:+.1f}%); Ray's own overhead around each model: median "
                f"{f['ray']['task_overhead_median_s'] * 1000:.0f} ms, "
                f"max {f['ray']['task_overhead_max_s'] * 1000:.0f} ms "
                f"({f['ray_task_overhead_percent']:.1f}% of the local time per model)"
            )
    for key in ("simulated_path", "simulated_bytes"):
        if key not in figures:
            continue
        s = figures[key]
        print(
            f"{key}: {s['models']} models on 2 Ray workers in {s['wall_s']:.0f} s "
            f"({s['models_per_s']:.1f} models/s), "
            f"statuses {s['statuses']}; driver memory MiB (done: rss/anon/shmem) "
            + ", ".join(f"{x['done']}: {x['rss']}/{x['anon']}/{x['shmem']}" for x in s["driver_memory_mb"])
            + f"; after the first tenth RSS grew {s['rss_growth_after_first_tenth_mb']} MiB, "
            f"the heap (RssAnon) {s['heap_growth_after_first_tenth_mb']} MiB "
            f"({s['rss_kib_per_model_after_first_tenth']} KiB per model)"
        )


if __name__ == "__main__":
    main()
