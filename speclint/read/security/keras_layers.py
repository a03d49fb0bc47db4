"""Keras layers by allowlist: what tf_keras runs when it rebuilds a model from ``keras_metadata.pb``.

``tf_keras.models.load_model`` rebuilds every layer it knows from its config and calls it in
Python, whatever the traced graph holds: a ``TFOpLambda`` calls the ``tf.*`` function its
config names, a lookup layer reads a vocabulary path, a ``TensorFlowOpLayer`` runs the op of its
NodeDef, a feature column reads its ``vocabulary_file``. Every class tf_keras can rebuild is
decided in ``speclint/data/keras_layers.json`` (a test enumerates them from tf_keras); the
classes whose config decides what runs are checked here, and a class tf_keras does not know is a
custom object, rebuilt only with the consumer's own code (or revived from the traced functions).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from typing import Any

from speclint.read.security.ops import DATA_DIR, dangerous_ops, function_ops, known_ops
from speclint.read.security.state import MAX_ARGUMENT_CHARS, State
from speclint.safe_text import display_path

JSON_DEPTH = 64
CALLS_FUNCTION, READS_PATH, CUSTOM_OBJECT = "calls-function", "reads-path", "custom-object"
OP_LAMBDAS = frozenset({"TFOpLambda", "SlicingOpLambda"})
LOOKUPS = frozenset({"StringLookup", "IntegerLookup", "TextVectorization"})
CLASS_METHOD_CLASSES = frozenset({"RaggedTensor", "SparseTensor"})
PYTHON_FUNCTION_KEYS = {"Lambda": "function", "ResidualWrapper": "residual_fn", "DropoutWrapper": "dropout_fn"}
# TextVectorization's built-in standardize and split modes; any other name is a registered callable.
TEXT_MODES = {
    "standardize": frozenset({"lower_and_strip_punctuation", "lower", "strip_punctuation"}),
    "split": frozenset({"whitespace", "character"}),
}
COMPAT_PREFIXES = ("compat.v1.", "compat.v2.")


@functools.lru_cache(maxsize=1)
def decisions() -> tuple[frozenset[str], frozenset[str]]:
    """(every layer class decided, every other class a config may name)."""
    with open(os.path.join(DATA_DIR, "keras_layers.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    layers = set(data["checked"])
    for group in data["groups"].values():
        layers.update(group["classes"])
    return frozenset(layers), frozenset(data["objects"]["classes"])


@functools.lru_cache(maxsize=1)
def harmless_classes() -> frozenset[str]:
    """Classes whose config cannot make tf_keras reach outside: every decided class but the checked ones."""
    with open(os.path.join(DATA_DIR, "keras_layers.json"), encoding="utf-8") as handle:
        checked = set(json.load(handle)["checked"])
    layers, objects = decisions()
    return frozenset((layers | objects) - checked)


@functools.lru_cache(maxsize=1)
def tf_functions() -> frozenset[str]:
    """API names a TFOpLambda may call: pure tensor math (``scripts/gen_known_ops.py``)."""
    with open(os.path.join(DATA_DIR, "tf_functions.txt"), encoding="utf-8") as handle:
        return frozenset(line for line in handle.read().split("\n") if line and not line.startswith("#"))


def check_layers(state: State, config: Any, where: str, nested: bool, rebuilt: frozenset[str] = frozenset()) -> None:
    """Record what a metadata JSON makes tf_keras run: the object itself, or (``nested``) everything in it.

    ``rebuilt``: the names of the model's child layers that have metadata nodes of their own:
    tf_keras builds those from their own node (``reconstruct_from_config`` takes them from
    ``created_layers``), never from the copy in the model's layer list, which keeps the
    export-time config (a vocabulary file's original path, for one).
    """
    if nested:
        items = _objects(config, "", "", 0, rebuilt)
    else:
        items = iter([("", _layer_name(config) or "", config)] if isinstance(config, dict) else [])
    for path, owner, item in items:
        for kind, detail in _verdicts(item):
            _add(state, item, owner, path, kind, detail, where)


def _layer_name(item: dict[str, Any]) -> str | None:
    config = item.get("config")
    name = item.get("name") or (config.get("name") if isinstance(config, dict) else None)
    return name if isinstance(name, str) else None


def _objects(
    value: Any, path: str, owner: str, depth: int, rebuilt: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every dict of a JSON value: its JSON Pointer, the layer it belongs to, itself; outermost first.

    A layer of the top model's own list (``/config/layers/<i>``) named in ``rebuilt`` is skipped.
    """
    if depth > JSON_DEPTH:
        return
    in_own_list = path.startswith("/config/layers/") and path.count("/") == 3
    if rebuilt and in_own_list and isinstance(value, dict) and _layer_name(value) in rebuilt:
        return
    if isinstance(value, dict):
        owner = _layer_name(value) or owner
        yield path, owner, value
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return
    for key, item in items:
        if isinstance(item, (dict, list)):
            key_path = f"{path}/{str(key).replace('~', '~0').replace('/', '~1')}"
            yield from _objects(item, key_path, owner, depth + 1, rebuilt)


def _verdicts(item: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(kind, detail) of each thing this object makes tf_keras run outside pure tensor math."""
    file = item.get("vocabulary_file")
    if isinstance(file, str) and file:  # a feature column's vocabulary, read when it is built
        yield READS_PATH, f"vocabulary_file {file!r}"
    class_name = item.get("class_name")
    if not isinstance(class_name, str):
        return
    config = item.get("config")
    config = config if isinstance(config, dict) else {}
    layers, objects = decisions()
    if class_name not in layers and class_name not in objects:
        handle = config.get("handle")  # hub.KerasLayer: hub.load(handle) when the consumer supplies the class
        yield CUSTOM_OBJECT, f"class {class_name!r}" + (f" (handle {handle!r})" if isinstance(handle, str) else "")
    elif class_name in OP_LAMBDAS:
        function = config.get("function")
        if not isinstance(function, str) or _bare(function) not in tf_functions():
            yield CALLS_FUNCTION, f"tf.{function}" if isinstance(function, str) else "a function it does not name"
    elif class_name == "ClassMethod":
        symbol, method = config.get("cls_symbol"), config.get("method_name")
        if symbol not in CLASS_METHOD_CLASSES or not isinstance(method, str):
            yield CALLS_FUNCTION, f"tf.{symbol}.{method}"
    elif class_name == "TensorFlowOpLayer":
        node_def = config.get("node_def")
        op = node_def.get("op") if isinstance(node_def, dict) else None
        if not isinstance(op, str) or op in dangerous_ops() or op not in known_ops() or op in function_ops():
            yield CALLS_FUNCTION, f"op {op}"
    elif class_name in LOOKUPS:
        vocabulary = config.get("vocabulary")
        if isinstance(vocabulary, str):
            yield READS_PATH, f"vocabulary {vocabulary!r}"
        if class_name == "TextVectorization":
            for key, allowed in TEXT_MODES.items():
                mode = config.get(key)
                if mode is not None and mode not in allowed:
                    yield CUSTOM_OBJECT, f"{key} {mode!r}"
    elif class_name in ("ResidualWrapper", "DropoutWrapper"):
        key = PYTHON_FUNCTION_KEYS[class_name]
        if key in config and config.get(f"{key}_type") != "lambda":  # bytecode is SL602's; a name is custom
            yield CUSTOM_OBJECT, f"{key} {config.get(key)!r}"


def _bare(function: str) -> str:
    """``compat.v1.math.add`` -> ``math.add``: tf_keras resolves the compat names to the same functions."""
    while function.startswith(COMPAT_PREFIXES):
        function = function[len(COMPAT_PREFIXES[0]) :]
    return function


def _add(state: State, item: dict[str, Any], owner: str, path: str, kind: str, detail: str, where: str) -> None:
    """Record one finding, named by the layer it belongs to (an initializer's by its layer)."""
    name = display_path(owner or str(item.get("class_name") or "?"))[:MAX_ARGUMENT_CHARS]
    detail = display_path(detail)[:MAX_ARGUMENT_CHARS]
    class_name = display_path(str(item.get("class_name") or "?"))[:MAX_ARGUMENT_CHARS]
    key = (name, class_name, kind, detail)
    if key in state.keras_layers:
        return
    state.keras_layers.add(key)
    place = f"config {path}" if path else "its own config"
    if kind == CUSTOM_OBJECT:
        summary = f"layer '{name}' names {detail}, which tf_keras does not know ({place})"
    else:
        summary = f"{class_name} layer '{name}' {'calls' if kind == CALLS_FUNCTION else 'reads'} {detail} ({place})"
    state.add(
        "keras_layers",
        {
            "layer": name,
            "class_name": class_name,
            "kind": kind,
            "detail": detail,
            "config_path": path or "/",
            "where": f"{where} layer '{name}'",
            "summary": summary,
        },
    )
