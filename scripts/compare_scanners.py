#!/usr/bin/env python3
"""Side by side: speclint's static security scan, ``saved_model_cli scan``, modelscan and ModelAudit.

Runs the scanners on every ``sec-*`` fixture in ``golden/models`` and prints a markdown table,
one row per model: what each tool said, judged against what the model does. ``--evasion`` adds
the models of ``tests/read/security/evasion/make_models.py`` (built with TensorFlow into a temporary
directory): the evasion classes of issues 9 and 21, whose side effects the evasion tests prove
with TensorFlow's loaders, and the look-alikes that touch nothing outside.

Each row expects one of:

* ``attack``: the model reads, writes, reaches the network or ends the process when a consumer
  loads or calls it (or hides what it does from a scan): a tool that reports it **caught** it;
* ``quiet``: a look-alike, or ops no consumer ever runs (a stray saver, ``local_resources``): a
  tool that fails it raises a **false alarm**; speclint may note it without failing (SL605, SL608
  are information).

A tool *flags* a model when it reports something at warning level or above: speclint an SL6xx
(or SL141) finding of severity error or warning; ``saved_model_cli scan`` a denylisted op;
modelscan any issue; ModelAudit an issue of severity warning or critical. A peer that names only
``SaveV2``, ``RestoreV2`` and ``MergeV2Checkpoints`` (which every SavedModel's own saver holds:
ModelAudit reports them in every model) does not flag it: its cell says ``saver ops only``.

* speclint: ``read_model`` + the SL6xx rules, in this process, without TensorFlow;
* ``saved_model_cli scan --dir MODEL`` from TensorFlow (its default denylist: ReadFile,
  WriteFile, PrintV2), run with this interpreter's TensorFlow;
* ``modelscan -r json -p MODEL`` (pip package ``modelscan``), found through ``--modelscan``,
  ``$MODELSCAN``, ``PATH`` or ``/tmp/modelscan-venv/bin/modelscan``;
* ``modelaudit scan --format json MODEL`` (pip package ``modelaudit``), found through
  ``--modelaudit``, ``$MODELAUDIT``, ``PATH`` or ``/tmp/modelaudit-venv/bin/modelaudit``.

A column of "n/a" when a tool is not installed.

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
TIMEOUT = 300
CODES = ("SL6", "SL141")  # the security rules, and dropout on the output (an evasion class of issue 9)
EVASION_DIR = REPO / "tests" / "read" / "security" / "evasion"
EVASION_BUILDER = EVASION_DIR / "make_models.py"
TOOLS = ("speclint", "saved_model_cli scan", "modelscan", "ModelAudit")
# Models that do nothing outside when loaded or called: a tool flagging them raises a false alarm.
QUIET_FIXTURES = frozenset({"sec-never-run", "sec-keras-custom-layer"})
QUIET_EVASION = frozenset({"builder-peer-saver", "local-resources-collection", "stray-saver-never-runs"})
SAVER_OPS = frozenset({"SaveV2", "RestoreV2", "MergeV2Checkpoints"})  # in every SavedModel's own saver


def _peer(names: set[str]) -> Verdict:
    """A peer's verdict from what it named: the saver's ops alone tell nothing about a model."""
    if not names:
        return Verdict("silent")
    if names <= SAVER_OPS:
        return Verdict("silent", "saver ops only")
    return Verdict("flagged", ", ".join(sorted(names - SAVER_OPS))[:120])


@dataclass(frozen=True)
class Verdict:
    status: str  # flagged | silent | error | n/a
    detail: str = ""

    def judged(self, expected: str) -> str:
        """The cell: what the tool said, judged against what the model does."""
        if self.status == "flagged":
            word = "caught" if expected == "attack" else "false alarm"
        elif self.status == "silent":
            word = "missed" if expected == "attack" else "quiet"
        else:
            word = self.status
        return f"{word} ({self.detail})" if self.detail else word

    def right(self, expected: str) -> bool:
        return (self.status == "flagged") == (expected == "attack") and self.status in ("flagged", "silent")


def security_fixtures(models: Path) -> list[Path]:
    return sorted(p for p in models.iterdir() if p.is_dir() and p.name.startswith("sec-"))


def expected(model: Path) -> str:
    if model.name.startswith("sec-"):
        return "quiet" if model.name in QUIET_FIXTURES else "attack"
    return "quiet" if model.name in QUIET_EVASION or model.name in _evasion_lookalikes() else "attack"


def _evasion_lookalikes() -> frozenset[str]:
    sys.path.insert(0, str(EVASION_DIR))
    from make_held_out import QUIET  # the look-alikes of issue 21

    return frozenset(QUIET)


# ---- speclint ------------------------------------------------------------------------------
def speclint_verdict(model: Path) -> Verdict:
    """speclint's static stage: the facts document and the SL6xx rules on it (notes shown, never flags)."""
    from speclint.read import read_model
    from speclint.rules.engine import CompiledRule
    from speclint.rules.loader import load_rules

    rules = [CompiledRule(rule) for code, rule in sorted(load_rules().items()) if code.startswith(CODES)]
    try:
        facts = read_model(str(model))
        findings = [finding for rule in rules for finding in rule.findings(facts)]
    except Exception as exc:  # a crash is a result to report, not a reason to stop
        return Verdict("error", f"{type(exc).__name__}: {exc}"[:80])
    flags = [f for f in findings if f.severity in ("error", "warning")]
    notes = sorted({f.code for f in findings if f.severity == "info"})
    note = f"note: {', '.join(notes)}" if notes else ""
    if not flags:
        return Verdict("silent", note)
    if not any(f.code.startswith("SL6") for f in flags):
        return Verdict("flagged", ", ".join(sorted({f"{f.code}: {f.where}" for f in flags}))[:120])
    security = facts["security"]
    named = sorted(
        {d["op"] for d in security["dangerous_ops"]}
        | {d["op"] for d in security["process_killing_ops"]}
        | {u["op"] for u in security["unknown_ops"]}
        | {f"Lambda {x['layer']}" for x in security["keras_lambda_layers"]}
        | {f"{x['class_name']} {x['detail']}" for x in security["keras_layers"] if x["kind"] != "custom-object"}
        | {f"asset {a['path']}" for a in security["escaping_assets"]}
        | {f"incomplete scan of {e['file']}" for e in security["errors"]}
    )
    codes = sorted({f.code for f in flags})
    return Verdict("flagged", f"{'/'.join(codes)}: {', '.join(named)}"[:160])


