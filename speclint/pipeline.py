"""The one pipeline behind every entry point.

::

    Overrides -> settings (config file + overrides, merged once) -> rules loaded and checked
    PATH... -> discover (excludes, .gitignore) -> per model, under one time limit:
               read -> security scan -> [execute] -> rules -> grouping -> the model's
               speclint-ignore.toml applied -> its findings rendered
            -> Checked results (a crash or a timeout is that model's finding) -> exit code

``speclint check``, ``show``, ``diff``, ``fix``, the Python API and ``--format jsonl`` all build a
``Pipeline`` and call it; they translate their arguments into ``Overrides`` and render what it
gives, nothing more. Worker processes (``--jobs``, within ``--memory-budget``) are
``speclint.parallel``'s business; execution is ``speclint.execute``'s.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from speclint.discover import Discovery, discover
from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError
from speclint.parallel import WorkerDied, run_models
from speclint.read import guard
from speclint.read.guard import TimeLimit, crash_message, deadline, failed_facts, time_limit_message
from speclint.rules.profiles import require_known
from speclint.rules.ruleset import ModelResult, RuleSet, gating_severities
from speclint.settings import Overrides, Selection, Settings, merge
from speclint.severity import severity_rank
from speclint.version import __version__

if TYPE_CHECKING:
    from speclint.execute.executors import Executor
    from speclint.execute.options import ExecuteOptions

Facts = dict[str, Any]


class Checked(NamedTuple):
    """One model's verdict, and why it could not be read (``None`` when it was)."""

    result: ModelResult
    unread: str | None


def why_unread(facts: Facts) -> str | None:
    """``None`` when some MetaGraph was read; else the first error, naming its file."""
    if facts["meta_graphs"]:
        return None
    errors = facts.get("errors") or []
    if not errors:
        return "no MetaGraphDef in the SavedModel"
    return f"{errors[0].get('file') or 'saved_model.pb'}: {errors[0].get('message')}"


class ModelWork:
    """One model's whole work under one time limit, in whichever process runs it (picklable).

    Reading, the security scan, the rules and grouping, and rendering its findings in each
    of ``formats`` all count against ``seconds``; whatever runs over the limit or crashes
    ends as that model's error (SL001), and the next model goes on.
    """

    def __init__(
        self,
        rules: Callable[[], RuleSet],
        ruleset: RuleSet,
        selection: Selection,
        max_bytes: int,
        seconds: float,
        formats: tuple[str, ...] = (),
    ) -> None:
        self.rules, self.ruleset, self.selection = rules, ruleset, selection
        self.max_bytes, self.seconds, self.formats = max_bytes, seconds, formats

    def __call__(self, model: str) -> Checked:
        stage = "reading"
        try:
            with deadline(self.seconds):
                facts = guard.read_model(model, self.max_bytes, self.selection.claims_for(model))
                stage = "checking"
                return self._check(facts)
        except TimeLimit:
            message = time_limit_message(stage, self.seconds)
        except (Exception, RecursionError, MemoryError) as exc:
            if os.environ.get("SPECLINT_DEBUG"):
                raise
            message = crash_message("read" if stage == "reading" else "check", exc)
        return self._check(failed_facts(model, message))

    def check(self, facts: Facts, as_path: str | None = None) -> Checked:
        """Rules, grouping and rendering of facts already read, under the time limit; ``as_path``:
        the path whose per-path settings apply (``diff --base`` reads OLD from a temporary copy)."""
        try:
            with deadline(self.seconds):
                return self._check(facts, as_path)
        except TimeLimit:
            message = time_limit_message("checking", self.seconds)
        except (Exception, RecursionError, MemoryError) as exc:
            if os.environ.get("SPECLINT_DEBUG"):
                raise
            message = crash_message("check", exc)
        return self._check(_failed_like(facts, message))

    def _check(self, facts: Facts, as_path: str | None = None) -> Checked:
        profile, select, ignore = self.selection.for_model(as_path or str(facts["path"]))
        result = self.ruleset.check(facts, profile, select, ignore)
        if self.formats and result.findings:
            self._rehearse(result)
        return Checked(result, why_unread(facts))

    def _rehearse(self, result: ModelResult) -> None:
        """Render this model's findings as the report will, inside its time limit: a model whose
        findings would take minutes to print is stopped here, as one that takes minutes to read."""
        from speclint.report import ReportContext, reporter

        context = ReportContext(rules=self.ruleset.rules, version=__version__)
        for name in self.formats:
            reporter(name)([result], context)

    def __reduce__(self) -> tuple[Any, ...]:
        """A worker started without fork loads the rules again (compiled schemas do not pickle)."""
        return (_rebuilt, (self.rules, self.selection, self.max_bytes, self.seconds, self.formats))


