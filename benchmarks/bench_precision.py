"""Precision and recall of speclint on real published SavedModels, against hand-made labels.

    python benchmarks/bench_precision.py                    # static stage, --profile auto
    python benchmarks/bench_precision.py --json             # machine-readable
    python benchmarks/bench_precision.py --execute          # score the SL7xx findings of --execute
    python benchmarks/bench_precision.py -- --select SL1    # extra arguments for speclint

The models are the ones in ``benchmarks/real_models/manifest.json``, read from the cache that
``benchmarks/real_models/fetch.py`` fills (``--cache``, else ``$SPECLINT_BENCH_CACHE``, else
``~/.cache/speclint/real-models``); every file is checked against its sha256 first, and a missing
or different file stops the run with exit status 2 (numbers from other bytes would be wrong).

speclint runs as installed in this environment (the worktree the script is run in, when it is
installed editable). Each finding is matched to a label of ``benchmarks/real_models/labels.json``
by model id and rule code, and, where a model has several findings of one code with different
truths, by a short ``where`` substring found in the finding's location or message, so that a
change of wording does not lose the judgement. Verdicts:

- ``TRUE``: a real violation a consumer would hit (``cascade_of`` marks one implied by another
  finding of the same model: counted right by default, wrong with ``--cascade-as-noise``, and
  never counted in recall, so merging cascades costs nothing);
- ``FALSE``: the model does what the spec wants, or the finding is wrong about it;
- ``MISSING``: a real violation that speclint 0.2.0 did not report; when a later version reports
  it under the label's code, the finding is right and the violation counts as found;
- ``UNSURE``: judged neither way; shown, never counted.

A label with ``"recall": false`` judges findings but is never counted as a violation to find.
A label with ``"copy_defect": true`` judges a finding that is true of the benchmark copy only
(a data shard that the source snapshot omitted, listed in the manifest's ``omitted_files``): the
published model is not at fault, so such findings are counted apart and left out of both
precision and recall.

Printed: precision of errors and warnings (all, contract rules, security rules), the number of
findings about the copy's omitted files (column ``copy`` of the table), recall of the labelled
violations (``TRUE`` and ``MISSING``, cascades, information-only rules and copy defects excluded),
a table per rule, and every finding that no label judges (``UNLABELLED``: label it), every
``FALSE`` finding and every missed violation.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "real_models"))

from bench_cache import LABELS, ManifestError, default_cache, load_manifest, verify_model  # noqa: E402

COUNTED = ("error", "warning")
VERDICTS = ("TRUE", "FALSE", "MISSING", "UNSURE")


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Finding:
    """One finding of a report, as the scorer sees it."""

    model: str
    code: str
    severity: str
    where: str
    message: str = ""
    locations: tuple[str, ...] = ()

    def text(self) -> str:
        """Everything a label's ``where`` may be found in."""
        return "\n".join((self.where, self.message, *self.locations))


@dataclass(frozen=True)
class Label:
    """One judgement: of the findings of ``code`` on ``model`` (those whose text holds ``where``)."""

    model: str
    code: str | None
    verdict: str
    where: str | None = None
    stage: str = "static"
    severity: str | None = None
    cascade_of: str | None = None
    reason: str = ""
    category: str = ""
    recall: bool = True
    copy_defect: bool = False

    @property
    def counts_for_recall(self) -> bool:
        return (
            self.recall
            and not self.copy_defect
            and self.verdict in ("TRUE", "MISSING")
            and not self.cascade_of
            and self.severity != "info"
        )


@dataclass
class Judged:
    finding: Finding
    label: Label | None

    @property
    def verdict(self) -> str:
        if self.label is None:
            return "UNLABELLED"
        return "TRUE" if self.label.verdict == "MISSING" else self.label.verdict

    @property
    def copy_defect(self) -> bool:
        """True of the benchmark copy only (a file the source snapshot omitted): never scored."""
        return self.label is not None and self.label.copy_defect


