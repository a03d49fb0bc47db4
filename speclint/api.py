"""The Python API: what the command line does, callable from a notebook, a Ray job or a pipeline.

::

    import speclint

    facts = speclint.read("models/resnet")              # the facts document (plain JSON)
    report = speclint.lint(["models/"], profile="auto", select=["SL1"])
    print(report.render("text"))
    open("report.json", "w").write(report.to_json())  # the bytes of `speclint --format json`
    report = speclint.lint(["models/"], execute=True, executor="ray")   # probes on a Ray cluster

``lint`` reads ``[tool.speclint]`` from the nearest ``pyproject.toml`` like the command line
does (``config=False`` to ignore it); keyword arguments win over the file. ``iter_lint``
yields each model's result as soon as it is known, which is what ``--format jsonl`` streams.
Bad input raises ``SpeclintError`` with a one-line message; a bad *model* is a finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from speclint.errors import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, SpeclintError

if TYPE_CHECKING:
    import argparse

    from speclint.config import Config
    from speclint.execute.executors import Executor
    from speclint.execute.options import ExecuteOptions
    from speclint.rules.model import Rule
    from speclint.rules.ruleset import ModelResult, RuleSet

Facts = dict[str, Any]  # the facts document: plain JSON, described by schemas/facts.schema.json
PathLike = str | os.PathLike[str]

__all__ = ["Facts", "Report", "iter_lint", "lint", "read"]


class Report:
    """The verdicts of one run, sorted by model path, and what is needed to render them."""

    def __init__(
        self,
        results: list[ModelResult],
        rules: dict[str, Rule],
        version: str,
        fail_level: str = "warning",
        nothing_read: bool = False,
    ) -> None:
        self.results = sorted(results, key=lambda r: r.path)
        self.rules = rules
        self.version = version
        self.fail_level = fail_level
        self.nothing_read = nothing_read  # not one model could be read at all: exit 2

    def render(self, format: str = "text") -> str:
        """The report in one of the ``--format`` names (text, json, jsonl, html, github, sarif)."""
        from speclint.report import MODULES, ReportContext, reporter

        if format not in MODULES:
            raise SpeclintError(f"unknown report format {format!r} (choose from: {', '.join(MODULES)})")
        return reporter(format)(self.results, ReportContext(rules=self.rules, version=self.version))

    def to_json(self) -> str:
        """Exactly what ``speclint --format json`` writes (``schemas/report.schema.json``)."""
        return self.render("json")

    def to_dict(self) -> dict[str, Any]:
        """``to_json`` as Python objects."""
        from speclint.report import ReportContext
        from speclint.report.json_report import document

        return document(self.results, ReportContext(rules=self.rules, version=self.version))

    @property
    def failed(self) -> bool:
        """A finding at or above ``fail_level``: the command line would exit 1."""
        from speclint.rules.model import severity_rank

        threshold = severity_rank(self.fail_level)
        return any(severity_rank(f.severity) >= threshold for r in self.results for f in r.findings)

    def exit_code(self) -> int:
        """0, 1 or 2, as the command line would choose it for these results (ignoring --exit-zero)."""
        if self.nothing_read:
            return EXIT_ERROR
        return EXIT_FINDINGS if self.failed else EXIT_CLEAN

    def __repr__(self) -> str:
        findings = sum(len(r.findings) for r in self.results)
        return f"<speclint.Report: {len(self.results)} models, {findings} findings>"


def read(path: PathLike, *, max_file_size: int | None = None, claims: PathLike | None = None) -> Facts:
    """The facts document of one model: its directory, a file inside it, or its published archive.
    ``claims``: its documentation kept elsewhere (tfhub.dev Markdown, model-instance-metadata.json).
    Never TensorFlow."""
    from speclint.discover import discover
    from speclint.read import read_model
    from speclint.read.loading import DEFAULT_MAX_BYTES

    found = discover([os.fspath(path)])
    if found.errors:
        raise SpeclintError(found.errors[0])
    if len(found.models) != 1:
        raise SpeclintError(f"{os.fspath(path)}: holds {len(found.models)} models; read() takes one (see lint())")
    named = None
    if claims is not None:
        from speclint.check import require_claims_file

        named = require_claims_file(os.fspath(claims))
    facts: Facts = read_model(found.models[0], max_file_size or DEFAULT_MAX_BYTES, named)
    return facts


def lint(
    paths: PathLike | Iterable[PathLike],
    *,
    profile: str | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    fail_level: str | None = None,
    rules: list[str] | None = None,
    config: PathLike | bool | None = None,
    execute: bool = False,
    executor: str | Executor = "local",
    execute_options: ExecuteOptions | None = None,
    jobs: int = 1,
    max_file_size: int | None = None,
) -> Report:
    """Lint models (directories, trees, or files inside a model) and return the sorted report.

    ``executor`` is ``"local"`` (a worker process here), ``"ray"`` (a local Ray instance,
    or the cluster named by ``RAY_ADDRESS``) or an ``Executor`` object such as
    ``make_executor("ray", address=...)``. Raises ``SpeclintError`` when no PATH names a model.
    """
    run = Run.prepare(
        paths,
        profile=profile,
        select=select,
        ignore=ignore,
        fail_level=fail_level,
        rules=rules,
        config=config,
        max_file_size=max_file_size,
    )
    if run.errors:
        raise SpeclintError(run.errors[0])
    results = list(run.results(execute=execute, executor=executor, execute_options=execute_options, jobs=jobs))
    return run.report(results)


def iter_lint(paths: PathLike | Iterable[PathLike], **kwargs: Any) -> Iterator[ModelResult]:
    """``lint``'s results one model at a time, as each is known (completion order, not sorted)."""
    run_kwargs = {k: kwargs.pop(k) for k in ("execute", "executor", "execute_options", "jobs") if k in kwargs}
    run = Run.prepare(paths, **kwargs)
    if run.errors:
        raise SpeclintError(run.errors[0])
    yield from run.results(**run_kwargs)


