"""Human-readable report: one line per finding, ruff-style, colour only on a terminal."""

from __future__ import annotations

from collections import Counter

from speclint.report import ReportContext
from speclint.rules.ruleset import ModelResult
from speclint.safe_text import escape, escape_path, no_workflow_commands

COLORS = {"error": "31", "warning": "33", "info": "36", "path": "1", "dim": "2"}


def _paint(text: str, what: str, color: bool) -> str:
    return f"\033[{COLORS[what]}m{text}\033[0m" if color else text


def render(results: list[ModelResult], context: ReportContext) -> str:
    lines: list[str] = []
    counts: Counter[str] = Counter()
    for result in results:
        profile = result.profile or "none"
        lines.append(
            _paint(escape_path(result.path), "path", context.color)
            + f" [{escape(profile)}] {escape(result.profile_reason)}"
        )
        if result.execution:
            speed = result.execution["images_per_second"]
            lines.append(
                f"  executed on {escape(result.execution['device'] or 'no device')}: "
                + escape(result.execution["status"])
                + (f", {speed:.0f} images/s at batch 32" if speed else "")
            )
        for finding in result.findings:
            counts[finding.severity] += 1
            severity = _paint(finding.severity, finding.severity, context.color)
            lines.append(f"  {escape(finding.code)} {severity} {escape(finding.message)}")
            lines.append(
                _paint(
                    f"      at {escape(finding.where)} | {escape(finding.name)} | {escape(finding.spec_url)}",
                    "dim",
                    context.color,
                )
            )
    total = sum(counts.values())
    summary = ", ".join(f"{counts[s]} {s}" for s in ("error", "warning", "info") if counts[s])
    models = len(results)
    lines.append(
        f"Found {total} finding{'s' if total != 1 else ''} ({summary}) in {models} model{'s' if models != 1 else ''}."
        if total
        else f"All checks passed ({models} model{'s' if models != 1 else ''})."
    )
    return no_workflow_commands("\n".join(lines) + "\n")