@dataclass
class Score:
    """Everything the report prints, computed from findings and labels alone."""

    judged: list[Judged]
    violations: list[tuple[Label, bool]]  # (label, found)
    cascade_as_noise: bool = False
    skips: dict[str, int] = field(default_factory=dict)

    def _precision(self, keep: Any) -> dict[str, Any]:
        right = wrong = 0
        for item in self.judged:
            if item.finding.severity not in COUNTED or item.copy_defect or not keep(item.finding.code):
                continue
            verdict = item.verdict
            if verdict == "TRUE" and self.cascade_as_noise and item.label and item.label.cascade_of:
                verdict = "FALSE"
            right += verdict == "TRUE"
            wrong += verdict == "FALSE"
        return {"true": right, "false": wrong, "precision": ratio(right, right + wrong)}

    def summary(self) -> dict[str, Any]:
        counted = [j for j in self.judged if j.finding.severity in COUNTED]
        found = sum(1 for _, hit in self.violations if hit)
        return {
            "findings": len(self.judged),
            "errors_and_warnings": len(counted),
            "info": len(self.judged) - len(counted),
            "unlabelled": sum(1 for j in self.judged if j.label is None),
            "unsure": sum(1 for j in self.judged if j.verdict == "UNSURE"),
            "copy_defect": sum(1 for j in self.judged if j.copy_defect),
            "precision": {
                "all": self._precision(lambda code: True),
                "contract": self._precision(lambda code: not code.startswith("SL6")),
                "security": self._precision(lambda code: code.startswith("SL6")),
            },
            "cascade_as_noise": self.cascade_as_noise,
            "recall": {
                "violations": len(self.violations),
                "found": found,
                "recall": ratio(found, len(self.violations)),
            },
        }

    def per_rule(self) -> dict[str, dict[str, int]]:
        table: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for item in self.judged:
            row = table[item.finding.code]
            row["findings"] += 1
            row["copy" if item.copy_defect else item.verdict.lower()] += 1
            if item.label is not None and item.label.cascade_of and item.verdict == "TRUE":
                row["cascade"] += 1
        for label, hit in self.violations:
            row = table[label.code or "(no rule yet)"]
            row["violations"] += 1
            row["found" if hit else "missed"] += 1
        return {code: dict(row) for code, row in sorted(table.items())}


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# ----------------------------------------------------------------------------- matching


def parse_labels(document: dict[str, Any], stage: str = "static") -> list[Label]:
    """The labels of one stage; a malformed label is an error, never silently dropped."""
    labels = []
    for number, raw in enumerate(document.get("labels", [])):
        verdict = raw.get("verdict")
        if verdict not in VERDICTS or "model" not in raw:
            raise ValueError(f"label {number}: needs 'model' and a verdict in {VERDICTS}: {str(raw)[:120]}")
        if verdict != "MISSING" and not raw.get("code"):
            raise ValueError(f"label {number}: a {verdict} label needs a rule 'code'")
        copy_defect = raw.get("copy_defect", False)
        if copy_defect not in (True, False) or (copy_defect and verdict not in ("TRUE", "MISSING")):
            raise ValueError(f"label {number}: 'copy_defect' must be true or false, and true only on TRUE or MISSING")
        if raw.get("stage", "static") != stage:
            continue
        labels.append(
            Label(
                model=raw["model"],
                code=raw.get("code"),
                verdict=verdict,
                where=raw.get("where"),
                stage=raw.get("stage", "static"),
                severity=raw.get("severity"),
                cascade_of=raw.get("cascade_of"),
                reason=raw.get("reason", ""),
                category=raw.get("category", ""),
                recall=raw.get("recall", True) is not False,
                copy_defect=copy_defect,
            )
        )
    return labels


def copy_defects_without_omitted_files(labels: Iterable[Label], models: Iterable[dict[str, Any]]) -> list[str]:
    """Models whose labels blame the copy although the manifest lists no file the copy lacks."""
    omitting = {entry["id"] for entry in models if entry.get("omitted_files")}
    return sorted({label.model for label in labels if label.copy_defect and label.model not in omitting})


def match(finding: Finding, labels: Iterable[Label]) -> Label | None:
    """The most specific label of the finding's model and code whose ``where`` it holds."""
    text = finding.text()
    candidates = [
        label
        for label in labels
        if label.model == finding.model and label.code == finding.code and (not label.where or label.where in text)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda label: len(label.where or ""))


