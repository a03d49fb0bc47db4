"""``--format jsonl``: one JSON object per model, written as soon as that model is done.

A 10,000-model audit can then be followed (``tail -f``), loaded into a table
(``pandas.read_json(path, lines=True)``) and resumed: ``--resume FILE`` skips every model
whose line is already in FILE, and when FILE is also ``--output`` the new lines are appended
(a line cut short by a killed run is dropped first). Each object is the model's entry of
the ``json`` report (path, format, profile, profile_reason, findings, execution) plus the
tool version. Lines come in the order models finish, not sorted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable
from typing import IO, Any

from speclint.config import Config
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError
from speclint.report import ReportContext
from speclint.report.json_report import model_entry
from speclint.rules.model import severity_rank
from speclint.rules.ruleset import ModelResult, RuleSet


def model_json(result: ModelResult, version: str) -> dict[str, Any]:
    return {**model_entry(result), "tool": {"name": "speclint", "version": version}}


def line(result: ModelResult, version: str) -> str:
    return json.dumps(model_json(result, version), separators=(",", ":"), allow_nan=False) + "\n"


def render(results: list[ModelResult], context: ReportContext) -> str:
    return "".join(line(result, context.version) for result in results)


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


def run_streamed(args: argparse.Namespace, config: Config, ruleset: RuleSet, models: list[str]) -> int:
    """``speclint check --format jsonl``: run, writing each model's line as it finishes."""
    from speclint import __version__
    from speclint.api import Run, execute_options_from_args, executor_from_args

    if config.format != "jsonl":
        raise SpeclintError("--resume needs --format jsonl")
    done: list[dict[str, Any]] = []
    append = False
    if args.resume:
        done, keep = read_done(args.resume)
        append = bool(args.output) and os.path.realpath(args.output) == os.path.realpath(args.resume)
        if append and os.path.exists(args.resume):
            os.truncate(args.resume, keep)  # drop a line a killed run left half-written
    run = Run(config, ruleset, models, [])
    results = run.results(
        execute=bool(args.execute),
        executor=executor_from_args(args) if args.execute else "local",
        execute_options=execute_options_from_args(args) if args.execute else None,
        jobs=args.jobs or 1,  # streamed in order of reading; --jobs N reads ahead in N processes
        skip=frozenset(entry["path"] for entry in done),
    )
    stream: IO[str]
    try:
        stream = open(args.output, "a" if append else "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise SpeclintError(f"{args.output}: cannot write report: {exc.strerror or exc}") from None
    severities: list[str] = [str(f.get("severity")) for entry in done for f in entry.get("findings") or []]
    try:
        for result in results:
            stream.write(line(result, __version__))
            stream.flush()
            severities.extend(f.severity for f in result.findings)
    finally:
        if stream is not sys.stdout:
            stream.close()
    return _exit_code(args, config, run.read_any or _any_read(done), severities)


def _any_read(done: Iterable[dict[str, Any]]) -> bool:
    return any(entry.get("format") is not None for entry in done)


def _exit_code(args: argparse.Namespace, config: Config, read_any: bool, severities: list[str]) -> int:
    if not read_any:
        return EXIT_ERROR
    if args.exit_zero:
        return EXIT_CLEAN
    threshold = severity_rank(config.fail_level)
    known = [s for s in severities if s in ("info", "warning", "error")]
    return EXIT_FINDINGS if any(severity_rank(s) >= threshold for s in known) else EXIT_CLEAN
