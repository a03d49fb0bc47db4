"""Asset paths that leave the model directory.

The loader joins each AssetFileDef filename to ``assets/`` and hands the result to the
graph's initializers: an absolute or ``..`` filename, or a symbolic link under ``assets/``
or ``assets.extra/`` pointing elsewhere, makes the model read a file of the host's choosing.
"""

from __future__ import annotations

import os
import re

from google.protobuf import message as pb_message

from speclint.proto import messages
from speclint.proto.messages import Message
from speclint.read.files import walk
from speclint.read.security.state import State
from speclint.safe_text import display_path

ASSET_COLLECTION = "saved_model_assets"
ASSET_DIRS = ("assets", "assets.extra")


def scan_asset_defs(state: State, prefix: str, meta_graph: Message) -> None:
    for position, asset in enumerate(meta_graph.asset_file_def):
        _check_asset_name(state, asset.filename, f"{prefix} asset_file_def[{position}]")
    for position, asset in enumerate(collection_assets(meta_graph)):
        if asset is not None:
            _check_asset_name(state, asset.filename, f"{prefix} collection '{ASSET_COLLECTION}' item {position}")


def asset_file_defs(meta_graph: Message) -> list[Message]:
    """Every AssetFileDef: the meta graph's own (TF2) and the TF1 ``saved_model_assets`` collection's."""
    return [*meta_graph.asset_file_def, *(a for a in collection_assets(meta_graph) if a is not None)]


def collection_assets(meta_graph: Message) -> list[Message | None]:
    """The AssetFileDefs packed in the TF1 ``saved_model_assets`` collection (None: not one)."""
    if ASSET_COLLECTION not in meta_graph.collection_def:
        return []
    collection = meta_graph.collection_def[ASSET_COLLECTION]
    if collection.WhichOneof("kind") != "any_list":
        return []
    assets: list[Message | None] = []
    for packed in collection.any_list.value:
        asset = messages.AssetFileDef()
        try:
            if not packed.type_url.endswith("tensorflow.AssetFileDef"):
                raise ValueError(packed.type_url)
            asset.ParseFromString(packed.value)
        except (pb_message.DecodeError, RecursionError, ValueError):
            assets.append(None)
            continue
        assets.append(asset)
    return assets


def _check_asset_name(state: State, filename: str, where: str) -> None:
    reason = escape_reason(filename)
    if reason is not None:
        _add_asset(state, filename, reason, where)


def _add_asset(state: State, path: str, reason: str, where: str) -> None:
    shown, where = display_path(path), display_path(where)
    state.add("escaping_assets", {"path": shown, "reason": reason, "where": where, "summary": f"{shown!r} {reason}"})


def escape_reason(filename: str) -> str | None:
    """Why an asset filename (joined to ``assets/`` by the loader) leaves the model, or None."""
    if "\x00" in filename:
        return "contains a NUL byte"
    if filename.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", filename):
        return "is an absolute path, read instead of a file under assets/"
    depth = 0
    for part in re.split(r"[\\/]+", filename):
        if part == "..":
            depth -= 1
            if depth < 0:
                return "climbs out of the assets/ directory with '..'"
        elif part not in ("", "."):
            depth += 1
    return None


def scan_asset_links(state: State, model_dir: str) -> None:
    root = os.path.realpath(model_dir)
    for name in ASSET_DIRS:
        top = os.path.join(model_dir, name)
        candidates = [top] if os.path.islink(top) else []
        if os.path.isdir(top) and not os.path.islink(top):
            for directory, dirs, files in walk(top):  # no recursion: assets/ may be 1,200 levels deep
                dirs.sort()
                for entry in sorted(files) + dirs:
                    path = os.path.join(directory, entry)
                    if os.path.islink(path):
                        candidates.append(path)
        for path in candidates:
            try:
                target = os.readlink(path)
                resolved = os.path.realpath(path)
            except OSError:
                continue
            if resolved == root or resolved.startswith(root.rstrip(os.sep) + os.sep):
                continue
            relative = os.path.relpath(path, model_dir)
            _add_asset(
                state,
                relative,
                f"is a symbolic link to {display_path(target)!r}, outside the model directory",
                relative,
            )
