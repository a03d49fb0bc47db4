"""Hostile graph shapes are read in linear time, with the right answers (issues 10.4 and 13).

The shapes are built in-process with speclint's own proto messages (``benchmarks/shapes.py``;
no TensorFlow needed), at the sizes the issue reported as taking 51 s each. The time limits are
generous (the benchmark carries the tight figures); what they catch is a quadratic walk.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from speclint.proto import messages
from speclint.read import read_model
from speclint.read.graph.index import TOP, GraphIndex, Ref
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import shapes

LIMIT_S = 20.0  # was 51 s for the first two shapes; linear code takes well under a second


def _read(tmp_path: Path, data: bytes) -> tuple[dict, float]:
    start = time.perf_counter()
    facts = read_model(shapes.write(str(tmp_path / "model"), data))
    return facts, time.perf_counter() - start


def test_many_signatures_sharing_one_input_over_a_long_chain(tmp_path: Path) -> None:
    facts, elapsed = _read(tmp_path, shapes.many_signatures(5000))
    assert elapsed < LIMIT_S
    assert facts["errors"] == []
    signatures = facts["meta_graphs"][0]["signatures"]
    assert len(signatures) == 5000
    for signature in (signatures["default"], signatures["sig04999"]):  # through 5,000 Identity ops
        assert signature["inputs"]["images"]["consumers"] == [{"op": "Relu", "node": "relu", "function": None}]
        assert signature["outputs"]["default"]["producer"] == {"op": "Relu", "node": "relu", "function": None}
    (entry,) = facts["entry_points"]  # only `default` among the TF1 Hub signature names
    assert entry["path_ops"] == ["Identity", "Relu"]


def test_many_signatures_reading_one_chain_from_different_nodes(tmp_path: Path) -> None:
    facts, elapsed = _read(tmp_path, shapes.signatures_along_a_chain(5000))
    assert elapsed < LIMIT_S
    signatures = facts["meta_graphs"][0]["signatures"]
    relu = [{"op": "Relu", "node": "relu", "function": None}]
    assert signatures["default"]["inputs"]["images"]["consumers"] == relu
    assert signatures["sig02500"]["inputs"]["images"]["consumers"] == relu
    (entry,) = facts["entry_points"]
    assert entry["path_ops"] == ["Identity", "Relu"]


def test_one_concrete_function_listed_2000_times(tmp_path: Path) -> None:
    facts, elapsed = _read(tmp_path, shapes.repeated_concrete_function(2000))
    assert elapsed < LIMIT_S
    call = facts["meta_graphs"][0]["object_graph"]["call"]
    assert len(call["concrete_functions"]) == 2000
    assert call["consumer_calls"][0]["traces"] == [1]  # TensorFlow runs the first trace that accepts obj(images)
    (first,) = facts["entry_points"]
    assert first["path_ops"] == ["AddV2", "Relu"]
    assert first["input_consumers"] == [{"op": "AddV2", "node": "n0", "function": "__inference_call_1"}]
    assert first["output_producer"] == {"op": "Relu", "node": "n1999", "function": "__inference_call_1"}


def test_deep_call_chain(tmp_path: Path) -> None:
    facts, elapsed = _read(tmp_path, shapes.deep_calls(2000))
    assert elapsed < LIMIT_S
    (entry,) = facts["entry_points"]
    assert entry["input_consumers"] == [{"op": "Relu", "node": "relu", "function": "__inference_f0"}]
    assert entry["path_ops"][:1] == ["Relu"] or "StatefulPartitionedCall" in entry["path_ops"]


def test_shallow_call_chain_is_followed_to_the_end(tmp_path: Path) -> None:
    facts, _ = _read(tmp_path, shapes.deep_calls(10))
    (entry,) = facts["entry_points"]
    assert entry["path_ops"] == ["Relu", "StatefulPartitionedCall"]
    assert entry["output_producer"] == {"op": "Relu", "node": "relu", "function": "__inference_f9"}


def test_wide_fan_out(tmp_path: Path) -> None:
    facts, elapsed = _read(tmp_path, shapes.wide_fanout(20000))
    assert elapsed < LIMIT_S
    (entry,) = facts["entry_points"]
    assert entry["path_ops"] == ["AddN", "Relu", "StatefulPartitionedCall"]
    consumers = facts["meta_graphs"][0]["signatures"]["default"]["inputs"]["images"]["consumers"]
    assert len(consumers) == 20  # capped list, sorted by node name
    assert consumers[0] == {"op": "Relu", "node": "fan0", "function": None}
    assert facts["meta_graphs"][0]["signatures"]["default"]["outputs"]["default"]["producer"] == {
        "op": "AddN",
        "node": "join",
        "function": "__inference_wide_1",
    }


# ---- the index on awkward but legal inputs -----------------------------------------------------
def _graph() -> messages.Message:
    graph = messages.GraphDef()
    graph.node.add(name="images", op="Placeholder")
    return graph


def test_duplicate_node_names_last_one_wins() -> None:
    graph = _graph()
    graph.node.add(name="a", op="Relu", input=["images"])
    graph.node.add(name="a", op="Tanh", input=["images"])
    graph.node.add(name="out", op="Sigmoid", input=["a"])
    index = GraphIndex(graph)
    assert index.op_counts(TOP) == {"Placeholder": 1, "Sigmoid": 1, "Tanh": 1}
    assert index.consumers(Ref(TOP, "images")) == [{"op": "Tanh", "node": "a", "function": None}]
    assert index.path_ops(Ref(TOP, "images"), Ref(TOP, "out")) == ["Placeholder", "Sigmoid", "Tanh"][1:]


def test_duplicate_node_names_in_a_function() -> None:
    graph = _graph()
    function = graph.library.function.add()
    function.signature.name = "f"
    function.signature.input_arg.add(name="x")
    function.signature.output_arg.add(name="y")
    function.node_def.add(name="a", op="Relu", input=["x"])
    function.node_def.add(name="a", op="Tanh", input=["x"])
    function.ret["y"] = "a:y:0"
    index = GraphIndex(graph)
    source, sink = index.function_arg("f", 0), index.function_output("f", 0)
    assert source is not None and sink is not None
    assert index.consumers(source) == [{"op": "Tanh", "node": "a", "function": "f"}]
    assert index.path_ops(source, sink) == ["Tanh"]


def test_function_nodes_in_any_order_and_named_outputs() -> None:
    """An input may name a node further down; an op-name call's outputs are named by the function."""
    graph = _graph()
    inner = graph.library.function.add()
    inner.signature.name = "pair"
    inner.signature.input_arg.add(name="x")
    inner.signature.output_arg.add(name="first")
    inner.signature.output_arg.add(name="second")
    inner.node_def.add(name="neg", op="Neg", input=["x"])
    inner.node_def.add(name="exp", op="Exp", input=["x"])
    inner.ret["first"] = "neg:y:0"
    inner.ret["second"] = "exp:y:0"
    outer = graph.library.function.add()
    outer.signature.name = "outer"
    outer.signature.input_arg.add(name="images")
    outer.signature.output_arg.add(name="out")
    outer.node_def.add(name="tail", op="Relu", input=["call:second:0"])  # before the node it reads
    outer.node_def.add(name="call", op="pair", input=["images"])
    outer.ret["out"] = "tail:activations:0"
    index = GraphIndex(graph)
    source, sink = index.function_arg("outer", 0), index.function_output("outer", 0)
    assert source is not None and sink is not None
    assert index.parse_ref("outer", "call:second:0") == Ref("outer", "call", 1)
    assert index.producer(sink) == {"op": "Relu", "node": "tail", "function": "outer"}
    assert index.path_ops(source, sink) == ["Exp", "Relu", "pair"]  # not Neg: output 0 is not used
    assert index.consumers(source) == [
        {"op": "Exp", "node": "exp", "function": "pair"},
        {"op": "Neg", "node": "neg", "function": "pair"},
    ]
    assert index.reachable_functions() == []
    assert index.reachable_functions("outer") == ["pair"]


