"""Synthetic SavedModels of hostile and big shapes, built with speclint's own proto messages.

No TensorFlow: the shapes stress the readers (index, data flow, entry points), not what
TensorFlow would accept at load time. Used by ``bench_scale.py`` and ``tests/read/test_scaling.py``.

Each builder returns a serialized ``SavedModel`` (bytes); ``write`` puts one in a model directory.
"""

from __future__ import annotations

import os
from typing import Any

from speclint.proto import messages

DT_FLOAT = 1
DT_STRING = 7


def write(directory: str, data: bytes) -> str:
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "saved_model.pb"), "wb") as handle:
        handle.write(data)
    return directory


def _tf1(saved_model: Any) -> Any:
    meta = saved_model.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    return meta


def _placeholder(graph: Any, name: str = "images") -> None:
    node = graph.node.add(name=name, op="Placeholder")
    node.attr["dtype"].type = DT_FLOAT


def _signature(meta: Any, key: str, inputs: str, outputs: str) -> None:
    signature = meta.signature_def[key]
    signature.method_name = "tensorflow/serving/predict"
    signature.inputs["images"].name = inputs
    signature.inputs["images"].dtype = DT_FLOAT
    signature.outputs["default"].name = outputs
    signature.outputs["default"].dtype = DT_FLOAT


def _chain(nodes: Any, first: str, length: int, prefix: str, function: bool = False, op: str = "") -> str:
    """``length`` nodes in a row after ``first`` (Relu/AddV2, or all ``op``); returns the last tensor."""
    previous = first
    for i in range(length):
        kind = op or ("Relu" if i % 2 else "AddV2")
        inputs = [previous, previous] if kind == "AddV2" else [previous]
        nodes.add(name=f"{prefix}{i}", op=kind, input=inputs).attr["T"].type = DT_FLOAT
        previous = f"{prefix}{i}:y:0" if function else f"{prefix}{i}"
    return previous


def many_signatures(n: int) -> bytes:
    """``n`` signatures sharing one input over an ``n``-node chain (issue 10, item 4).

    The chain is ``Identity`` ops, which the consumer/producer queries look through, then a Relu.
    """
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    _placeholder(meta.graph_def)
    last = _chain(meta.graph_def.node, "images", n, "chain/", op="Identity")
    meta.graph_def.node.add(name="relu", op="Relu", input=[last])
    last = "relu"
    for i in range(n):
        _signature(meta, "default" if i == 0 else f"sig{i:05d}", "images:0", f"{last}:0")
    return bytes(saved_model.SerializeToString())


def signatures_along_a_chain(n: int) -> bytes:
    """``n`` signatures, each reading the ``Identity`` chain from a different node of it."""
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    _placeholder(meta.graph_def)
    last = _chain(meta.graph_def.node, "images", n, "chain/", op="Identity")
    meta.graph_def.node.add(name="relu", op="Relu", input=[last])
    for i in range(n):
        _signature(meta, "default" if i == 0 else f"sig{i:05d}", f"chain/{i}:0", "relu:0")
    return bytes(saved_model.SerializeToString())


def _tensor_spec(value: Any, shape: list[int]) -> None:
    value.tensor_spec_value.dtype = DT_FLOAT
    for size in shape:
        value.tensor_spec_value.shape.dim.add(size=size)


def _tf2_call(meta: Any, names: list[str]) -> None:
    """A root object whose ``__call__`` lists ``names`` (each one image tensor in, one tensor out)."""
    graph = meta.object_graph_def
    root = graph.nodes.add()
    root.user_object.identifier = "_generic_user_object"
    root.children.add(local_name="__call__", node_id=1)
    call = graph.nodes.add()
    call.function.concrete_functions.extend(names)
    for name in set(names):
        function = graph.concrete_functions[name]
        args = function.canonicalized_input_signature.tuple_value.values.add().tuple_value.values.add()
        _tensor_spec(args, [-1, 224, 224, 3])
        function.canonicalized_input_signature.tuple_value.values.add().dict_value.SetInParent()
        _tensor_spec(function.output_signature, [-1, 1280])


def _function(library: Any, name: str) -> Any:
    function = library.function.add()
    function.signature.name = name
    function.signature.input_arg.add(name="x", type=DT_FLOAT)
    function.signature.output_arg.add(name="y", type=DT_FLOAT)
    return function


