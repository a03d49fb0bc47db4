"""``speclint check``: discover, read, (execute,) evaluate, report, and choose the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from speclint import __version__
from speclint.config import Config, load_config
from speclint.discover import discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError
from speclint.read import read_model
from speclint.read.loading import DEFAULT_MAX_BYTES
from speclint.rules.model import severity_rank
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


def _read(model: str, max_bytes: int) -> dict[str, Any]:
    return read_model(model, max_bytes)


def run_check(args: argparse.Namespace) -> int:
    config = settings_from(args)
    ruleset = RuleSet(config.rules)
    if config.profile != "auto" and config.profile not in ruleset.profiles:
        raise SpeclintError(f"unknown profile {config.profile!r} (choose auto or one of {', '.join(ruleset.profiles)})")
    found = discover(args.paths)
    for problem in found.errors:
        print(f"speclint: error: {problem}", file=sys.stderr)
    if not found.models:
        return EXIT_ERROR
    max_bytes = config.max_file_size or DEFAULT_MAX_BYTES
    facts_list = _read_all(found.models, max_bytes, args.jobs)
    if args.execute:
        from speclint.execute import ExecuteOptions, execute

        options = ExecuteOptions(device=args.device, allow_unsafe=args.allow_unsafe)
        if args.probe_timeout:
            options.timeout_s = args.probe_timeout
        execute(facts_list, options)
    results: list[ModelResult] = []
    for facts in facts_list:
        profile, select, ignore = config.for_model(str(facts["path"]))
        results.append(ruleset.check(facts, profile, select, ignore))
    results.sort(key=lambda r: r.path)
    _write_report(results, ruleset, config, args.output)
    if not any(facts["meta_graphs"] for facts in facts_list):
        return EXIT_ERROR  # nothing could be read at all
    if args.exit_zero:
        return EXIT_CLEAN
    threshold = severity_rank(config.fail_level)
    failing = any(severity_rank(f.severity) >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _read_all(models: list[str], max_bytes: int, jobs: int) -> list[dict[str, Any]]:
    if jobs <= 1 or len(models) < 2:
        return [read_model(model, max_bytes) for model in models]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_read, models, [max_bytes] * len(models), chunksize=max(1, len(models) // (jobs * 8))))


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
