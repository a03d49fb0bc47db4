"""A small SavedModel that exercises every rule of the graph index, made with protobuf's own messages.

A graph node calls a library function two ways (by ``StatefulPartitionedCall`` and by op name),
reads an output the function names (``by_name:z:0``), feeds inputs with odd output indices, and
carries layouts and ``value`` attributes of every kind the rules tell apart.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read import accelerator
from speclint.read.graph import from_messages, from_wire
from speclint.read.graph.tables import ScopeTables
from tests.conftest import need

DT_FLOAT, DT_STRING = 1, 7
ODD_INPUTS = ["call:1", "missing", "images:2:3", "images:x9", "images:99999999999", "images:\u00b2"]


def saved_model() -> Any:
    """The model as a ``SavedModel`` message (one meta graph, tag ``serve``)."""
    model = messages.SavedModel(saved_model_schema_version=1)
    meta = model.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    graph = meta.graph_def
    graph.node.add(name="images", op="Placeholder").attr["dtype"].type = DT_FLOAT
    function = graph.library.function.add()
    function.signature.name = "scale"
    function.signature.input_arg.add(name="x", type=DT_FLOAT)
    function.signature.input_arg.add(name="x", type=DT_FLOAT)  # a repeated argument name: the first counts
    function.signature.output_arg.add(name="y", type=DT_FLOAT)
    function.signature.output_arg.add(name="z", type=DT_FLOAT)
    function.node_def.add(name="ten", op="Const").attr["value"].tensor.float_val.append(10.0)
    function.node_def.add(name="mul", op="Mul", input=["x", "ten:output:0", "^x"])
    function.ret["y"] = "mul:z:0"
    function.ret["z"] = "x"
    graph.node.add(name="by_name", op="scale", input=["images", "images"])  # an op naming a function
    graph.node.add(name="named", op="Relu", input=["by_name:z:0", "^images"])  # an output named by the function
    graph.node.add(name="call", op="StatefulPartitionedCall", input=["named", "later:0"]).attr["f"].func.name = "scale"
    graph.node.add(name="later", op="Identity", input=ODD_INPUTS)
    conv = graph.node.add(name="conv", op="Conv2D", input=["later"])
    conv.attr["data_format"].s = b"NCHW"
    custom = graph.node.add(name="custom", op="MyOwnOp", input=["conv"])  # unregistered: its data_format counts
    custom.attr["data_format"].s = b"NCDHW"
    relu = graph.node.add(name="relu", op="Relu", input=["custom"])  # registered, no such attribute: ignored
    relu.attr["data_format"].s = b"NCHW"
    listed = graph.node.add(name="listed", op="MaxPool", input=["relu"])
    listed.attr["data_format"].list.s.append(b"NCHW")  # not a string: no layout
    nhwc = graph.node.add(name="nhwc", op="AvgPool", input=["listed"])
    nhwc.attr["data_format"].s = b"NHWC"
    graph.node.add(name="text", op="Const").attr["value"].tensor.dtype = DT_STRING
    graph.node.add(name="words", op="MyOwnOp").attr["value"].s = b"not a tensor"
    signature = meta.signature_def["default"]
    signature.inputs["images"].name = "images:0"
    signature.outputs["default"].name = "nhwc:0"
    return model


def python_tables(data: bytes) -> list[ScopeTables]:
    """``from_messages``'s tables of each meta graph of a binary SavedModel."""
    return [from_messages.read_tables(meta.graph_def) for meta in messages.SavedModel.FromString(data).meta_graphs]


def wire_tables(data: bytes) -> list[ScopeTables]:
    """``from_wire``'s tables of each meta graph (the test is skipped, or fails in CI, without the accelerator)."""
    need(accelerator.wire is not None, "speclint._wire is not built")
    plan = accelerator.wire.plan(data)
    assert plan is not None
    skeleton, spans = plan
    meta_graphs = messages.SavedModel.FromString(skeleton).meta_graphs
    return [
        from_wire.read_tables(data, start, end, meta.graph_def.library.function)
        for meta, (start, end) in zip(meta_graphs, spans, strict=True)
    ]


def all_nodes(tables: ScopeTables) -> list[tuple[int, Any]]:
    """(id, NodeDef) of every node of every scope, in id order."""
    found, base = [], 0
    for scope in tables.scopes:
        found += [(base + position, node) for position, node in enumerate(scope.nodes)]
        base += len(scope.nodes) + len(scope.args)
    return found
