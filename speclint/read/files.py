"""The other files of a model directory: what is there, never what it means."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

from speclint.vocabulary import Json

SAVED_MODEL_NAMES = ("saved_model.pb", "saved_model.pbtxt")  # TensorFlow's loader prefers .pb
LISTING_CAP = 100_000  # entries of assets/ or variables/ kept in the facts


def _size(path: str) -> int | None:
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


def _listing(directory: str, limit: int = LISTING_CAP) -> list[str]:
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


def inventory(model_dir: str) -> Json:
    saved_model = next((n for n in SAVED_MODEL_NAMES if _size(os.path.join(model_dir, n)) is not None), None)
    variables_dir = os.path.join(model_dir, "variables")
    shards = (
        [n for n in _listing(variables_dir) if n.startswith("variables.data-")] if os.path.isdir(variables_dir) else []
    )
    return {
        "saved_model": None
        if saved_model is None
        else {
            "name": saved_model,
            "size": _size(os.path.join(model_dir, saved_model)),
            "encoding": "text" if saved_model.endswith(".pbtxt") else "binary",
        },
        "both_pb_and_pbtxt": all(_size(os.path.join(model_dir, n)) is not None for n in SAVED_MODEL_NAMES),
        "tfhub_module": _file(model_dir, "tfhub_module.pb"),
        "keras_metadata": _file(model_dir, "keras_metadata.pb"),
        "fingerprint": _file(model_dir, "fingerprint.pb"),
        "variables": {
            "directory": os.path.isdir(variables_dir),
            "index": _size(os.path.join(variables_dir, "variables.index")) is not None,
            "data_shards": len(shards),
        },
        "assets": _listing(os.path.join(model_dir, "assets")),
        "assets_extra": _listing(os.path.join(model_dir, "assets.extra")),
    }


def _file(model_dir: str, name: str) -> Json | None:
    size = _size(os.path.join(model_dir, name))
    return None if size is None else {"size": size}
