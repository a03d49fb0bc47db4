"""Reporters: one function per output format over the same sorted list of results.

Sorting happens once, in ``RuleSet.check`` (findings) and the CLI (models); reporters only
render. ``REPORTERS`` maps a ``--format`` name to its renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from speclint.rules.model import Rule
from speclint.rules.ruleset import ModelResult


class ReportContext(NamedTuple):
    """What every reporter may need besides the results."""

    rules: dict[str, Rule]
    version: str
    color: bool = False


Reporter = Callable[[list[ModelResult], ReportContext], str]


MODULES = {"text": "text", "json": "json_report", "github": "github", "sarif": "sarif"}
MODULES.update(jsonl="jsonl", html="html")  # streamed lines per model; a self-contained audit page


def reporter(name: str) -> Reporter:
    """Imported on demand so a text run never loads the SARIF writer."""
    import importlib

    module = importlib.import_module(f"speclint.report.{MODULES[name]}")
    return module.render  # type: ignore[no-any-return]
