"""The TF2 object graph: what ``tf.saved_model.load`` would hand a consumer.

The Reusable SavedModel API is about the root object: its ``__call__`` and its
``variables``, ``trainable_variables`` and ``regularization_losses`` attributes. This
module reads them from ``MetaGraphDef.object_graph_def`` without restoring anything.
"""

from __future__ import annotations

from typing import Any

from speclint.proto.messages import Message
from speclint.read.tensors import structured_value
from speclint.vocabulary import Json

API_ATTRIBUTES = ("variables", "trainable_variables", "regularization_losses")


def read_object_graph(graph: Message) -> Json:
    nodes = graph.nodes
    root = nodes[0]
    children = {child.local_name: child.node_id for child in root.children}
    facts: Json = {
        "where": "root object",
        "node_count": len(nodes),
        "root": {
            "kind": root.WhichOneof("kind"),
            "identifier": root.user_object.identifier if root.HasField("user_object") else None,
            "children": sorted(children),
        },
        "call": _call(graph, children.get("__call__")),
        "attributes": {name: _attribute(graph, children.get(name)) for name in API_ATTRIBUTES},
        "signatures": _signature_names(graph, children.get("signatures")),
    }
    return facts


def _node(graph: Message, node_id: int | None) -> Message | None:
    if node_id is None or not 0 <= node_id < len(graph.nodes):
        return None
    return graph.nodes[node_id]


def _call(graph: Message, node_id: int | None) -> Json:
    node = _node(graph, node_id)
    if node is None:
        return {"present": False, "kind": None, "concrete_functions": []}
    kind = node.WhichOneof("kind")
    if kind == "function":
        names = list(node.function.concrete_functions)
        spec = node.function.function_spec
    elif kind == "bare_concrete_function":
        names = [node.bare_concrete_function.concrete_function_name]
        spec = node.bare_concrete_function.function_spec
    else:
        return {"present": True, "kind": kind, "concrete_functions": []}
    arg_names = _arg_names(spec)
    return {
        "present": True,
        "kind": kind,
        "arg_names": arg_names,
        "concrete_functions": [_concrete_function(graph, name, arg_names) for name in names],
    }


def _arg_names(spec: Message) -> list[str]:
    """Positional parameter names from the saved ``inspect.getfullargspec`` (minus ``self``)."""
    fullargspec = structured_value(spec.fullargspec) if spec.HasField("fullargspec") else {}
    items = fullargspec.get("items", {}) if isinstance(fullargspec, dict) else {}
    args = items.get("args", {}).get("items", []) if isinstance(items, dict) else []
    names = [arg.get("value") for arg in args if isinstance(arg, dict) and arg.get("kind") == "string"]
    if spec.is_method and names and names[0] == "self":
        names = names[1:]
    return [str(name) for name in names]


def _concrete_function(graph: Message, name: str, arg_names: list[str]) -> Json:
    facts: Json = {"name": name, "args": [], "kwargs": {}, "training": None, "output": None}
    if name not in graph.concrete_functions:
        facts["missing"] = True
        return facts
    function = graph.concrete_functions[name]
    signature = structured_value(function.canonicalized_input_signature)
    items = signature.get("items", []) if signature.get("kind") in ("tuple", "list") else []
    first = items[0] if len(items) > 0 and isinstance(items[0], dict) else {}
    positional = first.get("items", []) if first.get("kind") in ("tuple", "list") else []
    keywords = items[1].get("items", {}) if len(items) > 1 and items[1].get("kind") == "dict" else {}
    facts["args"] = [
        {"name": arg_names[i] if i < len(arg_names) else None, **value} for i, value in enumerate(positional)
    ]
    facts["kwargs"] = keywords
    training = keywords.get("training")
    if training is None:
        training = next((a for a in facts["args"] if a.get("name") == "training"), None)
    if training is not None:
        facts["training"] = {k: v for k, v in training.items() if k != "name"}
    facts["bound_input_count"] = len(function.bound_inputs)
    facts["output"] = structured_value(function.output_signature)
    return facts


def _attribute(graph: Message, node_id: int | None) -> Json:
    """An API attribute (a list object) and what it holds: variables or functions."""
    node = _node(graph, node_id)
    if node is None:
        return {"present": False}
    counts = {"variable": 0, "function": 0, "other": 0}
    for child in node.children:
        item = _node(graph, child.node_id)
        kind = item.WhichOneof("kind") if item is not None else None
        if kind == "variable":
            counts["variable"] += 1
        elif kind in ("function", "bare_concrete_function"):
            counts["function"] += 1
        else:
            counts["other"] += 1
    kind = node.WhichOneof("kind")
    result: dict[str, Any] = {
        "present": True,
        "kind": kind,
        "identifier": node.user_object.identifier if kind == "user_object" else None,
        "variable_count": counts["variable"],
        "function_count": counts["function"],
        "item_count": sum(counts.values()),
    }
    return result


def _signature_names(graph: Message, node_id: int | None) -> list[str]:
    node = _node(graph, node_id)
    return sorted(child.local_name for child in node.children) if node is not None else []
