"""Reporters: one function per output format over the same sorted list of results.

Sorting happens once, in ``RuleSet.check`` (findings) and the CLI (models); reporters only
render. ``REPORTERS`` maps a ``--format`` name to its renderer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import NamedTuple

from speclint.rules.model import Rule
from speclint.rules.ruleset import ModelResult

SEVERITY_ORDER = ("error", "warning", "info")


class ReportContext(NamedTuple):
    """What every reporter may need besides the results."""

    rules: dict[str, Rule]
    version: str
    color: bool = False
    quiet: bool = False  # only models with findings
    baselined: int = 0  # findings left out because the baseline has them
    unread: tuple[tuple[str, str], ...] = ()  # (model path, why) of each model that could not be read


Reporter = Callable[[list[ModelResult], ReportContext], str]


MODULES = {"text": "text", "json": "json_report", "github": "github", "sarif": "sarif"}
MODULES.update(jsonl="jsonl", html="html")  # streamed lines per model; a self-contained audit page


def reporter(name: str) -> Reporter:
    """Imported on demand so a text run never loads the SARIF writer."""
    import importlib

    module = importlib.import_module(f"speclint.report.{MODULES[name]}")
    return module.render  # type: ignore[no-any-return]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def closing_counts(results: list[ModelResult], context: ReportContext | None = None, prefix: str = "") -> str:
    """``Found 3 findings (2 error, 1 info) at 7 locations in 12 models.``: causes, then places,
    then the models that could not be read (never "All checks passed" while there is one).

    With a ``prefix`` (``speclint: ``) the sentence continues it in lower case.
    """
    counts = Counter(f.severity for r in results for f in r.findings)
    total = sum(counts.values())
    places = sum(len(f.all_locations) for r in results for f in r.findings)
    models = _plural(len(results), "model")
    baselined = context.baselined if context else 0
    hidden = f"; {_plural(baselined, 'finding')} of the baseline not shown" if baselined else ""
    suppressed = sum(r.suppressed for r in results)
    hidden += f"; {_plural(suppressed, 'finding')} suppressed by speclint-ignore.toml" if suppressed else ""
    unread = unread_note(context.unread if context else ())
    if not total and unread:
        sentence = f"No findings, but {len(context.unread) if context else 0} of {models} {unread}{hidden}."
    elif not total:
        sentence = f"All checks passed ({models}{hidden})."
    else:
        detail = ", ".join(f"{counts[s]} {s}" for s in SEVERITY_ORDER if counts[s])
        at = f" at {_plural(places, 'location')}" if places != total else ""
        sentence = f"Found {_plural(total, 'finding')} ({detail}){at} in {models}{hidden}."
        if unread:
            sentence = f"{sentence[:-1]}; {len(context.unread) if context else 0} of them {unread}."
    return prefix + sentence[0].lower() + sentence[1:] if prefix else sentence


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
