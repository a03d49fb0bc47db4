"""The scan reads only the nodes that can matter, and finds exactly what reading every node finds.

``select.scoped_nodes`` picks nodes by op type from the graph index; here it is swapped for a
loop over every node of the fully parsed model (the scan before the index was used, with the
pure-Python reader) and the security facts of every golden model and corpus model must come
out the same, also for GraphDefs whose function names repeat (where the index cannot stand
for the GraphDef).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from speclint.proto import messages
from speclint.read import read_model
from speclint.read.accelerator import pure_python
from speclint.read.graph.index import GraphIndex
from speclint.read.security import graphs, reach, scan
from speclint.read.security.select import scoped_nodes
from tests.conftest import MODELS, corpus_dirs, need


def _every_node(
    graph_def: Any, graph: Any, keep: Callable[[str], bool], top_only: bool = False, **_: Any
) -> Iterator[tuple[str | None, list[Any]]]:
    yield None, list(graph_def.node)
    for function in [] if top_only else graph_def.library.function:
        yield function.signature.name, list(function.node_def)


def _models() -> list[Path]:
    found = sorted(p for p in MODELS.iterdir() if p.is_dir()) if MODELS.is_dir() else []
    return found + corpus_dirs()


def test_selected_nodes_give_the_facts_of_every_node(monkeypatch: pytest.MonkeyPatch) -> None:
    models = _models()
    need(len(models) > 10, "golden/models missing")
    fast = [read_model(str(model))["security"] for model in models]
    monkeypatch.setattr(graphs, "scoped_nodes", _every_node)
    monkeypatch.setattr(reach, "scoped_nodes", _every_node)
    with pure_python():  # every node parsed: the C reader's skeleton holds none in the GraphDef
        slow = [read_model(str(model))["security"] for model in models]
    assert [m.name for m, a, b in zip(models, fast, slow, strict=True) if a != b] == []
    assert sum(f["dangerous_op_count"] for f in fast) > 10  # the comparison covers real findings


def test_repeated_function_names_fall_back_to_every_node(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = messages.SavedModel()
    saved.ParseFromString((MODELS / "sec-readfile-in-cond" / "saved_model.pb").read_bytes())
    graph_def = saved.meta_graphs[0].graph_def
    functions = list(graph_def.library.function)
    need(len(functions) > 1, "fixture without functions")
    twin = copy.deepcopy(functions[-1])
    graph_def.library.function.append(twin)  # the same name twice: one index scope cannot hold both
    index = GraphIndex(graph_def)
    selected = list(scoped_nodes(graph_def, index, lambda op: True))
    assert [name for name, _ in selected] == [None, *(f.signature.name for f in graph_def.library.function)]
    assert [len(nodes) for _, nodes in selected] == [len(graph_def.node)] + [
        len(f.node_def) for f in graph_def.library.function
    ]
    fast = scan(str(MODELS / "sec-readfile-in-cond"), [index], saved)
    monkeypatch.setattr(graphs, "scoped_nodes", _every_node)
    monkeypatch.setattr(reach, "scoped_nodes", _every_node)
    assert scan(str(MODELS / "sec-readfile-in-cond"), [index], saved) == fast
    assert fast["dangerous_op_count"] >= 1


def test_a_function_with_an_empty_name_never_stands_for_the_graph() -> None:
    """Hostile input: a library function named "" takes the graph's key in ``GraphIndex.scopes``."""
    saved = messages.SavedModel()
    graph_def = saved.meta_graphs.add().graph_def
    graph_def.node.add(name="images", op="Placeholder")
    function = graph_def.library.function.add()
    function.node_def.add(name="inner", op="Relu")
    index = GraphIndex(graph_def)
    assert index.top_shadowed
    assert list(reach.top_nodes(graph_def, index)) == ["images"]
    assert list(reach.top_nodes(graph_def, GraphIndex(messages.GraphDef(node=[graph_def.node[0]])))) == ["images"]
