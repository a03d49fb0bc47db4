"""``speclint check``: the command line's options in, the pipeline run, the report out.

Everything a run does to models (settings, discovery, reading under the time limit, execution,
rules, the exit code) is ``speclint.pipeline``'s; this module translates ``argparse`` options
into ``Overrides``, refuses options that contradict each other, and writes the reports.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import IO, TYPE_CHECKING, Any

from speclint.errors import EXIT_CLEAN, EXIT_ERROR, SpeclintError, print_error
from speclint.pipeline import Checked, Pipeline
from speclint.settings import Overrides
from speclint.version import __version__

if TYPE_CHECKING:
    from collections.abc import Mapping

    from speclint.execute.executors import Executor
    from speclint.execute.options import ExecuteOptions
    from speclint.report import ReportContext

FORMATS = ("full", "concise", "text", "json", "github", "sarif", "jsonl", "html")  # text: full's old name


def overrides_from(args: argparse.Namespace) -> Overrides:
    """What the command line sets on top of ``[tool.speclint]``."""
    return Overrides(
        config=args.config,
        profile=args.profile,
        select=args.select,
        ignore=args.ignore,
        fail_level=args.fail_level,
        rules=args.rules,
        format=args.format,
        report_file=bool(args.output),
        max_file_size=args.max_file_size,
        read_timeout=args.read_timeout,
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
        jobs=args.jobs,
        memory_budget_mb=args.memory_budget,
        exit_zero=args.exit_zero,
        fail_on_not_applicable=args.fail_on_not_applicable,
        language=args.lang,
        claims=args.claims,
    )


def run_check(args: argparse.Namespace) -> int:
    _refuse_conflicts(args)
    pipeline = Pipeline.prepare(overrides_from(args), args.paths)  # a bad setting is exit 2 before reading
    settings = pipeline.settings
    _refuse_format_conflicts(args, settings.format, settings.config_source)
    for note in settings.notes:
        print_error(note, level="warning")
    pipeline.work.formats = _rendered_formats(args, settings.format)
    for problem in pipeline.discovery.errors:  # a PATH that does not exist or holds no model: exit 2 in the end
        report_path_error(problem)
    if not pipeline.models:
        return EXIT_ERROR
    if settings.format == "jsonl":
        return _run_streamed(args, pipeline)
    from speclint.progress import Progress, wanted

    checked: list[Checked] = []
    with Progress(wanted(args.no_progress, len(pipeline.models), args.execute)) as bar:
        advance = bar.stage("reading", len(pipeline.models))
        options = execute_options_from(args, bar.on_execute(len(pipeline.models))) if args.execute else None
        stream = pipeline.results(
            execute=args.execute,
            executor=executor_from(args) if args.execute else "local",
            options=options,
            advance=advance,
        )
        checked.extend(stream)
    checked.sort(key=lambda c: c.result.path)
    results = [c.result for c in checked]
    if args.write_baseline:
        from speclint.rules.baseline import write_baseline

        count = write_baseline(results, args.write_baseline)
        print(
            f"speclint: wrote {count} finding(s) of {len(results)} model(s) to {args.write_baseline}", file=sys.stderr
        )
        return EXIT_ERROR if pipeline.discovery.errors else EXIT_CLEAN
    baselined = 0
    if args.baseline:
        from speclint.rules.baseline import apply_baseline

        baselined = apply_baseline(results, args.baseline)
        pipeline.recount(checked)  # the exit code follows what the report shows
    context = _context(args, pipeline, checked, baselined)
    _write_report(args, settings.format, results, context)
    if args.sarif_output:
        _write_sarif(results, context, args.sarif_output)
    return _exit_code(pipeline)


def _exit_code(pipeline: Pipeline) -> int:
    """The pipeline's exit code; a run that read nothing says so on stderr too."""
    code = pipeline.exit_code()
    if code == EXIT_ERROR and pipeline.tally.nothing_read:
        count = pipeline.tally.models
        print_error(f"none of the {count} model{'s' if count != 1 else ''} could be read (the report says why)")
    return code


def _refuse_conflicts(args: argparse.Namespace) -> None:
    """Options that cannot both hold are an error, never one of them silently lost."""
    if args.output and args.sarif_output and _same_file(args.output, args.sarif_output):
        raise SpeclintError(
            f"--output and --sarif-output both name {args.output}: one report would overwrite the other"
        )
    if args.quiet and args.verbose:
        raise SpeclintError("--quiet and --verbose (--show-clean) contradict each other: choose one")
    if args.ray_address and args.executor != "ray":
        raise SpeclintError("--ray-address needs --executor ray")


def _refuse_format_conflicts(args: argparse.Namespace, format: str, config_source: str | None) -> None:
    if format not in FORMATS:
        where = f"{config_source}: [tool.speclint] format" if config_source else "format"
        raise SpeclintError(f"{where} must be one of {', '.join(FORMATS)}, not {format!r}")
    if args.statistics and format not in (*_statistics_formats(), "full", "concise"):
        raise SpeclintError(
            f"--statistics has a text and a json form, not {format} (add --format text or --format json)"
        )
    if args.resume and format != "jsonl":
        raise SpeclintError("--resume needs --format jsonl")
    if format == "jsonl":
        for name, value in (("--baseline", args.baseline), ("--write-baseline", args.write_baseline)):
            if value:
                raise SpeclintError(f"{name} does not work with --format jsonl (a streamed report is never revisited)")


def _statistics_formats() -> tuple[str, ...]:
    from speclint.report.statistics import FORMATS  # only when --statistics is asked for

    return FORMATS


def _same_file(one: str, other: str) -> bool:
    return os.path.realpath(one) == os.path.realpath(other)


