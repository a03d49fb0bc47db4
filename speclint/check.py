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
from speclint.discover import Exclusion, anchor, discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError, print_error
from speclint.read.guard import DEFAULT_READ_SECONDS, read_model_guarded
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.rules.language import requested_language
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


def require_known_selectors(ruleset: RuleSet, config: Config, args: argparse.Namespace) -> None:
    """Every code and prefix of --select/--ignore, the config and its per-path entries must
    select some rule: a typo would otherwise silently check everything (or nothing)."""
    source = f"{config.source}: [tool.speclint]"
    cli_ignore = list(args.ignore or [])
    file_ignore = config.ignore[: len(config.ignore) - len(cli_ignore)]
    ruleset.require_known_selectors(config.select, "--select" if args.select else f"{source} select")
    ruleset.require_known_selectors(cli_ignore, "--ignore")
    ruleset.require_known_selectors(file_ignore, f"{source} ignore")
    for index, entry in enumerate(config.per_path):
        ruleset.require_known_selectors(entry.select or [], f"{source} per-path[{index}] select")
        ruleset.require_known_selectors(entry.ignore, f"{source} per-path[{index}] ignore")


def report_path_error(problem: str) -> None:
    """One line on stderr, and an error annotation when GitHub Actions shows the log."""
    print_error(problem)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from speclint.report.github import escape_data
        from speclint.safe_text import escape

        print(f"::error title=speclint::{escape_data(escape(problem))}")


def exclusion_from(config: Config, args: argparse.Namespace) -> Exclusion:
    """Directories a tree walk skips: the config's patterns, the command line's replacing or extending them."""
    exclude = anchor(args.exclude, ".") if getattr(args, "exclude", None) else config.exclude
    extend = config.extend_exclude + anchor(getattr(args, "extend_exclude", None) or [], ".")
    return Exclusion(exclude, extend, config.respect_gitignore)


def run_check(args: argparse.Namespace) -> int:
    config = settings_from(args)
    ruleset = RuleSet(config.rules, language=requested_language(getattr(args, "lang", None)))
    require_known(config.profile)  # before reading anything
    require_known_selectors(ruleset, config, args)
    found = discover(args.paths, exclusion_from(config, args))
    for problem in found.errors:  # a PATH that does not exist or holds no model: exit 2 in the end
        report_path_error(problem)
    if not found.models:
        return EXIT_ERROR
    if config.format == "jsonl" or getattr(args, "resume", None):
        from speclint.report.jsonl import run_streamed

        return run_streamed(args, config, ruleset, found.models)
    max_bytes = config.max_file_size or DEFAULT_MAX_BYTES
    with _Progress(_progress_wanted(args, len(found.models))) as progress:
        seconds = getattr(args, "read_timeout", None) or config.read_timeout or DEFAULT_READ_SECONDS
        stage = progress.stage("reading", len(found.models))
        facts_list = _read_all(found.models, max_bytes, args.jobs, stage, seconds)
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
    if getattr(args, "write_baseline", None):
        from speclint.rules.baseline import write_baseline

        count = write_baseline(results, args.write_baseline)
        models = len(results)
        print(f"speclint: wrote {count} finding(s) of {models} model(s) to {args.write_baseline}", file=sys.stderr)
        return EXIT_ERROR if found.errors else EXIT_CLEAN
    baselined = 0
    if getattr(args, "baseline", None):
        from speclint.rules.baseline import apply_baseline

        baselined = apply_baseline(results, args.baseline)
    _write_report(results, ruleset, config, args, baselined)
    if getattr(args, "sarif_output", None):
        _write_sarif(results, ruleset, args.sarif_output)
    if found.errors or not any(facts["meta_graphs"] for facts in facts_list):
        return EXIT_ERROR  # a PATH was wrong, or nothing could be read at all
    if args.exit_zero:
        return EXIT_CLEAN
    threshold = severity_rank(config.fail_level)
    failing = any(severity_rank(f.severity) >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _read_all(
    models: list[str],
    max_bytes: int,
    jobs: int,
    advance: Callable[[], None] | None = None,
    seconds: float = DEFAULT_READ_SECONDS,
) -> list[dict[str, Any]]:
    """Facts in the order of ``models`` whatever ``jobs`` is (``pool.map`` keeps the order)."""
    done = advance or (lambda: None)
    facts_list: list[dict[str, Any]] = []
    if jobs <= 1 or len(models) < 2:
        for model in models:
            facts_list.append(read_model_guarded(model, max_bytes, seconds))
            done()
        return facts_list
    from concurrent.futures import ProcessPoolExecutor

    jobs = min(jobs, len(models))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        chunksize = max(1, len(models) // (jobs * 8))
        for facts in pool.map(
            read_model_guarded, models, [max_bytes] * len(models), [seconds] * len(models), chunksize=chunksize
        ):
            facts_list.append(facts)
            done()
    return facts_list


def use_color(choice: str, output: str | None) -> bool:
    """``--color``: always, never, or auto (a terminal, and no ``NO_COLOR`` in the environment)."""
    if choice == "always":
        return True
    if choice == "never" or output is not None:
        return False
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write_report(
    results: list[ModelResult], ruleset: RuleSet, config: Config, args: argparse.Namespace, baselined: int = 0
) -> None:
    from speclint.report import ReportContext, reporter

    assert config.format is not None
    output = args.output
    color = config.format == "text" and use_color(getattr(args, "color", None) or "auto", output)
    context = ReportContext(
        rules=ruleset.rules,
        version=__version__,
        color=color,
        quiet=bool(getattr(args, "quiet", False)),
        baselined=baselined,
    )
    if getattr(args, "statistics", False):
        from speclint.report.text import statistics

        text = statistics(results, context)
    else:
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
            print_error(f"cannot write {summary_file}: {exc.strerror or exc}", level="warning")


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

        from speclint.safe_text import escape  # a directory name reaches the terminal here too

        def on_event(event: Any) -> None:
            if event.kind == "model-started" and event.path:
                self._bar.update(task, description=f"executing {escape(os.path.basename(event.path))}")
            elif event.kind == "model-finished":
                self._bar.advance(task)
            self._refresh(force=True)

        return on_event
