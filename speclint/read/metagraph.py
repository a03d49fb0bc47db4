"""One MetaGraphDef as facts: tags, versions, SignatureDefs, collections, graph inventory."""

from __future__ import annotations

from collections.abc import Callable

from speclint.proto.messages import Message
from speclint.read.graph.index import LIST_CAP, TOP, GraphIndex
from speclint.read.graph.node_rules import NCHW_FORMATS
from speclint.read.hub import read_attachments
from speclint.read.object_graph import read_object_graph
from speclint.read.tensors import tensor_info
from speclint.vocabulary import Json


def read_meta_graph(index: int, meta_graph: Message, graph: GraphIndex | None = None) -> tuple[Json, GraphIndex]:
    """The facts of one meta graph, and its index (``graph`` when the loader built it: ``read.lazy_read``)."""
    info = meta_graph.meta_info_def
    graph = graph or GraphIndex(meta_graph.graph_def)
    facts: Json = {
        "index": index,
        "where": tag_set_label(meta_graph),
        "tags": list(info.tags),
        "tensorflow_version": info.tensorflow_version or None,
        "tensorflow_git_version": info.tensorflow_git_version or None,
        "meta_graph_version": info.meta_graph_version or None,
        "stripped_default_attrs": info.stripped_default_attrs,
        "signatures": {
            key: _signature(meta_graph.signature_def[key], graph) for key in sorted(meta_graph.signature_def)
        },
        "collections": {key: _collection(meta_graph.collection_def[key]) for key in sorted(meta_graph.collection_def)},
        "hub_attachments": read_attachments(meta_graph),
        "asset_files": [
            {"filename": asset.filename, "tensor_name": asset.tensor_info.name or None}
            for asset in meta_graph.asset_file_def
        ],
        "saver": _saver(meta_graph),
        "graph": _graph_inventory(graph),
        "object_graph": (
            read_object_graph(meta_graph.object_graph_def, _function_lookup(meta_graph))
            if meta_graph.object_graph_def.nodes
            else None
        ),
    }
    return facts, graph


def _function_lookup(meta_graph: Message) -> Callable[[str], Message | None]:
    """Library functions by name, indexed on the first question (most models never ask one)."""
    found: dict[str, Message] = {}

    def lookup(name: str) -> Message | None:
        if not found:
            found.update((function.signature.name, function) for function in meta_graph.graph_def.library.function)
        return found.get(name)

    return lookup


def tag_set_label(meta_graph: Message) -> str:
    """How reports name a meta graph: ``tag-set [serve]``."""
    return "tag-set [" + ", ".join(meta_graph.meta_info_def.tags) + "]"


def _signature(signature: Message, graph: GraphIndex) -> Json:
    inputs = {key: tensor_info(signature.inputs[key]) for key in sorted(signature.inputs)}
    outputs = {key: tensor_info(signature.outputs[key]) for key in sorted(signature.outputs)}
    for facts in inputs.values():
        ref = graph.tensor_ref(facts["name"]) if facts["encoding"] == "name" else None
        facts["consumers"] = graph.consumers(ref) if ref else []
    for facts in outputs.values():
        ref = graph.tensor_ref(facts["name"]) if facts["encoding"] == "name" else None
        facts["producer"] = graph.producer(ref) if ref else None
    return {"method_name": signature.method_name, "inputs": inputs, "outputs": outputs}


def _collection(collection: Message) -> Json:
    kind = collection.WhichOneof("kind")
    size = len(getattr(collection, kind).value) if kind else 0
    return {"kind": kind, "size": size}


def _saver(meta_graph: Message) -> Json | None:
    if not meta_graph.HasField("saver_def"):
        return None
    saver = meta_graph.saver_def
    return {"save_tensor_name": saver.save_tensor_name, "restore_op_name": saver.restore_op_name}


def _graph_inventory(graph: GraphIndex) -> Json:
    functions = {name: graph.op_counts(name) for name in sorted(graph.scopes) if name != TOP}
    total: dict[str, int] = dict(graph.op_counts(TOP))
    for counts in functions.values():
        for op, count in counts.items():
            total[op] = total.get(op, 0) + count
    nchw = graph.nodes_with_attr("data_format", NCHW_FORMATS)
    return {
        "node_count": len(graph.scopes[TOP].nodes),
        "function_count": len(functions),
        "op_counts": graph.op_counts(TOP),
        "all_op_counts": dict(sorted(total.items())),
        "functions": {name: {"op_counts": counts} for name, counts in functions.items()},
        "functions_reached_from_graph": graph.reachable_functions(),
        "nchw_nodes": nchw[:LIST_CAP],
        "nchw_node_count": len(nchw),
    }
