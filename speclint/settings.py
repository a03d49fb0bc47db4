"""The settings of one run: ``[tool.speclint]`` with an entry point's overrides on top, merged once.

Every entry point (the commands, the Python API) says what its user set as ``Overrides``, a
typed record in which ``None`` means "not set here"; ``merge`` reads the config file, applies
the overrides (the entry point wins), checks every value and gives ``Settings``. Errors name the
option as the user wrote it: ``--jobs`` on the command line, ``jobs`` in the API (``Words``).

No ``from __future__ import annotations`` here: a NamedTuple with string annotations compiles
each one at import (about 3 ms of every ``speclint PATH`` for these three).
"""

import fnmatch
import os
from typing import NamedTuple

from speclint.config import Config, PerPath, load_config
from speclint.discover import Exclusion, anchor
from speclint.errors import SpeclintError
from speclint.severity import SEVERITIES

MB = 1 << 20
DEFAULT_READ_SECONDS = 120.0  # per model, for its whole work; --read-timeout


class Words:
    """How an entry point's user names each setting, for error messages: ``--read-timeout`` on
    the command line, ``read_timeout`` in the API (a plain class: start-up pays for every
    NamedTuple defined)."""

    __slots__ = ("cli",)

    def __init__(self, cli: bool) -> None:
        self.cli = cli

    def of(self, field: str) -> str:
        if self.cli:
            return "--" + field.replace("_", "-")
        return "memory_budget_mb" if field == "memory_budget" else field


CLI_WORDS = Words(cli=True)
API_WORDS = Words(cli=False)


class Overrides(NamedTuple):
    """What an entry point sets on top of the config file; ``None`` (or empty) leaves it to the file."""

    config: str | None = None  # an explicit pyproject.toml / speclint.toml
    use_config: bool = True  # False: ignore every config file (the API's ``config=False``)
    config_start: str | None = None  # where the walk for pyproject.toml starts (default: the first PATH)
    profile: str | None = None
    select: list[str] | None = None
    ignore: list[str] | None = None  # added to the file's
    fail_level: str | None = None
    rules: list[str] | None = None  # rule packs added to the file's
    format: str | None = None
    report_file: bool = False  # the report goes to a file (-o): never GitHub workflow commands by default
    max_file_size: int | None = None
    read_timeout: float | None = None
    exclude: list[str] | None = None  # replaces the file's (and the default) list
    extend_exclude: list[str] | None = None
    jobs: int | None = None  # None: one per core
    memory_budget_mb: int | None = None  # None: half the machine's memory
    exit_zero: bool = False
    fail_on_not_applicable: bool | None = None  # None: the file's (default false)
    language: str | None = None
    claims: str | None = None  # --claims: one model's documentation, kept outside it
    words: Words = CLI_WORDS


class Selection(NamedTuple):
    """Which rules each model is held to: small and picklable, it travels to the worker processes."""

    profile: str
    select: list[str]
    ignore: list[str]
    per_path: list[PerPath]
    root: str  # what per-path patterns are relative to
    claims: str | None = None  # --claims: the documentation of the one model checked

    def for_model(self, model_path: str) -> tuple[str, list[str], list[str]]:
        """Profile, select and ignore for one model, the last matching per-path entry winning."""
        profile, select, ignore = self.profile, list(self.select), list(self.ignore)
        relative = os.path.relpath(os.path.abspath(model_path), self.root).replace(os.sep, "/")
        for entry in self.per_path:
            if fnmatch.fnmatch(relative, entry.pattern) or fnmatch.fnmatch(relative + "/", entry.pattern):
                profile = entry.profile or profile
                select = entry.select or select
                ignore = ignore + entry.ignore
        return profile, select, ignore

    def unmatched(self, models: list[str]) -> list[PerPath]:
        """The ``per-path`` entries whose pattern matches none of ``models``: a typo, or a stale entry."""
        relatives = [os.path.relpath(os.path.abspath(m), self.root).replace(os.sep, "/") for m in models]
        return [
            entry
            for entry in self.per_path
            if not any(fnmatch.fnmatch(r, entry.pattern) or fnmatch.fnmatch(r + "/", entry.pattern) for r in relatives)
        ]

    def claims_for(self, model_path: str) -> str | None:
        """The documentation file read as the model's claims beside its own: ``--claims``, else the
        last matching ``per-path`` entry with ``claims`` (read.claims)."""
        if self.claims:
            return self.claims
        relative = os.path.relpath(os.path.abspath(model_path), self.root).replace(os.sep, "/")
        named = None
        for entry in self.per_path:
            if entry.claims and any(fnmatch.fnmatch(r, entry.pattern) for r in (relative, relative + "/")):
                named = entry.claims
        return named


class Settings(NamedTuple):
    """Everything one run needs to know, merged and checked."""

    selection: Selection
    fail_level: str
    rules: list[str]  # rule pack directories
    format: str
    max_bytes: int
    seconds: float  # the time limit of one model's whole work
    exclusion: Exclusion
    jobs: int
    memory_budget: int  # bytes
    exit_zero: bool
    fail_on_not_applicable: bool  # a model that takes no images (SL002) fails the run
    language: str
    words: Words
    selectors: list[tuple[list[str], str]]  # (codes, where they came from), checked once the rules are loaded
    notes: list[str]  # warnings for the user (a value capped)
    config_source: str | None


