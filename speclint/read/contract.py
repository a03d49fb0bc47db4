"""The contract view: every place a consumer enters the model, described the same way.

The TF1 Hub format enters through SignatureDefs (``default``, ``image_feature_vector``,
``image_classification``) in each tag-set; the TF2 Reusable SavedModel API through the
traces of the root ``__call__`` that a documented call (``obj(images)``, with ``training``
when it takes one) reaches. Both become *entry points* with an ``images`` input, an
``output``, and what the graph does between them, so one rule can check the image input of
either format.

A model that offers neither is judged on what it does offer, so that its real violations
are found rather than hidden: its other signatures that take a 4-D image batch (a TF1
serving export, a Keras 3 export's ``serving_default``), else the 4-D placeholders of a
graph without any signature. Their ``api`` says which they are, so that the rules of the
missing entry (``images`` named ``images``, output ``default``, a ``__call__``) do not apply.
"""

from __future__ import annotations

from typing import Any

import speclint.read.dataflow as dataflow
from speclint.read.graph.index import TOP, GraphIndex, Ref
from speclint.vocabulary import TF1_SIGNATURES, TF2, Json, format_shape, is_tf1

COMPARED_FIELDS = ("encoding", "dtype", "shape")
NOT_IMAGES = frozenset({"DT_STRING", "DT_BOOL", "DT_VARIANT", "DT_RESOURCE", "DT_INVALID"})
TF1_SIGNATURE, TF2_CALL, SIGNATURE, GRAPH = "tf1-signature", "tf2-call", "signature", "graph"


def entry_points(facts: Json, graphs: list[GraphIndex]) -> list[Json]:
    """The contract's own entries; failing those, what the model offers instead."""
    pairs = list(zip(facts["meta_graphs"], graphs, strict=True))
    if is_tf1(facts["format"]):
        entries = [
            _signature_entry(meta_graph, name, graph, TF1_SIGNATURE, "images", "default")
            for meta_graph, graph in pairs
            for name in TF1_SIGNATURES
            if name in meta_graph["signatures"]
        ]
    elif facts["format"] == TF2:
        entries = [entry for meta_graph, graph in pairs for entry in _call_entries(meta_graph, graph)]
    else:
        return []
    return entries or _offered_signatures(pairs) or (_graph_entries(pairs) if is_tf1(facts["format"]) else [])


# ---- signatures ----------------------------------------------------------------------


def _signature_entry(
    meta_graph: Json, name: str, graph: GraphIndex, api: str, images_key: str | None, output_key: str | None
) -> Json:
    signature = meta_graph["signatures"][name]
    images = signature["inputs"].get(images_key) if images_key else None
    output = signature["outputs"].get(output_key) if output_key else None
    sink = _top_ref(graph, output)
    entry: Json = {
        "api": api,
        "where": f"tag-set {_tags(meta_graph['tags'])} signature_def['{name}']",
        "meta_graph": meta_graph["index"],
        "tags": meta_graph["tags"],
        "signature": name,
        "input_keys": sorted(signature["inputs"]),
        "output_keys": sorted(signature["outputs"]),
        "other_output_keys": sorted(k for k in signature["outputs"] if k != output_key) if api == TF1_SIGNATURE else [],
        "image_input_key": images_key,
        "images": _tensor(images),
        "output": _tensor(output),
        "output_structure": "dict",
        "outputs": [
            _output(key, tensor, dataflow.activation(graph, _top_ref(graph, tensor)))
            for key, tensor in sorted(signature["outputs"].items())
        ],
        "training": None,
        **dataflow.describe(graph, _top_ref(graph, images), sink, inference="train" not in meta_graph["tags"]),
    }
    if api == TF1_SIGNATURE and name != "default":
        entry["agrees_with_default"] = _agreement(signature, meta_graph["signatures"].get("default"))
    return entry


