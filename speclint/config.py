"""The config file: found by walking up as ruff finds its own, validated, merged under the CLI.

In each directory from the first PATH up to the root, the first of ``.speclint.toml``,
``speclint.toml`` (keys at the top level) and a ``pyproject.toml`` with a ``[tool.speclint]``
table wins. A config file inside a model directory (one holding ``saved_model.pb``) is skipped
with a warning: it came with the model, and a model must not configure its own check.

Example (``pyproject.toml``; in ``speclint.toml`` the same keys without the table header)::

    [tool.speclint]
    profile = "auto"
    select = ["SL"]
    ignore = ["SL125"]
    fail-level = "warning"
    rules = ["lint/rules"]          # extra rule packs, relative to pyproject.toml
    extend-exclude = ["scratch", "models/old/*"]  # directories a tree walk skips (also .gitignore)
    [[tool.speclint.per-path]]
    path = "models/legacy/*"
    profile = "tf1-image-classification"
    ignore = ["SL140"]
    claims = "docs/legacy.md"       # the publisher's documentation, kept outside the model
    lang = "zh-CN"                  # as --lang
"""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from speclint.discover import anchor
from speclint.errors import SpeclintError
from speclint.severity import SEVERITIES as FAIL_LEVELS

TOP_KEYS = {"profile", "select", "ignore", "fail-level", "rules", "per-path", "format", "max-file-size"}
TOP_KEYS |= {"exclude", "extend-exclude", "respect-gitignore"}  # discovery: directories a walk skips
TOP_KEYS |= {"read-timeout"}  # seconds per model for the static reader
TOP_KEYS |= {"fail-on-not-applicable"}  # a model that takes no images (SL002) fails the run
TOP_KEYS |= {"lang"}  # --lang: the reader's language
CONFIG_NAMES = (".speclint.toml", "speclint.toml", "pyproject.toml")  # ruff's order: .ruff.toml, ruff.toml, pyproject
MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")  # a directory holding one is a model's: its config is skipped
PER_PATH_KEYS = {"path", "profile", "ignore", "select", "claims"}


class PerPath(NamedTuple):
    pattern: str
    profile: str | None = None
    select: list[str] | None = None
    ignore: list[str] = []  # noqa: RUF012 - never mutated
    claims: str | None = None  # a documentation file (tfhub.dev Markdown, model-instance-metadata.json)


class Config:
    """Settings from the file; ``source`` is None when no file was found.

    ``speclint.settings`` merges them with an entry point's overrides.
    """

    def __init__(self, source: str | None = None, root: str = ".") -> None:
        self.source = source
        self.root = root
        self.profile = "auto"
        self.select: list[str] = ["ALL"]
        self.ignore: list[str] = []
        self.fail_level = "warning"
        self.rules: list[str] = []
        self.format: str | None = None
        self.max_file_size: int | None = None
        self.per_path: list[PerPath] = []
        self.exclude: list[str] | None = None  # None: discover.DEFAULT_EXCLUDE
        self.extend_exclude: list[str] = []
        self.respect_gitignore = True
        self.read_timeout: float | None = None
        self.fail_on_not_applicable = False
        self.lang: str | None = None
        self.notes: list[str] = []  # warnings for the user (a config file skipped)
        self.where = f"{source}: [tool.speclint]"  # how errors name the settings' home


def find_config(start: str) -> tuple[str | None, list[str]]:
    """The nearest config file walking up from ``start`` (``CONFIG_NAMES`` in order in each
    directory; a ``pyproject.toml`` only with a ``[tool.speclint...]`` table), and the files
    skipped because they sit inside a model directory."""
    directory = os.path.realpath(start)
    if os.path.isfile(directory):
        directory = os.path.dirname(directory)
    skipped: list[str] = []
    while True:
        in_model = any(os.path.isfile(os.path.join(directory, name)) for name in MODEL_FILES)
        for name in CONFIG_NAMES:
            path = os.path.join(directory, name)
            if not os.path.isfile(path) or (name == "pyproject.toml" and not _has_speclint_table(path)):
                continue
            if in_model:
                skipped.append(path)
                continue
            return path, skipped
        parent = os.path.dirname(directory)
        if parent == directory:
            return None, skipped
        directory = parent


