"""The TF2 object graph: what ``tf.saved_model.load`` would hand a consumer.

The Reusable SavedModel API is about the root object: its ``__call__`` and its
``variables``, ``trainable_variables`` and ``regularization_losses`` attributes. This
module reads them from ``MetaGraphDef.object_graph_def`` without restoring anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from speclint.proto.messages import Message, dtype_name
from speclint.read.calls import ArgSpec, documented_calls, reached
from speclint.read.tensors import shape_list, structured_value
from speclint.vocabulary import Json, dtype_word

API_ATTRIBUTES = ("variables", "trainable_variables", "regularization_losses")


def read_object_graph(graph: Message, functions: Callable[[str], Message | None] | None = None) -> Json:
    """The root object's API; ``functions`` looks up a library function by name (the argument
    types of a trace that saved no input signature are read from it)."""
    nodes = graph.nodes
    root = nodes[0]
    children = {child.local_name: child.node_id for child in root.children}
    root_kind = root.WhichOneof("kind")
    is_function = root_kind in CALLABLE_KINDS
    facts: Json = {
        "where": "root object",
        "node_count": len(nodes),
        "root": {
            "kind": root_kind,
            "identifier": root.user_object.identifier if root.HasField("user_object") else None,
            "children": sorted(children),
        },
        "call": _call(graph, 0 if is_function else children.get("__call__"), functions or _no_functions),
        "attributes": {
            name: FUNCTION_PROPERTY
            if is_function and name in FUNCTION_PROPERTIES
            else _attribute(graph, children.get(name))
            for name in API_ATTRIBUTES
        },
        "signatures": _signature_names(graph, children.get("signatures")),
    }
    return facts


CALLABLE_KINDS = ("function", "bare_concrete_function")
# A root that is itself a function loads as a ConcreteFunction: its ``variables`` and
# ``trainable_variables`` are properties, always present, and empty (saving refuses a function
# root that captures a variable); it has no ``regularization_losses``.
FUNCTION_PROPERTIES = ("variables", "trainable_variables")
FUNCTION_PROPERTY: Json = {
    "present": True,
    "kind": "function property",
    "identifier": None,
    "variable_count": 0,
    "function_count": 0,
    "item_count": 0,
}


def _no_functions(name: str) -> Message | None:
    return None


def _node(graph: Message, node_id: int | None) -> Message | None:
    if node_id is None or not 0 <= node_id < len(graph.nodes):
        return None
    return graph.nodes[node_id]


def _call(graph: Message, node_id: int | None, functions: Callable[[str], Message | None]) -> Json:
    """What ``obj(...)`` runs: the root's ``__call__``, or the root itself when it is a function."""
    node = _node(graph, node_id)
    if node is None:
        return {"present": False, "kind": None, "where": "root object", "concrete_functions": [], "consumer_calls": []}
    kind = node.WhichOneof("kind")
    where = "root object (a function)" if node_id == 0 else "root __call__"
    if kind == "function":
        names = list(node.function.concrete_functions)
        spec = _arg_spec(node.function.function_spec, node.function.HasField("function_spec"))
        keywords: list[str] = []
    elif kind == "bare_concrete_function":
        bare = node.bare_concrete_function
        names = [bare.concrete_function_name]
        keywords = list(bare.argument_keywords)
        spec = _arg_spec(bare.function_spec, bare.HasField("function_spec"))
        if not spec.known:  # the legacy call: every argument keyword required, none has a default
            spec = ArgSpec(keywords, {}, [], False, False)
    else:
        return {"present": True, "kind": kind, "where": where, "concrete_functions": [], "consumer_calls": []}
    traces = [_concrete_function(graph, name, spec.args, keywords, functions) for name in names]
    for number, trace in enumerate(traces, start=1):
        trace["trace"] = number
        trace["label"] = f"__call__ trace {number} ({', '.join(trace_arguments(trace))})"
    return {
        "present": True,
        "kind": kind,
        "where": where,
        "arg_names": spec.args,
        "defaults": spec.defaults,
        "required_args": [name for name in [*spec.args[1:], *spec.kwonly] if name not in spec.defaults],
        "concrete_functions": traces,
        "consumer_calls": _consumer_calls(traces, spec),
    }


def _consumer_calls(traces: list[Json], spec: ArgSpec) -> list[Json]:
    """Each documented call, the traces it reaches (their numbers) and why it reaches none."""
    found = []
    kinds = {str((t.get("args") or [{}])[0].get("kind")) for t in traces if t.get("args")}
    for call in documented_calls(spec):
        positions, problem = reached(traces, spec, call)
        if not positions and kinds and "tensor" not in kinds:  # what the images would have to be
            first = spec.args[0] if spec.args else "?"
            kind = ", ".join(sorted(kinds))
            problem = f"its first argument '{first}' is a {kind} in every saved trace, not the images"
        found.append(
            {
                "where": f"root __call__ as {call.text}",
                "call": call.text,
                "training": call.training,
                "traces": [traces[p]["trace"] for p in positions],
                "error": problem,
            }
        )
    return found