def test_cycles_and_self_calls_terminate() -> None:
    graph = _graph()
    graph.node.add(name="merge", op="Merge", input=["images", "next"])
    graph.node.add(name="next", op="NextIteration", input=["merge"])
    graph.node.add(name="call", op="StatefulPartitionedCall", input=["merge"]).attr["f"].func.name = "loop"
    function = graph.library.function.add()
    function.signature.name = "loop"
    function.signature.input_arg.add(name="x")
    function.signature.output_arg.add(name="y")
    function.node_def.add(name="again", op="StatefulPartitionedCall", input=["x"]).attr["f"].func.name = "loop"
    function.ret["y"] = "again:output:0"
    index = GraphIndex(graph)
    assert index.path_ops(Ref(TOP, "images"), Ref(TOP, "next")) == ["Merge", "NextIteration"]
    # a function whose output is only its own call reads none of its arguments: the walk stops there
    assert index.path_ops(Ref(TOP, "images"), Ref(TOP, "call")) == ["StatefulPartitionedCall"]
    assert index.consumers(Ref(TOP, "images")) == [{"op": "Merge", "node": "merge", "function": None}]
    assert index.reachable_functions() == ["loop"]


@pytest.mark.parametrize("name", sorted(shapes.SHAPES))
def test_answers_do_not_depend_on_query_order(name: str) -> None:
    """Answers are kept per graph; asking twice, or in another order, gives the same facts."""
    saved_model = messages.SavedModel()
    saved_model.ParseFromString(shapes.SHAPES[name](50))
    graph_def = saved_model.meta_graphs[0].graph_def
    first, second = GraphIndex(graph_def), GraphIndex(graph_def)
    refs = [Ref(TOP, n.name) for n in graph_def.node] + [
        ref for f in graph_def.library.function for ref in (second.function_arg(f.signature.name, 0),) if ref
    ]
    sinks = [Ref(TOP, n.name) for n in graph_def.node][-3:]
    forward = [(first.consumers(r), first.producer(r)) for r in refs]
    backward = [(second.consumers(r), second.producer(r)) for r in reversed(refs)][::-1]
    assert forward == backward
    for source in refs[:3]:
        for sink in sinks:
            assert first.path_ops(source, sink) == second.path_ops(source, sink) == first.path_ops(source, sink)


