"""Whether a string constant is meant as a graph is decided by the op that consumes it.

Unit level, on GraphDefs built with the proto API (the TensorFlow-built models that prove what
TensorFlow does with each case are in ``evasion/``): a string that starts like a GraphDef but
does not parse is silence for an ordinary consumer and SL604 for ``DatasetFromGraph``.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read import security
from speclint.read.security import scan
from tests.read.security.test_security import const, one_graph, scan_of, serve

DT_STRING = 7
LOOKS_LIKE_A_GRAPH = b"\x0a\xff\xff\xff\x0f cut short"  # field 1 (node), a length past the end


def _saved_model(consumer: str, data: bytes) -> Any:
    saved = messages.SavedModel()
    graph = saved.meta_graphs.add().graph_def
    const = graph.node.add(name="blob", op="Const")
    const.attr["dtype"].type = DT_STRING
    const.attr["value"].tensor.dtype = DT_STRING
    const.attr["value"].tensor.string_val.append(data)
    graph.node.add(name="alias", op="Identity", input=["blob"])
    graph.node.add(name="use", op=consumer, input=["alias"])
    saved.meta_graphs[0].signature_def["serving_default"].outputs["out"].name = "use:0"  # runs at serve
    return saved


def _facts(consumer: str, data: bytes, tmp: str) -> Any:
    return scan(tmp, [], _saved_model(consumer, data))


def test_an_ordinary_string_that_looks_like_a_graph_is_no_finding(tmp_path: Any) -> None:
    facts = _facts("StringLength", LOOKS_LIKE_A_GRAPH, str(tmp_path))
    assert facts["errors"] == [] and facts["nested_graphs_scanned"] == 0


def test_the_same_string_run_as_a_graph_is_an_incomplete_scan(tmp_path: Any) -> None:
    [error] = _facts("DatasetFromGraph", LOOKS_LIKE_A_GRAPH, str(tmp_path))["errors"]
    assert error["where"] == "tag-set [] node use" and "does not parse as a GraphDef" in error["message"]


def test_a_graph_run_by_dataset_from_graph_is_scanned_whatever_its_first_field(tmp_path: Any) -> None:
    inner = messages.GraphDef()
    inner.node.add(name="read", op="ReadFile", input=["path"])
    data = b"\xa0\x06\x01" + inner.SerializeToString()  # an unknown field first: no sniff takes it
    assert _facts("StringLength", data, str(tmp_path))["dangerous_ops"] == []
    facts = _facts("DatasetFromGraph", data, str(tmp_path))
    assert [entry["op"] for entry in facts["dangerous_ops"]] == ["ReadFile"] and facts["errors"] == []
    assert facts["dangerous_ops"][0]["nested_depth"] == 1


def test_graph_def_serialized_in_a_constant_is_scanned() -> None:
    inner = messages.GraphDef()
    function = inner.library.function.add()
    function.signature.name = "read_one_file"
    function.node_def.add(name="lines", op="TextLineDataset", input=["filenames"])
    inner.node.add(name="custom", op="SpeclintNotARealOp")
    saved_model, meta_graph = one_graph()
    const(meta_graph.graph_def, "graph_def", inner.SerializeToString())
    meta_graph.graph_def.node.add(name="dataset", op="DatasetFromGraph", input=["graph_def"])
    serve(meta_graph, "dataset")
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == 1
    [dangerous] = scan["dangerous_ops"]
    assert dangerous["op"] == "TextLineDataset" and dangerous["nested_depth"] == 1
    assert dangerous["where"] == (
        "tag-set [serve] node graph_def > serialized GraphDef function read_one_file node lines"
    )
    assert [u["op"] for u in scan["unknown_ops"]] == ["SpeclintNotARealOp"]


def test_nested_graphs_stop_at_the_depth_limit() -> None:
    graph = messages.GraphDef()
    graph.node.add(name="leak", op="ReadFile")
    for level in range(40):
        outer = messages.GraphDef()
        const(outer, f"level{level}", graph.SerializeToString())
        graph = outer
    saved_model, meta_graph = one_graph()
    meta_graph.graph_def.CopyFrom(graph)
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == security.MAX_NESTED_DEPTH
    assert scan["dangerous_ops"] == []
    [error] = scan["errors"]  # the limit is a finding (SL604), never a silent pass
    assert "depth limit 4" in error["message"] and error["where"].endswith(f"node level{39 - 4}")


def test_strings_that_are_not_graphs_are_left_alone() -> None:
    saved_model, meta_graph = one_graph()
    for index, value in enumerate([b"\n\x05hello", b"vocab.txt", b"\x12\x00\x00\x00", b"\n\x02\x0a\x00" * 3]):
        const(meta_graph.graph_def, f"c{index}", value)
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == 0 and scan["unknown_ops"] == []