def speclint_results(models: Path) -> dict[str, Verdict]:
    return {model.name: speclint_verdict(model) for model in security_fixtures(models)}


def build_evasion_models(out: Path) -> list[Path]:
    """The evasion models, built with TensorFlow; their side effects would land under ``out/target``."""
    (out / "target").mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(EVASION_BUILDER), str(out / "models"), str(out / "target")]
    subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT * 4, env=_env())
    return sorted(p for p in (out / "models").iterdir() if p.is_dir())


# ---- saved_model_cli -----------------------------------------------------------------------
def _env() -> dict[str, str]:
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore", "PROMPTFOO_DISABLE_TELEMETRY": "1"}


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
        return _peer(ops)
    if "does not contain" in result.stdout:
        return Verdict("silent")
    return Verdict("error", _last_error(result.stderr) or "no output")


# ---- modelscan and ModelAudit --------------------------------------------------------------
def find_tool(option: str | None, variable: str, name: str) -> str | None:
    fallback = f"/tmp/{name}-venv/bin/{name}"
    for candidate in (option, os.environ.get(variable), shutil.which(name), fallback):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _json_report(command: list[str], report: Path, tmp: str) -> tuple[dict[str, object] | None, str]:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, env=_env(), cwd=tmp)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if not report.is_file() or not report.stat().st_size:
        return None, _last_error(result.stderr) or f"exit {result.returncode}, no report"
    try:
        data: dict[str, object] = json.loads(report.read_text())
    except ValueError:
        return None, "report is not JSON"
    return data, ""


