"""``[tool.speclint]`` in ``pyproject.toml``: found by walking up, validated, merged under the CLI.

Example::

    [tool.speclint]
    profile = "auto"
    select = ["SL"]
    ignore = ["SL125"]
    fail-level = "warning"
    rules = ["lint/rules"]          # extra rule packs, relative to pyproject.toml
    [[tool.speclint.per-path]]
    path = "models/legacy/*"
    profile = "tf1-image-classification"
    ignore = ["SL140"]
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from speclint.errors import SpeclintError

TOP_KEYS = {"profile", "select", "ignore", "fail-level", "rules", "per-path", "format", "max-file-size"}
PER_PATH_KEYS = {"path", "profile", "ignore", "select"}
FAIL_LEVELS = ("info", "warning", "error")


@dataclass
class PerPath:
    pattern: str
    profile: str | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)


@dataclass
class Config:
    """Settings from the file; ``source`` is None when no file was found."""

    source: str | None = None
    root: str = "."
    profile: str = "auto"
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    fail_level: str = "warning"
    rules: list[str] = field(default_factory=list)
    format: str | None = None
    max_file_size: int | None = None
    per_path: list[PerPath] = field(default_factory=list)

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


def find_pyproject(start: str) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.speclint]`` table, walking up from ``start``."""
    directory = Path(start).resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        path = candidate / "pyproject.toml"
        if path.is_file() and b"tool.speclint" in path.read_bytes():
            data = _load_toml(path)
            if "speclint" in data.get("tool", {}):
                return path
    return None


def load_config(explicit: str | None, start: str = ".") -> Config:
    path = Path(explicit) if explicit else find_pyproject(start)
    if path is None:
        return Config()
    if explicit and not path.is_file():
        raise SpeclintError(f"{path}: config file not found")
    table = _load_toml(path).get("tool", {}).get("speclint", {})
    return _parse(table, path)


def _load_toml(path: Path) -> dict[str, Any]:
    import tomllib  # only when a pyproject.toml mentions speclint: start-up matters to the hook

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise SpeclintError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpeclintError(f"{path}: invalid TOML: {exc}") from None


def _parse(table: dict[str, Any], path: Path) -> Config:
    where = f"{path}: [tool.speclint]"
    unknown = sorted(set(table) - TOP_KEYS)
    if unknown:
        raise SpeclintError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOP_KEYS))})")
    config = Config(source=str(path), root=str(path.parent))
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
        config.rules = [str(path.parent / d) for d in _codes(table["rules"], where, "rules")]
    if "format" in table:
        config.format = _string(table["format"], where, "format")
    if "max-file-size" in table:
        if not isinstance(table["max-file-size"], int) or table["max-file-size"] <= 0:
            raise SpeclintError(f"{where}: max-file-size must be a positive integer of bytes")
        config.max_file_size = table["max-file-size"]
    for index, entry in enumerate(table.get("per-path", [])):
        config.per_path.append(_per_path(entry, f"{where} per-path[{index}]"))
    return config


def _per_path(entry: Any, where: str) -> PerPath:
    if not isinstance(entry, dict):
        raise SpeclintError(f"{where}: must be a table")
    unknown = sorted(set(entry) - PER_PATH_KEYS)
    if unknown:
        raise SpeclintError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(PER_PATH_KEYS))})")
    if "path" not in entry:
        raise SpeclintError(f"{where}: missing key 'path'")
    return PerPath(
        pattern=_string(entry["path"], where, "path"),
        profile=_string(entry["profile"], where, "profile") if "profile" in entry else None,
        select=_codes(entry["select"], where, "select") if "select" in entry else None,
        ignore=_codes(entry.get("ignore", []), where, "ignore"),
    )


def _string(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise SpeclintError(f"{where}: {key} must be a string")
    return value


def _codes(value: Any, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SpeclintError(f"{where}: {key} must be a list of strings")
    return list(value)