def find_pyproject(start: str) -> str | None:
    """The config file ``find_config`` finds (kept for callers of 0.2)."""
    return find_config(start)[0]


def _has_speclint_table(path: str) -> bool:
    if not _mentions_speclint(path):
        return False
    tool = _load_toml(path).get("tool", {})
    # [tool.speclint], or a misspelt [tool.speclint-x] that load_config names
    return isinstance(tool, dict) and any(str(name).lower().startswith("speclint") for name in tool)


def _mentions_speclint(path: str) -> bool:
    try:
        return b"tool.speclint" in _read(path)
    except SpeclintError:
        return False


def _read(path: str) -> bytes:
    """A pyproject.toml may come with an untrusted tree: a regular file, read without blocking."""
    from speclint.safe_io import ReadError, read_regular

    try:
        return read_regular(path, 16 << 20)
    except ReadError as exc:
        raise SpeclintError(f"{path}: cannot read: {exc}") from None


def load_config(explicit: str | None, start: str = ".") -> Config:
    """``explicit`` (``--config``), else the nearest config file (``find_config``).

    A ``pyproject.toml`` (or a file named on purpose that holds only a ``[tool]`` table) must
    have ``[tool.speclint]``: a file without it (or with ``[tool.speclnt]``) would otherwise be
    ignored without a word. A ``tool.speclint*`` table speclint does not know
    (``[tool.speclint-rules]``) is an error in any file. Any other file (``speclint.toml``,
    ``.speclint.toml``) holds the keys at its top level.
    """
    path, skipped = (explicit, []) if explicit else find_config(start)
    notes = [f"{p}: skipped: a config file inside a model directory came with the model" for p in skipped]
    if path is None:
        config = Config()
        config.notes = notes
        return config
    if explicit and not os.path.isfile(path):
        raise SpeclintError(f"{path}: config file not found")
    document = _load_toml(path)
    if os.path.basename(path) == "pyproject.toml" or (explicit and set(document) == {"tool"}):
        tool = document.get("tool", {})
        if not isinstance(tool, dict):
            raise SpeclintError(f"{path}: [tool] must be a table")
        _require_known_tables(tool, path, explicit=bool(explicit))
        table = tool.get("speclint", {})
        if not isinstance(table, dict):
            raise SpeclintError(f"{path}: [tool.speclint] must be a table")
        config = _parse(table, path, f"{path}: [tool.speclint]")
    else:
        config = _parse(document, path, path)
    config.notes = notes
    return config


def _require_known_tables(tool: dict[str, Any], path: str, explicit: bool) -> None:
    import difflib

    strays = sorted(name for name in tool if name != "speclint" and name.lower().startswith("speclint"))
    if strays:
        raise SpeclintError(f"{path}: unknown table [tool.{strays[0]}] (speclint reads [tool.speclint])")
    if explicit and "speclint" not in tool:
        near = difflib.get_close_matches("speclint", [str(name) for name in tool], n=1, cutoff=0.75)
        hint = f"; did you mean [tool.speclint] instead of [tool.{near[0]}]?" if near else ""
        raise SpeclintError(f"{path}: no [tool.speclint] table{hint}")