def merge(overrides: Overrides, paths: list[str]) -> Settings:
    """The config file's settings with ``overrides`` on top, every value checked."""
    words = overrides.words
    start = overrides.config_start or (paths[0] if paths else ".")
    config = load_config(overrides.config, start=start) if overrides.use_config else Config()
    where = config.where
    profile, per_path = config.profile, config.per_path
    if overrides.profile:
        profile = _string(overrides.profile, words.of("profile"))
        per_path = [p for p in per_path if p.profile is None]  # an explicit profile applies everywhere
    select = list(overrides.select) if overrides.select else list(config.select)
    cli_ignore = list(overrides.ignore or [])
    claims = _claims_file(overrides.claims, words.of("claims")) if overrides.claims else None
    selection = Selection(profile, select, config.ignore + cli_ignore, per_path, config.root, claims)
    selectors = [
        (select, words.of("select") if overrides.select else f"{where} select"),
        (cli_ignore, words.of("ignore")),
        (config.ignore, f"{where} ignore"),
    ]
    for index, entry in enumerate(per_path):
        selectors.append((entry.select or [], f"{where} per-path[{index}] select"))
        selectors.append((entry.ignore, f"{where} per-path[{index}] ignore"))
    fail_level = overrides.fail_level or config.fail_level
    if fail_level not in SEVERITIES:
        raise SpeclintError(f"{words.of('fail_level')} must be one of {', '.join(SEVERITIES)}, not {fail_level!r}")
    notes: list[str] = list(config.notes)
    jobs = default_jobs() if overrides.jobs is None else _positive_int(overrides.jobs, words.of("jobs"))
    cores = default_jobs()
    if jobs > cores:
        notes.append(f"{words.of('jobs')} {jobs} is more than the {cores} CPUs this process may use; using {cores}")
        jobs = cores
    budget = (
        default_memory_budget()
        if overrides.memory_budget_mb is None
        else _positive_int(overrides.memory_budget_mb, words.of("memory_budget")) * MB
    )
    max_bytes = overrides.max_file_size or config.max_file_size
    if overrides.max_file_size is not None:
        max_bytes = _positive_int(overrides.max_file_size, words.of("max_file_size"))
    seconds = config.read_timeout or DEFAULT_READ_SECONDS
    if overrides.read_timeout is not None:
        seconds = _positive_number(overrides.read_timeout, words.of("read_timeout"))
    return Settings(
        selection=selection,
        fail_level=fail_level,
        rules=config.rules + list(overrides.rules or []),
        format=overrides.format or config.format or default_format(to_file=overrides.report_file),
        max_bytes=max_bytes or _default_max_bytes(),
        seconds=seconds,
        exclusion=_exclusion(config, overrides),
        jobs=jobs,
        memory_budget=budget,
        exit_zero=overrides.exit_zero,
        fail_on_not_applicable=(
            config.fail_on_not_applicable
            if overrides.fail_on_not_applicable is None
            else overrides.fail_on_not_applicable
        ),
        language=_language(overrides.language, config.lang, f"{where} lang"),
        words=words,
        selectors=selectors,
        notes=notes,
        config_source=config.source,
    )


def default_format(to_file: bool = False) -> str:
    """GitHub annotations on a GitHub Actions log, text everywhere else: in a file (``-o``) a
    workflow command is only noise, since GitHub reads them from the log alone."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" and not to_file else "text"


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


def _default_max_bytes() -> int:
    from speclint.read.loading import DEFAULT_MAX_BYTES  # the reader's own cap (1 GiB)

    return DEFAULT_MAX_BYTES


def _exclusion(config: Config, overrides: Overrides) -> Exclusion:
    """Directories a tree walk skips: the file's patterns, the entry point's replacing or extending them."""
    exclude = anchor(overrides.exclude, ".") if overrides.exclude else config.exclude
    extend = config.extend_exclude + anchor(overrides.extend_exclude or [], ".")
    return Exclusion(exclude, extend, config.respect_gitignore)


def _language(requested: str | None, configured: str | None = None, where: str = "") -> str:
    """``--lang``, else the config file's ``lang``, else the environment's."""
    from speclint.rules.language import requested_language

    if requested is None and configured is not None:
        try:
            return requested_language(configured)
        except SpeclintError as exc:
            raise SpeclintError(f"{where}: {str(exc).removeprefix('--lang: ')}") from None
    return requested_language(requested)


def _string(value: object, word: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{word} must be a string, not {type(value).__name__}")
    return value


def _claims_file(value: object, word: str) -> str:
    """``--claims FILE`` names a file that exists: a typo must not read as "no claims"."""
    path = os.fspath(value) if isinstance(value, (str, os.PathLike)) else _string(value, word)
    if not os.path.isfile(path):
        raise SpeclintError(f"{word} {path}: no such file")
    return path


def _positive_int(value: object, word: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{word} must be an integer, not {type(value).__name__}")
    if value <= 0:
        raise SpeclintError(f"{word} must be a positive integer, not {value}")
    return value


def _positive_number(value: object, word: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{word} must be a number of seconds, not {type(value).__name__}")
    if not value > 0 or value != value or value == float("inf"):
        raise SpeclintError(f"{word} must be a positive number of seconds, not {value:g}")
    return float(value)
