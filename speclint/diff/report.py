"""Reports of ``speclint diff`` in the formats of ``check``: text, json, github, sarif, and the
Markdown step summary.

Kept apart from ``speclint/report`` (whose reporters render lint results), but a change
finding is shown as a lint finding is: the same lines (``finding_lines``, with "also in: ...
(N more)" for its other places), the same GitHub annotation text, and one SARIF result with
every place as a location.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, NamedTuple

from speclint.diff.changes import escape_change
from speclint.report import UNREAD_NAMED, plural
from speclint.report.github import annotation_lines, escape_property, markdown_escape, model_file
from speclint.report.sarif import artifact, location
from speclint.report.text import finding_lines
from speclint.rules.rule import Finding, Rule
from speclint.safe_text import no_workflow_commands
from speclint.severity import CHANGE_ORDER
from speclint.version import __version__


class DiffResult(NamedTuple):
    """One model's verdict: both sides as shown to the user, and the changes between them."""

    path: str
    old: str | None
    new: str | None
    old_format: str | None
    new_format: str | None
    status: str  # compared | added | removed | unreadable
    findings: list[Finding]
    unread: str | None = None  # why a version could not be read (status unreadable)


GITHUB_LEVELS = {"breaking": "error", "warning": "warning", "info": "notice"}
SARIF_LEVELS = {"breaking": "error", "warning": "warning", "info": "note"}
DIFF_REPORT_VERSION = 2  # 2: one finding per root cause, with its ``locations``
MAX_SUMMARY_ROWS = 500


def render(name: str, results: list[DiffResult], rules: dict[str, Rule]) -> str:
    renderers = {"text": text, "json": json_report, "github": github, "sarif": sarif}
    return renderers[name](results, rules)


def headline(results: list[DiffResult]) -> str:
    """One sentence for logs and the step summary: how many changes of each severity."""
    counts = Counter(f.severity for r in results for f in r.findings)
    total = sum(counts.values())
    places = sum(len(f.all_locations) for r in results for f in r.findings)
    models = plural(len(results), "model")
    unread = [r.path for r in results if r.status == "unreadable"]
    if unread:  # never "no changes" about a model that could not be compared
        names = ", ".join(escape_change(path) for path in unread[:UNREAD_NAMED])
        names += f" and {len(unread) - UNREAD_NAMED} more" if len(unread) > UNREAD_NAMED else ""
        if not total:
            return f"no changes found, but {len(unread)} of {models} could not be compared (unreadable): {names}"
    if not total:
        return f"no changes for consumers ({models})"
    detail = ", ".join(f"{counts[s]} {s}" for s in CHANGE_ORDER if counts[s])
    at = f" at {plural(places, 'location')}" if places != total else ""
    sentence = f"{plural(total, 'change')} ({detail}){at} in {models}"
    return f"{sentence}; {len(unread)} of them could not be compared (unreadable): {names}" if unread else sentence


def _sides(result: DiffResult) -> str:
    formats = f" [{result.old_format or '?'} -> {result.new_format or '?'}]" if result.status == "compared" else ""
    return escape_change(f"{result.old or 'none'} -> {result.new or 'none'}{formats}")


def text(results: list[DiffResult], rules: dict[str, Rule]) -> str:
    lines: list[str] = []
    for result in results:
        unreadable = " (unreadable)" if result.status == "unreadable" else ""
        lines.append(f"{escape_change(result.path)}: {_sides(result)}{unreadable}")
        for finding in result.findings:
            lines += finding_lines(finding)
    lines.append(headline(results)[0].upper() + headline(results)[1:] + ".")
    return no_workflow_commands("\n".join(lines) + "\n")


def _change_json(finding: Finding, category: str) -> dict[str, Any]:
    """A change in the diff report's JSON (``diff_report_version`` 2): its rule's category in
    place of the lint finding's pointer and fingerprint."""
    return {
        "path": finding.path,
        "code": finding.code,
        "where": finding.where,
        "name": finding.name,
        "severity": finding.severity,
        "category": category,
        "message": finding.message,
        "spec_url": finding.spec_url,
        "fix": finding.fix,
        "url": finding.url,
        "locations": [{"where": place.where} for place in finding.all_locations],
    }


