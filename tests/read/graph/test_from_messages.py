"""speclint/read/graph/from_messages.py: the index tables of parsed NodeDefs, checked by hand on small graphs.

The reference builder: ``from_wire`` is held to it on every model (``test_tables.py``,
``tests/read/test_accelerator.py``); here its own answers are written out id by id, edge by edge.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read.graph.from_messages import read_tables
from speclint.read.graph.node_rules import ARGUMENT, CALLING, PLAIN
from speclint.read.graph.tables import ScopeTables


def graph_def(nodes: list[tuple[str, str, list[str]]], functions: dict[str, Any] | None = None) -> Any:
    """A GraphDef of (name, op, inputs) nodes and functions {name: (args, nodes)}."""
    graph = messages.SavedModel().meta_graphs.add().graph_def
    for name, op, inputs in nodes:
        graph.node.add(name=name, op=op, input=inputs)
    for function_name, (args, function_nodes) in (functions or {}).items():
        function = graph.library.function.add()
        function.signature.name = function_name
        for arg in args:
            function.signature.input_arg.add(name=arg)
        for name, op, inputs in function_nodes:
            function.node_def.add(name=name, op=op, input=inputs)
    return graph


def edges(tables: ScopeTables) -> list[tuple[int, int, int, int]]:
    """(producer, output index, consumer, position) of every edge, in edge order."""
    return list(zip(tables.src, tables.output, tables.dst, tables.pos, strict=True))


def test_ids_edges_and_kinds_of_a_graph_and_its_function() -> None:
    tables = read_tables(
        graph_def(
            [
                ("a", "Placeholder", []),
                ("b", "Relu", ["later:1", "^a", "missing"]),  # a node further down; a control input; no node
                ("later", "Identity", ["a"]),
                ("call", "f", ["a", "a"]),  # an op naming a library function calls it
                ("use", "Identity", ["call:out:0"]),  # an output named by the function's signature
            ],
            {"f": (["x", "y"], [("m", "Mul", ["x", "y", "n:output:1"]), ("n", "Split", ["x"])])},
        )
    )
    assert tables.names == ["a", "b", "later", "call", "use", "m", "n", "x", "y"]
    assert tables.ops == ["Placeholder", "Relu", "Identity", "f", "Identity", "Mul", "Split", "", ""]
    assert list(tables.kind) == [PLAIN, PLAIN, PLAIN, CALLING, PLAIN, PLAIN, PLAIN, ARGUMENT, ARGUMENT]
    assert tables.calling == [3]
    assert edges(tables) == [
        (2, 1, 1, 0),  # b <- later:1, found after the pass
        (-1, 0, 1, 1),  # b <- missing
        (0, 0, 2, 0),
        (0, 0, 3, 0),
        (0, 0, 3, 1),
        (3, 0, 4, 0),  # use <- call:out:0, index 0 until the index reads f's signature
        (7, 0, 5, 0),  # m <- x, the function's first argument
        (8, 1, 5, 1),  # m <- y: an argument's output index is its position
        (6, 1, 5, 2),  # m <- n:output:1, n further down
        (7, 0, 6, 0),
    ]
    assert list(tables.in_start) == [0, 0, 2, 3, 5, 6, 9, 10, 10, 10]
    assert tables.named == [(5, 0, "call:out:0")]
    assert [(s.name, s.ids, s.args) for s in tables.scopes] == [
        (None, {"a": 0, "b": 1, "later": 2, "call": 3, "use": 4}, []),
        ("f", {"m": 0, "n": 1}, ["x", "y"]),
    ]
    assert not tables.nchw and not any(tables.strings)


def test_a_repeated_node_name_is_the_last_node() -> None:
    """As in a dict: every input naming ``a`` reads the second ``a``, and the first has no edges."""
    tables = read_tables(graph_def([("a", "Const", []), ("b", "Relu", ["a"]), ("a", "Identity", ["b"])]))
    assert tables.scopes[0].ids == {"a": 2, "b": 1}
    assert edges(tables) == [(2, 0, 1, 0), (1, 0, 2, 0)]
    assert list(tables.in_start) == [0, 0, 1, 2]


def test_a_repeated_argument_name_is_the_first_argument() -> None:
    tables = read_tables(graph_def([], {"f": (["x", "x"], [("m", "Neg", ["x"])])}))
    assert edges(tables) == [(1, 0, 0, 0)]
    assert tables.names == ["m", "x", "x"]


def test_a_function_named_nothing_has_no_arguments_to_read() -> None:
    tables = read_tables(graph_def([], {"": (["x"], [("m", "Neg", ["x"])])}))
    assert edges(tables) == [(-1, 0, 0, 0)]  # "x" names no node of the scope
    assert list(tables.kind) == [PLAIN, ARGUMENT]


def test_an_empty_graph_has_empty_tables() -> None:
    tables = read_tables(graph_def([]))
    assert tables.size == 0 and list(tables.in_start) == [0] and not tables.src
