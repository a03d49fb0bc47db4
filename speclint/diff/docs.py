"""Generate ``docs/changes/`` from the change rule files (one page per code, and an index).

``python -m speclint.diff.docs`` writes the pages; ``--check`` only compares and exits 1 when a
page is missing, stale or left over, so a test can keep the docs honest.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from speclint.rules.loader import load_change_rules
from speclint.rules.rule import Rule

DEFAULT_OUT = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "changes"
)


def page(rule: Rule, example: dict[str, Any] | None) -> str:
    pair = rule.examples["pair"]  # the change rule file's ``example``
    lines = [
        f"# {rule.code} {rule.name}",
        "",
        f"**Severity**: {rule.severity} · **Category**: {rule.family} · **Since**: {rule.since} · "
        f"**Judges delta**: `{rule.delta}`",
        "",
        rule.summary,
        "",
        "## Why it matters",
        "",
        rule.why,
        "",
        "## What to do instead",
        "",
        rule.fix,
        "",
        "## Message",
        "",
        f"    {rule.message}",
        "",
    ]
    if rule.when is not None:
        lines += ["Applies to the deltas that match:", "", "```json", json.dumps(rule.when, indent=2), "```", ""]
    lines += ["## Spec", ""]
    for ref in rule.spec:
        lines += [f"[{ref.url}]({ref.url}):", "", f"> {ref.quote}", ""]
    lines += ["## Example", "", f"`golden/diff/{pair}/` (built by `golden/make_diff_pairs.py`):", ""]
    lines += ["```", f"$ speclint diff golden/diff/{pair}/old golden/diff/{pair}/new"]
    for finding in (example or {}).get("findings", []):
        if finding["code"] == rule.code:
            lines.append(f"  {finding['code']} {finding['severity']} {finding['message']}")
            others = [place for place in finding.get("locations", [])[1:] if place != finding["where"]]
            if others:
                lines.append(f"      also in: {', '.join(others)}")
    lines += ["```", ""]
    return "\n".join(lines)


def index(rules: dict[str, Rule]) -> str:
    lines = [
        "# Change rules of `speclint diff`",
        "",
        "Generated from `schemas/changes/` by `python -m speclint.diff.docs`; do not edit by hand.",
        "Exit 1 when a change is `breaking` (or `warning` with `--fail-on warning`).",
        "",
        "One change is one finding: the same change (same rule, same values and key) seen in several",
        "tag-sets, signatures or `__call__` traces is reported once, with every place (text: `also in:",
        "... (N more)`; JSON: `locations`; SARIF: one result with all locations; GitHub: one annotation).",
        "",
        "`--select`/`--ignore` take these change codes or prefixes (`--ignore SC16`); an unknown one is",
        "exit 2 with a suggestion. The lint-regression rules (SC160-SC162) run the lint rules as",
        "`speclint check` would on NEW's path: `[tool.speclint]` select, ignore, per-path and profile,",
        "rule packs from `rules` there or `--rules` here, and `--profile`/`--config` as for check.",
        "",
        "| code | name | severity | category | what |",
        "|---|---|---|---|---|",
    ]
    for rule in rules.values():
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | {rule.name} | {rule.severity} | {rule.family} | {rule.summary} |"
        )
    return "\n".join(lines) + "\n"


def pages(golden: str) -> dict[str, str]:
    rules = load_change_rules()
    result = {"README.md": index(rules)}
    for rule in rules.values():
        path = os.path.join(golden, rule.examples["pair"], "expected.json")
        example = None
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as handle:
                example = json.load(handle)
        result[f"{rule.code}.md"] = page(rule, example)
    return result


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate docs/changes from schemas/changes.")
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 when out of date")
    args = parser.parse_args(argv)
    golden = os.path.join(os.path.dirname(os.path.dirname(DEFAULT_OUT)), "golden", "diff")
    wanted = pages(golden)
    existing = {n for n in os.listdir(args.out) if n.endswith(".md")} if os.path.isdir(args.out) else set()
    problems = []
    for name, text in sorted(wanted.items()):
        path = os.path.join(args.out, name)
        current = _read(path) if name in existing else None
        if current == text:
            continue
        problems.append(f"{name}: {'missing' if current is None else 'out of date'}")
        if not args.check:
            os.makedirs(args.out, exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
    for name in sorted(existing - set(wanted)):
        problems.append(f"{name}: no such change rule any more")
        if not args.check:
            os.remove(os.path.join(args.out, name))
    if args.check and problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