def _load_toml(path: str) -> dict[str, Any]:
    import sys  # only when a pyproject.toml mentions speclint: start-up matters to the hook

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the tomli backport, a dependency there (pyproject.toml)
        import tomli as tomllib

    data = _read(path)
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise SpeclintError(f"{path}: invalid TOML: not UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpeclintError(f"{path}: invalid TOML: {exc}") from None


def _parse(table: dict[str, Any], path: str, where: str) -> Config:
    unknown = sorted(set(table) - TOP_KEYS)
    if unknown:
        raise SpeclintError(f"{where}: unknown key {unknown[0]!r}{_known(unknown[0], TOP_KEYS)}")
    config = Config(source=path, root=os.path.dirname(os.path.abspath(path)))
    config.where = where
    if "profile" in table:
        config.profile = _string(table["profile"], where, "profile")
    if "select" in table:
        config.select = _codes(table["select"], where, "select")
    if "ignore" in table:
        config.ignore = _codes(table["ignore"], where, "ignore")
    if "fail-level" in table:
        level = _string(table["fail-level"], where, "fail-level")
        if level not in FAIL_LEVELS:
            raise SpeclintError(f"{where}: fail-level must be one of {', '.join(FAIL_LEVELS)}, not {level!r}")
        config.fail_level = level
    if "rules" in table:
        config.rules = [os.path.join(config.root, d) for d in _codes(table["rules"], where, "rules")]
    if "format" in table:
        config.format = _string(table["format"], where, "format")
    if "max-file-size" in table:
        if not isinstance(table["max-file-size"], int) or table["max-file-size"] <= 0:
            raise SpeclintError(f"{where}: max-file-size must be a positive integer of bytes")
        config.max_file_size = table["max-file-size"]
    if "exclude" in table:
        config.exclude = anchor(_codes(table["exclude"], where, "exclude"), config.root)
    if "extend-exclude" in table:
        config.extend_exclude = anchor(_codes(table["extend-exclude"], where, "extend-exclude"), config.root)
    if "respect-gitignore" in table:
        if not isinstance(table["respect-gitignore"], bool):
            raise SpeclintError(f"{where}: respect-gitignore must be true or false")
        config.respect_gitignore = table["respect-gitignore"]
    if "read-timeout" in table:
        value = table["read-timeout"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SpeclintError(f"{where}: read-timeout must be a positive number of seconds")
        config.read_timeout = float(value)
    if "fail-on-not-applicable" in table:
        if not isinstance(table["fail-on-not-applicable"], bool):
            raise SpeclintError(f"{where}: fail-on-not-applicable must be true or false")
        config.fail_on_not_applicable = table["fail-on-not-applicable"]
    if "lang" in table:
        config.lang = _string(table["lang"], where, "lang")
    per_path = table.get("per-path", [])
    if not isinstance(per_path, list):
        raise SpeclintError(f"{where}: per-path must be an array of tables ([[per-path]] with path = ...)")
    for index, entry in enumerate(per_path):
        config.per_path.append(_per_path(entry, f"{where} per-path[{index}]", config.root))
    return config


def _per_path(entry: Any, where: str, root: str = ".") -> PerPath:
    if not isinstance(entry, dict):
        raise SpeclintError(f"{where}: must be a table")
    unknown = sorted(set(entry) - PER_PATH_KEYS)
    if unknown:
        raise SpeclintError(f"{where}: unknown key {unknown[0]!r}{_known(unknown[0], PER_PATH_KEYS)}")
    if "path" not in entry:
        raise SpeclintError(f"{where}: missing key 'path'")
    return PerPath(
        pattern=_string(entry["path"], where, "path"),
        profile=_string(entry["profile"], where, "profile") if "profile" in entry else None,
        select=_codes(entry["select"], where, "select") if "select" in entry else None,
        ignore=_codes(entry.get("ignore", []), where, "ignore"),
        claims=_claims_file(entry["claims"], where, root) if "claims" in entry else None,
    )


def _claims_file(value: Any, where: str, root: str) -> str:
    """A ``claims`` file, relative to the config file; one that does not exist is a mistake, not silence."""
    path = os.path.join(root, _string(value, where, "claims"))
    if not os.path.isfile(path):
        raise SpeclintError(f"{where}: claims file {value!r} not found")
    return path


def _known(key: str, known: set[str]) -> str:
    """``; did you mean 'fail-level'?`` for a near key, else the list of known ones."""
    from speclint.errors import did_you_mean

    return did_you_mean(str(key), sorted(known)) or f" (known: {', '.join(sorted(known))})"


def _string(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise SpeclintError(f"{where}: {key} must be a string")
    return value


def _codes(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpeclintError(f"{where}: {key} must be a list of strings")
    return list(value)
