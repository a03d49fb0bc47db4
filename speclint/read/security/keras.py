"""Keras ``Lambda`` layers: marshalled Python bytecode that Keras runs when it rebuilds a model.

Found in ``keras_metadata.pb`` (TF 2.5+) or in the object graph's ``SavedUserObject.metadata``
(older Keras), at the top level of a layer's JSON or nested in a model's layer list.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from google.protobuf import message as pb_message

from speclint.errors import display_path
from speclint.proto.keras_messages import SavedMetadata
from speclint.proto.messages import Message
from speclint.read.loading import ReadError, read_bytes
from speclint.read.security.state import MAX_ARGUMENT_CHARS, State

LAMBDA_CLASSES = frozenset({"Lambda"})
JSON_DEPTH = 64  # how deep a Keras layer config is searched for nested Lambda layers


def scan_keras_metadata(state: State, model_dir: str, max_bytes: int, files: Any = None) -> None:
    """``files``: a published archive's ``ModelTree`` to read the file from, instead of ``model_dir``."""
    path = os.path.join(model_dir, "keras_metadata.pb")
    present = os.path.isfile(path) if files is None else files.size("keras_metadata.pb") is not None
    if not present:
        return
    try:
        data = files.read("keras_metadata.pb", max_bytes) if files is not None else read_bytes(path, max_bytes)
    except ReadError as exc:
        state.error("keras_metadata.pb", f"cannot be read, so its Keras layers were not checked: {exc}")
        return
    metadata = SavedMetadata()
    try:
        metadata.ParseFromString(data)
    except (pb_message.DecodeError, RecursionError, ValueError) as exc:
        message = " ".join(str(exc).split())[:160] or type(exc).__name__
        state.error("keras_metadata.pb", f"not a valid SavedMetadata, so its Keras layers were not checked ({message})")
        return
    configs = [
        (f"keras_metadata.pb {node.node_path or 'node ' + str(node.node_id)}", config)
        for node in metadata.nodes
        if (config := _may_name_lambda(node.metadata)) is not None
    ]
    for nested in (False, True):  # a layer's own entry first, so it names the layer's node path
        for where, config in configs:
            _check_keras_json(state, config, where, nested)


def scan_object_graph_keras(state: State, prefix: str, meta_graph: Message) -> None:
    """Keras before TF 2.5 kept the same JSON in the object graph's SavedUserObject.metadata."""
    configs = [
        (f"{prefix} object graph node {node_id}", config)
        for node_id, node in enumerate(meta_graph.object_graph_def.nodes)
        if node.WhichOneof("kind") == "user_object"
        and node.user_object.metadata
        and (config := _may_name_lambda(node.user_object.metadata)) is not None
    ]
    for nested in (False, True):
        for where, config in configs:
            _check_keras_json(state, config, where, nested)


def _may_name_lambda(text: str) -> Any:
    """The parsed JSON when it can hold a Lambda layer, else None (most layers: not parsed at all).

    A JSON string equal to ``Lambda`` is spelled ``Lambda`` in the text or uses a ``\\u``
    escape; a text with neither cannot name one.
    """
    if "Lambda" not in text and "\\u" not in text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _check_keras_json(state: State, config: Any, where: str, nested: bool) -> None:
    """Record Lambda layers in one parsed metadata JSON: the object itself, or (``nested``) layers it lists."""
    if nested:
        layers = list(_lambda_layers(config, 0))
    else:
        layers = [config] if isinstance(config, dict) and config.get("class_name") in LAMBDA_CLASSES else []
    for layer in layers:
        config = layer.get("config")
        inner: dict[str, Any] = config if isinstance(config, dict) else layer
        name = display_path(str(layer.get("name") or inner.get("name") or "?"))[:MAX_ARGUMENT_CHARS]
        key = (name, str(inner.get("function"))[:MAX_ARGUMENT_CHARS])
        if key in state.keras_layers:
            continue
        state.keras_layers.add(key)
        function_type, module = inner.get("function_type"), inner.get("module")
        state.add(
            "keras_lambda_layers",
            {
                "layer": name,
                "function_type": function_type if isinstance(function_type, str) else None,
                "module": module if isinstance(module, str) else None,
                "where": f"{where} layer '{name}'",
            },
        )


def _lambda_layers(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Every dict with ``class_name: Lambda`` in a Keras metadata JSON, outermost first."""
    if depth > JSON_DEPTH:
        return
    if isinstance(value, dict):
        if value.get("class_name") in LAMBDA_CLASSES:
            yield value
        for item in value.values():
            if isinstance(item, (dict, list)):
                yield from _lambda_layers(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                yield from _lambda_layers(item, depth + 1)
