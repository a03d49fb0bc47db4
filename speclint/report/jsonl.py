"""``--format jsonl``: one JSON object per model, written as soon as that model is done.

A 10,000-model audit can then be followed (``tail -f``), loaded into a table
(``pandas.read_json(path, lines=True)``) and resumed: ``--resume FILE`` skips every model
whose line is already in FILE, and when FILE is also ``--output`` the new lines are appended
(a line cut short by a killed run is dropped first). Each object is the model's entry of
the ``json`` report (path, format, profile, profile_reason, read_error, findings, execution)
plus the tool version. Lines come in the order models finish, not sorted. ``speclint.check``
streams them; this module renders and reads them.
"""

from __future__ import annotations

import json
from typing import Any

from speclint.errors import SpeclintError
from speclint.report import ReportContext
from speclint.report.json_report import model_entry
from speclint.rules.ruleset import ModelResult


def model_json(result: ModelResult, version: str, read_error: str | None = None) -> dict[str, Any]:
    return {**model_entry(result, read_error), "tool": {"name": "speclint", "version": version}}


def line(result: ModelResult, version: str, read_error: str | None = None) -> str:
    return json.dumps(model_json(result, version, read_error), separators=(",", ":"), allow_nan=False) + "\n"


def render(results: list[ModelResult], context: ReportContext) -> str:
    read_errors = dict(context.unread)
    return "".join(line(result, context.version, read_errors.get(result.path)) for result in results)


def read_done(path: str) -> tuple[list[dict[str, Any]], int]:
    """The complete model lines of a previous run, and the byte length they cover (the rest is cut off)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return [], 0
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot read the file to resume: {exc.strerror or exc}") from None
    complete = data[: data.rfind(b"\n") + 1]
    done = []
    for number, raw in enumerate(complete.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            raise SpeclintError(f"{path}: line {number} is not JSON; --resume needs a jsonl report") from None
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise SpeclintError(f"{path}: line {number} has no model path; --resume needs a jsonl report")
        done.append(entry)
    return done, len(complete)
