"""Whether a string constant is meant as a graph is decided by the op that consumes it.

Unit level, on GraphDefs built with the proto API (the TensorFlow-built models that prove what
TensorFlow does with each case are in ``evasion/``): a string that starts like a GraphDef but
does not parse is silence for an ordinary consumer and SL604 for ``DatasetFromGraph``.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read.security import scan

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