def repeated_concrete_function(n: int) -> bytes:
    """A root ``__call__`` listing one concrete function ``n`` times over an ``n``-node chain."""
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    function = _function(meta.graph_def.library, "__inference_call_1")
    function.ret["y"] = _chain(function.node_def, "x", n, "n", function=True)
    _tf2_call(meta, ["__inference_call_1"] * n)
    return bytes(saved_model.SerializeToString())


def deep_calls(n: int) -> bytes:
    """``__call__`` -> f0 -> f1 -> ... -> f(n-1): a call chain ``n`` functions deep."""
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    library = meta.graph_def.library
    for i in range(n):
        function = _function(library, f"__inference_f{i}")
        relu = function.node_def.add(name="relu", op="Relu", input=["x"])
        relu.attr["T"].type = DT_FLOAT
        if i + 1 < n:
            call = function.node_def.add(name="call", op="StatefulPartitionedCall", input=["relu:activations:0"])
            call.attr["f"].func.name = f"__inference_f{i + 1}"
            call.attr["Tin"].list.type.append(DT_FLOAT)
            call.attr["Tout"].list.type.append(DT_FLOAT)
            function.ret["y"] = "call:output:0"
        else:
            function.ret["y"] = "relu:activations:0"
    _tf2_call(meta, ["__inference_f0"])
    return bytes(saved_model.SerializeToString())


def wide_fanout(n: int) -> bytes:
    """One input read by ``n`` ops whose results an ``AddN`` joins, in the graph and in a function."""
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    graph = meta.graph_def
    _placeholder(graph)
    for i in range(n):
        graph.node.add(name=f"fan{i}", op="Relu", input=["images"])
    graph.node.add(name="join", op="AddN", input=[f"fan{i}" for i in range(n)])
    call = graph.node.add(name="call", op="StatefulPartitionedCall", input=["join"])
    call.attr["f"].func.name = "__inference_wide_1"
    function = _function(graph.library, "__inference_wide_1")
    for i in range(n):
        function.node_def.add(name=f"fan{i}", op="Relu", input=["x"])
    function.node_def.add(name="join", op="AddN", input=[f"fan{i}:activations:0" for i in range(n)])
    function.ret["y"] = "join:sum:0"
    _signature(meta, "default", "images:0", "call:0")
    return bytes(saved_model.SerializeToString())


def _writing_functions(n: int, distinct: bool) -> bytes:
    """A ``default`` signature over a small graph, and ``n`` library functions each holding one
    ``WriteFile`` node: every one a dangerous op (SL600) at its own place."""
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    _placeholder(meta.graph_def)
    meta.graph_def.node.add(name="out", op="Relu", input=["images"])
    _signature(meta, "default", "images:0", "out:0")
    library = meta.graph_def.library
    for i in range(n):
        function = library.function.add()
        function.signature.name = f"__inference_w_{i}"
        function.signature.input_arg.add(name="x", type=DT_STRING)
        function.node_def.add(name=f"w{i}" if distinct else "w", op="WriteFile", input=["x", "x"])
    return bytes(saved_model.SerializeToString())


def many_functions(n: int) -> bytes:
    """``n`` functions with one ``WriteFile`` node each, all named ``w`` (issue 23; 200,000 make
    ~11 MB): one root cause (SL600) at ``n`` locations, which grouping once merged in quadratic time."""
    return _writing_functions(n, distinct=False)


def many_findings(n: int) -> bytes:
    """``many_functions`` with every node named apart (``w0``, ``w1``...): ``n`` findings, one location each."""
    return _writing_functions(n, distinct=True)


def big_graph(megabytes: float) -> bytes:
    """A TF1 graph of about ``megabytes``: conv blocks at the top level and in library functions.

    Every 50th block is a call of a library function holding more blocks, so the data flow
    crosses call boundaries as in a TF2-built graph; the ``default`` signature makes the data-flow
    analysis run from the input to the last block.
    """
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    graph = meta.graph_def
    _placeholder(graph)
    target = int(megabytes * 1024 * 1024)
    previous, index, size, functions = "images", 0, 0, 0
    while size < target:
        if index % 50 == 49:
            name = f"__inference_block_{functions}"
            function = _function(graph.library, name)
            function.ret["y"] = _conv_blocks(function.node_def, "x", 40, f"f{functions}/", function=True)
            call = graph.node.add(name=f"call{functions}", op="StatefulPartitionedCall", input=[previous])
            call.attr["f"].func.name = name
            call.attr["Tin"].list.type.append(DT_FLOAT)
            call.attr["Tout"].list.type.append(DT_FLOAT)
            previous = call.name
            functions += 1
            size += function.ByteSize() + call.ByteSize()
        else:
            before = len(graph.node)
            previous = _conv_blocks(graph.node, previous, 1, f"block{index}/")
            size += sum(graph.node[i].ByteSize() + 3 for i in range(before, len(graph.node)))
        index += 1
    _signature(meta, "default", "images:0", f"{previous}:0")
    return bytes(saved_model.SerializeToString())