def _offered_signatures(pairs: list[tuple[Json, GraphIndex]]) -> list[Json]:
    """Every signature that takes a 4-D image batch: what a serving consumer calls instead."""
    entries = []
    for meta_graph, graph in pairs:
        for name, signature in sorted(meta_graph["signatures"].items()):
            key = image_input_key(signature["inputs"])
            if key is None:
                continue
            outputs = signature["outputs"]
            output_key = "default" if "default" in outputs else (next(iter(outputs)) if len(outputs) == 1 else None)
            entries.append(_signature_entry(meta_graph, name, graph, SIGNATURE, key, output_key))
    return entries


def image_input_key(inputs: dict[str, Json]) -> str | None:
    """The principal image input of a signature: ``images``, else its first 4-D numeric dense input."""
    if "images" in inputs:
        return "images"
    for key, tensor in sorted(inputs.items()):
        if is_image_batch(tensor):
            return key
    return None


def is_image_batch(tensor: Json | None) -> bool:
    shape = (tensor or {}).get("shape")
    return isinstance(shape, list) and len(shape) == 4 and (tensor or {}).get("dtype") not in NOT_IMAGES


# ---- the root __call__ -----------------------------------------------------------------


def _call_entries(meta_graph: Json, graph: GraphIndex) -> list[Json]:
    """The traces a documented call reaches; all of them when none is (``obj(images)`` fails,
    and SL131 says so: they are still what the model offers)."""
    object_graph = meta_graph["object_graph"]
    if object_graph is None:
        return []
    call = object_graph["call"]
    traces = call["concrete_functions"]
    reached: dict[int, list[str]] = {}
    for consumer_call in call.get("consumer_calls") or []:
        for number in consumer_call["traces"]:
            reached.setdefault(number, []).append(consumer_call["call"])
    chosen = [t for t in traces if t.get("trace") in reached] or traces
    return [_call_entry(meta_graph, trace, graph, reached.get(trace.get("trace"), [])) for trace in chosen]


def _call_entry(meta_graph: Json, function: Json, graph: GraphIndex, calls: list[str]) -> Json:
    args = function.get("args", [])
    first = args[0] if args else None
    images = first if first and first.get("kind") == "tensor" else None
    keywords = [v for v in (function.get("kwargs") or {}).values() if v.get("kind") == "tensor"]
    if not args and len(keywords) == 1:  # __call__(**inputs), as onnx-tf writes: obj(input=images)
        images = keywords[0]
    output = function.get("output") or {"kind": "none"}
    single = output.get("kind") == "tensor"
    tensor_args = sum(1 for a in args if a.get("kind") == "tensor")
    images_ref = graph.function_arg(function["name"], 0) if images else None
    leaves = _leaves(output, "")
    outputs = [graph.function_output(function["name"], i) for i in range(len(leaves))]
    training = function.get("training")
    return {
        "api": TF2_CALL,
        "where": function.get("label") or f"__call__ concrete function {function['name']}",
        "meta_graph": meta_graph["index"],
        "concrete_function": function["name"],
        "trace": function.get("trace"),
        "calls": calls,
        "input_keys": [a.get("name") or f"args[{i}]" for i, a in enumerate(args)],
        "extra_tensor_args": max(tensor_args + len(keywords) - 1, 0),
        "images": None if images is None else {"dtype": images["dtype"], "shape": images["shape"], "encoding": "name"},
        "first_arg_kind": first.get("kind") if first else "absent",
        "output": {"dtype": output["dtype"], "shape": output["shape"], "encoding": "name"} if single else None,
        "output_structure": output.get("kind"),
        "outputs": [
            _output(key, tensor, dataflow.activation(graph, ref))
            for (key, tensor), ref in zip(leaves, outputs, strict=True)
        ],
        "training": training,
        **dataflow.describe(
            graph, images_ref, outputs[0] if single else None, inference=not (training or {}).get("value")
        ),
    }