def score(
    findings: list[Finding], labels: list[Label], models: Iterable[str] | None = None, cascade_as_noise: bool = False
) -> Score:
    """Judge every finding and decide, for every labelled violation, whether it was found.

    ``models`` limits the violations to models that were run (all labelled ones by default)."""
    judged = [Judged(finding, match(finding, labels)) for finding in findings]
    hits = {id(item.label) for item in judged if item.label is not None}
    scope = set(models) if models is not None else None
    violations = [
        (label, id(label) in hits)
        for label in labels
        if label.counts_for_recall and (scope is None or label.model in scope)
    ]
    return Score(judged, violations, cascade_as_noise)


# ----------------------------------------------------------------------------- running speclint


def speclint_command() -> list[str]:
    installed = shutil.which("speclint")
    return [installed] if installed else [sys.executable, "-m", "speclint"]


def run_speclint(model_dirs: dict[str, Path], extra: list[str], execute: bool) -> dict[str, Any]:
    command = [*speclint_command(), "--format", "json", "--exit-zero", "--profile", "auto", *extra]
    if execute:
        command.append("--execute")
    command += [str(path) for path in model_dirs.values()]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        return json.loads(done.stdout)
    except ValueError:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        message = f"bench_precision: error: speclint gave no JSON report (exit {done.returncode}): {tail}"
        raise SystemExit(message) from None


def findings_of(
    report: dict[str, Any], model_dirs: dict[str, Path], stage: str
) -> tuple[list[Finding], dict[str, int]]:
    by_path = {str(path): model for model, path in model_dirs.items()}
    findings: list[Finding] = []
    skips: dict[str, int] = defaultdict(int)
    for model_report in report.get("models", []):
        model = by_path.get(model_report.get("path", ""))
        if model is None:
            model = Path(model_report.get("path", "?")).name
        execution = model_report.get("execution")
        if stage == "execute" and isinstance(execution, dict):
            status = execution.get("status") or "none"
            reason = execution.get("skip_reason") or execution.get("reason")
            skips[f"{status}: {reason}" if reason else status] += 1
        for raw in model_report.get("findings", []):
            code = raw.get("code", "")
            if (stage == "execute") != code.startswith("SL7"):
                continue
            findings.append(
                Finding(
                    model=model,
                    code=code,
                    severity=raw.get("severity", ""),
                    where=raw.get("where", ""),
                    message=raw.get("message", ""),
                    locations=tuple(loc.get("where", "") for loc in raw.get("locations", [])),
                )
            )
    return findings, dict(skips)


# ----------------------------------------------------------------------------- output


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def text_report(result: Score, stage: str, labels_path: Path) -> str:
    summary = result.summary()
    p = summary["precision"]
    r = summary["recall"]

    def share(part: dict[str, Any]) -> str:
        return f"{percent(part['precision'])} ({part['true']} true, {part['false']} false)"

    lines = [
        f"real-model benchmark, {stage} stage: {summary['findings']} findings "
        f"({summary['errors_and_warnings']} errors and warnings, {summary['info']} information), "
        f"{summary['unlabelled']} unlabelled, {summary['unsure']} unsure",
        f"findings about the benchmark copy's omitted files: {summary['copy_defect']}, "
        "excluded from precision and recall",
        f"precision of errors+warnings: {share(p['all'])}"
        + ("  [cascades counted as noise]" if summary["cascade_as_noise"] else ""),
        f"  contract rules (not SL6xx):  {share(p['contract'])}",
        f"  security rules (SL6xx):      {share(p['security'])}",
        f"recall of labelled violations: {percent(r['recall'])} ({r['found']} of {r['violations']} found)",
    ]
    if result.skips:
        lines.append("execution: " + ", ".join(f"{k} x{v}" for k, v in sorted(result.skips.items())))
    columns = ("findings", "true", "false", "unsure", "unlabelled", "copy", "cascade", "violations", "found", "missed")
    headers = ("findings", "true", "false", "unsure", "unlabel.", "copy", "cascade", "violat.", "found", "missed")
    lines += ["", "rule     " + " ".join(f"{h:>8}" for h in headers)]
    for code, row in result.per_rule().items():
        lines.append(f"{code:8} " + " ".join(f"{row.get(c, 0):>8}" for c in columns))
    sections = (
        (
            "UNLABELLED (judge these and add them to " + str(labels_path) + ")",
            [j for j in result.judged if j.label is None],
            lambda j: j.finding.message[:240],
        ),
        ("FALSE", [j for j in result.judged if j.verdict == "FALSE"], lambda j: j.label.reason if j.label else ""),
        ("UNSURE", [j for j in result.judged if j.verdict == "UNSURE"], lambda j: j.label.reason if j.label else ""),
    )
    for title, items, why in sections:
        lines += ["", f"{title}: {len(items)}"]
        for item in sorted(items, key=lambda j: (j.label.category if j.label else "", j.finding.model)):
            f = item.finding
            cause = f" [{item.label.category}]" if item.label and item.label.category else ""
            lines.append(f"  {f.model} {f.code} {f.severity} @ {f.where}{cause}")
            lines.append(f"      {why(item)}")
    missed = sorted((label for label, hit in result.violations if not hit), key=lambda x: (x.category, x.model))
    lines += ["", f"MISSED violations: {len(missed)}"]
    for label in missed:
        cause = f" [{label.category}]" if label.category else ""
        lines.append(
            f"  {label.model} {label.code or '(no rule yet)'}" + (f" @ {label.where}" if label.where else "") + cause
        )
        lines.append(f"      {label.reason}")
    return "\n".join(lines)


