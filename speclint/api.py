"""The Python API: what the command line does, callable from a notebook, a Ray job or a pipeline.

::

    import speclint

    facts = speclint.read("models/resnet")              # the facts document (plain JSON)
    report = speclint.lint(["models/"], profile="auto", select="SL1")
    print(report.render("text"))
    open("report.json", "w").write(report.to_json())  # the bytes of `speclint --format json`
    report = speclint.lint(["models/"], execute=True, executor="ray")   # probes on a Ray cluster

``lint`` reads ``[tool.speclint]`` from the nearest ``pyproject.toml`` like the command line
does (``config=False`` to ignore it); keyword arguments win over the file. ``iter_lint``
yields each model's result as soon as it is known, which is what ``--format jsonl`` streams.
Both run ``speclint.pipeline`` exactly as the command line does: the same settings merge, the
same discovery, the same per-model time limit, the same exit code.

A bad argument raises ``TypeError`` (a wrong type) or ``speclint.SpeclintError`` (a wrong
value, a path that holds no model), with a one-line message naming the keyword; a bad
*model* is a finding.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from speclint.errors import SpeclintError
from speclint.version import __version__

if TYPE_CHECKING:
    from speclint.execute.executors import Executor
    from speclint.execute.options import ExecuteOptions
    from speclint.pipeline import Pipeline
    from speclint.rules.rule import Rule
    from speclint.rules.ruleset import ModelResult

Facts = dict[str, Any]  # the facts document: plain JSON, described by schemas/facts.schema.json
PathLike = str | os.PathLike[str]

__all__ = ["Facts", "Report", "SpeclintError", "iter_lint", "lint", "read"]


class Report:
    """The verdicts of one run, sorted by model path, and what is needed to render them."""

    def __init__(
        self,
        results: list[ModelResult],
        rules: dict[str, Rule],
        version: str = __version__,
        fail_level: str = "warning",
        unread: Iterable[tuple[str, str]] = (),
        fail_on_not_applicable: bool = False,
    ) -> None:
        self.results = sorted(results, key=lambda r: r.path)
        self.rules = rules
        self.version = version
        self.fail_level = fail_level
        self.unread = tuple(sorted(unread))  # (model path, why) of each model that could not be read
        self.fail_on_not_applicable = fail_on_not_applicable  # a model that takes no images (SL002) fails

    def render(self, format: str = "text") -> str:
        """The report in one of the ``--format`` names (text, json, jsonl, html, github, sarif)."""
        from speclint.report import MODULES, reporter

        if format not in MODULES:
            raise SpeclintError(f"unknown report format {format!r} (choose from: {', '.join(MODULES)})")
        return reporter(format)(self.results, self._context())

    def to_json(self) -> str:
        """Exactly what ``speclint --format json`` writes (``schemas/report.schema.json``)."""
        return self.render("json")

    def to_dict(self) -> dict[str, Any]:
        """``to_json`` as Python objects."""
        from speclint.report.json_report import document

        return document(self.results, self._context())

    def _context(self) -> Any:
        from speclint.report import ReportContext

        return ReportContext(
            rules=self.rules,
            version=self.version,
            unread=self.unread,
            fail_not_applicable=self.fail_on_not_applicable,
        )

    @property
    def nothing_read(self) -> bool:
        """Not one model could be read at all: the command line would exit 2."""
        return bool(self.results) and len(self.unread) == len(self.results)

    @property
    def failed(self) -> bool:
        """A finding at or above ``fail_level`` (a not-applicable model only with
        ``fail_on_not_applicable``): the command line would exit 1."""
        from speclint.severity import severity_rank

        threshold = severity_rank(self.fail_level)
        return any(severity_rank(s) >= threshold for r in self.results for s in self._severities(r))

    def _severities(self, result: ModelResult) -> Iterator[str]:
        from speclint.rules.ruleset import gating_severities

        findings = ((f.code, f.severity) for f in result.findings)
        return gating_severities(findings, self.fail_on_not_applicable)

    def exit_code(self) -> int:
        """0, 1 or 2, as the command line would choose it for these results (without --exit-zero)."""
        from speclint.pipeline import Tally
        from speclint.severity import severity_rank

        tally = Tally(severity_rank(self.fail_level))
        why = dict(self.unread)
        for result in self.results:
            tally.add(result.path, why.get(result.path), self._severities(result))
        return tally.exit_code()

    def __repr__(self) -> str:
        findings = sum(len(r.findings) for r in self.results)
        unread = f", {len(self.unread)} unreadable" if self.unread else ""
        return f"<speclint.Report: {len(self.results)} models, {findings} findings{unread}>"


def read(
    path: PathLike,
    *,
    max_file_size: int | None = None,
    read_timeout: float | None = None,
    claims: PathLike | None = None,
) -> Facts:
    """The facts document of one model: its directory, a file inside it, or its published archive.
    ``claims``: its documentation kept elsewhere (tfhub.dev Markdown, model-instance-metadata.json).
    Never TensorFlow.

    Read as every command reads: under the per-model time limit, a timeout or a reader crash
    being an error entry of the facts (``facts["errors"]``), never an exception.
    """
    from speclint.pipeline import Pipeline
    from speclint.settings import API_WORDS, Overrides

    (shown,) = _paths(path)
    overrides = Overrides(
        use_config=False,
        max_file_size=max_file_size,
        read_timeout=read_timeout,
        claims=os.fspath(claims) if claims is not None else None,
        words=API_WORDS,
    )
    pipeline = Pipeline.prepare(overrides, [shown], checking=False)
    if pipeline.discovery.errors:
        raise SpeclintError(pipeline.discovery.errors[0])
    if len(pipeline.models) != 1:
        raise SpeclintError(f"{shown}: holds {len(pipeline.models)} models; read() takes one (see lint())")
    return pipeline.read(pipeline.models[0])


def lint(
    paths: PathLike | Iterable[PathLike],
    *,
    profile: str | None = None,
    select: str | Iterable[str] | None = None,
    ignore: str | Iterable[str] | None = None,
    fail_level: str | None = None,
    rules: str | Iterable[str] | None = None,
    config: PathLike | bool | None = None,
    execute: bool = False,
    executor: str | Executor = "local",
    execute_options: ExecuteOptions | None = None,
    jobs: int = 1,
    max_file_size: int | None = None,
    read_timeout: float | None = None,
    memory_budget_mb: int | None = None,
    exclude: str | Iterable[str] | None = None,
    extend_exclude: str | Iterable[str] | None = None,
    fail_on_not_applicable: bool | None = None,
) -> Report:
    """Lint models (directories, trees, or files inside a model) and return the sorted report.

    ``select``/``ignore`` take codes or prefixes, as a list or one comma-separated string.
    ``executor`` is ``"local"`` (a worker process here), ``"ray"`` (a local Ray instance, or
    the cluster named by ``RAY_ADDRESS``) or an ``Executor`` object such as
    ``make_executor("ray", address=...)``. Raises ``SpeclintError`` when a path holds no
    model or a setting is wrong, ``TypeError`` for an argument of the wrong type.
    ``fail_on_not_applicable``: a model that takes no images (SL002) fails the report (default:
    the config file's ``fail-on-not-applicable``, else false).
    """
    pipeline = _prepare(paths, locals())
    checked = list(pipeline.results(execute=_flag(execute, "execute"), executor=executor, options=execute_options))
    results = [item.result for item in checked]
    unread = [(item.result.path, item.unread) for item in checked if item.unread is not None]
    settings = pipeline.settings
    return Report(
        results, pipeline.ruleset.rules, __version__, settings.fail_level, unread, settings.fail_on_not_applicable
    )


def iter_lint(paths: PathLike | Iterable[PathLike], **kwargs: Any) -> Iterator[ModelResult]:
    """``lint``'s results one model at a time, as each is known (completion order, not sorted).

    Takes ``lint``'s keyword arguments; the settings are checked before the first result.
    """
    unknown = sorted(set(kwargs) - set(_LINT_KEYWORDS))
    if unknown:
        raise TypeError(f"iter_lint() got an unexpected keyword argument {unknown[0]!r}")
    pipeline = _prepare(paths, kwargs)
    execute = _flag(kwargs.get("execute", False), "execute")
    stream = pipeline.results(
        execute=execute, executor=kwargs.get("executor", "local"), options=kwargs.get("execute_options")
    )
    return (item.result for item in stream)


_LINT_KEYWORDS = (
    "profile",
    "select",
    "ignore",
    "fail_level",
    "rules",
    "config",
    "execute",
    "executor",
    "execute_options",
    "jobs",
    "max_file_size",
    "read_timeout",
    "memory_budget_mb",
    "exclude",
    "extend_exclude",
    "fail_on_not_applicable",
)


def _prepare(paths: PathLike | Iterable[PathLike], given: dict[str, Any]) -> Pipeline:
    """The pipeline of one ``lint``: keyword arguments as ``Overrides``, every one checked."""
    from speclint.pipeline import Pipeline
    from speclint.settings import API_WORDS, Overrides

    path_list = _paths(paths)
    config = given.get("config")
    if config is not None and not isinstance(config, (bool, str, os.PathLike)):
        raise TypeError(f"config must be a path, True or False, not {type(config).__name__}")
    overrides = Overrides(
        config=os.fspath(config) if isinstance(config, (str, os.PathLike)) else None,
        use_config=config is not False,
        profile=given.get("profile"),
        select=_codes(given.get("select"), "select"),
        ignore=_codes(given.get("ignore"), "ignore"),
        fail_level=_optional_string(given.get("fail_level"), "fail_level"),
        rules=_codes(given.get("rules"), "rules"),
        max_file_size=given.get("max_file_size"),
        read_timeout=given.get("read_timeout"),
        exclude=_codes(given.get("exclude"), "exclude"),
        extend_exclude=_codes(given.get("extend_exclude"), "extend_exclude"),
        jobs=given.get("jobs", 1),
        memory_budget_mb=given.get("memory_budget_mb"),
        fail_on_not_applicable=_optional_flag(given.get("fail_on_not_applicable"), "fail_on_not_applicable"),
        words=API_WORDS,
    )
    pipeline = Pipeline.prepare(overrides, path_list)
    if pipeline.settings.notes:  # a value capped (jobs above the CPU count): said, as the CLI says it
        import warnings

        for note in pipeline.settings.notes:
            warnings.warn(note, RuntimeWarning, stacklevel=3)
    if pipeline.discovery.errors:
        raise SpeclintError(pipeline.discovery.errors[0])
    return pipeline


def _paths(paths: object) -> list[str]:
    """One path or several, as the command line takes them; never none."""
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    if isinstance(paths, (bytes, dict)) or not isinstance(paths, Iterable):
        raise TypeError(f"paths must be a path or a list of paths, not {type(paths).__name__}")
    found = []
    for path in paths:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"paths must be a path or a list of paths, not a list holding {type(path).__name__}")
        found.append(os.fspath(path))
    if not found:
        raise SpeclintError("no path given: lint() takes a model directory, a tree of models, or a list of them")
    return found


def _codes(value: object, word: str) -> list[str] | None:
    """A list of codes (or directories), or one comma-separated string of them."""
    if value is None:
        return None
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, (bytes, dict)) or not isinstance(value, Iterable):
        raise TypeError(f"{word} must be a string or a list of strings, not {type(value).__name__}")
    items = list(value)
    if not all(isinstance(item, (str, os.PathLike)) for item in items):
        raise TypeError(f"{word} must be a string or a list of strings")
    return [os.fspath(item) for item in items]


def _optional_string(value: object, word: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{word} must be a string, not {type(value).__name__}")
    return value


def _flag(value: object, word: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{word} must be True or False, not {type(value).__name__}")
    return value


def _optional_flag(value: object, word: str) -> bool | None:
    return None if value is None else _flag(value, word)