class Run:
    """One lint run: settings, rules and models decided, nothing read yet."""

    def __init__(self, config: Config, ruleset: RuleSet, models: list[str], errors: list[str]) -> None:
        self.config = config
        self.ruleset = ruleset
        self.models = models
        self.errors = errors
        self.read_any = False  # some model had a readable MetaGraph

    @classmethod
    def prepare(
        cls,
        paths: PathLike | Iterable[PathLike],
        *,
        profile: str | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_level: str | None = None,
        rules: list[str] | None = None,
        config: PathLike | bool | None = None,
        max_file_size: int | None = None,
    ) -> Run:
        from speclint.config import Config, load_config

        path_list = [os.fspath(paths)] if isinstance(paths, (str, os.PathLike)) else [os.fspath(p) for p in paths]
        if config is False:
            settings = Config()
        else:
            explicit = None if config in (None, True) else os.fspath(config)  # type: ignore[arg-type]
            settings = load_config(explicit, start=path_list[0] if path_list else ".")
        if profile:
            settings.profile = profile
            settings.per_path = [p for p in settings.per_path if p.profile is None]
        if select:
            settings.select = list(select)
        if ignore:
            settings.ignore = settings.ignore + list(ignore)
        if fail_level:
            settings.fail_level = fail_level
        if max_file_size:
            settings.max_file_size = max_file_size
        settings.rules = settings.rules + list(rules or [])
        return cls.from_config(settings, path_list, select, ignore)

    @classmethod
    def from_config(
        cls, settings: Config, paths: list[str], select: list[str] | None = None, ignore: list[str] | None = None
    ) -> Run:
        """A run over ``paths`` with settings already merged, checked as the command line checks them:
        unknown codes are an error, the tree walk skips what the config excludes."""
        import argparse

        from speclint.check import exclusion_from, require_known_selectors
        from speclint.discover import discover
        from speclint.rules.language import requested_language
        from speclint.rules.profiles import require_known
        from speclint.rules.ruleset import RuleSet

        ruleset = RuleSet(settings.rules, language=requested_language(None))
        require_known(settings.profile)
        require_known_selectors(ruleset, settings, argparse.Namespace(select=select, ignore=ignore))
        found = discover(paths, exclusion_from(settings, argparse.Namespace()))
        return cls(settings, ruleset, found.models, found.errors)

    def report(self, results: list[ModelResult]) -> Report:
        from speclint import __version__

        return Report(results, self.ruleset.rules, __version__, self.config.fail_level, not self.read_any)

    def results(
        self,
        *,
        execute: bool = False,
        executor: str | Executor = "local",
        execute_options: ExecuteOptions | None = None,
        jobs: int = 1,
        skip: frozenset[str] = frozenset(),
    ) -> Iterator[ModelResult]:
        """Each model's result as soon as it is known; ``skip``: model paths already done (``--resume``)."""
        from speclint.check import _read_all
        from speclint.read.guard import DEFAULT_READ_SECONDS, read_model_guarded
        from speclint.read.loading import DEFAULT_MAX_BYTES

        max_bytes = self.config.max_file_size or DEFAULT_MAX_BYTES
        seconds = self.config.read_timeout or DEFAULT_READ_SECONDS
        models = [m for m in self.models if m not in skip]
        if not execute:  # read as check reads: a hang or a reader crash is that model's SL001
            claims = self.config.claims_for
            if jobs > 1:
                yield from (self.check(f) for f in _read_all(models, max_bytes, jobs, seconds=seconds, claims=claims))
            else:
                yield from (self.check(read_model_guarded(model, max_bytes, seconds, claims)) for model in models)
            return
        from speclint.execute import iter_execute

        facts_list: list[Facts | None] = list(
            _read_all(models, max_bytes, jobs, seconds=seconds, claims=self.config.claims_for)
        )
        chosen = executor if not isinstance(executor, str) else _make_executor(executor)
        for index in iter_execute(facts_list, execute_options, chosen):  # type: ignore[arg-type]
            facts = facts_list[index]
            facts_list[index] = None  # a long audit keeps only the models still running
            assert facts is not None
            yield self.check(facts)

    def check(self, facts: Facts) -> ModelResult:
        self.read_any = self.read_any or bool(facts["meta_graphs"])
        profile, select, ignore = self.config.for_model(str(facts["path"]))
        return self.ruleset.check(facts, profile, select, ignore)


def _make_executor(name: str, **settings: Any) -> Executor:
    from speclint.execute.executors import make_executor

    return make_executor(name, **settings)


def executor_from_args(args: argparse.Namespace) -> Executor:
    """The executor the command line asked for (``--executor``, ``--ray-address``)."""
    name = getattr(args, "executor", None) or "local"
    settings: dict[str, Any] = {}
    if getattr(args, "ray_address", None):
        if name != "ray":
            raise SpeclintError("--ray-address needs --executor ray")
        settings["address"] = args.ray_address
    return _make_executor(name, **settings)


def execute_options_from_args(args: argparse.Namespace) -> ExecuteOptions:
    """``--device``, ``--allow-unsafe``, ``--probe-timeout`` and ``--memory-limit`` as ``ExecuteOptions``."""
    from speclint.execute.options import ExecuteOptions

    settings: dict[str, Any] = {"device": args.device, "allow_unsafe": args.allow_unsafe}
    if args.probe_timeout:
        settings["timeout_s"] = args.probe_timeout
    if args.memory_limit:
        settings["memory_limit_mb"] = args.memory_limit
    return ExecuteOptions(**settings)
