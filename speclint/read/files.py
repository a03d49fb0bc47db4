"""The other files of a model directory: what is there, never what it means."""

from __future__ import annotations

import os

from speclint.vocabulary import Json

SAVED_MODEL_NAMES = ("saved_model.pb", "saved_model.pbtxt")  # TensorFlow's loader prefers .pb


def _size(path: str) -> int | None:
    try:
        return os.lstat(path).st_size if os.path.isfile(path) else None
    except OSError:
        return None


def _listing(directory: str) -> list[str]:
    """Relative paths of everything under ``directory``, sorted, without following symlinks."""
    found: list[str] = []
    for root, dirs, names in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(names) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            found.append(os.path.relpath(os.path.join(root, name), directory))
    return sorted(found)


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
