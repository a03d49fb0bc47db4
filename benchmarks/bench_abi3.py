"""Does the stable ABI cost anything? ``_wire`` built against the limited API (the abi3 wheel)
against the version-specific API, side by side in one run (issue 27).

    python benchmarks/bench_abi3.py [--big-mb 100] [--runs 15] [--callgrind-mb 10] [--only small big instructions]

Builds two wheels of this checkout (``SPECLINT_LIMITED_API=1`` and ``=0``, see setup.py),
installs each into its own directory, and runs the same speclint from each, interleaved so
both see the same load:

1., 2. the small models: ``corpus/008_*`` (``bench_scale.py`` row 2) and
   ``golden/models/tf1-hub-feature-vector`` (``bench_static.py``): median of ``--runs``;
3. the synthetic ``--big-mb`` MB graph of ``bench_scale.py`` (row 1): best of ``--runs // 3``
   wall times and peak RSS of ``speclint PATH`` (after the small ones, as bench_scale does:
   the kernel reclaiming its GBs slows every process start for a while), and the CPU time of
   ``read_model`` on it in-process;
4. where valgrind is installed, the instructions executed while reading a ``--callgrind-mb`` MB
   graph, in all and in ``_wire`` alone: a count no other load on the machine changes.

Needs a C compiler (it builds the extension twice); runs on CPython 3.11 or later.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from bench_scale import CORPUS  # noqa: E402
from bench_static import SMALL, run  # noqa: E402

# -P: the current directory (a checkout) is not put first on the path, so the installed copy runs
SPECLINT = [sys.executable, "-P", "-c", "from speclint.cli import entry; entry()"]
SOURCES = ("setup.py", "pyproject.toml", "README.md", "speclint", "schemas")  # what the wheel is built from
VARIANTS = {"version-specific": "0", "abi3": "1"}


def install(variant: str, limited: str, tmp: Path) -> Path:
    """A wheel of this checkout with or without the limited API, installed (bytecode compiled) into a directory."""
    source, wheels, target = tmp / f"source-{variant}", tmp / f"wheel-{variant}", tmp / f"site-{variant}"
    source.mkdir()
    for name in SOURCES:  # a copy: the checkout's build/ may hold the other variant's extension
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"))
        else:
            shutil.copy2(REPO / name, source / name)
    env = {**os.environ, "SPECLINT_LIMITED_API": limited, "SPECLINT_REQUIRE_NATIVE": "1"}
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), "."]
    subprocess.run(build, cwd=source, env=env, check=True)
    (wheel,) = wheels.glob("*.whl")
    place = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)]
    subprocess.run(place, check=True)
    (built,) = [path for path in (target / "speclint").glob("_wire.*") if path.suffix in (".so", ".pyd")]
    print(f"   {variant:16s} {wheel.name}: {built.name}")
    return target


def env_for(site: Path) -> dict[str, str]:
    """``site`` first on the path: it wins over an editable install of the checkout."""
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def check_native(sites: dict[str, Path]) -> None:
    for variant, site in sites.items():
        version = subprocess.run([*SPECLINT, "--version"], env=env_for(site), capture_output=True, text=True)
        if "native reader" not in version.stdout or str(site) not in _wire_path(site):
            raise SystemExit(f"{variant}: the build under {site} is not the one that runs: {version.stdout.strip()}")


def _wire_path(site: Path) -> str:
    code = "import speclint._wire as w; print(w.__file__)"
    return subprocess.run([sys.executable, "-P", "-c", code], env=env_for(site), capture_output=True, text=True).stdout


def big_graph(sites: dict[str, Path], tmp: Path, megabytes: float, runs: int) -> None:
    model = tmp / "big"
    build = f"import shapes; shapes.write({str(model)!r}, shapes.big_graph({megabytes}))"
    subprocess.run([sys.executable, "-c", build], cwd=HERE, check=True)
    size = (model / "saved_model.pb").stat().st_size
    results: dict[str, list[tuple[float, float]]] = {variant: [] for variant in sites}
    for _ in range(runs):
        for variant, site in sites.items():
            results[variant].append(run([*SPECLINT, str(model), "--exit-zero"], env_for(site)))
    print(f"3. big graph {size / 1e6:.0f} MB, speclint PATH, best of {runs}:")
    for variant, times in results.items():
        best, median, peak = min(t for t, _ in times), statistics.median(t for t, _ in times), max(m for _, m in times)
        print(f"   {variant:16s} {best:6.3f} s (median {median:.3f}), peak RSS {peak:.0f} MB")
    ratio = min(t for t, _ in results["abi3"]) / min(t for t, _ in results["version-specific"])
    print(f"   abi3 / version-specific: {ratio:.3f}")
    in_process(sites, model, runs)


READ_TIMES = (  # the reader alone, in one process: no start-up, imports or report in the figure
    "import sys, time\n"
    "from speclint.read import read_model\n"
    "read_model(sys.argv[1])\n"  # warm: imports, the descriptor pool, the page cache
    "best = float('inf')\n"
    "for _ in range(int(sys.argv[2])):\n"
    "    start = time.process_time(); read_model(sys.argv[1]); best = min(best, time.process_time() - start)\n"
    "print(best)\n"
)


def in_process(sites: dict[str, Path], model: Path, runs: int) -> None:
    """CPU seconds of ``read_model`` (process time: a busy machine delays a run, it hardly adds
    to its CPU time), best of ``runs`` x 3 per build, the builds alternating."""
    best: dict[str, float] = {variant: float("inf") for variant in sites}
    for _ in range(runs):
        for variant, site in sites.items():
            command = [sys.executable, "-P", "-c", READ_TIMES, str(model), "3"]
            out = subprocess.run(command, env=env_for(site), capture_output=True, text=True, check=True)
            best[variant] = min(best[variant], float(out.stdout))
    print(f"   read_model in-process, CPU time, best of {runs} x 3:", end="")
    print("".join(f" {variant} {seconds:.3f} s;" for variant, seconds in best.items()), end="")
    print(f" abi3 / version-specific: {best['abi3'] / best['version-specific']:.3f}")


ONCE = "import sys\nfrom speclint.read import read_model\nread_model(sys.argv[1])\n"


def instructions(sites: dict[str, Path], tmp: Path, megabytes: float) -> None:
    """Instructions executed (valgrind's callgrind), which no load on the machine changes: the
    whole process reading a ``megabytes`` graph, and the part spent in ``_wire`` itself."""
    if shutil.which("valgrind") is None or shutil.which("callgrind_annotate") is None:
        print("4. instructions: valgrind is not installed (apt-get install valgrind): skipped")
        return
    model = tmp / "callgrind-model"
    build = f"import shapes; shapes.write({str(model)!r}, shapes.big_graph({megabytes}))"
    subprocess.run([sys.executable, "-c", build], cwd=HERE, check=True)
    print(f"4. instructions (valgrind --tool=callgrind), read_model of a {megabytes:g} MB graph:")
    counts: dict[str, tuple[int, int]] = {}
    for variant, site in sites.items():
        out = tmp / f"callgrind-{variant}.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-P", "-c", ONCE]
        subprocess.run([*command, str(model)], env=env_for(site), capture_output=True, check=True)
        annotated = subprocess.run(
            ["callgrind_annotate", "--inclusive=no", "--threshold=100", str(out)], capture_output=True, text=True
        ).stdout
        total = int(re.search(r"([\d,]+) \(100\.0+%\)\s+PROGRAM TOTALS", annotated)[1].replace(",", ""))  # type: ignore[index]
        rows = (re.match(r"\s*([\d,]+) \(", line) for line in annotated.splitlines() if "/_wire." in line)
        wire = sum(int(row[1].replace(",", "")) for row in rows if row)  # per function of the extension
        counts[variant] = (total, wire)
        print(f"   {variant:16s} {total / 1e6:9.1f} M in all, {wire / 1e6:8.1f} M in _wire")
    (total_a, wire_a), (total_b, wire_b) = counts["abi3"], counts["version-specific"]
    print(f"   abi3 / version-specific: {total_a / total_b:.4f} in all, {wire_a / wire_b:.4f} in _wire")


def small_models(sites: dict[str, Path], runs: int) -> None:
    models = [*sorted(CORPUS.glob("008_*"))[:1], SMALL]
    for number, model in enumerate(models, start=1):
        command = [*SPECLINT, str(model), "--exit-zero"]
        for site in sites.values():
            run(command, env_for(site))  # warm-up: page cache
        times: dict[str, list[float]] = {variant: [] for variant in sites}
        for _ in range(runs):
            for variant, site in sites.items():
                times[variant].append(run(command, env_for(site))[0])
        print(f"{number}. {model.name}, speclint PATH, median of {runs}:")
        for variant, measured in times.items():
            print(f"   {variant:16s} {statistics.median(measured) * 1000:6.1f} ms (min {min(measured) * 1000:.1f})")
        ratio = statistics.median(times["abi3"]) / statistics.median(times["version-specific"])
        print(f"   abi3 / version-specific: {ratio:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mb", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--callgrind-mb", type=float, default=10.0, help="graph size for the instruction count")
    rows = ("small", "big", "instructions")
    parser.add_argument("--only", nargs="+", choices=rows, default=list(rows))
    args = parser.parse_args()
    if sys.version_info < (3, 11):
        raise SystemExit("bench_abi3: the limited API build needs CPython 3.11 or later")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f}, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="speclint-bench-abi3-") as name:
        tmp = Path(name)
        print("0. builds:")
        sites = {variant: install(variant, limited, tmp) for variant, limited in VARIANTS.items()}
        check_native(sites)
        if "small" in args.only:
            small_models(sites, args.runs)
        if "big" in args.only:
            big_graph(sites, tmp, args.big_mb, max(1, args.runs // 3))
        if "instructions" in args.only:
            instructions(sites, tmp, args.callgrind_mb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
