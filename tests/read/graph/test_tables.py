"""``ScopeTables``, the contract: its field order is the C builder's, and both builders fill every field alike.

``from_wire`` turns ``speclint._wire.graph_index``'s tuple into ``ScopeTables`` by position, in
one place: the order written in ``tables.py`` must be the one the C returns (its docstring says
it), and the values must mean what each field's docstring says, whichever builder ran.
"""

from __future__ import annotations

from array import array

from speclint.read import accelerator
from speclint.read.graph.from_wire import LazyNodes
from speclint.read.graph.node_rules import ARGUMENT
from speclint.read.graph.tables import ScopeNodes, ScopeTables
from tests.conftest import need
from tests.read.graph import models


def test_the_field_order_is_the_c_builders() -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    documented = accelerator.wire.graph_index.__doc__.split("\n")[2].strip("()").split(", ")
    assert documented == [{"output": "index"}.get(name, name) for name in ScopeTables._fields]


def test_both_builders_fill_every_field_alike() -> None:
    data = models.saved_model().SerializeToString()
    (python,) = models.python_tables(data)
    (wire,) = models.wire_tables(data)
    for field in ScopeTables._fields:
        if field != "scopes":
            assert getattr(python, field) == getattr(wire, field), field
    for ours, theirs in zip(python.scopes, wire.scopes, strict=True):
        assert isinstance(theirs, ScopeNodes) and isinstance(theirs.nodes, LazyNodes)
        assert (ours.name, ours.ids, ours.args) == (theirs.name, theirs.ids, theirs.args)
        assert list(ours.nodes) == list(theirs.nodes)


def test_the_fields_mean_what_they_say() -> None:
    (tables,) = models.python_tables(models.saved_model().SerializeToString())
    graph, function = tables.scopes
    assert graph.name is None and graph.args == [] and function.name == "scale" and function.args == ["x", "x"]
    assert tables.size == len(graph.nodes) + len(function.nodes) + 2 == len(tables.names) == len(tables.ops)
    assert tables.names[-2:] == ["x", "x"] and tables.ops[-2:] == ["", ""] and list(tables.kind[-2:]) == [ARGUMENT] * 2
    assert all(
        isinstance(t, array) and t.typecode == "i"
        for t in (tables.in_start, tables.src, tables.output, tables.dst, tables.pos)
    )
    assert len(tables.in_start) == tables.size + 1 and tables.in_start[-1] == len(tables.src)
    assert len(tables.src) == len(tables.output) == len(tables.dst) == len(tables.pos)
    assert list(tables.dst) == sorted(tables.dst)  # consumer order
    mul = tables.names.index("mul")
    first_x = tables.size - 2
    edges = range(tables.in_start[mul], tables.in_start[mul + 1])
    assert [(tables.src[e], tables.output[e], tables.pos[e]) for e in edges] == [(first_x, 0, 0), (mul - 1, 0, 1)]