def _rebuilt(
    rules: Callable[[], RuleSet], selection: Selection, max_bytes: int, seconds: float, formats: tuple[str, ...]
) -> ModelWork:
    return ModelWork(rules, rules(), selection, max_bytes, seconds, formats)


def _failed_like(facts: Facts, message: str) -> Facts:
    """The facts of a model whose checking failed: its files, and ``message`` as its one error."""
    failed = failed_facts(str(facts["path"]), message)
    failed["files"] = facts.get("files", failed["files"])
    return failed


class Tally:
    """What the exit code depends on, counted as results pass (a streamed run keeps none)."""

    def __init__(self, threshold: int, rank: Callable[[str], int] = severity_rank) -> None:
        self.threshold, self.rank = threshold, rank
        self.models = 0
        self.unread: list[tuple[str, str]] = []  # (model path, why)
        self.failing = False

    def add(self, path: str, unread: str | None, severities: Iterable[str]) -> None:
        self.models += 1
        if unread is not None:
            self.unread.append((path, unread))
        self.failing = self.failing or any(self.rank(s) >= self.threshold for s in severities)

    @property
    def nothing_read(self) -> bool:
        return self.models > 0 and len(self.unread) == self.models

    def exit_code(self, path_errors: bool = False, exit_zero: bool = False, unread_is_error: bool = False) -> int:
        """2 for a wrong PATH (a usage error, whatever else); else 0 with ``exit_zero``; else 2
        when nothing could be read (or, for ``diff``, anything could not); else 1 for an
        unreadable model or a finding at the threshold; else 0."""
        if path_errors:
            return EXIT_ERROR
        if exit_zero:
            return EXIT_CLEAN
        if self.nothing_read or (unread_is_error and self.unread):
            return EXIT_ERROR
        return EXIT_FINDINGS if self.unread or self.failing else EXIT_CLEAN


