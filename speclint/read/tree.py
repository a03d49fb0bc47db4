"""The files of one model, wherever they are: a directory, or a published archive read in place.

Every reader asks a ``ModelTree`` by relative path (``saved_model.pb``, ``variables/variables.index``),
so the facts of a ``.tar.gz`` are the facts of the directory it unpacks to, and nothing is ever
extracted to disk. ``open_tree`` picks the kind from the path.
"""

from __future__ import annotations

import os
from typing import Protocol

from speclint.read.files import LISTING_CAP, entry_size, list_files
from speclint.safe_io import DEFAULT_MAX_BYTES, archive_suffix


class ModelTree(Protocol):
    """Read-only access to one model's files by relative, ``/``-separated path."""

    label: str
    """The model as the user named it: its directory or its archive."""
    skips_hidden: bool
    """Whether top-level names starting with a dot are left out of ``unusable_files`` (directories)."""

    def size(self, relative: str) -> int | None:
        """Size of an entry that is not a directory (present but broken counts), or None."""

    def is_dir(self, relative: str) -> bool: ...

    def listing(self, relative: str, limit: int = LISTING_CAP) -> list[str]:
        """Every file under directory ``relative``, relative to it, sorted (``[]`` when absent)."""

    def all_files(self, limit: int = LISTING_CAP) -> list[str]:
        """Every file of the model, relative to its root, sorted."""

    def top_files(self) -> list[str]:
        """The names of the files (not directories) at the model's root, sorted."""

    def read(self, relative: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        """The whole file, or ``ReadError`` with a one-line reason."""


class DirectoryTree:
    """A model directory on disk; reads go through ``read.loading.read_bytes`` (inside the model only)."""

    skips_hidden = True

    def __init__(self, directory: str) -> None:
        self.label = directory
        self.directory = directory

    def _path(self, relative: str) -> str:
        return os.path.join(self.directory, *relative.split("/")) if relative else self.directory

    def size(self, relative: str) -> int | None:
        return entry_size(self._path(relative))

    def is_dir(self, relative: str) -> bool:
        return os.path.isdir(self._path(relative))

    def listing(self, relative: str, limit: int = LISTING_CAP) -> list[str]:
        return list_files(self._path(relative), limit)

    def all_files(self, limit: int = LISTING_CAP) -> list[str]:
        return [path.replace(os.sep, "/") for path in list_files(self.directory, limit)]

    def top_files(self) -> list[str]:
        try:
            with os.scandir(self.directory) as entries:
                return sorted(entry.name for entry in entries if not _is_dir(entry))
        except OSError:
            return []

    def read(self, relative: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
        from speclint.read.loading import read_bytes

        return read_bytes(self._path(relative), max_bytes, root=self.directory)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def is_archive(path: str) -> bool:
    """A published archive (by its name) that is a file: ``speclint model.tar.gz``."""
    return archive_suffix(path) is not None and not os.path.isdir(path)


def open_tree(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ModelTree:
    """The model at ``path``: a directory, or an archive indexed now (``ReadError`` if it cannot be)."""
    if is_archive(path):
        from speclint.read.archive import ArchiveTree

        return ArchiveTree(path, max_bytes)
    return DirectoryTree(path)