def _rendered_formats(args: argparse.Namespace, format: str) -> tuple[str, ...]:
    """The formats each model's findings are rendered in, inside its time limit."""
    main = () if args.statistics else (format,)  # statistics are counts: linear, nothing to rehearse
    return (*main, "sarif") if args.sarif_output and format != "sarif" else main


def report_path_error(problem: str) -> None:
    """One line on stderr, and an error annotation when GitHub Actions shows the log."""
    print_error(problem)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from speclint.report.github import escape_data
        from speclint.safe_text import escape

        print(f"::error title=speclint::{escape_data(escape(problem))}")


def execute_options_from(args: argparse.Namespace, progress: Any = None) -> ExecuteOptions:
    """``--device``, ``--allow-unsafe``, ``--probe-timeout`` and ``--memory-limit`` as ``ExecuteOptions``."""
    from speclint.execute.options import ExecuteOptions

    settings: dict[str, Any] = {"device": args.device, "allow_unsafe": args.allow_unsafe, "progress": progress}
    if args.probe_timeout is not None:
        if not args.probe_timeout > 0:
            raise SpeclintError(f"--probe-timeout must be a positive number of seconds, not {args.probe_timeout:g}")
        settings["timeout_s"] = args.probe_timeout
    if args.memory_limit is not None:
        if args.memory_limit <= 0:
            raise SpeclintError(f"--memory-limit must be a positive number of MB, not {args.memory_limit}")
        settings["memory_limit_mb"] = args.memory_limit
    return ExecuteOptions(**settings)


def executor_from(args: argparse.Namespace) -> Executor:
    """The executor the command line asked for (``--executor``, ``--ray-address``)."""
    from speclint.pipeline import make_executor

    settings: dict[str, Any] = {"address": args.ray_address} if args.ray_address else {}
    return make_executor(args.executor, **settings)


def _context(args: argparse.Namespace, pipeline: Pipeline, checked: list[Checked], baselined: int) -> ReportContext:
    from speclint.report import TEXT_FORMATS, ReportContext

    color = pipeline.settings.format in TEXT_FORMATS and use_color(args.color, args.output)
    return ReportContext(
        rules=pipeline.ruleset.rules,
        version=__version__,
        color=color,
        quiet=args.quiet,
        verbose=args.verbose,
        fail_not_applicable=pipeline.settings.fail_on_not_applicable,
        baselined=baselined,
        unread=tuple((c.result.path, c.unread) for c in checked if c.unread is not None),
        language=pipeline.settings.language,
    )


def use_color(choice: str, output: str | None, environ: Mapping[str, str] = os.environ) -> bool:
    """``--color``: always, never, or auto; the one place that decides whether the report has colour.

    auto, first rule that applies: a report written to ``--output FILE`` has none; a non-empty
    ``NO_COLOR`` turns it off (no-color.org) and wins over a non-empty ``FORCE_COLOR``, which
    turns it on where stdout is no terminal, as in CI logs (force-color.org); ``TERM=dumb`` has
    none; otherwise colour when stdout is a terminal. CPython 3.13's own colour follows this order.
    """
    if choice == "always":
        return True
    if choice == "never" or output is not None:
        return False
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _write_report(args: argparse.Namespace, format: str, results: list[Any], context: ReportContext) -> None:
    from speclint.report import append_step_summary, reporter, write_report

    if args.statistics:
        from speclint.report import statistics

        text = statistics.render(results, context, "text" if format in ("full", "concise") else format)
    else:
        text = reporter(format)(results, context)
    write_report(text, args.output)

    def summary() -> str:  # imported only under GitHub Actions: other runs never pay for it
        from speclint.report.github import step_summary

        return step_summary(results, context)

    append_step_summary(summary)


def _write_sarif(results: list[Any], context: ReportContext, output: str) -> None:
    """``--sarif-output``: the SARIF report of the same run, next to the main one (GitHub Action)."""
    from speclint.report import reporter

    text = reporter("sarif")(results, context._replace(color=False, quiet=False))
    try:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise SpeclintError(f"{output}: cannot write SARIF report: {exc.strerror or exc}") from None


def _run_streamed(args: argparse.Namespace, pipeline: Pipeline) -> int:
    """``--format jsonl``: each model's line written and flushed as soon as it is checked, so an
    interrupted run keeps every finished model (and ``--resume`` carries on from there)."""
    from speclint.report.jsonl import line, read_done
    from speclint.rules.ruleset import gating_severities

    done: list[dict[str, Any]] = []
    append = False
    if args.resume:
        done, keep = read_done(args.resume)
        append = bool(args.output) and _same_file(args.output, args.resume)
        if append and os.path.exists(args.resume):
            os.truncate(args.resume, keep)  # drop a line a killed run left half-written
    for entry in done:
        findings = [(str(f.get("code")), str(f.get("severity"))) for f in entry.get("findings") or []]
        unread = entry.get("read_error") or (None if entry.get("format") is not None else "not read")
        severities = gating_severities(findings, pipeline.settings.fail_on_not_applicable)
        pipeline.tally.add(str(entry["path"]), unread, severities)
    results = pipeline.results(
        execute=args.execute,
        executor=executor_from(args) if args.execute else "local",
        options=execute_options_from(args) if args.execute else None,
        skip=frozenset(str(entry["path"]) for entry in done),
    )
    stream: IO[str]
    try:
        stream = open(args.output, "a" if append else "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise SpeclintError(f"{args.output}: cannot write report: {exc.strerror or exc}") from None
    try:
        for checked in results:
            stream.write(line(checked.result, __version__, checked.unread))
            stream.flush()
    finally:
        if stream is not sys.stdout:
            stream.close()
    return _exit_code(pipeline)
