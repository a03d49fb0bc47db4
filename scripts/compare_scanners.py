#!/usr/bin/env python3
"""Side by side: speclint's static security scan, ``saved_model_cli scan`` and ``modelscan``.

Runs the three scanners on every ``sec-*`` fixture in ``golden/models`` and prints a markdown
table, one row per pattern: whether each tool caught it (and what it named), missed it, or
failed on the model. ``--evasion`` adds the models of ``tests/security/evasion/make_models.py``
(one per evasion class of issue 9, built with TensorFlow into a temporary directory).

* speclint: ``read_model`` + the SL6xx rules, in this process, without TensorFlow;
* ``saved_model_cli scan --dir MODEL`` from TensorFlow (its default denylist: ReadFile,
  WriteFile, PrintV2), run with this interpreter's TensorFlow;
* ``modelscan -r json -p MODEL`` (pip package ``modelscan``; needs TensorFlow), found through
  ``--modelscan``, ``$MODELSCAN``, ``PATH`` or ``/tmp/modelscan-venv/bin/modelscan``; a column
  of "n/a" when it is not installed.

Usage::

    python scripts/compare_scanners.py [--models golden/models] [--evasion] [--speclint-only] [--jobs 4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT_MODELS = REPO / "golden" / "models"
FALLBACK_MODELSCAN = Path("/tmp/modelscan-venv/bin/modelscan")
TIMEOUT = 300
CODES = ("SL6", "SL141")  # the security rules, and dropout on the output (an evasion class of issue 9)
EVASION_BUILDER = REPO / "tests" / "security" / "evasion" / "make_models.py"


@dataclass(frozen=True)
class Verdict:
    status: str  # caught | missed | error | n/a
    detail: str = ""

    def cell(self) -> str:
        return f"{self.status} ({self.detail})" if self.detail else self.status


def security_fixtures(models: Path) -> list[Path]:
    return sorted(p for p in models.iterdir() if p.is_dir() and p.name.startswith("sec-"))


# ---- speclint ------------------------------------------------------------------------------
def speclint_verdict(model: Path) -> Verdict:
    """speclint's static stage: the facts document and the SL6xx rules on it."""
    from speclint.read import read_model
    from speclint.rules.engine import CompiledRule
    from speclint.rules.loader import load_rules

    rules = [CompiledRule(rule) for code, rule in sorted(load_rules().items()) if code.startswith(CODES)]
    try:
        facts = read_model(str(model))
        findings = [finding for rule in rules for finding in rule.findings(facts)]
    except Exception as exc:  # a crash is a result to report, not a reason to stop
        return Verdict("error", f"{type(exc).__name__}: {exc}"[:80])
    if not findings:
        return Verdict("missed")
    if not any(f.code.startswith("SL6") for f in findings):
        return Verdict("caught", ", ".join(sorted({f"{f.code}: {f.where}" for f in findings}))[:120])
    security = facts["security"]
    named = sorted(
        {d["op"] for d in security["dangerous_ops"]}
        | {u["op"] for u in security["unknown_ops"]}
        | {f"Lambda {x['layer']}" for x in security["keras_lambda_layers"]}
        | {f"asset {a['path']}" for a in security["escaping_assets"]}
        | {f"incomplete scan of {e['file']}" for e in security["errors"]}
    )
    codes = sorted({f.code for f in findings})
    return Verdict("caught", f"{'/'.join(codes)}: {', '.join(named)}")


def build_evasion_models(out: Path) -> list[Path]:
    """The evasion models, built with TensorFlow; their side effects would land under ``out/target``."""
    (out / "target").mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(EVASION_BUILDER), str(out / "models"), str(out / "target")]
    subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT * 2, env=_env())
    return sorted(p for p in (out / "models").iterdir() if p.is_dir())


def speclint_results(models: Path) -> dict[str, Verdict]:
    return {model.name: speclint_verdict(model) for model in security_fixtures(models)}


# ---- saved_model_cli -----------------------------------------------------------------------
def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}


