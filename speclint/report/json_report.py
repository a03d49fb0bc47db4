"""Machine-readable report, described by ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from speclint.report import ReportContext
from speclint.rules.ruleset import ModelResult

REPORT_VERSION = 1


def model_entry(result: ModelResult) -> dict[str, Any]:
    """One model's part of the report; ``jsonl`` writes the same entry, one line per model."""
    return {
        "path": result.path,
        "format": result.format,
        "profile": result.profile,
        "profile_reason": result.profile_reason,
        "findings": [finding.to_json() for finding in result.findings],
        "execution": result.execution,
    }


def document(results: list[ModelResult], context: ReportContext) -> dict[str, object]:
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "speclint", "version": context.version},
        "models": [model_entry(result) for result in results],
        "summary": {
            **{
                severity: sum(1 for r in results for f in r.findings if f.severity == severity)
                for severity in ("error", "warning", "info")
            },
            "locations": sum(len(f.all_locations) for r in results for f in r.findings),
            "baselined": context.baselined,
        },
    }


def render(results: list[ModelResult], context: ReportContext) -> str:
    return json.dumps(document(results, context), indent=2) + "\n"
