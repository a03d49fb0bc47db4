"""Human-readable reports, ruff-style, colour only when wanted: ``full`` (``text``), a block per
root cause under its model's header, and ``concise``, one line per finding. Both are quiet:
clean models are counted in the closing line, not listed, unless ``--verbose``."""

from __future__ import annotations

from typing import Any

from speclint.report import ReportContext, closing_counts, counted_findings
from speclint.rules.rule import Reported
from speclint.rules.ruleset import NOT_APPLICABLE, ModelResult, not_applicable
from speclint.safe_text import escape, escape_path, no_workflow_commands

COLORS = {"error": "31", "warning": "33", "info": "36", "path": "1", "dim": "2"}
ALSO_SHOWN = 2  # other locations named before "(N more)"


def _paint(text: str, what: str, color: bool) -> str:
    return f"\033[{COLORS[what]}m{text}\033[0m" if color else text


def also_in(finding: Reported, shown: int = ALSO_SHOWN, language: str = "en") -> str:
    """``also in: tag-set [train] signature_def['default'], ... (3 more)``, or "" for one place."""
    others = list(  # distinct, in order: a set of seen names keeps 200,000 places linear
        dict.fromkeys(location.where for location in finding.all_locations[1:] if location.where != finding.where)
    )
    extra = len(finding.all_locations) - 1 - min(len(others), shown)
    if language != "en":
        return _also_in_translated(finding, others[:shown], extra, language)
    if not others:
        return f"also {extra} more place{'s' if extra != 1 else ''} at {finding.where}" if extra else ""
    text = "also in: " + ", ".join(others[:shown])
    return text + (f" ({extra} more)" if extra else "")


def _also_in_translated(finding: Reported, others: list[str], extra: int, language: str) -> str:
    from speclint.rules.language import phrase

    if not others:
        return phrase("finding.also_more", language).format(count=extra, where=finding.where) if extra else ""
    places = ", ".join(others) + (f" (+{extra})" if extra else "")
    return phrase("finding.also_in", language).format(places=places)


def place_and_fix(finding: Reported, language: str = "en") -> list[str]:
    """Where (unless the message says it), the other places, the fix: escaped, one item a line,
    labelled in ``language`` (the English phrases are ``at …`` and ``fix: …``)."""
    from speclint.rules.language import phrase

    details = []
    if finding.where not in finding.message:
        details.append(phrase("finding.at", language).format(where=escape(finding.where)))
    also = also_in(finding, language=language)
    if also:
        details.append(escape(also))
    if finding.fix:
        details.append(phrase("finding.fix", language).format(fix=finding.fix))
    return details


def finding_lines(finding: Reported, color: bool = False, language: str = "en") -> list[str]:
    """The lines of one finding: what, where (once), the fix and the rule page."""
    word = finding.severity
    if language != "en":
        from speclint.rules.language import phrase

        word = phrase(f"severity.{finding.severity}", language)
    severity = _paint(word, finding.severity, color)
    lines = [f"  {escape(finding.code)} {severity} {escape(finding.message)}"]
    link = f"{finding.url} | spec: {finding.spec_url}" if finding.url != finding.spec_url else finding.spec_url
    details = [*place_and_fix(finding, language), f"{finding.name}: {link}"]
    lines += [_paint(f"      {detail}", "dim", color) for detail in details]
    return lines


def execution_line(execution: dict[str, Any]) -> str:
    """One line on the --execute run of a model (unescaped): where it ran and, when not every
    probe ran, why: ``execution: skipped (no-call): loaded with ..., not probed: ...``."""
    device = execution.get("device")
    status = str(execution.get("status"))
    speed, batch = execution.get("images_per_second"), execution.get("throughput_batch")
    throughput = f", {speed:.0f} images/s at batch {batch or 32}" if speed else ""
    if status == "ok" and not execution.get("reason"):
        return f"executed on {device or 'no device'}: ok{throughput}"
    where = f"execution on {device}" if device else "execution"
    reason = f" ({execution['reason']})" if execution.get("reason") else ""
    message = execution.get("message")
    return f"{where}: {status}{reason}{throughput}" + (f": {message}" if message else "")


def listed(result: ModelResult, context: ReportContext) -> bool:
    """Whether a model gets lines of its own: quiet by default, a clean model is only counted in the
    closing line (``--verbose`` lists it); one that takes no images gets its one not-applicable line
    (unless ``--quiet``); one whose --execute run did not probe everything says why."""
    if counted_findings(result) or context.verbose:
        return True
    if not_applicable(result):
        return not context.quiet
    execution = result.execution or {}
    return bool(execution) and not (execution.get("status") == "ok" and not execution.get("reason"))


def header(result: ModelResult, color: bool = False) -> str:
    """``path [profile] why that profile``; for a model that takes no images, ``path [none] not
    applicable: ...``, which is its whole SL002 report (one line instead of a finding block)."""
    path = _paint(escape_path(result.path), "path", color)
    if result.profile is None and not_applicable(result):
        return f"{path} [none] {NOT_APPLICABLE_NOTE}"
    return f"{path} [{escape(result.profile or 'none')}] {escape(result.profile_reason)}"


NOT_APPLICABLE_NOTE = f"not applicable: takes no image batch, the image contracts do not apply ({NOT_APPLICABLE})"


def render(results: list[ModelResult], context: ReportContext) -> str:
    """``--output-format full`` (``text``): each listed model's header, then each finding's block."""
    lines: list[str] = []
    for result in results:
        if not listed(result, context):
            continue
        lines.append(header(result, context.color))
        if result.execution:
            lines.append("  " + escape(execution_line(result.execution)))
        for finding in result.findings:
            if finding.code == NOT_APPLICABLE and result.profile is None:
                continue  # said by the header
            lines += finding_lines(finding, context.color, context.language)
    lines.append(closing_counts(results, context))
    return no_workflow_commands("\n".join(lines) + "\n")


def concise_line(path: str, finding: Reported, color: bool = False) -> str:
    """``path: CODE severity message [+N places]``: one finding, one line (ruff's ``concise``)."""
    said = finding.where in finding.message or finding.where == "model"
    where = "" if said else f" (at {escape(finding.where)})"
    others = len(finding.all_locations) - 1
    more = f" [+{others} place{'s' if others != 1 else ''}]" if others else ""
    severity = _paint(finding.severity, finding.severity, color)
    return f"{path}: {escape(finding.code)} {severity} {escape(finding.message)}{where}{more}"


def render_concise(results: list[ModelResult], context: ReportContext) -> str:
    """``--output-format concise``: one line per finding (a not-applicable model's is its SL002
    line), clean models only with ``--verbose``, then the closing line."""
    lines: list[str] = []
    for result in results:
        path = _paint(escape_path(result.path), "path", context.color)
        findings = result.findings if not context.quiet else counted_findings(result)
        lines += [concise_line(path, finding, context.color) for finding in findings]
        if not result.findings and context.verbose:
            lines.append(f"{path}: no findings [{escape(result.profile or 'none')}]")
    lines.append(closing_counts(results, context))
    return no_workflow_commands("\n".join(lines) + "\n")
