"""Applying a model's ``speclint-ignore.toml`` (``facts["suppressions"]``, read by ``read.suppressions``).

Two steps inside ``RuleSet.check``, so every command, format and caller sees the same result:

- ``vet`` before the rules: each entry's code must be a rule, and neither a security rule (the
  model's author writes the file: a model must not certify its own safety) nor a suppression
  rule; any mistake is an SL020 error and voids the file.
- ``apply`` after: the findings of the listed codes leave the report (counted in
  ``ModelResult.suppressed``, as ``--baseline`` counts its own), and each entry that matched
  nothing is an SL021 finding (ruff's RUF100), unless the run does not select that code at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from speclint.errors import did_you_mean
from speclint.rules.engine import CompiledRule, group
from speclint.rules.rule import Rule

if TYPE_CHECKING:
    from speclint.rules.ruleset import ModelResult

FAMILY = "suppression"
UNUSED = "SL021"


def vet(facts: dict[str, Any], rules: dict[str, Rule]) -> None:
    """Refuse entries no ``[[ignore]]`` may hold; a refused entry voids the file (SL020)."""
    suppressions = facts.get("suppressions")
    if not suppressions or not suppressions["entries"]:
        return
    for entry in suppressions["entries"]:
        code, problem = entry["code"], None
        if code not in rules:
            near = did_you_mean(code.upper(), sorted(rules), quote=False).removeprefix("; ")
            problem = f"unknown rule code {code!r}" + (f" ({near})" if near else "")
        elif rules[code].family == "security":
            problem = f"{code} is a security rule: a file that ships with the model cannot accept its findings"
        elif rules[code].family == FAMILY:
            problem = f"{code} judges this file itself and cannot be suppressed in it"
        error = {"where": entry["where"], "message": problem}
        if problem and error not in suppressions["errors"]:  # vetted again when diff or fix checks twice
            suppressions["errors"].append(error)
    if suppressions["errors"]:
        suppressions["entries"] = []


def apply(
    result: ModelResult,
    facts: dict[str, Any],
    selected: Callable[[str], bool],
    compiled: Callable[[str], CompiledRule],
) -> None:
    """Drop the suppressed findings from ``result``; report each entry that matched none (SL021).

    ``selected``: whether the run checks a code at all (select, ignore): an entry for a rule
    that was not checked is not "unused"."""
    suppressions = facts.get("suppressions")
    if not suppressions or not suppressions["entries"]:
        return
    codes = {entry["code"] for entry in suppressions["entries"]}
    present = {f.code for f in result.findings} | {f.code for f in result.implied}
    kept = [f for f in result.findings if f.code not in codes]
    result.suppressed = len(result.findings) - len(kept)
    result.implied = [f for f in result.implied if f.code not in codes]
    suppressions["unused"] = [
        entry for entry in suppressions["entries"] if entry["code"] not in present and selected(entry["code"])
    ]
    if suppressions["unused"] and selected(UNUSED):
        kept += group(sorted(compiled(UNUSED).findings(facts)))
    result.findings = sorted(kept)
