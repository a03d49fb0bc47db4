"""The contract view: every place a consumer enters the model, described the same way.

The TF1 Hub format enters through SignatureDefs (``default``, ``image_feature_vector``,
``image_classification``) in each tag-set; the TF2 Reusable SavedModel API through the
concrete functions of the root ``__call__``. Both become *entry points* with an ``images``
input, an ``output``, and what the graph does between them, so one rule can check the
image input of either format.
"""

from __future__ import annotations

from typing import Any

from speclint.read.graph import GraphIndex, Ref
from speclint.vocabulary import TF1_SIGNATURES, TF2, Json, format_shape, is_tf1

COMPARED_FIELDS = ("encoding", "dtype", "shape")


def entry_points(facts: Json, graphs: list[GraphIndex]) -> list[Json]:
    entries: list[Json] = []
    for meta_graph, graph in zip(facts["meta_graphs"], graphs, strict=True):
        if is_tf1(facts["format"]):
            for name in TF1_SIGNATURES:
                if name in meta_graph["signatures"]:
                    entries.append(_tf1_entry(meta_graph, name, graph))
        object_graph = meta_graph["object_graph"]
        if facts["format"] == TF2 and object_graph is not None:
            for function in object_graph["call"]["concrete_functions"]:
                entries.append(_tf2_entry(meta_graph, function, graph))
    return entries


def _tf1_entry(meta_graph: Json, name: str, graph: GraphIndex) -> Json:
    signature = meta_graph["signatures"][name]
    images = signature["inputs"].get("images")
    output = signature["outputs"].get("default")
    entry: Json = {
        "api": "tf1-signature",
        "where": f"tag-set {_tags(meta_graph['tags'])} signature_def['{name}']",
        "meta_graph": meta_graph["index"],
        "tags": meta_graph["tags"],
        "signature": name,
        "input_keys": sorted(signature["inputs"]),
        "output_keys": sorted(signature["outputs"]),
        "other_output_keys": sorted(k for k in signature["outputs"] if k != "default"),
        "images": _tensor(images),
        "output": _tensor(output),
        "output_structure": "dict",
        "training": None,
        **_dataflow(
            graph, _top_ref(graph, images), _top_ref(graph, output), inference="train" not in meta_graph["tags"]
        ),
    }
    default = meta_graph["signatures"].get("default")
    if name != "default":
        entry["agrees_with_default"] = _agreement(signature, default)
    return entry


def _tf2_entry(meta_graph: Json, function: Json, graph: GraphIndex) -> Json:
    args = function.get("args", [])
    first = args[0] if args else None
    images = first if first and first.get("kind") == "tensor" else None
    output = function.get("output") or {"kind": "none"}
    single = output.get("kind") == "tensor"
    tensor_args = sum(1 for a in args if a.get("kind") == "tensor")
    images_ref = graph.function_arg(function["name"], 0) if images else None
    output_ref = graph.function_output(function["name"], 0) if single else None
    return {
        "api": "tf2-call",
        "where": f"__call__ concrete function {function['name']}"
        + (f" (training={_training_text(function['training'])})" if function.get("training") else ""),
        "meta_graph": meta_graph["index"],
        "concrete_function": function["name"],
        "input_keys": [a.get("name") or f"args[{i}]" for i, a in enumerate(args)],
        "extra_tensor_args": max(tensor_args - 1, 0),
        "images": None if images is None else {"dtype": images["dtype"], "shape": images["shape"], "encoding": "name"},
        "first_arg_kind": first.get("kind") if first else None,
        "output": {"dtype": output["dtype"], "shape": output["shape"], "encoding": "name"} if single else None,
        "output_structure": output.get("kind"),
        "training": function.get("training"),
        **_dataflow(graph, images_ref, output_ref, inference=not (function.get("training") or {}).get("value")),
    }


def _dataflow(graph: GraphIndex, source: Ref | None, sink: Ref | None, inference: bool) -> Json:
    """What happens between input and output.

    ``inference_path_ops`` are the ops SL141 checks for randomness: at inference every op on
    the path; in a training-mode entry (TF1 ``train`` tag-set, TF2 ``training=True``), where
    dropout inside the model is allowed, only the ops acting on the output itself, after its
    last layer: the specs forbid dropout on the actual outputs in every mode.
    """
    path_ops = graph.path_ops(source, sink) if source and sink else []
    return {
        "inference": inference,
        "input_consumers": graph.consumers(source) if source else [],
        "input_rescaling": graph.input_rescaling(source) if source else [],
        "output_producer": graph.producer(sink) if sink else None,
        "path_ops": path_ops,
        "inference_path_ops": path_ops if inference else (_output_ops(graph, sink) if sink else []),
    }


# Ops that act on a tensor element by element: dropout's mask, scale and select, activations.
ELEMENTWISE_OPS = frozenset(
    {"Mul", "RealDiv", "Div", "Select", "SelectV2", "Cast", "GreaterEqual", "Greater", "Less", "LessEqual",
     "Add", "AddV2", "Sub", "Floor", "Maximum", "Minimum", "Relu", "Relu6", "Elu", "Selu", "Sigmoid", "Tanh"}
)  # fmt: skip
MAX_OUTPUT_OPS = 10_000  # tensors visited walking back from an output (hostile graphs only are bigger)


def _output_ops(graph: GraphIndex, sink: Ref) -> list[str]:
    """Op types that act on the output after its last layer: back from it through element-wise ops only."""
    found: set[str] = set()
    stack: list[Ref] = [sink]
    seen: set[tuple[Any, Any]] = set()
    while stack and len(seen) < MAX_OUTPUT_OPS:
        ref = stack.pop()
        producer = graph.producer(ref)
        key = (producer["function"], producer["node"])
        if producer["op"] is None or key in seen:
            continue
        seen.add(key)
        found.add(producer["op"])
        if producer["op"] in ELEMENTWISE_OPS:
            scope = producer["function"] or ""
            node = graph.scopes[scope].nodes[producer["node"]]
            stack.extend(graph.parse_ref(scope, raw) for raw in node.input if not raw.startswith("^"))
    return sorted(found)


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


def _training_text(training: Json) -> str:
    return str(training.get("value")) if "value" in training else training.get("kind", "?")
