"""The rules of ``graph.node_rules`` on real NodeDefs, and both index builders held to them.

``from_messages`` calls the rules; ``from_wire`` (C) writes them again over the bytes. Here
the tables of both are checked node by node against the Python rule, on a model made to hold
every case and on every binary fixture model.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.read.graph.node_rules import (
    CALLING,
    CALLING_OPS,
    LAYOUT_OPS,
    MAX_INDEX,
    PLAIN,
    kind,
    may_be_string,
    nchw_layout,
    no_layout_ops,
    output_index,
    plain_ops,
    registered_ops,
)
from speclint.read.graph.tables import ScopeTables
from tests.conftest import MODELS
from tests.read.graph import models

# every binary fixture the accelerator reads (protobuf refuses broken-truncated: tests/read/test_accelerator.py)
FIXTURES = sorted(p for p in MODELS.glob("*/saved_model.pb") if p.parent.name != "broken-truncated")


def by_name(tables: ScopeTables) -> dict[str, int]:
    return {node.name: node_id for node_id, node in models.all_nodes(tables)}


@pytest.mark.parametrize(
    ("text", "index"),
    [
        *[("0", 0), ("3", 3), ("007", 7), ("", 0), ("x9", 0), ("-1", 0), ("\u00b2", 0)],
        *[("2147483647", MAX_INDEX), ("99999999999", MAX_INDEX), ("1" * 400, MAX_INDEX)],
    ],
)
def test_output_index(text: str, index: int) -> None:
    assert output_index(text) == index


def test_the_rules_on_the_model_made_for_them() -> None:
    (tables,) = models.python_tables(models.saved_model().SerializeToString())
    nodes = dict((node.name, node) for _, node in models.all_nodes(tables))
    calling_ops = CALLING_OPS | {"scale"}
    assert [n for n, node in nodes.items() if kind(node.op, calling_ops) == CALLING] == ["by_name", "call"]
    assert kind("Relu", calling_ops) == PLAIN
    no_layout = no_layout_ops()
    layouts = {n: nchw_layout(node, no_layout) for n, node in nodes.items()}
    assert {n: layout for n, layout in layouts.items() if layout} == {"conv": b"NCHW", "custom": b"NCDHW"}
    assert [n for n, node in nodes.items() if may_be_string(node)] == ["text"]  # not "ten" (float), not "words" (s)


def test_both_builders_follow_the_rules_on_the_model_made_for_them() -> None:
    data = models.saved_model().SerializeToString()
    for tables in (*models.python_tables(data), *models.wire_tables(data)):
        ids = by_name(tables)
        assert [tables.names[i] for i in tables.calling] == ["by_name", "call"]
        assert [(tables.names[i], layout) for i, layout in tables.nchw] == [("conv", b"NCHW"), ("custom", b"NCDHW")]
        assert [tables.names[i] for i in range(tables.size) if tables.strings[i]] == ["text"]
        later = ids["later"]
        edges = range(tables.in_start[later], tables.in_start[later + 1])
        expected = [1, 0, 3, 0, MAX_INDEX, 0]  # call:1 missing images:2:3 images:x9 images:99999999999 images:²
        assert [tables.output[edge] for edge in edges] == expected
        assert [tables.src[edge] for edge in edges] == [ids["call"], -1, *[ids["images"]] * 4]
        named = ids["named"]
        assert [(edge, raw) for edge, _, raw in tables.named] == [(tables.in_start[named], "by_name:z:0")]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.parent.name)
def test_the_wire_builder_follows_the_rules_on_fixture_models(path: Path) -> None:
    """Each node's kind, layout and string flag as the C read them, against the Python rule."""
    data = path.read_bytes()
    for tables, reference in zip(models.wire_tables(data), models.python_tables(data), strict=True):
        calling_ops = CALLING_OPS | {scope.name for scope in tables.scopes[1:] if scope.name is not None}
        no_layout = no_layout_ops()
        for node_id, node in models.all_nodes(tables):
            assert tables.kind[node_id] == kind(node.op, calling_ops), node.name
            assert tables.strings[node_id] == may_be_string(node), node.name
        expected = [(i, nchw_layout(node, no_layout)) for i, node in models.all_nodes(tables)]
        assert tables.nchw == [(i, layout) for i, layout in expected if layout is not None]
        assert tables.strings == reference.strings and tables.kind == reference.kind


def test_the_fixtures_give_the_rules_something_to_decide() -> None:
    strings = calls = 0
    for path in FIXTURES:
        for tables in models.python_tables(path.read_bytes()):
            strings += sum(tables.strings)
            calls += len(tables.calling)
    assert strings > 0 and calls > 100


def test_the_op_sets() -> None:
    assert registered_ops() >= LAYOUT_OPS and not LAYOUT_OPS & no_layout_ops()
    assert "Conv2D" not in no_layout_ops() and "Relu" in no_layout_ops() and "_Internal" not in no_layout_ops()
    assert "Relu" in plain_ops() and "StatefulPartitionedCall" not in plain_ops() and "If" not in plain_ops()