def _arg_spec(spec: Message, present: bool) -> ArgSpec:
    """The saved ``inspect.getfullargspec`` (minus ``self``): names, defaults, keyword-only names."""
    fullargspec = structured_value(spec.fullargspec) if present and spec.HasField("fullargspec") else {}
    items = fullargspec.get("items", {}) if isinstance(fullargspec, dict) else {}
    if not isinstance(items, dict) or not items:
        return ArgSpec([], {}, [], False, False)
    names = _strings(items.get("args"))
    if (spec.is_method or names[:1] == ["self"]) and names:
        names = names[1:]
    values = items.get("defaults") or {}
    defaults_list = values.get("items", []) if isinstance(values, dict) else []
    defaults_list = defaults_list if isinstance(defaults_list, list) else []
    defaults = dict(zip(names[len(names) - len(defaults_list) :], defaults_list, strict=False)) if names else {}
    kwonly = _strings(items.get("kwonlyargs"))
    kwdefaults = items.get("kwonlydefaults") or {}
    kw_items = kwdefaults.get("items", {}) if isinstance(kwdefaults, dict) else {}
    if isinstance(kw_items, dict):
        defaults.update({name: value for name, value in kw_items.items() if name in kwonly})
    varargs = (items.get("varargs") or {}).get("kind") == "string"
    return ArgSpec(names, defaults, kwonly, varargs, True)


def _strings(value: Any) -> list[str]:
    items = value.get("items", []) if isinstance(value, dict) else []
    return [str(item.get("value")) for item in items if isinstance(item, dict) and item.get("kind") == "string"]


def _concrete_function(
    graph: Message, name: str, arg_names: list[str], keywords: list[str], functions: Callable[[str], Message | None]
) -> Json:
    facts: Json = {"name": name, "args": [], "kwargs": {}, "training": None, "output": None}
    if name not in graph.concrete_functions:
        facts["missing"] = True
        return facts
    function = graph.concrete_functions[name]
    signature = structured_value(function.canonicalized_input_signature)
    if signature.get("kind") in ("tuple", "list"):
        items = signature.get("items", [])
        first = items[0] if len(items) > 0 and isinstance(items[0], dict) else {}
        positional = first.get("items", []) if first.get("kind") in ("tuple", "list") else []
        keywords_value = items[1].get("items", {}) if len(items) > 1 and items[1].get("kind") == "dict" else {}
    else:  # no input signature saved (a pruned ``wrap_function``): the graph's own arguments
        positional, keywords_value = _graph_arguments(functions(name), function, keywords), {}
    facts["args"] = [
        {**value, "name": value.get("name") or (arg_names[i] if i < len(arg_names) else None)}
        for i, value in enumerate(positional)
    ]
    facts["kwargs"] = keywords_value
    training = keywords_value.get("training")
    if training is None:
        position = arg_names.index("training") if "training" in arg_names else -1
        training = next((a for i, a in enumerate(facts["args"]) if i == position or a.get("name") == "training"), None)
    if training is not None:
        facts["training"] = {k: v for k, v in training.items() if k != "name"}
    facts["bound_input_count"] = len(function.bound_inputs)
    facts["output"] = structured_value(function.output_signature)
    return facts


def _graph_arguments(function_def: Message | None, saved: Message, keywords: list[str]) -> list[Json]:
    """The tensors a concrete function without a saved input signature takes: its FunctionDef's
    arguments minus the captured ones, with the shapes TensorFlow recorded for them."""
    if function_def is None:
        return []
    inputs = list(function_def.signature.input_arg)
    count = len(keywords) if keywords else max(len(inputs) - len(saved.bound_inputs), 0)
    arguments = []
    for position, arg in enumerate(inputs[:count]):
        attrs = function_def.arg_attr[position].attr if position in function_def.arg_attr else {}
        shapes = attrs["_output_shapes"].list.shape if "_output_shapes" in attrs else []
        arguments.append(
            {
                "kind": "tensor",
                "dtype": dtype_name(arg.type),
                "shape": shape_list(shapes[0]) if len(shapes) == 1 else None,
                "name": keywords[position] if position < len(keywords) else arg.name,
            }
        )
    return arguments


def trace_arguments(trace: Json) -> list[str]:
    """A trace's arguments in Python's words: ``images: float32[?,224,224,3]``, ``training=False``."""
    args = [_argument(a.get("name") or f"arg{i}", a) for i, a in enumerate(trace.get("args") or [])]
    return args + [_argument(k, v) for k, v in (trace.get("kwargs") or {}).items()]


def _argument(name: str, value: Json) -> str:
    kind = value.get("kind")
    if kind == "tensor":
        shape = value.get("shape")
        dims = "[" + ",".join("?" if d == -1 else str(d) for d in shape) + "]" if shape is not None else "[...]"
        return f"{name}: {dtype_word(value.get('dtype'))}{dims}"
    if kind == "none":
        return f"{name}=None"
    if "value" in value:
        return f"{name}={value['value']!r}"
    return f"{name}: {kind or '?'}"


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
