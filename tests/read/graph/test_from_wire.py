"""``from_wire``: the accelerator's tables as ``ScopeTables``, and ``LazyNodes`` standing for a repeated field.

A reader cannot tell ``LazyNodes`` from the parsed repeated field it replaces: same length,
items, negative positions, slices, iteration, the same ``IndexError`` past either end.
"""

from __future__ import annotations

import pytest

from speclint.proto import messages
from speclint.read.graph.from_wire import LazyNodes, NotNative, read_tables
from tests.read.graph import models


def test_lazy_nodes_read_as_the_repeated_field() -> None:
    data = models.saved_model().SerializeToString()
    (wire,) = models.wire_tables(data)
    parsed = messages.SavedModel.FromString(data).meta_graphs[0].graph_def
    for scope, field in zip(wire.scopes, [parsed.node, *(f.node_def for f in parsed.library.function)], strict=True):
        nodes = scope.nodes
        assert isinstance(nodes, LazyNodes) and len(nodes) == len(field) > 0
        assert list(nodes) == list(field) and nodes[-1] == field[-1] and nodes[1:3] == list(field[1:3])
        assert nodes[0] is nodes[0]  # parsed once
        for position in (len(field), -len(field) - 1):
            with pytest.raises(IndexError):
                nodes[position]
        starts, ends = nodes.spans()
        assert [messages.NodeDef.FromString(data[s:e]) for s, e in zip(starts, ends, strict=True)] == list(field)


def test_a_graph_the_tables_cannot_hold_is_refused() -> None:
    model = models.saved_model()
    graph = model.meta_graphs[0].graph_def
    graph.node.add(name="relu", op="Tanh")  # a repeated node name: the last wins, left to the Python builder
    data = model.SerializeToString()
    (python,) = models.python_tables(data)
    assert python.names.count("relu") == 2
    with pytest.raises(NotNative):
        models.wire_tables(data)


def test_signatures_that_disagree_with_the_bytes_are_refused() -> None:
    """``read_tables`` is given the skeleton's functions: a different library is refused, not indexed."""
    data = models.saved_model().SerializeToString()
    models.wire_tables(data)  # the accelerator is there
    graph_def = messages.SavedModel.FromString(data).meta_graphs[0].graph_def
    span = (data, *_graph_def_span(data))
    assert read_tables(*span, graph_def.library.function).scopes[1].name == "scale"
    other = messages.GraphDef()
    other.library.function.add().signature.name = "other"
    for functions in (other.library.function, []):
        with pytest.raises(NotNative):
            read_tables(*span, functions)


def _field(data: bytes, start: int, end: int, wanted: int) -> tuple[int, int]:
    """The span of the first length-delimited field ``wanted`` in ``data[start:end]``, read off
    the wire (re-serialising a message need not give its bytes back: map order is free)."""

    def varint(at: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = data[at]
            value |= (byte & 0x7F) << shift
            at, shift = at + 1, shift + 7
            if byte < 0x80:
                return value, at

    at = start
    while at < end:
        key, at = varint(at)
        if key & 7 == 0:
            _, at = varint(at)
            continue
        assert key & 7 == 2, "the test model holds only varint and length-delimited fields here"
        size, at = varint(at)
        if key >> 3 == wanted:
            return at, at + size
        at += size
    raise AssertionError(f"no field {wanted}")


def _graph_def_span(data: bytes) -> tuple[int, int]:
    meta_graph = _field(data, 0, len(data), 2)  # SavedModel.meta_graphs
    return _field(data, *meta_graph, 2)  # MetaGraphDef.graph_def
