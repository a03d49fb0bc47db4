"""Start-up cost of what a run may import: speclint's command line, and the optional ``rich``
progress bar (issue 27: a progress display without rich, or rich imported only when shown).

    python benchmarks/bench_startup.py [--runs 31]

Each command is a fresh interpreter, the commands interleaved so all see the same load. Wall
time moves with whatever else the machine does; CPU time (user + system of the child) hardly
does, so both are printed, as medians and minimums.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SMALL = REPO / "golden" / "models" / "tf1-hub-feature-vector"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "import speclint.cli": ["-c", "import speclint.cli"],
    "import rich.progress": ["-c", "import rich.progress"],
    "import speclint.cli, rich.progress": ["-c", "import speclint.cli, rich.progress"],
    "speclint.cli, a progress bar": [
        "-c",
        "import speclint.cli; from speclint.progress import Progress; Progress(True)",
    ],
    "speclint PATH (small model)": ["-c", "from speclint.cli import entry; entry()", str(SMALL), "--exit-zero"],
    "rich.progress, then speclint PATH": [
        "-c",
        "import rich.progress; from speclint.cli import entry; entry()",
        str(SMALL),
        "--exit-zero",
    ],
}


def measure(arguments: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one child interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}")
    for arguments in COMMANDS.values():
        measure(arguments)  # warm-up: bytecode and page cache
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, arguments in COMMANDS.items():
            results[name].append(measure(arguments))
    print(f"{'command':36s} {'wall median':>12s} {'wall min':>9s} {'CPU median':>11s} {'CPU min':>8s}", end="")
    print(f"  (ms, {args.runs} runs)")
    for name, runs in results.items():
        walls, cpus = [w * 1000 for w, _ in runs], [c * 1000 for _, c in runs]
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"{name:36s} {wall:12.1f} {min(walls):9.1f} {cpu:11.1f} {min(cpus):8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