class Pipeline:
    """One run: settings merged, rules loaded and checked, models found; nothing read yet."""

    def __init__(self, settings: Settings, rules: Callable[[], RuleSet] | None = None) -> None:
        self.settings = settings
        self._rules = rules or functools.partial(RuleSet, settings.rules, language=settings.language)
        self._work: ModelWork | None = None
        self.discovery = Discovery()
        self.tally = Tally(severity_rank(settings.fail_level))

    @classmethod
    def prepare(cls, overrides: Overrides, paths: list[str] | None = None, checking: bool = True) -> Pipeline:
        """Settings merged and checked, then (when ``checking``) the rules loaded and every selector
        known, then ``paths`` discovered. Raises ``SpeclintError`` for a bad setting, before
        anything is read; ``checking=False`` for a run that only reads (``show``, ``read``)."""
        pipeline = cls(merge(overrides, list(paths or [])))
        if checking:
            require_known(pipeline.settings.selection.profile)
            for codes, where in pipeline.settings.selectors:
                pipeline.ruleset.require_known_selectors(codes, where)
        if paths is not None:
            pipeline.discovery = pipeline.discover(paths)
            count = len(pipeline.discovery.models)
            for entry in pipeline.settings.selection.unmatched(pipeline.discovery.models) if count else []:
                pipeline.settings.notes.append(
                    f"{pipeline.settings.config_source}: per-path pattern {entry.pattern!r} matches no model of the "
                    f"{count} found (patterns are relative to the config file's directory)"
                )
            if pipeline.settings.selection.claims and count > 1:
                raise SpeclintError(
                    f"{overrides.words.of('claims')} documents one model, but the PATHs hold {count}; "
                    "use per-path claims instead"
                )
        return pipeline

    @property
    def work(self) -> ModelWork:
        """One model's whole work; the rules are loaded the first time it is needed."""
        if self._work is None:
            settings = self.settings
            ruleset = self._rules()
            self._work = ModelWork(self._rules, ruleset, settings.selection, settings.max_bytes, settings.seconds)
        return self._work

    @property
    def ruleset(self) -> RuleSet:
        return self.work.ruleset

    @property
    def models(self) -> list[str]:
        return self.discovery.models

    def discover(self, paths: list[str]) -> Discovery:
        """Model directories under ``paths``, skipping what the settings exclude (and ``.gitignore``)."""
        return discover(paths, self.settings.exclusion)

    def read(self, model: str) -> Facts:
        """One model's facts, under the time limit; a timeout or a crash is its error entry."""
        settings = self.settings
        return guard.read_model_guarded(model, settings.max_bytes, settings.seconds, settings.selection.claims_for)

    def check(self, facts: Facts) -> Checked:
        """One model's verdict under the time limit, counted for the exit code."""
        checked = self.work.check(facts)
        self.count(checked)
        return checked

    def count(self, checked: Checked) -> None:
        findings = ((f.code, f.severity) for f in checked.result.findings)
        severities = gating_severities(findings, self.settings.fail_on_not_applicable)  # SL002 fails only when asked
        self.tally.add(checked.result.path, checked.unread, severities)

    def recount(self, checked: Iterable[Checked]) -> None:
        """Count again after findings were dropped (``--baseline``): the exit code follows the report."""
        self.tally = Tally(self.tally.threshold, self.tally.rank)
        for item in checked:
            self.count(item)

    def facts(self) -> Iterator[Facts]:
        """Every discovered model's facts, in order, one at a time (``speclint show``)."""
        for model in self.models:
            yield self.read(model)

    def results(
        self,
        *,
        execute: bool = False,
        executor: str | Executor = "local",
        options: ExecuteOptions | None = None,
        skip: frozenset[str] = frozenset(),
        advance: Callable[[], None] | None = None,
        models: list[str] | None = None,
    ) -> Iterator[Checked]:
        """Each model's verdict as soon as it is known (not sorted); ``skip``: paths already done;
        ``models``: these model directories instead of the discovered ones.

        Without execution each model is read and checked in one go, in ``--jobs`` workers, and
        its facts are dropped once checked: memory stays flat however many models there are.
        """
        models = [m for m in (self.models if models is None else models) if m not in skip]
        settings = self.settings
        if not execute:
            for index, value in run_models(self.work, models, settings.jobs, settings.memory_budget, advance):
                checked = (
                    value
                    if not isinstance(value, WorkerDied)
                    else self.work.check(failed_facts(models[index], value.message))
                )
                self.count(checked)
                yield checked
            return
        chosen = make_executor(executor) if isinstance(executor, str) else executor
        if chosen.name == "local":
            from speclint.execute import require_tensorflow

            require_tensorflow()  # before reading anything
        facts_list: list[Facts | None] = list(self.read_all(models, advance))
        yield from self.execute_and_check(facts_list, options, chosen)

    def read_all(self, models: list[str], advance: Callable[[], None] | None = None) -> list[Facts]:
        """Facts in the order of ``models``, read in ``--jobs`` workers within the memory budget."""
        settings = self.settings
        read = functools.partial(
            guard.read_model_guarded,
            max_bytes=settings.max_bytes,
            seconds=settings.seconds,
            claims=settings.selection.claims_for,
        )
        found = dict(run_models(read, models, settings.jobs, settings.memory_budget, advance))
        return [
            failed_facts(models[i], found[i].message) if isinstance(found[i], WorkerDied) else found[i]
            for i in range(len(models))
        ]

    def execute_and_check(
        self, facts_list: list[Facts | None], options: ExecuteOptions | None, executor: Executor
    ) -> Iterator[Checked]:
        """Probes for each model (``speclint.execute``), then its verdict, as each finishes."""
        from speclint.execute import iter_execute

        for index in iter_execute(facts_list, options, executor):  # type: ignore[arg-type]
            facts = facts_list[index]
            facts_list[index] = None  # a long audit keeps only the models still running
            assert facts is not None
            yield self.check(facts)

    def execute(
        self, facts_list: list[Facts], options: ExecuteOptions | None, executor: Executor | None = None
    ) -> None:
        """Probes added to each facts document in place (``speclint fix``'s proof)."""
        from speclint.execute import execute

        execute(facts_list, options, executor)

    def exit_code(self, unread_is_error: bool = False) -> int:
        """The run's exit code from what has passed through ``check``/``results`` so far."""
        return self.tally.exit_code(bool(self.discovery.errors), self.settings.exit_zero, unread_is_error)


def make_executor(name: str, **settings: Any) -> Executor:
    from speclint.execute.executors import make_executor as make

    return make(name, **settings)
