"""``speclint check``: discover, read, (execute,) evaluate, report, and choose the exit code."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from speclint import __version__
from speclint.config import Config, load_config
from speclint.discover import discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError
from speclint.read import read_model
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.rules.model import severity_rank
from speclint.rules.profiles import require_known
from speclint.rules.ruleset import ModelResult, RuleSet


def settings_from(args: argparse.Namespace) -> Config:
    """The config file's settings with the command line on top (the command line wins)."""
    config = load_config(args.config, start=args.paths[0] if args.paths else ".")
    if args.profile:
        config.profile = args.profile
        config.per_path = [p for p in config.per_path if p.profile is None]  # an explicit profile applies everywhere
    if args.select:
        config.select = args.select
    if args.ignore:
        config.ignore = config.ignore + args.ignore
    if args.fail_level:
        config.fail_level = args.fail_level
    if args.max_file_size:
        config.max_file_size = args.max_file_size
    config.rules = config.rules + args.rules
    if args.format:
        config.format = args.format
    if config.format is None:
        config.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return config


def run_check(args: argparse.Namespace) -> int:
    config = settings_from(args)
    ruleset = RuleSet(config.rules)
    require_known(config.profile)  # before reading anything
    found = discover(args.paths)
    for problem in found.errors:
        print(f"speclint: error: {problem}", file=sys.stderr)
    if not found.models:
        return EXIT_ERROR
    if config.format == "jsonl" or getattr(args, "resume", None):
        from speclint.report.jsonl import run_streamed

        return run_streamed(args, config, ruleset, found.models)
    max_bytes = config.max_file_size or DEFAULT_MAX_BYTES
    with _Progress(_progress_wanted(args, len(found.models))) as progress:
        facts_list = _read_all(found.models, max_bytes, args.jobs, progress.stage("reading", len(found.models)))
        if args.execute:
            import dataclasses

            from speclint.execute import ExecuteOptions, execute

            on_event = progress.on_execute(len(facts_list))
            options = ExecuteOptions(device=args.device, allow_unsafe=args.allow_unsafe, progress=on_event)
            if args.probe_timeout:
                options = dataclasses.replace(options, timeout_s=args.probe_timeout)  # ExecuteOptions is frozen
            if args.memory_limit:
                options = dataclasses.replace(options, memory_limit_mb=args.memory_limit)
            from speclint.api import executor_from_args

            execute(facts_list, options, executor_from_args(args))
    results: list[ModelResult] = []
    for facts in facts_list:
        profile, select, ignore = config.for_model(str(facts["path"]))
        results.append(ruleset.check(facts, profile, select, ignore))
    results.sort(key=lambda r: r.path)
    _write_report(results, ruleset, config, args.output)
    if getattr(args, "sarif_output", None):
        _write_sarif(results, ruleset, args.sarif_output)
    if not any(facts["meta_graphs"] for facts in facts_list):
        return EXIT_ERROR  # nothing could be read at all
    if args.exit_zero:
        return EXIT_CLEAN
    threshold = severity_rank(config.fail_level)
    failing = any(severity_rank(f.severity) >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _read_all(
    models: list[str], max_bytes: int, jobs: int, advance: Callable[[], None] | None = None
) -> list[dict[str, Any]]:
    """Facts in the order of ``models`` whatever ``jobs`` is (``pool.map`` keeps the order)."""
    done = advance or (lambda: None)
    facts_list: list[dict[str, Any]] = []
    if jobs <= 1 or len(models) < 2:
        for model in models:
            facts_list.append(read_model(model, max_bytes))
            done()
        return facts_list
    from concurrent.futures import ProcessPoolExecutor

    jobs = min(jobs, len(models))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunksize = max(1, len(models) // (jobs * 8))
        for facts in pool.map(read_model, models, [max_bytes] * len(models), chunksize=chunksize):
            facts_list.append(facts)
            done()
    return facts_list


def _write_report(results: list[ModelResult], ruleset: RuleSet, config: Config, output: str | None) -> None:
    from speclint.report import ReportContext, reporter

    assert config.format is not None
    color = output is None and config.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    context = ReportContext(rules=ruleset.rules, version=__version__, color=color)
    text = reporter(config.format)(results, context)
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise SpeclintError(f"{output}: cannot write report: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        from speclint.report.github import step_summary

        try:
            with open(summary_file, "a", encoding="utf-8") as handle:
                handle.write(step_summary(results, context))
        except OSError as exc:
            print(f"speclint: warning: cannot write {summary_file}: {exc.strerror or exc}", file=sys.stderr)


def _write_sarif(results: list[ModelResult], ruleset: RuleSet, output: str) -> None:
    """``--sarif-output``: the SARIF report of the same run, next to the main one (GitHub Action)."""
    from speclint.report import ReportContext, reporter

    text = reporter("sarif")(results, ReportContext(rules=ruleset.rules, version=__version__))
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise SpeclintError(f"{output}: cannot write SARIF report: {exc.strerror or exc}") from None


PROGRESS_MIN_MODELS = 20  # a smaller static run is over before a bar could help


def _progress_wanted(args: argparse.Namespace, models: int) -> bool:
    """A bar only for a person at a terminal, and only when the run takes a while."""
    if getattr(args, "no_progress", False) or not sys.stderr.isatty():
        return False
    return models >= PROGRESS_MIN_MODELS or bool(args.execute)


class _Progress:
    """A rich progress bar on stderr, one task per stage; does nothing when off or without rich.

    No refresh thread (``auto_refresh=False``): the reading pool forks, and a fork must not
    inherit a lock held by a thread that does not exist in the child.
    """

    def __init__(self, enabled: bool) -> None:
        self._bar: Any = None
        self._last = 0.0
        if not enabled:
            return
        try:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        except ImportError:
            return
        self._bar = Progress(
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            auto_refresh=False,
            transient=True,
        )

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= 0.1:
            self._last = now
            self._bar.refresh()

    def stage(self, description: str, total: int) -> Callable[[], None] | None:
        if self._bar is None:
            return None
        task = self._bar.add_task(description, total=total)
        self._refresh(force=True)

        def advance() -> None:
            self._bar.advance(task)
            self._refresh()

        return advance

    def on_execute(self, total: int) -> Callable[[Any], None] | None:
        """A callback for ``ExecuteOptions.progress``: one step per model run."""
        if self._bar is None:
            return None
        task = self._bar.add_task("executing", total=total)
        self._refresh(force=True)

        def on_event(event: Any) -> None:
            if event.kind == "model-started" and event.path:
                self._bar.update(task, description=f"executing {os.path.basename(event.path)}")
            elif event.kind == "model-finished":
                self._bar.advance(task)
            self._refresh(force=True)

        return on_event
