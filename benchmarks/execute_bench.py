"""Figures of the execution stage (``speclint --execute``), end to end on one fixture.

    python benchmarks/execute_bench.py [--model DIR] [--repeat 5] [--device auto|cpu|gpu] [--json]

Runs ``execute`` on ``--repeat`` copies of one model in one run (one worker) and prints:
wall time of the whole call (TensorFlow import in the worker, load, probes), the worker's
start-up, and per model: load, probes, and the overhead beyond them (the parent's process
management and the JSON round trip), plus the throughput the probe measured. The per-model
overhead must stay under 1 s; it is a few milliseconds.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = REPO / "golden" / "models" / "tf2-feature-vector"


def measure(model: Path, repeat: int, device: str) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from speclint.execute import ExecuteOptions, execute
    from speclint.read import read_model

    facts = read_model(str(model))
    documents = [copy.deepcopy(facts) for _ in range(repeat)]
    start = time.perf_counter()
    execute(documents, ExecuteOptions(device=device))  # type: ignore[arg-type]
    wall = time.perf_counter() - start
    models = []
    for document in documents:
        probes = document["probes"]
        timings = probes["timings"]
        if probes["status"] != "ok":
            raise SystemExit(f"{model}: {probes['status']}: {probes['message']}")
        models.append(
            {
                "load_s": timings["load_s"],
                "probes_s": timings["probes_s"],
                "wall_s": timings["wall_s"],
                "overhead_s": timings["wall_s"] - timings["load_s"] - timings["probes_s"],
                "images_per_second": probes["results"]["throughput"]["images_per_second"],
            }
        )
    first = documents[0]["probes"]
    return {
        "model": str(model),
        "device": first["device"],
        "tensorflow_version": first["tensorflow_version"],
        "repeat": repeat,
        "wall_s": wall,
        "worker_start_s": first["timings"]["worker_start_s"],
        "models": models,
    }


def report(figures: dict[str, Any]) -> str:
    models = figures["models"]

    def median(key: str) -> float:
        return statistics.median(m[key] for m in models)

    lines = [
        f"model            {figures['model']}",
        f"device           {figures['device']} (TensorFlow {figures['tensorflow_version']})",
        f"wall time        {figures['wall_s']:.3f} s for {figures['repeat']} model(s), end to end",
        f"worker start     {figures['worker_start_s']:.3f} s (TensorFlow import, paid once per run)",
        f"per model        load {median('load_s') * 1000:.1f} ms, probes {median('probes_s') * 1000:.1f} ms "
        f"(median of {len(models)})",
        f"overhead         {median('overhead_s') * 1000:.2f} ms per model beyond load + calls "
        f"(max {max(m['overhead_s'] for m in models) * 1000:.2f} ms; limit 1000 ms)",
        f"throughput       {median('images_per_second'):,.0f} images/s at batch 32",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model directory (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="copies of the model in one run (default: 5)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.model, max(args.repeat, 1), args.device)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