def json_report(result: Score, stage: str) -> dict[str, Any]:
    def finding(j: Judged) -> dict[str, Any]:
        f = j.finding
        return {
            "model": f.model,
            "code": f.code,
            "severity": f.severity,
            "where": f.where,
            "verdict": j.verdict,
            "copy_defect": j.copy_defect,
            "cascade_of": j.label.cascade_of if j.label else None,
            "category": j.label.category if j.label else None,
            "reason": j.label.reason if j.label else None,
        }

    return {
        "stage": stage,
        **result.summary(),
        "per_rule": result.per_rule(),
        "execution": result.skips,
        "findings_judged": [finding(j) for j in result.judged],
        "missed": [
            {
                "model": label.model,
                "code": label.code,
                "where": label.where,
                "category": label.category,
                "reason": label.reason,
            }
            for label, hit in result.violations
            if not hit
        ],
    }


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1 :]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--only", default=None, help="comma-separated model ids")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--execute", action="store_true", help="run speclint --execute and score the SL7xx findings")
    parser.add_argument(
        "--cascade-as-noise", action="store_true", help="count TRUE findings marked cascade_of as wrong"
    )
    args = parser.parse_args(argv)
    try:
        models = load_manifest()
        labels = parse_labels(
            json.loads(args.labels.read_text(encoding="utf-8")), stage="execute" if args.execute else "static"
        )
    except (ManifestError, OSError, ValueError) as exc:
        print(f"bench_precision: error: {exc}", file=sys.stderr)
        return 2
    blamed = copy_defects_without_omitted_files(labels, models)
    if blamed:
        print(
            f"bench_precision: error: {args.labels}: copy_defect labels on model(s) whose manifest entry "
            f"omits no file: {', '.join(blamed)}",
            file=sys.stderr,
        )
        return 2
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {m["id"] for m in models}
        if unknown:
            print(f"bench_precision: error: unknown model id(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        models = [m for m in models if m["id"] in wanted]
    cache = (args.cache or default_cache()).expanduser()
    if not cache.is_dir():
        print(
            f"bench_precision: error: no benchmark cache at {cache}; fill it with "
            f"python benchmarks/real_models/fetch.py (or set SPECLINT_BENCH_CACHE)",
            file=sys.stderr,
        )
        return 2
    problems = [p for entry in models for p in verify_model(cache, entry)]
    if problems:
        for problem in problems:
            print(f"bench_precision: error: {problem.line()}", file=sys.stderr)
        print(
            f"bench_precision: error: {len(problems)} file(s) missing or different in {cache}; "
            f"run python benchmarks/real_models/fetch.py",
            file=sys.stderr,
        )
        return 2
    model_dirs = {entry["id"]: (cache / entry["id"]).resolve() for entry in models}
    stage = "execute" if args.execute else "static"
    report = run_speclint(model_dirs, extra, args.execute)
    findings, skips = findings_of(report, model_dirs, stage)
    result = score(findings, labels, models=model_dirs, cascade_as_noise=args.cascade_as_noise)
    result.skips = skips
    if args.json:
        print(json.dumps(json_report(result, stage), indent=1))
    else:
        print(text_report(result, stage, args.labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
