"""speclint/read/lazy_read.py: a binary SavedModel read without materialising its NodeDefs, or handed back.

``lazy_read.load`` either gives the skeleton and one index per meta graph, whose nodes are parsed
only when read, or None, and the caller parses the whole file. Every NodeDef is still checked by
protobuf, a few MB at a time: a node protobuf refuses hands the file back whatever the size of
the pieces. ``tests/read/test_accelerator.py`` holds the facts of this path to the pure reader's on
every model.
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.proto import messages
from speclint.read import accelerator, lazy_read
from speclint.read.accelerator import pure_python
from speclint.read.graph.from_wire import LazyNodes
from speclint.read.graph.index import TOP
from tests.conftest import need
from tests.read.graph import models


@pytest.fixture(autouse=True)
def _accelerated() -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes([*out, value])


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited field on the wire."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def with_bad_node(model: Any) -> bytes:
    """``model`` with one more graph node whose attribute holds invalid UTF-8, which protobuf refuses."""
    meta = model.meta_graphs[0]
    graph = meta.graph_def.SerializeToString()
    attr = field(5, field(1, b"a") + field(2, field(9, b"\xff\xfe")))  # AttrValue.placeholder: a string
    meta.ClearField("graph_def")
    return field(2, meta.SerializeToString() + field(2, graph + field(1, field(1, b"bad") + field(2, b"NoOp") + attr)))


def test_the_skeleton_holds_no_nodes_and_the_index_parses_them_when_read() -> None:
    model = models.saved_model()
    loaded = lazy_read.load(model.SerializeToString())
    assert loaded is not None
    skeleton, (graph,) = loaded
    assert list(skeleton.meta_graphs[0].signature_def) == ["default"]
    assert (
        not skeleton.meta_graphs[0].graph_def.node
        and not skeleton.meta_graphs[0].graph_def.library.function[0].node_def
    )
    nodes = graph.scopes[TOP].nodes.messages
    assert isinstance(nodes, LazyNodes)
    assert [node.name for node in nodes] == [node.name for node in model.meta_graphs[0].graph_def.node]
    assert list(nodes) == list(model.meta_graphs[0].graph_def.node)


def test_one_index_per_meta_graph() -> None:
    model = models.saved_model()
    second = model.meta_graphs.add()
    second.CopyFrom(model.meta_graphs[0])
    second.meta_info_def.tags[:] = ["train"]
    second.graph_def.node.add(name="only_here", op="NoOp")
    loaded = lazy_read.load(model.SerializeToString())
    assert loaded is not None
    _, graphs = loaded
    assert [len(g.scopes[TOP].nodes.messages) for g in graphs] == [len(m.graph_def.node) for m in model.meta_graphs]


def test_a_meta_graph_without_a_graph_is_indexed_from_its_messages() -> None:
    model = messages.SavedModel(saved_model_schema_version=1)
    model.meta_graphs.add().meta_info_def.tags.append("serve")
    loaded = lazy_read.load(model.SerializeToString())
    assert loaded is not None
    _, (graph,) = loaded
    assert not isinstance(graph.scopes[TOP].nodes.messages, LazyNodes) and not len(graph.scopes[TOP].nodes.messages)


@pytest.mark.parametrize("check_bytes", [1, lazy_read.CHECK_BYTES])
def test_a_node_protobuf_refuses_hands_the_file_back(monkeypatch: pytest.MonkeyPatch, check_bytes: int) -> None:
    """Checked one node at a time or all at once: the bad node is found either way."""
    monkeypatch.setattr(lazy_read, "CHECK_BYTES", check_bytes)
    assert lazy_read.load(models.saved_model().SerializeToString()) is not None
    data = with_bad_node(models.saved_model())
    with pytest.raises(Exception, match=r"(?i)utf-?8|decod|pars"):
        messages.SavedModel.FromString(data)
    assert lazy_read.load(data) is None


@pytest.mark.parametrize("data", [b"", b"\xff\xff\xff", b"\x12\x05abc"], ids=["empty", "not protobuf", "cut short"])
def test_what_is_not_a_saved_model_is_handed_back(data: bytes) -> None:
    assert lazy_read.load(data) is None


def test_without_the_accelerator_every_file_is_handed_back() -> None:
    with pure_python():
        assert lazy_read.load(models.saved_model().SerializeToString()) is None