def _leaves(structure: Json, path: str) -> list[tuple[str, Json]]:
    """The tensors of a saved output structure with their paths (``[0]``, ``['logits']``), in the
    order ``tf.nest.flatten`` gives them, which is the order of the function's outputs."""
    kind = structure.get("kind")
    if kind == "tensor":
        return [(path, structure)]
    items = structure.get("items")
    if isinstance(items, dict):
        pairs = [(f"{path}[{key!r}]", value) for key, value in sorted(items.items())]
    elif isinstance(items, list):
        pairs = [(f"{path}[{i}]", value) for i, value in enumerate(items)]
    else:
        return []
    return [leaf for key, value in pairs if isinstance(value, dict) for leaf in _leaves(value, key)]


def _output(key: str, tensor: Json | None, activation: Json) -> Json:
    """One output of an entry point, and the op whose values it carries."""
    return {
        "key": key,
        "dtype": (tensor or {}).get("dtype"),
        "shape": (tensor or {}).get("shape"),
        "activation": activation["op"],
    }


# ---- graphs without signatures ----------------------------------------------------------


def _graph_entries(pairs: list[tuple[Json, GraphIndex]]) -> list[Json]:
    """The 4-D numeric placeholders of a TF1 graph that has no signature to call it by."""
    entries = []
    for meta_graph, graph in pairs:
        if meta_graph["signatures"]:
            continue
        for placeholder in dataflow.image_placeholders(graph):
            source = Ref(TOP, placeholder["node"])
            entries.append(
                {
                    "api": GRAPH,
                    "where": f"tag-set {_tags(meta_graph['tags'])} placeholder {placeholder['node']} (no signature)",
                    "meta_graph": meta_graph["index"],
                    "tags": meta_graph["tags"],
                    "placeholder": placeholder["node"],
                    "input_keys": [placeholder["node"]],
                    "images": {
                        "name": f"{placeholder['node']}:0",
                        "encoding": "name",
                        "dtype": placeholder["dtype"],
                        "shape": placeholder["shape"],
                    },
                    "output": None,
                    "output_structure": None,
                    "outputs": [
                        {"key": op["node"], "dtype": None, "shape": None, "activation": op["op"]}
                        for op in dataflow.probability_ops_after(graph, source)
                    ],
                    "training": None,
                    **dataflow.describe(graph, source, None, inference="train" not in meta_graph["tags"]),
                }
            )
    return entries


# ---- helpers -----------------------------------------------------------------------------


def _tensor(facts: Json | None) -> Json | None:
    if facts is None:
        return None
    return {"name": facts["name"], "encoding": facts["encoding"], "dtype": facts["dtype"], "shape": facts["shape"]}


def _top_ref(graph: GraphIndex, facts: Json | None) -> Ref | None:
    if facts is None or facts["encoding"] != "name" or not facts["name"]:
        return None
    return graph.tensor_ref(facts["name"])


def _agreement(signature: Json, default: Json | None) -> Json:
    """Does a named task signature offer the same ``images`` -> ``default`` as ``default``?"""
    if default is None:
        return {"agrees": None, "differences": ["there is no signature 'default' to compare with"]}
    differences = []
    for side, key in (("inputs", "images"), ("outputs", "default")):
        mine, theirs = signature[side].get(key), default[side].get(key)
        if mine is None or theirs is None:
            if mine is not theirs:
                differences.append(f"{side[:-1]} '{key}' is in only one of the two signatures")
            continue
        for field in COMPARED_FIELDS:
            if mine[field] != theirs[field]:
                differences.append(
                    f"{side[:-1]} '{key}' {field}: {_show(mine[field])} vs {_show(theirs[field])} in 'default'"
                )
    return {"agrees": not differences, "differences": differences}


def _show(value: Any) -> str:
    return format_shape(value) if isinstance(value, list) or value is None else str(value)


def _tags(tags: list[str]) -> str:
    return "[" + ", ".join(tags) + "]"
