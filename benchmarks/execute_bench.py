"""Figures of the execution stage (``speclint --execute``), end to end on one fixture.

    python benchmarks/execute_bench.py [--model DIR] [--repeat 5] [--device auto|cpu|gpu] [--json]
    python benchmarks/execute_bench.py --tree CACHE [--manifest MANIFEST] [--memory-limit MB] [--out FILE]

Runs ``execute`` on ``--repeat`` copies of one model in one run (one worker) and prints:
wall time of the whole call (TensorFlow import in the worker, load, probes), the worker's
start-up, and per model: load, probes, and the overhead beyond them (the parent's process
management and the JSON round trip), plus the throughput the probe measured. The per-model
overhead must stay under 1 s; it is a few milliseconds.

``--tree`` runs the execution stage on every model directory under CACHE instead (the image
models of a real-model benchmark manifest, when ``--manifest`` names one): one line per model
with its status, reason and message, each probe's status, and the SL7xx/SL01x findings; then
counts by status and reason and by finding. ``--out`` keeps every record (JSON lines) for
judging the findings by hand.
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


def tree(
    cache: Path,
    manifest: Path | None,
    memory_limit_mb: int | None,
    out: Path | None,
    only: list[str] | None = None,
    allow_unsafe: bool = False,
) -> int:
    """Execute every (image) model under ``cache``; print one line each and the counts."""
    sys.path.insert(0, str(REPO))
    from collections import Counter

    from speclint.execute import ExecuteOptions, execute
    from speclint.read import read_model
    from speclint.rules.ruleset import RuleSet

    names = sorted(p.name for p in cache.iterdir() if p.is_dir())
    if manifest is not None:
        entries = {m["id"]: m for m in json.loads(manifest.read_text())["models"]}
        names = [n for n in names if entries.get(n, {}).get("image_model")]
    if only:
        names = [n for n in names if n in only]
    ruleset = RuleSet()
    settings: dict[str, Any] = {"allow_unsafe": allow_unsafe}
    if memory_limit_mb:
        settings["memory_limit_mb"] = memory_limit_mb
    options = ExecuteOptions(**settings)
    statuses: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    sink = out.open("w") if out is not None else None
    for name in names:
        facts = read_model(str(cache / name))
        start = time.perf_counter()
        execute([facts], options)
        seconds = time.perf_counter() - start
        probes = facts["probes"]
        findings = [f for f in ruleset.check(facts).findings if f.code.startswith(("SL7", "SL01"))]
        statuses[f"{probes['status']} ({probes['reason']})"] += 1
        codes.update(f.code for f in findings)
        results = {
            k: r["status"] + ("/limit" if r.get("skip_reason") == "limit" else "") for k, r in probes["results"].items()
        }
        print(f"{name}: {probes['status']} ({probes['reason']}) {seconds:.0f} s; {probes['message'] or ''}")
        for finding in findings:
            print(f"    {finding.code} {finding.severity} {finding.message[:400]}")
        if sink is not None:
            record = {
                "model": name,
                "seconds": round(seconds, 1),
                "probes": probes,
                "statuses": results,
                "findings": [{"code": f.code, "severity": f.severity, "message": f.message} for f in findings],
            }
            sink.write(json.dumps(record) + "\n")
            sink.flush()
    print("by status (reason):", dict(statuses.most_common()))
    print("findings:", dict(sorted(codes.items())))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model directory (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=5, help="copies of the model in one run (default: 5)")
    parser.add_argument("--device", choices=("auto", "cpu", "gpu"), default="auto")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--tree", type=Path, help="execute every model directory under this folder instead")
    parser.add_argument("--manifest", type=Path, help="with --tree: only the image models of this benchmark manifest")
    parser.add_argument("--memory-limit", type=int, help="with --tree: --memory-limit in MiB")
    parser.add_argument("--out", type=Path, help="with --tree: write every record here (JSON lines)")
    parser.add_argument("--only", nargs="+", help="with --tree: only these model directories")
    parser.add_argument("--allow-unsafe", action="store_true", help="with --tree: --allow-unsafe")
    args = parser.parse_args(argv)
    if args.tree is not None:
        return tree(args.tree, args.manifest, args.memory_limit, args.out, args.only, args.allow_unsafe)
    figures = measure(args.model, max(args.repeat, 1), args.device)
    print(json.dumps(figures, indent=2) if args.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
