"""The files of one model, wherever they are: a directory, or a published archive read in place.

Every reader asks a ``ModelTree`` (``read.files``) by relative path (``saved_model.pb``, ``variables/variables.index``),
so the facts of a ``.tar.gz`` are the facts of the directory it unpacks to, and nothing is ever
extracted to disk. ``open_tree`` picks the kind from the path.
"""

from __future__ import annotations

import os

from speclint.read.files import LISTING_CAP, ModelTree, entry_size, list_files
from speclint.safe_io import DEFAULT_MAX_BYTES, ReadError, archive_suffix, read_regular


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
        return read_bytes(self._path(relative), max_bytes, root=self.directory)


def read_bytes(path: str, max_bytes: int = DEFAULT_MAX_BYTES, root: str | None = None) -> bytes:
    """Read a whole regular file of the model after checking where it is and how big it is.

    ``root`` is the model directory (default: the file's own directory). A file that resolves
    outside it (a symlink to ``/etc/passwd`` or a token) is refused unread, so nothing of it can
    be echoed. The reading itself is ``read_regular``: non-blocking, regular files only.
    """
    outside = _outside(path, root if root is not None else os.path.dirname(path) or ".")
    if outside is not None:
        raise ReadError(outside)
    return read_regular(path, max_bytes)


def _outside(path: str, root: str) -> str | None:
    """Why ``path`` is not a file of the model under ``root`` (it resolves elsewhere), or None."""
    try:
        resolved = os.path.realpath(path)
        top = os.path.realpath(root)
    except (OSError, ValueError, RuntimeError):
        return "cannot resolve its path; not read"
    if resolved.startswith(top.rstrip(os.sep) + os.sep):
        return None
    return (
        "is a symbolic link to a file outside the model directory, so speclint does not read or quote it "
        "(fix: copy the real file into the model directory, e.g. `cp --dereference`, or lint the directory it "
        "points to)"
    )


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def is_archive(path: str) -> bool:
    """A published archive (by its name) that is a file: ``speclint model.tar.gz``."""
    return archive_suffix(path) is not None and not os.path.isdir(path)


__all__ = ["DirectoryTree", "ModelTree", "is_archive", "open_tree", "read_bytes"]


def open_tree(path: str, max_bytes: int = DEFAULT_MAX_BYTES) -> ModelTree:
    """The model at ``path``: a directory, or an archive indexed now (``ReadError`` if it cannot be)."""
    if is_archive(path):
        from speclint.read.archive import ArchiveTree

        return ArchiveTree(path, max_bytes)
    return DirectoryTree(path)
