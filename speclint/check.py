"""``speclint check``: discover, read, (execute,) evaluate, report, and choose the exit code."""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from speclint import __version__
from speclint.config import Config, load_config
from speclint.discover import Exclusion, anchor, discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError, print_error
from speclint.read.guard import DEFAULT_READ_SECONDS, failed_facts, read_model_guarded
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
    if getattr(args, "read_timeout", None):
        config.read_timeout = args.read_timeout
    if getattr(args, "claims", None):
        config.claims = require_claims_file(args.claims)
    config.rules = config.rules + args.rules
    if args.format:
        config.format = args.format
    if config.format is None:
        config.format = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return config


def require_claims_file(path: str) -> str:
    """``--claims FILE`` names a file that exists: a typo must not read as "no claims"."""
    if not os.path.isfile(path):
        raise SpeclintError(f"--claims {path}: no such file")
    return path


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
    # how a worker started without fork loads them again
    rules = functools.partial(RuleSet, config.rules, language=requested_language(getattr(args, "lang", None)))
    ruleset = rules()
    require_known(config.profile)  # before reading anything
    require_known_selectors(ruleset, config, args)
    found = discover(args.paths, exclusion_from(config, args))
    for problem in found.errors:  # a PATH that does not exist or holds no model: exit 2 in the end
        report_path_error(problem)
    if not found.models:
        return EXIT_ERROR
    if config.claims and len(found.models) > 1:
        raise SpeclintError(
            f"--claims documents one model, but the PATHs hold {len(found.models)}; use per-path claims instead"
        )
    if config.format == "jsonl" or getattr(args, "resume", None):
        from speclint.report.jsonl import run_streamed

        return run_streamed(args, config, ruleset, found.models)
    max_bytes = config.max_file_size or DEFAULT_MAX_BYTES
    jobs = args.jobs if args.jobs else default_jobs()
    budget = args.memory_budget * MB if getattr(args, "memory_budget", None) else default_memory_budget()
    any_read = False
    results: list[ModelResult] = []
    with _Progress(_progress_wanted(args, len(found.models))) as progress:
        seconds = config.read_timeout or DEFAULT_READ_SECONDS
        advance = progress.stage("reading", len(found.models))
        if args.execute:
            import dataclasses

            from speclint.execute import ExecuteOptions, execute

            facts_list = _read_all(found.models, max_bytes, jobs, advance, budget, seconds, config.claims_for)
            on_event = progress.on_execute(len(facts_list))
            options = ExecuteOptions(device=args.device, allow_unsafe=args.allow_unsafe, progress=on_event)
            if args.probe_timeout:
                options = dataclasses.replace(options, timeout_s=args.probe_timeout)  # ExecuteOptions is frozen
            if args.memory_limit:
                options = dataclasses.replace(options, memory_limit_mb=args.memory_limit)
            from speclint.api import executor_from_args

            execute(facts_list, options, executor_from_args(args))
            for facts in facts_list:
                results.append(_check_one(facts, ruleset, config))
                any_read = any_read or bool(facts["meta_graphs"])
        else:  # each model's facts are checked as they arrive and dropped: memory stays flat
            lint = _Lint(rules, ruleset, config, _reader(max_bytes, seconds, config.claims_for))
            for index, value in _run_models(lint, found.models, jobs, advance, budget):
                if isinstance(value, WorkerDied):
                    value = _check_one(failed_facts(found.models[index], value.message), ruleset, config), False
                result, readable = value
                results.append(result)
                any_read = any_read or readable
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
    if found.errors or not any_read:
        return EXIT_ERROR  # a PATH was wrong, or nothing could be read at all
    if args.exit_zero:
        return EXIT_CLEAN
    threshold = severity_rank(config.fail_level)
    failing = any(severity_rank(f.severity) >= threshold for r in results for f in r.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _check_one(facts: dict[str, Any], ruleset: RuleSet, config: Config) -> ModelResult:
    profile, select, ignore = config.for_model(str(facts["path"]))
    return ruleset.check(facts, profile, select, ignore)


class _Lint:
    """Read one model and check it, in whichever process runs it; only the small result travels back."""

    def __init__(
        self, rules: Callable[[], RuleSet], ruleset: RuleSet, config: Config, read: Callable[[str], dict[str, Any]]
    ) -> None:
        self.rules = rules
        self.ruleset = ruleset
        self.config = config
        self.read = read

    def __call__(self, model: str) -> tuple[ModelResult, bool]:
        facts = self.read(model)
        return _check_one(facts, self.ruleset, self.config), bool(facts["meta_graphs"])

    def __reduce__(self) -> tuple[Any, ...]:
        """A worker started without fork loads the rules again (compiled schemas do not pickle)."""
        return (_Lint._rebuilt, (self.rules, self.config, self.read))

    @staticmethod
    def _rebuilt(rules: Callable[[], RuleSet], config: Config, read: Callable[[str], dict[str, Any]]) -> _Lint:
        return _Lint(rules, rules(), config, read)


def _reader(
    max_bytes: int, seconds: float = DEFAULT_READ_SECONDS, claims: Callable[[str], str | None] | None = None
) -> Callable[[str], dict[str, Any]]:
    """One model's facts, in whichever process reads it (picklable), under the per-model time limit."""
    return functools.partial(read_model_guarded, max_bytes=max_bytes, seconds=seconds, claims=claims)


def _read_all(
    models: list[str],
    max_bytes: int,
    jobs: int,
    advance: Callable[[], None] | None = None,
    budget: int | None = None,
    seconds: float = DEFAULT_READ_SECONDS,
    claims: Callable[[str], str | None] | None = None,
) -> list[dict[str, Any]]:
    """Facts in the order of ``models`` whatever ``jobs`` is (for ``--execute``, which needs them all)."""
    facts = dict(_run_models(_reader(max_bytes, seconds, claims), models, jobs, advance, budget))
    return [
        failed_facts(models[i], facts[i].message) if isinstance(facts[i], WorkerDied) else facts[i]
        for i in range(len(models))
    ]


MB = 1 << 20
MIN_PARALLEL_MODELS = 4  # fewer models are read faster than worker processes start
READ_MEMORY_BASE = 64 * MB  # a worker's own footprint, before any model
READ_MEMORY_FACTOR = {".pb": 8, ".pbtxt": 24}  # peak memory per byte of saved_model.pb(txt), measured with margin
SMALL_MODEL = READ_MEMORY_BASE + 8 * MB  # estimated at most this: batched with others
MAX_CHUNK = 16  # models per batch


def default_jobs() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_memory_budget() -> int:
    """Half the machine's physical memory: what reading models in parallel may hold at once."""
    try:
        return max(1, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (AttributeError, ValueError, OSError):
        return 4096 * MB


def memory_estimate(model: str) -> int:
    """Peak memory reading ``model`` may take: a multiple of its saved_model file's size."""
    estimate = READ_MEMORY_BASE
    for name, factor in (
        ("saved_model.pb", READ_MEMORY_FACTOR[".pb"]),
        ("saved_model.pbtxt", READ_MEMORY_FACTOR[".pbtxt"]),
    ):
        try:
            estimate += factor * os.stat(os.path.join(model, name)).st_size
            break
        except OSError:
            continue
    return estimate


class WorkerDied:
    """What ``_run_models`` yields for a model whose worker process died while reading it."""

    def __init__(self, message: str) -> None:
        self.message = message


WORKER_DIED = (
    "reading stopped: the worker process reading it died (out of memory? lower --jobs or --memory-budget); not checked"
)


def _run_models(
    work: Callable[[str], Any],
    models: list[str],
    jobs: int,
    advance: Callable[[], None] | None = None,
    budget: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, work(model))`` for every model, as each finishes.

    With several jobs, models start in order while the sum of their memory estimates fits in
    ``budget``; a model that would exceed it waits for running ones to finish (one that
    exceeds it alone runs alone). A worker that dies (the kernel's out-of-memory killer) costs
    no other model its report: the models it took down are read again one at a time, and one
    that kills its worker alone yields ``WorkerDied``. Callers sort: the report never depends
    on the order here.
    """
    done = advance or (lambda: None)
    if jobs <= 1 or len(models) < MIN_PARALLEL_MODELS:
        for index, model in enumerate(models):
            yield index, work(model)
            done()
        return
    global _WORK
    _WORK = work  # reaches the workers by fork; elsewhere through the initializer
    limit = budget if budget is not None else default_memory_budget()
    estimates = [memory_estimate(model) for model in models]
    pending = list(range(len(models)))
    try:
        while pending:
            run = _PoolRun(work, models, jobs, estimates, limit)
            for index, value in run.results(pending):
                yield index, value
                done()
            for index in run.taken_down:  # in flight when a worker died: each again, alone
                yield index, _alone(work, models[index])
                done()
            pending = run.not_started
    finally:
        _WORK = None


class _PoolRun:
    """One process pool over some models, until they are done or a worker dies."""

    def __init__(self, work: Callable[[str], Any], models: list[str], jobs: int, estimates: list[int], limit: int):
        self.work, self.models, self.jobs, self.estimates, self.limit = work, models, jobs, estimates, limit
        self.taken_down: list[int] = []
        self.not_started: list[int] = []

    def results(self, indices: list[int]) -> Iterator[tuple[int, Any]]:
        from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
        from concurrent.futures.process import BrokenProcessPool

        chunks = self._chunks(indices)
        running: dict[Future[Any], list[int]] = {}
        in_use, following = 0, 0
        workers = min(self.jobs, len(chunks))
        with ProcessPoolExecutor(max_workers=workers, initializer=_set_work, initargs=(self.work,)) as pool:
            while following < len(chunks) or running:
                while following < len(chunks) and len(running) < self.jobs:
                    chunk = chunks[following]
                    estimate = self._estimate(chunk)
                    if running and in_use + estimate > self.limit:
                        break  # queued until enough of the budget is free
                    running[pool.submit(_call_chunk, [self.models[i] for i in chunk])] = chunk
                    in_use += estimate
                    following += 1
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    chunk = running.pop(future)
                    in_use -= self._estimate(chunk)
                    try:
                        values = future.result()
                    except BrokenProcessPool:
                        self.taken_down = sorted([*chunk, *(i for other in running.values() for i in other)])
                        self.not_started = [i for later in chunks[following:] for i in later]
                        return
                    yield from zip(chunk, values, strict=True)

    def _estimate(self, chunk: list[int]) -> int:
        return max(self.estimates[i] for i in chunk)  # a worker reads its chunk one model at a time

    def _chunks(self, indices: list[int]) -> list[list[int]]:
        """Small models travel in batches (one round trip each), big ones alone (the budget sees each)."""
        size = max(1, min(MAX_CHUNK, len(indices) // (self.jobs * 4)))
        chunks: list[list[int]] = []
        current: list[int] = []
        for index in indices:
            if self.estimates[index] > SMALL_MODEL:
                chunks.append([index])
                continue
            current.append(index)
            if len(current) == size:
                chunks.append(current)
                current = []
        return [*chunks, current] if current else chunks


def _alone(work: Callable[[str], Any], model: str) -> Any:
    """``work(model)`` in a worker of its own; ``WorkerDied`` when that worker dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(max_workers=1, initializer=_set_work, initargs=(work,)) as pool:
        try:
            return pool.submit(_call_work, model).result()
        except BrokenProcessPool:
            return WorkerDied(WORKER_DIED)


_WORK: Callable[[str], Any] | None = None


def _set_work(work: Callable[[str], Any]) -> None:
    global _WORK
    if _WORK is None:
        _WORK = work


def _call_work(model: str) -> Any:
    assert _WORK is not None
    return _WORK(model)


def _call_chunk(models: list[str]) -> list[Any]:
    return [_call_work(model) for model in models]


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
    from speclint.report import ReportContext, append_step_summary, reporter, write_report

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
    write_report(text, output)

    def summary() -> str:  # imported only under GitHub Actions: other runs never pay for it
        from speclint.report.github import step_summary

        return step_summary(results, context)

    append_step_summary(summary)


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