def saved_model_cli_verdict(model: Path) -> Verdict:
    command = [sys.executable, "-m", "tensorflow.python.tools.saved_model_cli", "scan", "--dir", str(model)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=_env())
    except subprocess.TimeoutExpired:
        return Verdict("error", "timeout")
    caught = [line for line in result.stdout.splitlines() if "contains the following denylisted ops" in line]
    if result.returncode != 0 and not caught:
        return Verdict("error", _last_error(result.stderr))
    if caught:
        ops: set[str] = set()
        for line in caught:
            ops.update(part.strip(" '{}") for part in line.split(":", 1)[1].split(","))
        return Verdict("caught", ", ".join(sorted(ops)))
    if "does not contain" in result.stdout:
        return Verdict("missed")
    return Verdict("error", _last_error(result.stderr) or "no output")


# ---- modelscan ------------------------------------------------------------------------------
def find_modelscan(option: str | None) -> str | None:
    for candidate in (option, os.environ.get("MODELSCAN"), shutil.which("modelscan"), str(FALLBACK_MODELSCAN)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def modelscan_verdict(model: Path, executable: str | None) -> Verdict:
    if executable is None:
        return Verdict("n/a", "modelscan not installed")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [executable, "-r", "json", "-o", str(report), "-p", str(model)]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=_env(), cwd=tmp)
        except subprocess.TimeoutExpired:
            return Verdict("error", "timeout")
        if not report.is_file():
            return Verdict("error", _last_error(result.stderr) or f"exit {result.returncode}, no report")
        data = json.loads(report.read_text())
    issues = data.get("issues") or []
    if issues:
        return Verdict("caught", ", ".join(sorted({str(i.get("operator")) for i in issues})))
    errors = data.get("errors") or []
    if errors:
        return Verdict("error", str(errors[0].get("description") or errors[0])[:80])
    return Verdict("missed")


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith(("I0000", "W0000"))]
    return lines[-1][:80] if lines else ""


def _row(model: Path) -> str:
    return model.name if model.name.startswith("sec-") else f"evasion: {model.name}"


# ---- table ----------------------------------------------------------------------------------
def table(rows: dict[str, dict[str, Verdict]], tools: list[str]) -> str:
    lines = ["| pattern (fixture) | " + " | ".join(tools) + " |", "|---|" + "---|" * len(tools)]
    for name, verdicts in rows.items():
        lines.append(f"| `{name}` | " + " | ".join(verdicts[tool].cell() for tool in tools) + " |")
    totals = []
    for tool in tools:
        caught = sum(verdicts[tool].status == "caught" for verdicts in rows.values())
        totals.append(f"**{caught}/{len(rows)} caught**")
    lines.append("| **total** | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="directory holding the sec-* fixtures")
    parser.add_argument("--speclint-only", action="store_true", help="run only speclint (no TensorFlow needed)")
    parser.add_argument("--modelscan", help="path of the modelscan executable")
    parser.add_argument("--jobs", type=int, default=4, help="scanner processes run at once")
    parser.add_argument("--evasion", action="store_true", help="add the evasion models of issue 9 (needs TensorFlow)")
    args = parser.parse_args(argv)
    fixtures = security_fixtures(args.models)
    if not fixtures:
        print(f"no sec-* fixtures under {args.models}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="speclint-evasion-") as tmp:
        if args.evasion:
            fixtures += build_evasion_models(Path(tmp))
        return _compare(fixtures, args)


def _compare(fixtures: list[Path], args: argparse.Namespace) -> int:
    tools = ["speclint"] if args.speclint_only else ["speclint", "saved_model_cli scan", "modelscan"]
    rows: dict[str, dict[str, Verdict]] = {_row(m): {"speclint": speclint_verdict(m)} for m in fixtures}
    if not args.speclint_only:
        executable = find_modelscan(args.modelscan)
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            cli = {_row(m): pool.submit(saved_model_cli_verdict, m) for m in fixtures}
            scan = {_row(m): pool.submit(modelscan_verdict, m, executable) for m in fixtures}
            for name in rows:
                rows[name]["saved_model_cli scan"] = cli[name].result()
                rows[name]["modelscan"] = scan[name].result()
    print(table(rows, tools))
    return 0 if all(v["speclint"].status == "caught" for v in rows.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
