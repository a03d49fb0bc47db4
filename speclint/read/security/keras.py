"""Keras layers in a model's metadata: ``Lambda`` bytecode (SL602) and every other layer by allowlist.

Found in ``keras_metadata.pb`` (TF 2.5+) or in the object graph's ``SavedUserObject.metadata``
(older Keras), at the top level of a layer's JSON or nested in a model's layer list. Each JSON
is parsed once and checked for Lambda layers here and for what the other layers make tf_keras
run in ``keras_layers``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from typing import Any

from google.protobuf import message as pb_message

from speclint.proto.keras_messages import SavedMetadata
from speclint.proto.messages import Message
from speclint.read.loading import ReadError, read_bytes
from speclint.read.security.keras_layers import check_layers, harmless_classes
from speclint.read.security.state import MAX_ARGUMENT_CHARS, State
from speclint.safe_text import display_path

# Classes whose config can hold marshalled bytecode, and the key that holds it: tf_keras runs it
# (``func_load``) when it rebuilds the layer. The wrappers hold it only with ``<key>_type: lambda``.
BYTECODE_KEYS = {"Lambda": "function", "ResidualWrapper": "residual_fn", "DropoutWrapper": "dropout_fn"}
JSON_DEPTH = 64  # how deep a Keras layer config is searched for nested Lambda layers
CLASS_NAME = re.compile(r'"class_name"\s*:\s*"([^"\\]*)"')


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
    texts = [(node.node_path, node.metadata) for node in metadata.nodes]
    wanted = [index for index, (_, text) in enumerate(texts) if _may_matter(text)]
    parsed = {index: _parse(texts[index][1]) for index in wanted}
    configs = []
    for index in wanted:
        path, config = texts[index][0], parsed[index]
        if config is not None:
            where = f"keras_metadata.pb {path or 'node ' + str(metadata.nodes[index].node_id)}"
            configs.append((where, config, _children(path, texts) if path else frozenset[str]()))
    _check_all(state, configs)


def scan_object_graph_keras(state: State, prefix: str, meta_graph: Message) -> None:
    """Keras before TF 2.5 kept the same JSON in the object graph's SavedUserObject.metadata."""
    configs = [
        (f"{prefix} object graph node {node_id}", config, frozenset[str]())
        for node_id, node in enumerate(meta_graph.object_graph_def.nodes)
        if node.WhichOneof("kind") == "user_object"
        and node.user_object.metadata
        and _may_matter(node.user_object.metadata)
        and (config := _parse(node.user_object.metadata)) is not None
    ]
    _check_all(state, configs)


def _check_all(state: State, configs: list[tuple[str, Any, frozenset[str]]]) -> None:
    for nested in (False, True):  # a layer's own entry first, so it names the layer's node path
        for where, config, rebuilt in configs:
            _check_keras_json(state, config, where, nested)
            check_layers(state, config, where, nested, rebuilt)


def _may_matter(text: str) -> bool:
    """Whether a metadata JSON can hold anything the Keras checks report (else it is not even parsed).

    Its ``class_name`` values are read from the text; one that names a class not known to be
    harmless, a Lambda-like class, a ``vocabulary_file`` key, or any backslash (an escape could
    hide a class name or a key from this reading) means it is parsed and walked.
    """
    if "\\" in text or "vocabulary_file" in text:
        return True
    names = CLASS_NAME.findall(text)
    if len(names) != text.count('"class_name"'):
        return True
    return not set(names) <= harmless_classes()


def _children(path: str, texts: list[tuple[str, str]]) -> frozenset[str]:
    """Names of the layers whose nodes sit directly under ``path`` (``root`` -> ``root.layer-1``)."""
    names = set()
    for child, text in texts:
        if child.startswith(path + ".") and "." not in child[len(path) + 1 :]:
            config = _parse(text)
            name = config.get("name") if isinstance(config, dict) else None
            if isinstance(name, str):
                names.add(name)
    return frozenset(names)


def _parse(text: str) -> Any:
    """The parsed metadata JSON, or None when it is none (tf_keras then fails to rebuild the layer)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _check_keras_json(state: State, config: Any, where: str, nested: bool) -> None:
    """Record Lambda layers in one parsed metadata JSON: the object itself, or (``nested``) layers it lists."""
    layers = list(_lambda_layers(config, 0)) if nested else [config] if _holds_bytecode(config) else []
    for layer in layers:
        config = layer.get("config")
        inner: dict[str, Any] = config if isinstance(config, dict) else layer
        name = display_path(str(layer.get("name") or inner.get("name") or "?"))[:MAX_ARGUMENT_CHARS]
        field = BYTECODE_KEYS[layer["class_name"]]
        key = (name, str(inner.get(field))[:MAX_ARGUMENT_CHARS])
        if key in state.keras_layers:
            continue
        state.keras_layers.add(key)
        suffix = "" if field == "function" else f"{field}_"
        function_type, module = inner.get(f"{field}_type"), inner.get(f"{suffix}module" if suffix else "module")
        state.add(
            "keras_lambda_layers",
            {
                "layer": name,
                "function_type": function_type if isinstance(function_type, str) else None,
                "module": module if isinstance(module, str) else None,
                "where": f"{where} layer '{name}'",
            },
        )


def _holds_bytecode(value: Any) -> bool:
    """A Lambda layer, or a cell wrapper whose function is stored as bytecode."""
    if not isinstance(value, dict) or value.get("class_name") not in BYTECODE_KEYS:
        return False
    if value["class_name"] == "Lambda":
        return True
    config = value.get("config")
    field = BYTECODE_KEYS[value["class_name"]]
    return isinstance(config, dict) and config.get(f"{field}_type") == "lambda"


def _lambda_layers(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Every layer holding bytecode in a Keras metadata JSON, outermost first."""
    if depth > JSON_DEPTH:
        return
    if isinstance(value, dict):
        if _holds_bytecode(value):
            yield value
        for item in value.values():
            if isinstance(item, (dict, list)):
                yield from _lambda_layers(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)):
                yield from _lambda_layers(item, depth + 1)