def _conv_blocks(nodes: Any, first: str, count: int, prefix: str, function: bool = False) -> str:
    previous = first
    for i in range(count):
        weight = nodes.add(name=f"{prefix}{i}/w", op="Const")
        weight.attr["dtype"].type = DT_FLOAT
        weight.attr["value"].tensor.dtype = DT_FLOAT
        weight.attr["value"].tensor.tensor_content = bytes(256)
        w_out = f"{prefix}{i}/w:output:0" if function else f"{prefix}{i}/w"
        conv = nodes.add(name=f"{prefix}{i}/conv", op="Conv2D", input=[previous, w_out])
        conv.attr["T"].type = DT_FLOAT
        conv.attr["data_format"].s = b"NHWC"
        conv.attr["padding"].s = b"SAME"
        conv.attr["strides"].list.i.extend([1, 1, 1, 1])
        c_out = f"{prefix}{i}/conv:output:0" if function else f"{prefix}{i}/conv"
        relu = nodes.add(name=f"{prefix}{i}/relu", op="Relu", input=[c_out])
        relu.attr["T"].type = DT_FLOAT
        previous = f"{prefix}{i}/relu:activations:0" if function else relu.name
    return previous


def huge_string(path: str, megabytes: float) -> int:
    """Write a small valid graph plus one Const holding a string of ``megabytes`` (issue 10, item 6).

    The string is streamed to ``path`` around hand-encoded length prefixes, so building a file
    near the 1 GiB cap never holds it in memory. Returns the file size.
    """
    payload = int(megabytes * 1024 * 1024)
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = _tf1(saved_model)
    _signature(meta, "default", "images:0", "out:0")
    graph = messages.GraphDef()
    _placeholder(graph)
    graph.node.add(name="out", op="Relu", input=["images"])
    # SavedModel.meta_graphs[0].graph_def.node[+] = NodeDef{name, op, attr{"value": tensor{dtype, string_val}}}
    tensor_head = b"\x08\x07" + b"\x42" + _varint(payload)  # dtype DT_STRING, string_val (8) length
    attr_value_head = b"\x42" + _varint(len(tensor_head) + payload)  # AttrValue.tensor (8)
    attr_value_len = len(attr_value_head) + len(tensor_head) + payload
    entry_head = b"\x0a\x05value\x12" + _varint(attr_value_len)  # map entry: key (1), value (2)
    entry_len = len(entry_head) + attr_value_len
    node_head = b"\x0a\x04blob\x12\x05Const\x2a" + _varint(entry_len)  # name (1), op (2), attr (5)
    node_len = len(node_head) + entry_len
    graph_head = b"\x0a" + _varint(node_len)  # GraphDef.node (1), after the other nodes
    graph_def = graph.SerializeToString()
    graph_len = len(graph_def) + len(graph_head) + node_len
    meta_graph = meta.SerializeToString()  # without a graph_def: it follows, hand-encoded
    meta_head = b"\x12" + _varint(graph_len)
    meta_len = len(meta_graph) + len(meta_head) + graph_len
    heads = [
        b"\x08\x01\x12" + _varint(meta_len),  # saved_model_schema_version, meta_graphs (2)
        meta_graph,
        meta_head,
        graph_def,
        graph_head,
        node_head,
        entry_head,
        attr_value_head,
        tensor_head,
    ]
    with open(path, "wb") as handle:
        for head in heads:
            handle.write(head)
        chunk = b"x" * (1 << 20)
        for start in range(0, payload, len(chunk)):
            handle.write(chunk[: payload - start])
    return os.path.getsize(path)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


SHAPES = {
    "many-signatures": many_signatures,
    "signatures-along-a-chain": signatures_along_a_chain,
    "repeated-concrete-function": repeated_concrete_function,
    "deep-calls": deep_calls,
    "wide-fanout": wide_fanout,
    "many-functions": many_functions,
    "many-findings": many_findings,
}