def test_absurd_output_indices_do_not_break_the_index() -> None:
    graph = _graph()
    graph.node.add(name="a", op="Relu", input=["images:" + "9" * 40])
    graph.node.add(name="b", op="Relu", input=["a:\u00b2", "a:x:" + "9" * 30])
    index = GraphIndex(graph)
    assert index.parse_ref(TOP, "a:\u00b2") == Ref(TOP, "a", 0)
    assert index.path_ops(Ref(TOP, "images"), Ref(TOP, "b")) == ["Relu"]


def test_ops_in_follow_the_repeated_field() -> None:
    graph = _graph()
    graph.node.add(name="a", op="Relu", input=["images"])
    graph.node.add(name="a", op="Tanh", input=["images"])
    index = GraphIndex(graph)
    ops = index.ops_in(TOP)
    assert ops == ["Placeholder", "Relu", "Tanh"]
    assert [index.scopes[TOP].nodes.messages[i].op for i in range(len(ops))] == ops


def _mutual_recursion() -> messages.Message:
    """f -> g -> f, each also reading its argument: summaries met while still being made."""
    graph = _graph()
    for name, callee in (("f", "g"), ("g", "f")):
        function = graph.library.function.add()
        function.signature.name = name
        function.signature.input_arg.add(name="x")
        function.signature.output_arg.add(name="y")
        function.node_def.add(name="call", op="StatefulPartitionedCall", input=["x"]).attr["f"].func.name = callee
        function.node_def.add(name="add", op="AddV2", input=["x", "call:output:0"])
        function.ret["y"] = "add:z:0"
    graph.node.add(name="top", op="StatefulPartitionedCall", input=["images"]).attr["f"].func.name = "g"
    graph.node.add(name="out", op="Relu", input=["top"])
    return graph


def test_recursive_functions_give_the_same_answer_in_any_order() -> None:
    graph = _mutual_recursion()
    sinks = [Ref(TOP, "out"), Ref("f", "add"), Ref("g", "add"), Ref("f", "call"), Ref("g", "call")]
    alone = [GraphIndex(graph).backward(sink) for sink in sinks]  # one fresh index per question
    shared = GraphIndex(graph)
    assert [shared.backward(sink) for sink in sinks] == alone
    assert [shared.backward(sink) for sink in reversed(sinks)] == alone[::-1]
    again = GraphIndex(graph)
    assert [again.backward(sink) for sink in reversed(sinks)] == alone[::-1]
    assert ("", "images") in alone[0] and ("g", "add") in alone[0]
