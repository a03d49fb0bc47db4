"""Snapshot every output speclint writes, to show a refactor changed none of them.

    python benchmarks/snapshot_outputs.py OUT_DIR [--sets golden,corpus,hostile,mutated,real]
    diff -r BEFORE_DIR AFTER_DIR          # empty: byte-identical

For each set of models (golden/models, the smoke corpus in $SPECLINT_CORPUS, the hostile corpus
that tests/hostile/make_corpus.py builds, 300 seeded mutations of the small golden models, and
the real-model benchmark cache in $SPECLINT_BENCH_CACHE) it runs, in a subprocess each,
``speclint show --format json`` (the facts), ``speclint check`` with ``--format json``, ``full``,
``concise``, ``sarif``, ``github`` and ``html`` (every finding, info included), once with the C
reader and once with ``SPECLINT_PURE_PYTHON=1``, and writes stdout, stderr and the exit code to
OUT_DIR/<set>/<reader>-<output>.txt. Models are copied (mutated ones written) to fixed paths
under $SNAPSHOT_MODELS (default /tmp/speclint-snapshot-models) and named relative to it, so that
paths in the outputs match between runs and between checkouts.
A set whose source is missing is skipped with a line on stderr, never silently.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MODELS = Path(os.environ.get("SNAPSHOT_MODELS", "/tmp/speclint-snapshot-models"))
OUTPUTS = {
    "facts": ["show", "--format", "json"],
    "json": ["check", "--format", "json"],
    "full": ["check", "--format", "full", "--verbose"],
    "concise": ["check", "--format", "concise"],
    "sarif": ["check", "--format", "sarif"],
    "github": ["check", "--format", "github"],
    "html": ["check", "--format", "html"],
}
COMMON = ["--read-timeout", "600"]
CHECK_ONLY = ["--fail-level", "info", "--jobs", "1", "--no-progress", "--color", "never", "--lang", "en"]


def _mutations(target: Path, count: int = 300) -> None:
    """Seeded byte mutations of the small golden models, as tests/read/test_accelerator.py makes."""
    seeds = [p for p in sorted((REPO / "golden" / "models").glob("*/saved_model.pb")) if p.stat().st_size < 300_000]
    rng = random.Random(20261207)
    for number in range(count):
        source = rng.choice(seeds)
        data = bytearray(source.read_bytes())
        for _ in range(rng.randint(1, 4)):
            where = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.5:
                data[where] = rng.randrange(256)
            elif choice < 0.75:
                del data[where : where + rng.randint(1, 8)]
            else:
                data[where:where] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        model = target / f"m{number:03d}"
        model.mkdir(parents=True)
        (model / "saved_model.pb").write_bytes(bytes(data))


def _prepare(name: str) -> Path | None:
    target = MODELS / name
    subprocess.run(["rm", "-rf", str(target)], check=True)  # the hostile corpus nests deeper than rmtree recurses
    if name == "golden":
        source: Path | None = REPO / "golden" / "models"
    elif name == "corpus":
        source = Path(os.environ["SPECLINT_CORPUS"]) if os.environ.get("SPECLINT_CORPUS") else None
    elif name == "real":
        source = Path(os.environ["SPECLINT_BENCH_CACHE"]) if os.environ.get("SPECLINT_BENCH_CACHE") else None
    elif name == "hostile":
        sys.path.insert(0, str(REPO))
        from tests.hostile.make_corpus import build

        target.mkdir(parents=True)
        build(target)
        return target
    else:
        _mutations(target)
        return target
    if source is None or not source.is_dir():
        print(f"snapshot: skipping {name}: no source directory", file=sys.stderr)
        return None
    shutil.copytree(source, target, symlinks=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sets", default="golden,corpus,hostile,mutated,real")
    args = parser.parse_args()
    speclint = [sys.executable, "-m", "speclint"]
    for name in args.sets.split(","):
        models = _prepare(name)
        if models is None:
            continue
        (args.out / name).mkdir(parents=True, exist_ok=True)
        for reader, extra in (("c", {}), ("pure", {"SPECLINT_PURE_PYTHON": "1"})):
            env = {**os.environ, **extra, "NO_COLOR": "1", "COLUMNS": "100"}
            for output, command in OUTPUTS.items():
                options = COMMON + (CHECK_ONLY if command[0] == "check" else [])
                done = subprocess.run(
                    [*speclint, *command, *options, name], capture_output=True, text=True, env=env, cwd=MODELS
                )
                text = f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"
                (args.out / name / f"{reader}-{output}.txt").write_text(text, encoding="utf-8")
            print(f"snapshot: {name} {reader} done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
