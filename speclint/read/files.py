"""The other files of a model (a directory or a published archive): what is there, never what it means."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from typing import Protocol

from speclint.discover import SUPPRESSIONS_FILE
from speclint.safe_io import DEFAULT_MAX_BYTES
from speclint.vocabulary import Json

SAVED_MODEL_NAMES = ("saved_model.pb", "saved_model.pbtxt")  # TensorFlow's loader prefers .pb
LISTING_CAP = 100_000  # entries of assets/ or variables/ kept in the facts
SUPPRESSIONS_BYTES = 64 << 10  # its size cap: a few hundred entries; anything bigger is refused unread
CHECKPOINT_INDEX = "variables/variables.index"  # the checkpoint's table (read.checkpoint)
CHECKPOINT_DATA = "variables/variables.data-"  # its data shards: variables.data-NNNNN-of-MMMMM
CHECKPOINT_INDEX_BYTES = 256 << 20  # an index of 256 MiB describes millions of tensors; beyond is not a checkpoint
SNIFF_BYTES = 1024  # a file this small may be a Git LFS pointer: its start says so


def entry_size(path: str) -> int | None:
    """Size of an entry that is not a directory, or None when there is none.

    A FIFO, a device or a dangling symlink counts as present: it is a broken model file that
    the reader reports by name, not a missing one. A symlink's own size is given, never its target's.
    """
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISDIR(info.st_mode):
        return None
    if stat.S_ISLNK(info.st_mode):
        try:
            if stat.S_ISDIR(os.stat(path).st_mode):
                return None
        except OSError:
            pass
    return info.st_size


def list_files(directory: str, limit: int = LISTING_CAP) -> list[str]:
    """Relative paths of everything under ``directory``, sorted, without following symlinks.

    An explicit stack instead of ``os.walk`` (recursive before Python 3.12): an ``assets/`` tree
    1,200 levels deep must not end the run. A symlinked directory is listed, not entered; at most
    ``limit`` entries are kept, so a million-file ``assets/`` cannot swamp the facts document.
    """
    found: list[str] = []
    stack = [""]
    while stack and len(found) < limit:
        relative = stack.pop()
        try:
            with os.scandir(os.path.join(directory, relative) if relative else directory) as entries:
                children = sorted((entry.name, entry.is_dir(follow_symlinks=False)) for entry in entries)
        except OSError:
            continue
        for name, is_dir in children:
            path = os.path.join(relative, name) if relative else name
            if is_dir:
                stack.append(path)
            else:
                found.append(path)  # files, symlinks (to files or directories), special files
    return sorted(found)[:limit]


class ModelTree(Protocol):
    """Read-only access to one model's files by relative, ``/``-separated path: a directory
    (``read.tree.DirectoryTree``) or a published archive (``read.archive.ArchiveTree``)."""

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


def walk(top: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """``os.walk(top, followlinks=False)`` with an explicit stack (``os.walk`` recurses before 3.12).

    Same contract: top-down, ``dirnames`` holds symlinks to directories too but only real
    directories are entered, and a caller may prune or sort ``dirnames`` in place.
    """
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as entries:
                listed = [(entry.name, _is_dir(entry), entry.is_symlink()) for entry in entries]
        except OSError:
            continue
        dirs = [name for name, is_dir, _ in listed if is_dir]
        files = [name for name, is_dir, _ in listed if not is_dir]
        links = {name for name, is_dir, is_link in listed if is_dir and is_link}
        yield directory, dirs, files
        stack.extend(os.path.join(directory, name) for name in reversed(dirs) if name not in links)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """As ``os.walk`` decides: a link loop or a dangling link is not a directory."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def inventory(tree: ModelTree) -> Json:
    """What a model holds, by name: the SavedModel file, the TF1 Hub and Keras files, variables/, assets/."""
    saved_model = next((n for n in SAVED_MODEL_NAMES if tree.size(n) is not None), None)
    shards = (
        [n for n in tree.listing("variables") if n.startswith("variables.data-")] if tree.is_dir("variables") else []
    )
    return {
        "saved_model": None
        if saved_model is None
        else {
            "name": saved_model,
            "size": tree.size(saved_model),
            "encoding": "text" if saved_model.endswith(".pbtxt") else "binary",
        },
        "both_pb_and_pbtxt": all(tree.size(n) is not None for n in SAVED_MODEL_NAMES),
        "tfhub_module": _file(tree, "tfhub_module.pb"),
        "keras_metadata": _file(tree, "keras_metadata.pb"),
        "fingerprint": _file(tree, "fingerprint.pb"),
        "variables": {
            "directory": tree.is_dir("variables"),
            "index": tree.size("variables/variables.index") is not None,
            "data_shards": len(shards),
        },
        "assets": tree.listing("assets"),
        "assets_extra": tree.listing("assets.extra"),
        "unusable": None,  # judged for a published model only (read_model fills it in)
    }


def _file(tree: ModelTree, name: str) -> Json | None:
    size = tree.size(name)
    return None if size is None else {"size": size}


# tfhub.dev's validator (tools/validator.py) refused a published archive holding any other file:
# the files a SavedModel can use, and names that start with a word character.
ALLOWED_PATHS = (
    "saved_model.pb",
    "saved_model.pbtxt",
    "tfhub_module.pb",
    "keras_metadata.pb",
    "fingerprint.pb",
    "assets/*",
    "assets.extra/*",
    "variables/variables.*",
)
_NAME = r"[\w-][-!',_\w.=:% ]*"
FILE_PATH = re.compile(f"({_NAME})+(/{_NAME})*")


def unusable_files(tree: ModelTree, documentation: Callable[[str], bool], limit: int = 100) -> list[Json]:
    """Files of the model that a SavedModel cannot use, with why (at most ``limit``).

    ``documentation``: whether a top-level name is the publisher's documentation (README.md,
    model-instance-metadata.json, LICENSE), which Kaggle's upload folder holds beside the model.
    In a directory, top-level names starting with a dot (``.git``, ``.gitattributes``) are left
    out: ``tar -czf model.tar.gz *``, tfhub.dev's recipe, leaves them out too. The suppressions
    file (``speclint-ignore.toml``) is speclint's, not the model's: left out as well.
    """
    found: list[Json] = []
    for path in tree.all_files():
        top = "/" not in path
        if (top and (documentation(path) or path == SUPPRESSIONS_FILE)) or (tree.skips_hidden and path.startswith(".")):
            continue
        if not FILE_PATH.fullmatch(path):
            reason = "its name is not a valid file path (each part must start with a letter, digit, '_' or '-')"
        elif not any(fnmatch.fnmatchcase(path, pattern) for pattern in ALLOWED_PATHS):
            reason = (
                "a SavedModel cannot use it (only saved_model.pb(txt), tfhub_module.pb, keras_metadata.pb, "
                "fingerprint.pb, assets/*, assets.extra/* and variables/variables.*)"
            )
        else:
            continue
        found.append({"path": path, "reason": reason, "where": path})
        if len(found) == limit:
            break
    return found
