"""Figures of the static stage (issues 2 and 3), measured side by side in one run.

    python benchmarks/bench_static.py [--runs 21] [--no-saved-model-cli] [--big-mb 100]

1. `speclint show` and `speclint PATH` (every rule) on one small model: median wall time,
   against `saved_model_cli show --all` on the same model (needs TensorFlow).
2. A tree of 50 models in one run.
3. Cost against the size of saved_model.pb: synthetic graphs of growing size up to --big-mb,
   time and peak memory (the child's max RSS).
"""

from __future__ import annotations

import argparse
import os
import shutil
import shutil as _shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "golden" / "models" / "tf1-hub-feature-vector"


def speclint_command() -> list[str]:
    """The installed console script, or exactly what it runs (``python -m`` adds runpy's cost)."""
    installed = _shutil.which("speclint")
    return [installed] if installed else [sys.executable, "-c", "from speclint.cli import entry; entry()"]


def bench_env() -> dict[str, str]:
    """An installed tool's conditions: bytecode is cached (pip compiles it at install time)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(command: list[str], runs: int) -> tuple[float, list[float]]:
    times = []
    env = bench_env()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)  # warm-up
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


MEASURE = (  # run from a fresh small process: a fork of this one would count its memory as the child's
    "import os, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
)


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall time and the command's own peak RSS in MB."""
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *command], capture_output=True, env=env or bench_env(), check=True
    )
    elapsed, rss_kb, code = out.stdout.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"failed ({code.decode()}): {' '.join(command)}")
    return float(elapsed), int(rss_kb) / 1024


def synthetic_model(directory: Path, megabytes: float) -> int:
    """A TF1-style SavedModel of about ``megabytes``: a long chain of Conv2D/Relu nodes with attrs."""
    sys.path.insert(0, str(REPO))
    from speclint.proto import messages

    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = saved_model.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    graph = meta.graph_def
    images = graph.node.add(name="images", op="Placeholder")
    images.attr["dtype"].type = 1
    previous = "images"
    target = int(megabytes * 1024 * 1024)
    per_node = None
    index = 0
    while True:
        node = graph.node.add(name=f"block{index}/conv", op="Conv2D", input=[previous, f"block{index}/w"])
        node.attr["data_format"].s = b"NHWC"
        node.attr["padding"].s = b"SAME"
        node.attr["strides"].list.i.extend([1, 1, 1, 1])
        weight = graph.node.add(name=f"block{index}/w", op="Const")
        weight.attr["value"].tensor.dtype = 1
        weight.attr["value"].tensor.tensor_content = bytes(256)
        relu = graph.node.add(name=f"block{index}/relu", op="Relu", input=[f"block{index}/conv"])
        previous = relu.name
        index += 1
        if per_node is None and index == 100:
            per_node = saved_model.ByteSize() / index
        if per_node and index * per_node >= target:
            break
    signature = meta.signature_def["serving_default"]
    signature.method_name = "tensorflow/serving/predict"
    signature.inputs["images"].name = "images:0"
    signature.inputs["images"].dtype = 1
    signature.outputs["default"].name = f"{previous}:0"
    signature.outputs["default"].dtype = 1
    data = saved_model.SerializeToString()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "saved_model.pb").write_bytes(data)
    return len(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--no-saved-model-cli", action="store_true")
    parser.add_argument("--big-mb", type=float, default=100.0)
    args = parser.parse_args()
    speclint = speclint_command()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; model: {SMALL.relative_to(REPO)}")

    show, _ = timed([*speclint, "show", str(SMALL)], args.runs)
    check, _ = timed([*speclint, str(SMALL)], args.runs)
    print(f"speclint show  (median of {args.runs}): {show * 1000:7.1f} ms")
    print(f"speclint PATH  (median of {args.runs}): {check * 1000:7.1f} ms  (every rule)")
    cli = shutil.which("saved_model_cli") or shutil.which("saved_model_cli", path=str(Path(sys.executable).parent))
    if cli and not args.no_saved_model_cli:
        runs = max(3, args.runs // 4)
        reference, _ = timed([cli, "show", "--all", "--dir", str(SMALL)], runs)
        print(f"saved_model_cli show --all (median of {runs}): {reference * 1000:7.1f} ms")
        print(f"speedup: show {reference / show:.0f}x, PATH {reference / check:.0f}x")
    else:
        print("saved_model_cli not found (install tensorflow-cpu to compare)")

    with tempfile.TemporaryDirectory() as tmp:
        fixtures = sorted(p for p in (REPO / "golden" / "models").iterdir() if p.is_dir())
        tree = Path(tmp) / "tree"
        for i in range(50):
            shutil.copytree(fixtures[i % len(fixtures)], tree / f"m{i:02d}-{fixtures[i % len(fixtures)].name}")
        median, _ = timed([*speclint, str(tree), "--exit-zero"], 5)
        print(f"tree of 50 models, one run (median of 5): {median:.2f} s")

        for megabytes in (args.big_mb / 4, args.big_mb / 2, args.big_mb):
            model = Path(tmp) / f"big{int(megabytes)}"
            size = synthetic_model(model, megabytes)
            show_s, show_rss = run([*speclint, "show", str(model)])
            check_s, check_rss = run([*speclint, str(model), "--exit-zero"])
            print(
                f"synthetic saved_model.pb {size / 1e6:6.1f} MB: "
                f"show {show_s:5.2f} s (peak RSS {show_rss:6.0f} MB), "
                f"PATH {check_s:5.2f} s (peak RSS {check_rss:6.0f} MB)"
            )
            shutil.rmtree(model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
