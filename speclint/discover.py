"""Turn the PATHs a user (or pre-commit) passes into a sorted list of model directories.

A model directory holds ``saved_model.pb``, ``saved_model.pbtxt`` or ``tfhub_module.pb``.
No file is parsed here; that is the reader's job.
"""

from __future__ import annotations

import os
import stat

from speclint.errors import display_path

MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt", "tfhub_module.pb")


class Discovery:
    """Model directories found, in sorted order, and one-line problems with the PATHs given."""

    def __init__(self) -> None:
        self.models: list[str] = []
        self.errors: list[str] = []


def is_model_dir(path: str) -> bool:
    return any(os.path.isfile(os.path.join(path, name)) for name in MODEL_FILES)


def discover(paths: list[str]) -> Discovery:
    """Map files to their directory, walk trees, drop duplicates, keep a stable order."""
    result = Discovery()
    found: dict[str, str] = {}  # realpath -> path as first reached
    for path in paths:
        errors_before = len(result.errors)
        matched = _discover_one(path, found, result.errors)
        if not matched and len(result.errors) == errors_before:
            result.errors.append(f"{display_path(path)}: no SavedModel found (no {', '.join(MODEL_FILES)})")
    result.models = sorted(found.values())
    return result


def _discover_one(path: str, found: dict[str, str], errors: list[str]) -> int:
    """Add the models ``path`` names to ``found``; return how many it named (duplicates too)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        errors.append(f"{display_path(path)}: no such file or directory")
        return 0
    except OSError as exc:
        errors.append(f"{display_path(path)}: cannot access: {exc.strerror or exc}")
        return 0
    if stat.S_ISDIR(info.st_mode):
        return _walk(os.path.normpath(path), found, errors, visited=set())
    if os.path.basename(path) in MODEL_FILES:
        _add(os.path.dirname(os.path.normpath(path)) or ".", found)
        return 1
    errors.append(
        f"{display_path(path)}: not a SavedModel file (expected a directory or one of {', '.join(MODEL_FILES)})"
    )
    return 0


def _add(directory: str, found: dict[str, str]) -> None:
    found.setdefault(os.path.realpath(directory), os.path.normpath(directory))


def _walk(directory: str, found: dict[str, str], errors: list[str], visited: set[tuple[int, int]]) -> int:
    """Depth-first, sorted, following symlinked directories once (a loop is visited only once)."""
    try:
        info = os.stat(directory)
    except OSError as exc:
        errors.append(f"{display_path(directory)}: cannot access: {exc.strerror or exc}")
        return 0
    key = (info.st_dev, info.st_ino)
    if key in visited:
        return 0
    visited.add(key)
    if is_model_dir(directory):
        _add(directory, found)
        return 1  # a model's own sub-folders (variables/, assets/) are part of it
    try:
        with os.scandir(directory) as entries:
            names = sorted(entry.name for entry in entries if entry.is_dir())
    except OSError as exc:
        errors.append(f"{display_path(directory)}: cannot list directory: {exc.strerror or exc}")
        return 0
    return sum(_walk(os.path.join(directory, name), found, errors, visited) for name in names)
