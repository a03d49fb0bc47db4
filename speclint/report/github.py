"""GitHub Actions annotations (workflow commands) and the Markdown job summary.

One ``::error``/``::warning``/``::notice`` line per finding (one root cause, with its other
places), attached to the model's ``saved_model.pb`` so the annotation lands on a file of the
pull request. A SavedModel is binary, so there is no line to point at: the file is the finest location there is.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from pathlib import PurePath

from speclint.read.files import SAVED_MODEL_NAMES
from speclint.report import ReportContext, closing_counts, counted_findings
from speclint.report.text import place_and_fix
from speclint.rules.rule import Reported
from speclint.rules.ruleset import ModelResult, not_applicable
from speclint.safe_text import escape
from speclint.severity import SEVERITY_ORDER

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
# A job summary is capped at 1 MiB by GitHub; a tree of broken models must not blow it.
MAX_SUMMARY_FINDINGS = 500
MAX_CLEAN_NAMED = 20  # clean models named in the summary's one line
ANNOTATIONS_PER_STEP = 10  # GitHub's display limit per level and step


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


def summary_line(results: list[ModelResult], context: ReportContext | None = None) -> str:
    """The same closing sentence as the text report, so logs read alike."""
    return closing_counts(results, context, prefix="speclint: ")


def annotation_text(finding: Reported) -> str:
    """Message, the other places, the fix and the rule page: what a reviewer needs in one box."""
    return "\n".join([escape(finding.message), *place_and_fix(finding), finding.url or finding.spec_url])


def annotation_lines(file: str, findings: Iterable[Reported], levels: dict[str, str]) -> list[str]:
    """One workflow command per finding of one model (lint findings and ``speclint diff``'s
    changes); ``file`` is the model's file, escaped as a property already."""
    lines = []
    for finding in findings:
        title = escape_property(f"{finding.code} {finding.name}")
        message = escape_data(annotation_text(finding))
        lines.append(f"::{levels[finding.severity]} file={file},title={title}::{message}")
    return lines


def render(results: list[ModelResult], context: ReportContext) -> str:
    """One workflow command per finding, a notice when GitHub would hide some, a summary line."""
    lines: list[str] = []
    for result in results:
        lines += annotation_lines(escape_property(escape(model_file(result.path))), result.findings, LEVELS)
    hidden = limit_notice(counts(results))
    if hidden:
        lines.append(f"::notice title=speclint::{escape_data(hidden)}")
    lines.append(summary_line(results, context))
    return "\n".join(lines) + "\n"


def limit_notice(found: Counter[str]) -> str:
    """GitHub shows at most 10 annotations of each level per step (50 per job): say so."""
    over = [f"{found[s]} {s}" for s in SEVERITY_ORDER if found[s] > ANNOTATIONS_PER_STEP]
    if not over:
        return ""
    return (
        f"{', '.join(over)} findings, but GitHub shows only {ANNOTATIONS_PER_STEP} annotations of each level "
        "per step: every finding is in the job summary, the log above and the SARIF report"
    )


def markdown_escape(text: str) -> str:
    """Markdown punctuation escaped, so a model's name cannot format, link or break a table."""
    return "".join("\\" + ch if ch in "\\`*_[]<>|~#!&$" else ch for ch in text)


def _cell(text: str) -> str:
    """Text safe inside a GFM table cell: Markdown punctuation escaped, newlines as <br>."""
    return markdown_escape(text).replace("\r\n", "<br>").replace("\n", "<br>").replace("\r", "<br>")


def step_summary(results: list[ModelResult], context: ReportContext) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: findings first, one row per root cause; then the
    models with findings; clean models collapsed into one line."""
    found = Counter(f.severity for r in results for f in counted_findings(r))  # SL002 is said below, apart
    total = sum(found.values())
    if total:
        detail = ", ".join(f"{found[s]} {s}" for s in SEVERITY_ORDER if found[s])
        headline = f"{total} finding{'s' if total != 1 else ''} ({detail})"
    elif context.unread:
        headline = f"no findings, but {len(context.unread)} of {len(results)} model{'s' if len(results) != 1 else ''}"
        headline += " could not be read"
    else:
        headline = "all checks passed"
    lines = [f"### speclint {_cell(context.version)}: {headline}", ""]
    if total:
        lines += ["| Model | Rule | Severity | Where | Message | Fix |", "|---|---|---|---|---|---|"]
        shown = 0
        for result in results:
            for finding in counted_findings(result):
                if shown == MAX_SUMMARY_FINDINGS:
                    break
                shown += 1
                rule = f"[{finding.code}]({finding.url or finding.spec_url}) {_cell(finding.name)}"
                where = _cell(finding.where)
                more = len(finding.all_locations) - 1
                if more:
                    where += f" (+{more} more)"
                lines.append(
                    f"| {_cell(result.path)} | {rule} | {finding.severity} "
                    f"| {where} | {_cell(finding.message)} | {_cell(finding.fix)} |"
                )
        if total > shown:
            lines += ["", f"... and {total - shown} more; see the job log or the SARIF report."]
        hidden = limit_notice(found)
        if hidden:
            lines += ["", f"> [!NOTE]\n> {_cell(hidden)}"]
        lines += ["", "| Model | Format | Profile | Errors | Warnings | Info |", "|---|---|---|---:|---:|---:|"]
        for result in results:
            if not counted_findings(result):
                continue
            per = Counter(f.severity for f in counted_findings(result))
            lines.append(
                f"| {_cell(result.path)} | {_cell(result.format or 'unknown')} | {_cell(result.profile or 'none')} "
                f"| {per['error']} | {per['warning']} | {per['info']} |"
            )
    declared = [r for r in results if getattr(r, "declared_task", None)]
    if declared:  # the task the publisher's documentation declares, and the profile it chose (rules.declared)
        lines += ["", "| Model | Declared task | Profile |", "|---|---|---|"]
        for result in declared[:MAX_SUMMARY_FINDINGS]:
            lines.append(
                f"| {_cell(result.path)} | {_cell(result.declared_task or '')} | {_cell(result.profile or 'none')} |"
            )
        if len(declared) > MAX_SUMMARY_FINDINGS:
            lines += ["", f"... and {len(declared) - MAX_SUMMARY_FINDINGS} more models with a declared task."]
    if context.unread:
        lines += ["", f"Could not be read: {len(context.unread)} model{'s' if len(context.unread) != 1 else ''}", ""]
        lines += [f"- {_cell(path)}: {_cell(why)}" for path, why in context.unread[:MAX_SUMMARY_FINDINGS]]
    inapplicable = [r.path for r in results if not_applicable(r)]
    if inapplicable:
        names = ", ".join(_cell(p) for p in inapplicable[:MAX_CLEAN_NAMED])
        if len(inapplicable) > MAX_CLEAN_NAMED:
            names += f", ... ({len(inapplicable) - MAX_CLEAN_NAMED} more)"
        fails = " (failing: fail-on-not-applicable)" if context.fail_not_applicable else ""
        lines += ["", f"Not applicable (no image input, SL002){fails}: {len(inapplicable)} ({names})."]
    unread = {path for path, _ in context.unread}
    clean = [r.path for r in results if not r.findings and r.path not in unread]
    if clean:
        names = ", ".join(_cell(p) for p in clean[:MAX_CLEAN_NAMED])
        if len(clean) > MAX_CLEAN_NAMED:
            names += f", ... ({len(clean) - MAX_CLEAN_NAMED} more)"
        lines += ["", f"Clean: {len(clean)} model{'s' if len(clean) != 1 else ''} ({names})."]
    return "\n".join(lines) + "\n"
