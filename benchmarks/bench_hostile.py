"""Figures for the hostile corpus (issue 10): what each class of attack costs a run.

    python benchmarks/bench_hostile.py [--runs 5]

Builds the corpus of ``tests/hostile/make_corpus.py`` in a temporary directory and runs
``speclint check --format text`` on each class and on all of them at once: median wall time
and the child's peak RSS. The test (tests/hostile/test_hostile.py) has generous limits; the
tight figures are these.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.hostile.make_corpus import build, remove_tree  # noqa: E402


def measure(args: list[str], cwd: Path, runs: int) -> tuple[float, float, int]:
    """Median seconds, worst seconds and peak RSS (MiB) of ``speclint ARGS`` over ``runs`` runs."""
    times: list[float] = []
    peak = 0
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "speclint", *args], cwd=cwd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
    return statistics.median(times), max(times), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp) / "corpus"
        start = time.perf_counter()
        classes = build(root)
        print(f"corpus built in {time.perf_counter() - start:.2f} s under {root}")
        print(f"{'case':<34} {'median s':>9} {'worst s':>8} {'peak MiB':>9}")
        cases = [
            (name, ["check", "--format", "text", "--read-timeout", "0.5", "."], path) for name, path in classes.items()
        ]
        cases.append(("all classes, one run", ["check", "--format", "text", "--read-timeout", "0.5", "."], root))
        cases.append(("all classes, --jobs 2", ["check", "--jobs", "2", "--read-timeout", "0.5", "."], root))
        cases.append(("slow class, no time limit", ["check", "--format", "text", "."], classes["slow"]))
        for name, args, cwd in cases:
            median, worst, peak = measure(args, cwd, options.runs)
            print(f"{name:<34} {median:>9.2f} {worst:>8.2f} {peak:>9}")
        remove_tree(root)  # the corpus is 1,200 levels deep: TemporaryDirectory's rmtree would recurse


if __name__ == "__main__":
    main()
