"""Big graphs, hostile shapes and big trees (issues 13 and 10): every target as a ratio, one run.

    python benchmarks/bench_scale.py [--big-mb 100] [--huge-mb 256] [--models 500] [--runs 9] [--base 500]
                                     [--functions 200000] [--shapes NAME...] [--only 1 2 3 4 5 6]

1. A synthetic ``--big-mb`` MB graph (TF1 graph with a function library and a ``default``
   signature, so the data-flow analysis runs): ``speclint PATH`` against a fresh process that
   only parses the same file with protobuf (TensorFlow's complete messages, upb); time ratio
   (target <= 3) and peak RSS / file size (target <= 4); and the pure-Python reader, which runs
   where the C accelerator was not built, for comparison.
2. ``../shared/corpus/008_*`` (2 MB Keras model): median of ``--runs`` runs of ``speclint PATH``
   (target <= 100 ms).
3. Linearity: each hostile shape of ``shapes.py`` at 4 sizes (``--base`` x 1, 2, 4, 8), read,
   checked, grouped and its findings rendered as text in-process (one model's whole work in the
   pipeline); linear cost gives time ratios 1 : 2 : 4 : 8 (quadratic 1 : 4 : 16 : 64).
4. A tree of ``--models`` copies of golden/models with the default options: models/s (target
   >= 500) and peak RSS against a tree a fifth that size (flat: about 1x).
5. One huge string of ``--huge-mb`` MB in a saved_model.pb: peak RSS / file size (target <= 4).
6. ``--functions`` library functions (default 200,000, ~11 MB) each holding one ``WriteFile``
   node: one finding at 200,000 locations (``many-functions``), and 200,000 findings of one
   location each (``many-findings``): ``speclint PATH`` (text to /dev/null) and ``--format json``,
   with the per-model time limit raised so the figure is the whole work's.

Times are wall clock on whatever the machine is doing: compare the ratios, which are measured
side by side in the same run.
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

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import shapes  # noqa: E402
from bench_static import bench_env, run, speclint_command  # noqa: E402
from bench_tree import build_tree  # noqa: E402

CORPUS = Path(os.environ.get("SPECLINT_CORPUS", REPO.parent / "shared" / "corpus"))
PARSE_ONLY = (
    "import sys\n"
    "from speclint.proto import messages\n"
    "with open(sys.argv[1], 'rb') as handle:\n"
    "    messages.SavedModel().ParseFromString(handle.read())\n"
)


def run_pure(command: list[str]) -> tuple[float, float]:
    """``run`` with the pure-Python reader (no C accelerator)."""
    return run(command, {**bench_env(), "SPECLINT_PURE_PYTHON": "1"})


def big_graph(speclint: list[str], tmp: Path, megabytes: float, runs: int) -> None:
    model = tmp / "big"
    build = f"import shapes; shapes.write({str(model)!r}, shapes.big_graph({megabytes}))"
    subprocess.run([sys.executable, "-c", build], cwd=HERE, env=bench_env(), check=True)  # keeps this process small
    size = (model / "saved_model.pb").stat().st_size
    parse_runs, lint_runs = [], []
    for _ in range(runs):  # interleaved, so both see the same load; the best of each
        parse_runs.append(run([sys.executable, "-c", PARSE_ONLY, str(model / "saved_model.pb")]))
        lint_runs.append(run([*speclint, str(model), "--exit-zero"]))
    parse_s, parse_mb = min(r[0] for r in parse_runs), max(r[1] for r in parse_runs)
    lint_s, lint_mb = min(r[0] for r in lint_runs), max(r[1] for r in lint_runs)
    print(f"1. big graph {size / 1e6:.0f} MB (best of {runs}):")
    print(f"   parse-only process {parse_s:6.2f} s, peak RSS {parse_mb:5.0f} MB ({parse_mb * 2**20 / size:.1f}x file)")
    print(f"   speclint PATH      {lint_s:6.2f} s, peak RSS {lint_mb:5.0f} MB ({lint_mb * 2**20 / size:.1f}x file)")
    print(f"   time ratio {lint_s / parse_s:.1f}x (target <= 3); RSS {lint_mb * 2**20 / size:.1f}x file (target <= 4)")
    pure_s, pure_mb = run_pure([*speclint, str(model), "--exit-zero"])
    print(f"   the pure-Python reader (SPECLINT_PURE_PYTHON=1): {pure_s:.2f} s = {pure_s / parse_s:.1f}x,", end="")
    print(f" peak RSS {pure_mb:.0f} MB = {pure_mb * 2**20 / size:.1f}x file")
    shutil.rmtree(model)


def small_model(speclint: list[str], runs: int) -> None:
    models = sorted(CORPUS.glob("008_*"))
    if not models:
        print(f"2. {CORPUS}/008_* not found: skipped")
        return
    command = [*speclint, str(models[0]), "--exit-zero"]
    parse_only = [sys.executable, "-c", PARSE_ONLY, str(models[0] / "saved_model.pb")]
    run(command)  # warm-up: bytecode and page cache
    times, references = [], []
    for _ in range(runs):  # interleaved, so both see the same load
        times.append(run(command)[0])
        references.append(run(parse_only)[0])
    median, reference = statistics.median(times), statistics.median(references)
    print(f"2. {models[0].name}: median of {runs} {median * 1000:.0f} ms (min {min(times) * 1000:.0f}; target <= 100)")
    print(f"   a process that only parses its saved_model.pb: {reference * 1000:.0f} ms ({median / reference:.1f}x)")


def linearity(base: int, names: list[str]) -> None:
    from speclint.pipeline import Pipeline
    from speclint.settings import Overrides

    work = Pipeline.prepare(Overrides(use_config=False, read_timeout=3600.0)).work
    work.formats = ("text",)  # rendering a model's findings is part of its work
    print(f"3. linearity: read + rules + grouping + text, sizes {base} x 1, 2, 4, 8 (linear: 1 : 2 : 4 : 8)")
    with tempfile.TemporaryDirectory(prefix="speclint-bench-shapes-") as tmp:
        for name in names:
            build = shapes.SHAPES[name]
            times = []
            for factor in (1, 2, 4, 8):
                model = shapes.write(os.path.join(tmp, f"{name}-{factor}"), build(base * factor))
                best = float("inf")
                for _ in range(5 if base * factor <= 10_000 else 1):  # one run of a big shape says enough
                    start = time.perf_counter()
                    work(model)
                    best = min(best, time.perf_counter() - start)
                times.append(best)
            curve = " : ".join(f"{t / times[0]:.1f}" for t in times)
            detail = ", ".join(f"{base * f}: {t * 1000:.0f} ms" for f, t in zip((1, 2, 4, 8), times, strict=True))
            print(f"   {name:28s} {curve:22s} ({detail})")


def tree(speclint: list[str], tmp: Path, models: int, runs: int) -> None:
    small, big = tmp / "tree-small", tmp / "tree"
    build_tree(small, max(1, models // 5))
    build_tree(big, models)
    command = [*speclint, "--exit-zero", "--format", "json"]
    run([*command, str(small)])  # warm-up
    small_runs, big_runs, serial_runs = [], [], []
    for _ in range(runs):  # interleaved, so all see the same load
        small_runs.append(run([*command, str(small)]))
        big_runs.append(run([*command, str(big)]))
        serial_runs.append(run([*command, str(big), "--jobs", "1"]))
    median = statistics.median(r[0] for r in big_runs)
    serial = statistics.median(r[0] for r in serial_runs)
    small_mb = max(r[1] for r in small_runs)
    big_mb = max(r[1] for r in big_runs)
    rate = models / median
    print(f"4. tree of {models} models, default options, median of {runs}: {median:.2f} s = {rate:.0f} models/s")
    print(f"   (target >= 500); --jobs 1: {models / serial:.0f} models/s; main process RSS {big_mb:.0f} MB", end="")
    print(f" vs {small_mb:.0f} MB for {models // 5} models = {big_mb / small_mb:.2f}x (flat: about 1)")


def huge_string(speclint: list[str], tmp: Path, megabytes: float) -> None:
    model = tmp / "huge"
    model.mkdir()
    size = shapes.huge_string(str(model / "saved_model.pb"), megabytes)
    lint_s, lint_mb = run([*speclint, str(model), "--exit-zero"])
    ratio = lint_mb * 2**20 / size
    print(f"5. one string of {size / 2**20:.0f} MiB: {lint_s:.2f} s, peak RSS {lint_mb:.0f} MB", end="")
    print(f" = {ratio:.1f}x file (target <= 4)")
    shutil.rmtree(model)


def many_places(speclint: list[str], tmp: Path, count: int) -> None:
    print(f"6. {count} library functions, each with one WriteFile node (speclint PATH, --read-timeout 3600):")
    for name in ("many-functions", "many-findings"):
        model = tmp / name
        build = f"import shapes; shapes.write({str(model)!r}, shapes.SHAPES[{name!r}]({count}))"
        subprocess.run([sys.executable, "-c", build], cwd=HERE, env=bench_env(), check=True)
        size = (model / "saved_model.pb").stat().st_size
        for form in ("text", "json"):
            seconds, megabytes = run([*speclint, str(model), "--read-timeout", "3600", "--format", form])
            shown = f"{name:15s} {size / 1e6:5.1f} MB  --format {form:5s}"
            print(f"   {shown} {seconds:7.1f} s, peak RSS {megabytes:5.0f} MB")
        shutil.rmtree(model)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mb", type=float, default=100.0)
    parser.add_argument("--huge-mb", type=float, default=256.0)
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--base", type=int, default=500)
    parser.add_argument("--functions", type=int, default=200_000)
    parser.add_argument("--shapes", nargs="+", choices=sorted(shapes.SHAPES), default=list(shapes.SHAPES))
    parser.add_argument("--only", nargs="+", type=int, choices=range(1, 7), default=list(range(1, 7)))
    args = parser.parse_args()
    speclint = speclint_command()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="speclint-bench-scale-") as name:
        tmp = Path(name)
        # The small model first: for seconds after the big graph's runs the kernel is still
        # reclaiming the GBs they freed, which slows every process start (both timings) by ~10%.
        if 2 in args.only:
            small_model(speclint, args.runs)
        if 1 in args.only:
            big_graph(speclint, tmp, args.big_mb, max(1, args.runs // 3))
        if 3 in args.only:
            linearity(args.base, args.shapes)
        if 4 in args.only:
            tree(speclint, tmp, args.models, max(1, args.runs // 3))
        if 5 in args.only:
            huge_string(speclint, tmp, args.huge_mb)
        if 6 in args.only:
            many_places(speclint, tmp, args.functions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
