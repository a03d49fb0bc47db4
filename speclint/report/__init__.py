"""Reporters: one function per output format over the same sorted list of results.

Sorting happens once, in ``RuleSet.check`` (findings) and the CLI (models); reporters only
render. ``REPORTERS`` maps a ``--format`` name to its renderer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from speclint.rules.rule import Finding, Rule
from speclint.rules.ruleset import NOT_APPLICABLE, ModelResult, not_applicable
from speclint.severity import SEVERITY_ORDER


class ReportContext(NamedTuple):
    """What every reporter may need besides the results."""

    rules: dict[str, Rule]
    version: str
    color: bool = False
    quiet: bool = False  # text: only models with findings that count (no not-applicable line)
    verbose: bool = False  # text: list clean models too (by default they are only counted)
    fail_not_applicable: bool = False  # fail-on-not-applicable: a model that takes no images fails the run
    baselined: int = 0  # findings left out because the baseline has them
    unread: tuple[tuple[str, str], ...] = ()  # (model path, why) of each model that could not be read
    language: str = "en"  # --lang / lang: the closing line's words (rules.language phrases)


Reporter = Callable[[list[ModelResult], ReportContext], str]


MODULES = {"full": "text", "concise": "text", "json": "json_report", "github": "github", "sarif": "sarif"}
MODULES.update(jsonl="jsonl", html="html")  # streamed lines per model; a self-contained audit page
MODULES.update(text="text")  # full's name before 0.3.0, kept so that configs and scripts go on working
TEXT_FORMATS = ("full", "concise", "text")  # for people: colour, statistics as text
RENDERERS = {"concise": "render_concise"}  # a module's function other than ``render``


def reporter(name: str) -> Reporter:
    """Imported on demand so a text run never loads the SARIF writer."""
    import importlib

    module = importlib.import_module(f"speclint.report.{MODULES[name]}")
    return getattr(module, RENDERERS.get(name, "render"))  # type: ignore[no-any-return]


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def closing_counts(results: list[ModelResult], context: ReportContext | None = None, prefix: str = "") -> str:
    """``Found 3 findings (2 error, 1 info) at 7 locations in 12 models; 4 not applicable (no image
    input).``: causes, then places, then the models the image contracts do not apply to (SL002,
    counted apart from the findings), then the models that could not be read (never "All checks
    passed" while there is one, nor while a not-applicable model fails the run).

    With a ``prefix`` (``speclint: ``) the sentence continues it in lower case. In another
    language than English the sentence is built from that language's phrases (``lang.*.json``).
    """
    if context is not None and context.language != "en":
        return prefix + _closing_in(context.language, results, context)
    counts, total, places, inapplicable, suppressed = _tally(results)
    models = plural(len(results), "model")
    unread_count = len(context.unread) if context else 0
    unread = unread_note(context.unread if context else ())
    fails = bool(inapplicable and context and context.fail_not_applicable)
    baselined = context.baselined if context else 0
    tail = [
        f"{unread_count} of them {unread}" if unread and total else "",
        f"{inapplicable} not applicable (no image input{', failing: fail-on-not-applicable' if fails else ''})"
        if inapplicable
        else "",
        f"{plural(baselined, 'finding')} of the baseline not shown" if baselined else "",
        f"{plural(suppressed, 'finding')} suppressed by speclint-ignore.toml" if suppressed else "",
    ]
    more = "".join(f"; {part}" for part in tail if part)
    if not total and unread:
        sentence = f"No findings, but {unread_count} of {models} {unread}{more}."
    elif not total and not fails:
        sentence = f"All checks passed ({models}{more})."
    elif not total:
        sentence = f"No findings in {models}{more}."
    else:
        detail = ", ".join(f"{counts[s]} {s}" for s in SEVERITY_ORDER if counts[s])
        at = f" at {plural(places, 'location')}" if places != total else ""
        sentence = f"Found {plural(total, 'finding')} ({detail}){at} in {models}{more}."
    return prefix + sentence[0].lower() + sentence[1:] if prefix else sentence


def _closing_in(language: str, results: list[ModelResult], context: ReportContext) -> str:
    """``closing_counts`` in ``language``: the same counts, the translated phrases."""
    from speclint.rules.language import phrase
    from speclint.safe_text import escape_path

    def count(noun: str, number: int) -> str:
        return phrase(f"count.{noun}.{'one' if number == 1 else 'other'}", language).format(count=number)

    counts, total, places, inapplicable, suppressed = _tally(results)
    models = count("model", len(results))
    applicable = phrase("closing.not_applicable", language).format(count=inapplicable)
    hidden = phrase("closing.more", language).format(part=applicable) if inapplicable else ""
    if context.baselined:
        hidden += phrase("closing.hidden", language).format(findings=count("finding", context.baselined))
    if suppressed:
        hidden += phrase("closing.suppressed", language).format(findings=count("finding", suppressed))
    unread = context.unread
    names = ", ".join(escape_path(path) for path, _ in unread[:UNREAD_NAMED])
    if len(unread) > UNREAD_NAMED:
        names += phrase("closing.unread_more", language).format(count=len(unread) - UNREAD_NAMED)
    if not total and unread:
        return phrase("closing.unread", language).format(unread=len(unread), models=models, names=names, hidden=hidden)
    if not total and inapplicable and context.fail_not_applicable:  # never "passed" while the run fails
        return phrase("closing.none", language).format(models=models, hidden=hidden)
    if not total:
        return phrase("closing.passed", language).format(models=models, hidden=hidden)
    detail = ", ".join(f"{counts[s]} {phrase(f'severity.{s}', language)}" for s in SEVERITY_ORDER if counts[s])
    at = phrase("closing.at", language).format(locations=count("location", places)) if places != total else ""
    if unread:
        hidden = phrase("closing.unread_some", language).format(unread=len(unread), names=names).rstrip(".。") + hidden
    found = count("finding", total)
    return phrase("closing.found", language).format(findings=found, detail=detail, at=at, models=models, hidden=hidden)


class _Tally(NamedTuple):
    """What a closing line counts, in any language."""

    counts: Counter[str]  # findings by severity, the not-applicable notes left out
    total: int
    places: int
    inapplicable: int
    suppressed: int


def _tally(results: list[ModelResult]) -> _Tally:
    counts = Counter(f.severity for r in results for f in counted_findings(r))
    places = sum(len(f.all_locations) for r in results for f in counted_findings(r))
    suppressed = sum(r.suppressed for r in results)
    return _Tally(counts, sum(counts.values()), places, not_applicable_count(results), suppressed)


def counted_findings(result: ModelResult) -> list[Finding]:
    """The findings of a model that the closing line counts: all but the not-applicable note (SL002)."""
    return [finding for finding in result.findings if finding.code != NOT_APPLICABLE]


def not_applicable_count(results: list[ModelResult]) -> int:
    """Models that take no image batch (SL002 reported)."""
    return sum(1 for result in results if not_applicable(result))


UNREAD_NAMED = 5  # unreadable models named in a closing sentence; every one is in the report above


def unread_note(unread: tuple[tuple[str, str], ...]) -> str:
    """``could not be read: a, b and 3 more``, or "" when every model was read."""
    if not unread:
        return ""
    from speclint.safe_text import escape_path

    names = ", ".join(escape_path(path) for path, _ in unread[:UNREAD_NAMED])
    more = f" and {len(unread) - UNREAD_NAMED} more" if len(unread) > UNREAD_NAMED else ""
    return f"could not be read: {names}{more}"


def write_report(text: str, output: str | None) -> None:
    """A rendered report to ``output`` (``-o FILE``) or standard output; an unwritable file is one line."""
    import sys

    from speclint.errors import SpeclintError

    if not output:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise SpeclintError(f"{output}: cannot write report: {exc.strerror or exc}") from None


def append_step_summary(render: Callable[[], str]) -> None:
    """Under GitHub Actions, add ``render()`` to the job summary; a file that cannot be written is a warning."""
    import os

    from speclint.errors import print_error

    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if not summary_file:
        return
    try:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(render())
    except OSError as exc:
        print_error(f"cannot write {summary_file}: {exc.strerror or exc}", level="warning")