def modelscan_verdict(model: Path, executable: str | None) -> Verdict:
    if executable is None:
        return Verdict("n/a", "modelscan not installed")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        data, error = _json_report([executable, "-r", "json", "-o", str(report), "-p", str(model)], report, tmp)
    if data is None:
        return Verdict("error", error)
    issues = data.get("issues") or []
    if isinstance(issues, list) and issues:
        return _peer({str(i.get("operator")) for i in issues if isinstance(i, dict)})
    errors = data.get("errors") or []
    if isinstance(errors, list) and errors:
        first = errors[0]
        return Verdict("error", str(first.get("description") if isinstance(first, dict) else first)[:80])
    return Verdict("silent")


def modelaudit_verdict(model: Path, executable: str | None) -> Verdict:
    if executable is None:
        return Verdict("n/a", "modelaudit not installed")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [executable, "scan", "--format", "json", "--output", str(report), "--no-cache", str(model)]
        data, error = _json_report(command, report, tmp)
    if data is None:
        return Verdict("error", error)
    issues = [i for i in data.get("issues") or [] if isinstance(i, dict)]  # type: ignore[union-attr]
    serious = [i for i in issues if str(i.get("severity")).lower() in ("critical", "warning", "error", "high")]
    return _peer({str((i.get("details") or {}).get("op_type") or i.get("message"))[:40] for i in serious})


def _last_error(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith(("I0000", "W0000"))]
    return lines[-1][:80] if lines else ""


def _row(model: Path) -> str:
    return model.name if model.name.startswith("sec-") else f"evasion: {model.name}"


# ---- table ----------------------------------------------------------------------------------
def table(rows: dict[str, dict[str, Verdict]], kinds: dict[str, str], tools: list[str]) -> str:
    lines = ["| model | expected | " + " | ".join(tools) + " |", "|---|---|" + "---|" * len(tools)]
    for name, verdicts in rows.items():
        cells = " | ".join(verdicts[tool].judged(kinds[name]) for tool in tools)
        lines.append(f"| `{name}` | {kinds[name]} | {cells} |")
    attacks = [name for name in rows if kinds[name] == "attack"]
    quiet = [name for name in rows if kinds[name] == "quiet"]
    totals = []
    for tool in tools:
        caught = sum(rows[name][tool].right("attack") for name in attacks)
        silent = sum(rows[name][tool].right("quiet") for name in quiet)
        totals.append(f"**{caught}/{len(attacks)} caught, {silent}/{len(quiet)} quiet**")
    lines.append("| **total** | | " + " | ".join(totals) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", type=Path, default=DEFAULT_MODELS, help="directory holding the sec-* fixtures")
    parser.add_argument("--speclint-only", action="store_true", help="run only speclint (no TensorFlow needed)")
    parser.add_argument("--modelscan", help="path of the modelscan executable")
    parser.add_argument("--modelaudit", help="path of the modelaudit executable")
    parser.add_argument("--jobs", type=int, default=4, help="scanner processes run at once")
    parser.add_argument("--evasion", action="store_true", help="add the evasion models (needs TensorFlow)")
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
    tools = ["speclint"] if args.speclint_only else list(TOOLS)
    rows: dict[str, dict[str, Verdict]] = {_row(m): {"speclint": speclint_verdict(m)} for m in fixtures}
    kinds = {_row(m): expected(m) for m in fixtures}
    if not args.speclint_only:
        modelscan = find_tool(args.modelscan, "MODELSCAN", "modelscan")
        modelaudit = find_tool(args.modelaudit, "MODELAUDIT", "modelaudit")
        with ThreadPoolExecutor(max_workers=max(args.jobs, 1)) as pool:
            futures = {
                _row(m): {
                    "saved_model_cli scan": pool.submit(saved_model_cli_verdict, m),
                    "modelscan": pool.submit(modelscan_verdict, m, modelscan),
                    "ModelAudit": pool.submit(modelaudit_verdict, m, modelaudit),
                }
                for m in fixtures
            }
            for name, pending in futures.items():
                rows[name].update({tool: future.result() for tool, future in pending.items()})
    print(table(rows, kinds, tools))
    return 0 if all(v["speclint"].right(kinds[name]) for name, v in rows.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
