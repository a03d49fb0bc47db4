"""Machine-readable report, described by ``schemas/report.schema.json``."""

from __future__ import annotations

import json
from typing import Any

from speclint.report import ReportContext, counted_findings, not_applicable_count
from speclint.rules.ruleset import ModelResult, not_applicable
from speclint.severity import SEVERITY_ORDER

REPORT_VERSION = 1


def model_entry(result: ModelResult, read_error: str | None = None) -> dict[str, Any]:
    """One model's part of the report; ``jsonl`` writes the same entry, one line per model.

    ``read_error`` says why the model could not be read (null when it was), whatever rules
    were selected: a model that was not read is never a clean one. ``not_applicable``: the
    model takes no images (its SL002 note is among the findings, as severity info).
    """
    return {
        "path": result.path,
        "format": result.format,
        "profile": result.profile,
        "profile_reason": result.profile_reason,
        "read_error": read_error,
        "not_applicable": not_applicable(result),
        "suppressed": result.suppressed,
        "findings": [finding.to_json() for finding in result.findings],
        "execution": result.execution,
    }


def document(results: list[ModelResult], context: ReportContext) -> dict[str, object]:
    read_errors = dict(context.unread)
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "speclint", "version": context.version},
        "models": [model_entry(result, read_errors.get(result.path)) for result in results],
        "summary": {
            **{
                severity: sum(1 for r in results for f in counted_findings(r) if f.severity == severity)
                for severity in SEVERITY_ORDER
            },
            "locations": sum(len(f.all_locations) for r in results for f in counted_findings(r)),
            "not_applicable": not_applicable_count(results),
            "baselined": context.baselined,
            "suppressed": sum(r.suppressed for r in results),
            "unreadable": len(context.unread),
        },
    }


def render(results: list[ModelResult], context: ReportContext) -> str:
    return json.dumps(document(results, context), indent=2) + "\n"
