"""GitHub Actions annotations (workflow commands) and the Markdown job summary.

One ``::error``/``::warning``/``::notice`` line per finding, attached to the model's
``saved_model.pb`` so the annotation lands on a file of the pull request. A SavedModel is
binary, so there is no line to point at: the file is the finest location there is.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import PurePath

from speclint.read.files import SAVED_MODEL_NAMES
from speclint.report import ReportContext
from speclint.rules.ruleset import ModelResult
from speclint.safe_text import escape

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
SEVERITY_ORDER = ("error", "warning", "info")
# A job summary is capped at 1 MiB by GitHub; a tree of broken models must not blow it.
MAX_SUMMARY_FINDINGS = 500


def escape_data(text: str) -> str:
    """The message part of a workflow command (GitHub's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property of a workflow command (GitHub's ``escapeProperty``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace() -> str:
    """What annotation paths are relative to: the checkout under Actions, else the cwd."""
    return os.environ.get("GITHUB_WORKSPACE") or os.getcwd()


def model_file(model_path: str, base: str | None = None) -> str:
    """The file that stands for a model: its saved_model.pb(.pbtxt), else the path itself.

    Relative to ``base`` (default: ``workspace()``) with ``/`` separators, because GitHub
    matches annotations against repository paths; absolute when the model lies outside.
    """
    target = model_path
    for name in SAVED_MODEL_NAMES:
        candidate = os.path.join(model_path, name)
        if os.path.isfile(candidate):
            target = candidate
            break
    absolute = os.path.abspath(target)
    try:
        relative = os.path.relpath(absolute, os.path.abspath(base or workspace()))
    except ValueError:  # another drive on Windows
        return PurePath(absolute).as_posix()
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return PurePath(absolute).as_posix()
    return PurePath(relative).as_posix()


def counts(results: list[ModelResult]) -> Counter[str]:
    return Counter(f.severity for r in results for f in r.findings)


def summary_line(results: list[ModelResult]) -> str:
    """The same closing sentence as the text report, so logs read alike."""
    found = counts(results)
    total = sum(found.values())
    models = len(results)
    in_models = f"{models} model{'s' if models != 1 else ''}"
    if not total:
        return f"speclint: all checks passed ({in_models})."
    detail = ", ".join(f"{found[s]} {s}" for s in SEVERITY_ORDER if found[s])
    return f"speclint: found {total} finding{'s' if total != 1 else ''} ({detail}) in {in_models}."


def render(results: list[ModelResult], context: ReportContext) -> str:
    """One workflow command per finding, then a plain summary line for the log."""
    lines: list[str] = []
    for result in results:
        file = escape_property(escape(model_file(result.path)))
        for finding in result.findings:
            title = escape_property(f"{finding.code} {finding.name}")
            message = escape_data(f"{escape(finding.message)}\n{finding.spec_url}")
            lines.append(f"::{LEVELS[finding.severity]} file={file},title={title}::{message}")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a GFM table cell: Markdown punctuation escaped, newlines as <br>."""
    escaped = "".join("\\" + ch if ch in "\\`*_[]<>|~#!&$" else ch for ch in text)
    return escaped.replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def step_summary(results: list[ModelResult], context: ReportContext) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: one row per model, then one per finding."""
    found = counts(results)
    total = sum(found.values())
    if total:
        detail = ", ".join(f"{found[s]} {s}" for s in SEVERITY_ORDER if found[s])
        headline = f"{total} finding{'s' if total != 1 else ''} ({detail})"
    else:
        headline = "all checks passed"
    lines = [
        f"### speclint {_cell(context.version)}: {headline}",
        "",
        "| Model | Format | Profile | Errors | Warnings | Info |",
        "|---|---|---|---:|---:|---:|",
    ]
    for result in results:
        per = Counter(f.severity for f in result.findings)
        lines.append(
            f"| {_cell(result.path)} | {_cell(result.format or 'unknown')} | {_cell(result.profile or 'none')} "
            f"| {per['error']} | {per['warning']} | {per['info']} |"
        )
    if total:
        lines += ["", "| Model | Rule | Severity | Where | Message |", "|---|---|---|---|---|"]
        shown = 0
        for result in results:
            for finding in result.findings:
                if shown == MAX_SUMMARY_FINDINGS:
                    break
                shown += 1
                rule = f"[{finding.code}]({finding.spec_url}) {_cell(finding.name)}"
                lines.append(
                    f"| {_cell(result.path)} | {rule} | {finding.severity} "
                    f"| {_cell(finding.where)} | {_cell(finding.message)} |"
                )
        if total > shown:
            lines += ["", f"... and {total - shown} more; see the job log or the SARIF report."]
    return "\n".join(lines) + "\n"