def document(results: list[DiffResult], rules: dict[str, Rule]) -> dict[str, Any]:
    return {
        "diff_report_version": DIFF_REPORT_VERSION,
        "tool": {"name": "speclint", "version": __version__},
        "models": [
            {
                "path": r.path,
                "old": r.old,
                "new": r.new,
                "old_format": r.old_format,
                "new_format": r.new_format,
                "status": r.status,
                "read_error": r.unread,
                "findings": [_change_json(f, rules[f.code].family) for f in r.findings],
            }
            for r in results
        ],
        "summary": {
            **{s: sum(1 for r in results for f in r.findings if f.severity == s) for s in CHANGE_ORDER},
            "unreadable": sum(1 for r in results if r.status == "unreadable"),
        },
    }


def json_report(results: list[DiffResult], rules: dict[str, Rule]) -> str:
    return json.dumps(document(results, rules), indent=2) + "\n"


def github(results: list[DiffResult], rules: dict[str, Rule]) -> str:
    lines = []
    for result in results:
        place = escape_property(escape_change(model_file(result.path)))
        lines += annotation_lines(place, result.findings, GITHUB_LEVELS)
    lines.append(f"speclint diff: {headline(results)}.")
    return "\n".join(lines) + "\n"


def sarif(results: list[DiffResult], rules: dict[str, Rule]) -> str:
    used = sorted({f.code for r in results for f in r.findings})
    descriptors = [
        {
            "id": code,
            "name": rules[code].name,
            "shortDescription": {"text": rules[code].summary},
            "fullDescription": {"text": rules[code].why},
            "help": {"text": f"{rules[code].why}\n\nFix: {rules[code].fix}"},
            "helpUri": rules[code].spec[0].url,
            "defaultConfiguration": {"level": SARIF_LEVELS[rules[code].severity]},
            "properties": {"tags": ["speclint-diff", rules[code].family]},
        }
        for code in used
    ]
    index = {code: i for i, code in enumerate(used)}
    findings = [
        {
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": SARIF_LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [location(artifact(r.path), place.where) for place in f.all_locations],
            "properties": {"old": r.old, "new": r.new, "rule_url": f.url, "spec_url": f.spec_url},
        }
        for r in results
        for f in r.findings
    ]
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "speclint-diff", "version": __version__, "rules": descriptors}},
                "results": findings,
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": [
                            {
                                "level": "error",
                                "message": {"text": f"{r.path}: could not be compared: {r.unread or 'unreadable'}"},
                                "locations": [{"physicalLocation": {"artifactLocation": artifact(r.path)}}],
                            }
                            for r in results
                            if r.status == "unreadable"
                        ],
                    }
                ],
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _cell(value: str) -> str:
    """A table cell of the step summary: a model's string escaped (a raw ESC, or a git name's
    undecodable byte, which UTF-8 cannot even write), then Markdown escaped."""
    return markdown_escape(escape_change(value))


def step_summary(results: list[DiffResult], version: str) -> str:
    """Markdown for ``$GITHUB_STEP_SUMMARY``: one row per model, then one per change."""
    lines = [
        f"### speclint diff {_cell(version)}: {_cell(headline(results))}",
        "",
        "| Model | Old | New | Status | Breaking | Warnings | Info |",
        "|---|---|---|---|---:|---:|---:|",
    ]
    for r in results:
        per = Counter(f.severity for f in r.findings)
        lines.append(
            f"| {_cell(r.path)} | {_cell(r.old or 'none')} | {_cell(r.new or 'none')} | {r.status} "
            f"| {per['breaking']} | {per['warning']} | {per['info']} |"
        )
    rows = [(r, f) for r in results for f in r.findings]
    if rows:
        lines += ["", "| Model | Change | Severity | Message |", "|---|---|---|---|"]
        for r, f in rows[:MAX_SUMMARY_ROWS]:
            more = len(f.all_locations) - 1
            places = f" (+{more} more)" if more else ""
            lines.append(
                f"| {_cell(r.path)} | [{f.code}]({f.url or f.spec_url}) {_cell(f.name)} | {f.severity} "
                f"| {_cell(f.message)}{places} |"
            )
        if len(rows) > MAX_SUMMARY_ROWS:
            lines += ["", f"... and {len(rows) - MAX_SUMMARY_ROWS} more; see the job log."]
    return "\n".join(lines) + "\n"
