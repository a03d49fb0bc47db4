"""``GraphIndex``'s queries give one answer whichever builder made its tables.

The model of ``models.py`` calls a function by attribute and by op name, reads an output the
function names and passes data through identities: the answers are checked by hand once, and
must be the same from ``from_messages``'s tables and from ``from_wire``'s.
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.proto import messages
from speclint.read.graph.index import TOP, GraphIndex, Ref
from tests.read.graph import models


def indexes() -> list[GraphIndex]:
    data = models.saved_model().SerializeToString()
    graph_def = messages.SavedModel.FromString(data).meta_graphs[0].graph_def
    (wire,) = models.wire_tables(data)
    return [GraphIndex(graph_def), GraphIndex(graph_def, wire)]


def answers(graph: GraphIndex) -> dict[str, Any]:
    images, output = graph.parse_ref(TOP, "images"), graph.parse_ref(TOP, "nhwc")
    return {
        "named": graph.parse_ref(TOP, "by_name:z:0"),
        "consumers": graph.consumers(images),
        "producer": graph.producer(Ref(TOP, "call", 1)),
        "path_ops": graph.path_ops(images, output),
        "forward": sorted(graph.forward(Ref("scale", "x", 0, is_arg=True))),
        "backward": sorted(graph.backward(Ref(TOP, "named"))),
        "reachable": graph.reachable_functions(),
        "op_counts": graph.op_counts("scale"),
        "nchw": graph.nodes_with_attr("data_format", frozenset({b"NCHW", b"NCDHW"})),
        "strings": [bytes(graph.string_flags(scope)) for scope in (TOP, "scale")],
        "output": graph.function_output("scale", 0),
    }


@pytest.mark.parametrize("builder", ["from_messages", "from_wire"])
def test_the_answers(builder: str) -> None:
    graph = indexes()[builder == "from_wire"]
    found = answers(graph)
    assert found["named"] == Ref(TOP, "by_name", 1)  # "z" is the function's second output
    # through the Identity "later", and into the function "by_name" runs (its first argument)
    assert [(c["op"], c["node"], c["function"]) for c in found["consumers"]] == [
        ("Conv2D", "conv", None),
        ("Mul", "mul", "scale"),
    ]
    assert found["producer"] == {"op": None, "node": "x", "function": "scale"}  # call:1 is ret z, the argument x
    # not Mul: the path leaves "scale" by its output z, which is its argument
    ops = ["AvgPool", "Conv2D", "Identity", "MaxPool", "MyOwnOp", "Relu", "StatefulPartitionedCall", "scale"]
    assert found["path_ops"] == ops
    assert found["forward"] == [("scale", "mul")]
    assert found["backward"] == [("", "by_name"), ("", "images"), ("", "named")]
    assert found["reachable"] == ["scale"]
    assert found["op_counts"] == {"Const": 1, "Mul": 1}
    assert [(n["node"], n["data_format"]) for n in found["nchw"]] == [("conv", "NCHW"), ("custom", "NCDHW")]
    assert [flags.count(1) for flags in found["strings"]] == [1, 0]
    assert found["output"] == Ref("scale", "mul", 0)


def test_both_builders_give_the_same_answers() -> None:
    python, wire = indexes()
    assert answers(python) == answers(wire)
