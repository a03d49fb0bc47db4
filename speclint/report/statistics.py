"""``--statistics``: one row per rule instead of each finding, in the text or the JSON form.

Rows come most frequent first (findings, then locations), then by code; both forms end with
the run's counts (the text form's closing sentence, the JSON form's ``summary``).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from speclint.report import ReportContext, closing_counts
from speclint.rules.ruleset import ModelResult
from speclint.safe_text import no_workflow_commands
from speclint.severity import SEVERITY_ORDER

FORMATS = ("text", "json")


class Row(NamedTuple):
    code: str
    name: str
    severity: str
    findings: int
    locations: int


def rows(results: list[ModelResult]) -> list[Row]:
    per_rule: dict[str, list[int]] = {}
    about: dict[str, tuple[str, str]] = {}
    for result in results:
        for finding in result.findings:
            counts = per_rule.setdefault(finding.code, [0, 0])
            counts[0] += 1
            counts[1] += len(finding.all_locations)
            about[finding.code] = (finding.name, finding.severity)
    ordered = sorted(per_rule.items(), key=lambda item: (-item[1][0], item[0]))
    return [Row(code, *about[code], found, places) for code, (found, places) in ordered]


def text(results: list[ModelResult], context: ReportContext) -> str:
    lines = [
        f"{row.findings:>5} {finding_word(row.findings):<8} {row.locations:>5} {place_word(row.locations):<9} "
        f"{row.code}  {row.name} ({row.severity})"
        for row in rows(results)
    ]
    lines.append(closing_counts(results, context))
    return no_workflow_commands("\n".join(lines) + "\n")


def document(results: list[ModelResult], context: ReportContext) -> dict[str, Any]:
    """The JSON form: the rows, then the same ``summary`` as the ``json`` report."""
    severities = [f.severity for r in results for f in r.findings]
    return {
        "statistics": [row._asdict() for row in rows(results)],
        "models": len(results),
        "unreadable": [{"path": path, "read_error": why} for path, why in context.unread],
        "summary": {
            **{severity: severities.count(severity) for severity in SEVERITY_ORDER},
            "locations": sum(len(f.all_locations) for r in results for f in r.findings),
            "baselined": context.baselined,
            "suppressed": sum(r.suppressed for r in results),
            "unreadable": len(context.unread),
        },
    }


def json_form(results: list[ModelResult], context: ReportContext) -> str:
    return json.dumps(document(results, context), indent=2) + "\n"


def render(results: list[ModelResult], context: ReportContext, format: str) -> str:
    return json_form(results, context) if format == "json" else text(results, context)


def finding_word(count: int) -> str:
    return "finding" if count == 1 else "findings"


def place_word(count: int) -> str:
    return "location" if count == 1 else "locations"
