"""Throughput on a tree of models, with and without ``--jobs`` (issue 6).

    python benchmarks/bench_tree.py [--models 500] [--runs 3] [--jobs 1 2]

Builds a tree of ``--models`` model directories (copies of the fixtures in golden/models,
round-robin, in a temporary directory), then times ``speclint TREE --exit-zero --format json
--jobs N`` for each N: the median of ``--runs`` runs, as models per second. Each run is a
fresh process, so start-up (about 0.1 s) is included, as a user would see it. The reports of
every N are compared byte for byte: parallel reading must not change the output.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "golden" / "models"


def speclint_command() -> list[str]:
    installed = shutil.which("speclint")
    return [installed] if installed else [sys.executable, "-m", "speclint"]


def build_tree(root: Path, count: int) -> int:
    """``count`` models under ``root``, a few levels deep like a real models repository."""
    fixtures = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
    total_bytes = 0
    for i in range(count):
        source = fixtures[i % len(fixtures)]
        target = root / f"team{i % 5}" / f"group{i % 17:02d}" / f"m{i:04d}-{source.name}"
        shutil.copytree(source, target)
        total_bytes += sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    return total_bytes


def timed_runs(command: list[str], runs: int) -> tuple[list[float], bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env["PYTHONPATH"] = str(REPO)
    times: list[float] = []
    output = b""
    for _ in range(runs):
        start = time.perf_counter()
        completed = subprocess.run(command, capture_output=True, env=env, check=False)
        times.append(time.perf_counter() - start)
        if completed.returncode != 0:
            raise SystemExit(f"speclint failed ({completed.returncode}): {completed.stderr.decode()[:500]}")
        output = completed.stdout
    return times, output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    speclint = speclint_command()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; speclint: {' '.join(speclint)}")
    with tempfile.TemporaryDirectory(prefix="speclint-bench-tree-") as tmp:
        tree = Path(tmp) / "tree"
        size = build_tree(tree, args.models)
        print(f"tree: {args.models} models ({size / 1e6:.1f} MB), copies of {FIXTURES.relative_to(REPO)}")
        reports: dict[int, bytes] = {}
        for jobs in args.jobs:
            command = [*speclint, str(tree), "--exit-zero", "--format", "json", "--jobs", str(jobs)]
            times, reports[jobs] = timed_runs(command, args.runs)
            median = statistics.median(times)
            runs = ", ".join(f"{t:.2f}" for t in times)
            rate = args.models / median
            print(f"--jobs {jobs}: median {median:.2f} s of {args.runs} runs ({runs}) = {rate:.0f} models/s")
        same = len(set(reports.values())) == 1
        print(f"reports identical across --jobs: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
