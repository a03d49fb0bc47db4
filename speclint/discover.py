"""Turn the PATHs a user (or pre-commit) passes into a sorted list of model directories.

A model directory holds ``saved_model.pb``, ``saved_model.pbtxt`` or ``tfhub_module.pb``.
No file is parsed here; that is the reader's job.

Trees are walked with an explicit stack, never recursion, so a tree 10,000 levels deep costs
time, not a crash. While walking, directories that are never models are skipped (``.git``,
virtualenvs, ``node_modules``...), as are those the user excludes and those ``.gitignore``
ignores (like ruff). A PATH named on the command line is always checked, excluded or not.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Sequence
from typing import Any

from speclint.safe_io import ARCHIVE_SUFFIXES, archive_suffix
from speclint.safe_text import display_path

MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt", "tfhub_module.pb")
SUPPRESSIONS_FILE = "speclint-ignore.toml"  # a model's accepted findings (read.suppressions); names its model too
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "site-packages",
    "node_modules",
    "__pycache__",
)


class Discovery:
    """Model directories found, in sorted order, and one-line problems with the PATHs given."""

    def __init__(self) -> None:
        self.models: list[str] = []
        self.errors: list[str] = []
        self.skipped = 0  # directories left out by exclude patterns or .gitignore


class Exclusion:
    """Which directories a walk skips: glob patterns plus, optionally, ``.gitignore`` files.

    A pattern without ``/`` matches a directory's name anywhere (``venv``, ``*.egg-info``); one
    with ``/`` matches the directory's absolute path, so ``anchor`` it first to the directory it
    is relative to (the config file's, or the current one for the command line).
    """

    def __init__(
        self, exclude: Sequence[str] | None = None, extend_exclude: Sequence[str] = (), respect_gitignore: bool = True
    ) -> None:
        patterns = [*(DEFAULT_EXCLUDE if exclude is None else exclude), *extend_exclude]
        self.names = [p for p in patterns if "/" not in p.rstrip("/")]
        self.paths = [anchor([p], ".")[0] for p in patterns if "/" in p.rstrip("/")]
        self.respect_gitignore = respect_gitignore
        self._specs: dict[str, Any] = {}  # directory -> its .gitignore's compiled spec (or None)
        self._chains: dict[str, tuple[str, ...]] = {}  # directory -> enclosing directories with a spec

    def excluded(self, directory: str) -> bool:
        name = os.path.basename(directory)
        if any(fnmatch.fnmatchcase(name, pattern.rstrip("/")) for pattern in self.names):
            return True
        absolute = os.path.abspath(directory)
        if any(fnmatch.fnmatchcase(absolute, pattern) for pattern in self.paths):
            return True
        return self.respect_gitignore and self._ignored(absolute)

    def _ignored(self, absolute: str) -> bool:
        """Whether a ``.gitignore`` in an enclosing directory (up to the repository's top) ignores it.

        Closer files are consulted last, so they win, as in git.
        """
        verdict = False
        for base in self._bases(os.path.dirname(absolute)):
            result = self._specs[base].check_file(os.path.relpath(absolute, base).replace(os.sep, "/") + "/")
            if result.include is not None:
                verdict = bool(result.include)
        return verdict

    def _bases(self, directory: str) -> tuple[str, ...]:
        """Directories holding a ``.gitignore`` from the repository's top (``.git``) down to ``directory``.

        Memoised per directory and filled from the nearest known ancestor, so a deep walk stays linear.
        """
        missing: list[str] = []
        current = directory
        while current not in self._chains:
            missing.append(current)
            parent = os.path.dirname(current)
            if parent == current or os.path.exists(os.path.join(current, ".git")):
                break
            current = parent
        chain = self._chains.get(current, ())
        for path in reversed(missing):  # top first
            if self._spec(path) is not None:
                chain = (*chain, path)
            self._chains[path] = chain
        return chain

    def _spec(self, directory: str) -> Any:
        if directory not in self._specs:
            self._specs[directory] = _load_gitignore(os.path.join(directory, ".gitignore"))
        return self._specs[directory]


def anchor(patterns: Sequence[str], root: str) -> list[str]:
    """Patterns with a ``/`` made absolute against ``root``; bare names are left to match anywhere."""
    anchored = []
    for pattern in patterns:
        bare = pattern.rstrip("/")
        anchored.append(pattern if "/" not in bare else os.path.normpath(os.path.join(os.path.abspath(root), bare)))
    return anchored


def _load_gitignore(path: str) -> Any:
    """A ``.gitignore`` compiled by pathspec, imported only when a file exists (start-up matters).

    Read like a model file (regular files only, never blocking): it comes with the tree.
    """
    if not os.path.lexists(path):
        return None
    from speclint.safe_io import ReadError, read_regular

    try:
        lines = read_regular(path, 1 << 20).decode("utf-8", "replace").splitlines()
    except ReadError:
        return None
    from pathspec import GitIgnoreSpec

    try:
        return GitIgnoreSpec.from_lines(lines)
    except (ValueError, TypeError):
        return None


def is_model_dir(path: str) -> bool:
    """A directory with a model file: a FIFO or a dangling link of that name counts, to be reported."""
    return any(_present(os.path.join(path, name)) for name in MODEL_FILES)


def _present(path: str) -> bool:
    try:
        return not stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return os.path.lexists(path)


def discover(paths: list[str], exclusion: Exclusion | None = None) -> Discovery:
    """Map files to their directory, walk trees, drop duplicates, keep a stable order."""
    exclusion = exclusion or Exclusion()
    result = Discovery()
    found: dict[str, str] = {}  # realpath -> path as first reached
    for path in paths:
        errors_before, skipped_before = len(result.errors), result.skipped
        matched = _discover_one(path, found, result, exclusion)
        if not matched and len(result.errors) == errors_before:
            skipped = result.skipped - skipped_before
            note = (
                f"; {skipped} director{'y' if skipped == 1 else 'ies'} skipped by exclude or .gitignore"
                if skipped
                else ""
            )
            result.errors.append(f"{display_path(path)}: no SavedModel found (no {', '.join(MODEL_FILES)}){note}")
    result.models = sorted(found.values())
    return result


def _discover_one(path: str, found: dict[str, str], result: Discovery, exclusion: Exclusion) -> int:
    """Add the models ``path`` names to ``found``; return how many it named (duplicates too)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        result.errors.append(f"{display_path(path)}: no such file or directory")
        return 0
    except OSError as exc:
        result.errors.append(f"{display_path(path)}: cannot access: {exc.strerror or exc}")
        return 0
    if stat.S_ISDIR(info.st_mode):
        return _walk(os.path.normpath(path), found, result, exclusion)
    directory = os.path.dirname(os.path.normpath(path)) or "."
    if os.path.basename(path) in MODEL_FILES or (
        os.path.basename(path) == SUPPRESSIONS_FILE and is_model_dir(directory)  # pre-commit passes an edited one
    ):
        _add(directory, found)
        return 1
    if archive_suffix(path) and stat.S_ISREG(info.st_mode):  # a published model, read in place (read.archive)
        _add(path, found)
        return 1
    result.errors.append(
        f"{display_path(path)}: not a SavedModel file (expected a directory, one of {', '.join(MODEL_FILES)}, "
        f"or an archive: {', '.join(ARCHIVE_SUFFIXES)})"
    )
    return 0


def _add(directory: str, found: dict[str, str]) -> None:
    found.setdefault(os.path.realpath(directory), os.path.normpath(directory))


def _walk(top: str, found: dict[str, str], result: Discovery, exclusion: Exclusion) -> int:
    """Depth-first in sorted order with an explicit stack, following symlinked directories once."""
    count = 0
    visited: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            info = os.stat(directory)
        except OSError as exc:
            result.errors.append(f"{display_path(directory)}: cannot access: {exc.strerror or exc}")
            continue
        key = (info.st_dev, info.st_ino)
        if key in visited:
            continue
        visited.add(key)
        if is_model_dir(directory):
            _add(directory, found)
            count += 1
            continue  # a model's own sub-folders (variables/, assets/) are part of it
        try:
            with os.scandir(directory) as entries:
                names = sorted(entry.name for entry in entries if entry.is_dir())
        except OSError as exc:
            result.errors.append(f"{display_path(directory)}: cannot list directory: {exc.strerror or exc}")
            continue
        children = []
        for name in names:
            child = os.path.join(directory, name)
            if exclusion.excluded(child):
                result.skipped += 1
            else:
                children.append(child)
        stack.extend(reversed(children))  # popped in sorted order
    return count
