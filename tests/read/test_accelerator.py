"""The C accelerator (``speclint._wire`` via ``read.lazy_read``) gives the facts the pure-Python reader gives.

The accelerator reads a binary SavedModel without materialising its NodeDefs; anything it does
not model exactly as protobuf does must send the file back to the full parse. Here both
readers run on every model we have (fixtures, the shared corpus, the hostile corpus, the
synthetic shapes), on hand-made wire oddities (repeated fields that protobuf merges, names
that repeat, wire types that do not match, nesting at protobuf's depth limit) and on mutated
models, and must agree byte for byte: facts, and the index tables themselves (the ``ScopeTables`` of
``graph.from_wire`` against those of ``graph.from_messages``, field by field).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.proto import messages
from speclint.read import accelerator, lazy_read, read_model
from speclint.read.accelerator import pure_python
from speclint.read.graph import from_messages, from_wire
from speclint.read.graph.from_wire import LazyNodes
from speclint.read.graph.index import TOP
from speclint.read.graph.tables import ScopeTables
from speclint.read.loading import read_bytes
from tests.conftest import MODELS, REPO, fixture_dirs, need
from tests.hostile import make_corpus
from tests.read.graph import models

sys.path.insert(0, str(REPO / "benchmarks"))
import shapes


def both(model: Path) -> tuple[str, str]:
    """The facts of the C path and of the pure-Python path: without the accelerator built there is
    nothing to compare (a pure reader against itself passes vacuously), so that is a loud skip, and
    under SPECLINT_REQUIRE_ALL a failure."""
    need(accelerator.wire is not None, "speclint._wire is not built: the two readers cannot be compared")
    accelerated = json.dumps(read_model(str(model)), sort_keys=True)
    with pure_python():
        pure = json.dumps(read_model(str(model)), sort_keys=True)
    return accelerated, pure


def plain(tables: ScopeTables) -> dict[str, Any]:
    """The tables as plain values, field by field: each scope's NodeDefs as their bytes."""
    fields = {name: value for name, value in tables._asdict().items() if name != "scopes"}
    fields = {name: list(value) if not isinstance(value, bytearray) else bytes(value) for name, value in fields.items()}
    scopes = [(s.name, s.ids, [n.SerializeToString() for n in s.nodes], s.args) for s in tables.scopes]
    return {"scopes": scopes, **fields}


def wire_tables(data: bytes) -> list[dict[str, Any]] | None:
    """The tables ``from_wire`` reads from the bytes, per meta graph; None where the reader hands the
    file back to the full parse (``from_wire`` refused it, or protobuf refuses a NodeDef)."""
    if lazy_read.load(data) is None:
        return None
    skeleton, spans = accelerator.wire.plan(data)
    meta_graphs = messages.SavedModel.FromString(skeleton).meta_graphs
    return [
        plain(from_messages.read_tables(meta.graph_def))  # no GraphDef in the file: the loader does so too
        if span is None
        else plain(from_wire.read_tables(data, *span, meta.graph_def.library.function))
        for meta, span in zip(meta_graphs, spans, strict=True)
    ]


def python_tables(data: bytes) -> list[dict[str, Any]]:
    """The tables ``from_messages`` builds from the parsed NodeDefs, per meta graph."""
    return [
        plain(from_messages.read_tables(meta.graph_def)) for meta in messages.SavedModel.FromString(data).meta_graphs
    ]


def write(tmp_path: Path, data: bytes, name: str = "model") -> Path:
    return Path(shapes.write(str(tmp_path / name), data))


# ---- the accelerator is there, and used -----------------------------------------------------
def test_the_accelerator_is_built() -> None:
    """CI installs with a C compiler: a silently missing extension would leave the slow reader."""
    need(accelerator.wire is not None, "speclint._wire is not built (pip install -e . with a C compiler)")
    assert accelerator.reader_name() == "native"


def test_fixture_models_are_read_by_the_accelerator() -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    binary = [d / "saved_model.pb" for d in fixture_dirs() if (d / "saved_model.pb").is_file()]
    refused = [p.parent.name for p in binary if lazy_read.load(read_bytes(str(p))) is None]
    assert len(binary) > 50
    assert refused == ["broken-truncated"]  # protobuf refuses it too: the full parse reports why


def test_nodes_are_parsed_only_when_read(tmp_path: Path) -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    data = shapes.big_graph(1)
    saved_model, (graph,) = lazy_read.load(data) or (None, [None])
    assert graph is not None and not saved_model.meta_graphs[0].graph_def.node  # the skeleton holds no nodes
    nodes = graph.scopes[TOP].nodes.messages
    assert isinstance(nodes, LazyNodes) and len(nodes) > 3000
    output = saved_model.meta_graphs[0].signature_def["default"].outputs["default"].name
    assert "Conv2D" in graph.path_ops(graph.parse_ref(TOP, "images"), graph.parse_ref(TOP, output))
    assert 0 < len(nodes._cache) <= len(graph._calling)  # only the calls were parsed, to find their functions


# ---- same facts on every model --------------------------------------------------------------
def same_tables(model: Path) -> bool:
    """Whether both builders give the same tables of a model's binary ``saved_model.pb`` (True when
    the accelerator hands the file back: then only the Python builder reads it)."""
    path = model / "saved_model.pb"
    if not path.is_file():
        return True
    data = path.read_bytes()
    wire = wire_tables(data)
    return wire is None or wire == python_tables(data)


@pytest.mark.parametrize("model", fixture_dirs(), ids=lambda p: p.name)
def test_same_tables_and_facts_on_fixture_models(model: Path) -> None:
    accelerated, pure = both(model)
    assert accelerated == pure
    assert same_tables(model)


def test_same_tables_and_facts_on_the_corpus(corpus: list[Path]) -> None:
    for model in corpus:
        accelerated, pure = both(model)
        assert accelerated == pure, model.name
        assert same_tables(model), model.name


def test_same_tables_and_facts_on_the_hostile_corpus(tmp_path: Path) -> None:
    try:
        for name, model in make_corpus.build(tmp_path / "corpus").items():
            if model.is_dir():
                accelerated, pure = both(model)
                assert accelerated == pure, name
                assert same_tables(model), name
    finally:
        make_corpus.remove_tree(tmp_path / "corpus")  # 1,200 levels deep: pytest's clean-up would recurse


@pytest.mark.parametrize("shape", sorted(shapes.SHAPES))
def test_same_tables_on_the_synthetic_shapes(shape: str) -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    data = shapes.SHAPES[shape](300)
    assert wire_tables(data) == python_tables(data)


def test_same_tables_and_facts_on_a_big_graph(tmp_path: Path) -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    data = shapes.big_graph(2)
    assert wire_tables(data) == python_tables(data)
    accelerated, pure = both(write(tmp_path, data))
    assert accelerated == pure


# ---- wire oddities: the accelerator models them or hands the file back -----------------------
def field(number: int, payload: bytes) -> bytes:
    """A length-delimited field on the wire."""
    return shapes._varint(number << 3 | 2) + shapes._varint(len(payload)) + payload


def _model(build: Any) -> Any:
    saved_model = messages.SavedModel(saved_model_schema_version=1)
    meta = saved_model.meta_graphs.add()
    meta.meta_info_def.tags.append("serve")
    build(meta)
    return saved_model


def test_calls_named_outputs_arguments_and_layouts(tmp_path: Path) -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    data = models.saved_model().SerializeToString()
    assert lazy_read.load(data) is not None
    assert wire_tables(data) == python_tables(data)
    accelerated, pure = both(write(tmp_path, data))
    assert accelerated == pure
    facts = json.loads(accelerated)["meta_graphs"][0]["graph"]
    assert [(n["node"], n["data_format"]) for n in facts["nchw_nodes"]] == [("conv", "NCHW"), ("custom", "NCDHW")]


def _append_to_meta(data: bytes, extra: bytes) -> bytes:
    """The SavedModel with ``extra`` bytes appended inside its first MetaGraphDef."""
    meta = messages.SavedModel.FromString(data).meta_graphs[0].SerializeToString()
    return field(2, meta + extra)


def _append_to_graph(data: bytes, extra: bytes) -> bytes:
    """The SavedModel with ``extra`` bytes appended inside the GraphDef of its first MetaGraphDef."""
    meta = messages.SavedModel.FromString(data).meta_graphs[0]
    graph = meta.graph_def.SerializeToString() + extra
    meta.ClearField("graph_def")
    return field(2, meta.SerializeToString() + field(2, graph))


def _odd(kind: str) -> bytes:
    saved_model = models.saved_model()
    data = saved_model.SerializeToString()
    graph = saved_model.meta_graphs[0].graph_def
    function = graph.library.function[0]
    if kind == "repeated graph_def (protobuf merges them)":
        node = messages.NodeDef(name="extra", op="Relu", input=["images"]).SerializeToString()
        return _append_to_meta(data, field(2, field(1, node)))
    if kind == "repeated library":
        return _append_to_graph(data, field(2, field(1, function.SerializeToString().replace(b"scale", b"other"))))
    if kind == "repeated signature in a function":
        copy = function.SerializeToString().replace(b"scale", b"other") + field(1, field(2, field(1, b"w")))
        return _append_to_graph(data, field(2, field(1, copy)))
    if kind == "repeated node name":
        graph.node.add(name="relu", op="Tanh")
        return saved_model.SerializeToString()
    if kind == "repeated function name":
        graph.library.function.add().CopyFrom(function)
        return saved_model.SerializeToString()
    if kind == "name, op and input given twice, op first":
        body = field(2, b"Relu") + field(1, b"first") + field(3, b"images") + field(1, b"twice") + field(2, b"Tanh")
        return _append_to_graph(data, field(1, body))
    if kind == "node name with another wire type":
        return _append_to_graph(data, field(1, b"\x08\x01" + field(2, b"Relu")))
    if kind == "a group among unknown fields":
        return _append_to_graph(data, field(1, field(1, b"grouped") + b"\x7b\x7c"))  # field 15: start, end
    if kind == "data_format given twice in the map":
        entry = field(1, b"data_format")
        twice = field(5, entry + field(2, field(2, b"NHWC"))) + field(5, entry + field(2, field(2, b"NCHW")))
        return _append_to_graph(data, field(1, field(1, b"pool") + field(2, b"MaxPool") + twice))
    if kind == "a string tensor given in two pieces":
        value = field(8, b"\x08\x07") + field(2, b"x") + field(8, b"\x08\x01") + field(8, b"\x08\x07")
        attr = field(5, field(1, b"value") + field(2, value))
        return _append_to_graph(data, field(1, field(1, b"c") + field(2, b"Const") + attr))
    if kind == "invalid UTF-8 in a nested string":
        attr = field(5, field(1, b"a") + field(2, field(9, b"\xff\xfe")))
        return _append_to_graph(data, field(1, field(1, b"bad") + field(2, b"NoOp") + attr))
    if kind == "a length running past the end":
        return data[:-3]
    raise AssertionError(kind)


ODDITIES = {
    "repeated graph_def (protobuf merges them)": False,
    "repeated library": False,
    "repeated signature in a function": False,
    "repeated node name": False,
    "repeated function name": False,
    "name, op and input given twice, op first": True,
    "node name with another wire type": False,
    "a group among unknown fields": False,
    "data_format given twice in the map": True,
    "a string tensor given in two pieces": True,
    "invalid UTF-8 in a nested string": False,
    "a length running past the end": False,
}


@pytest.mark.parametrize("kind", sorted(ODDITIES))
def test_wire_oddities_read_alike(tmp_path: Path, kind: str) -> None:
    need(accelerator.wire is not None, "speclint._wire is not built")
    data = _odd(kind)
    assert (lazy_read.load(data) is not None) is ODDITIES[kind]  # modelled, or handed back to the full parse
    if ODDITIES[kind]:
        assert wire_tables(data) == python_tables(data)
    accelerated, pure = both(write(tmp_path, data))
    assert accelerated == pure


def _nested(depth: int) -> bytes:
    """A function node whose attribute nests NameAttrLists ``depth`` deep: protobuf's depth limit decides."""
    name_attr_list = messages.message_class("tensorflow.NameAttrList")
    value = name_attr_list(name="f")
    for _ in range(depth):
        outer = name_attr_list(name="f")
        outer.attr["a"].func.CopyFrom(value)
        value = outer

    def build(meta: Any) -> None:
        function = meta.graph_def.library.function.add()
        function.signature.name = "deep"
        function.node_def.add(name="n", op="NoOp").attr["a"].func.CopyFrom(value)

    return _model(build).SerializeToString()


def test_nesting_at_protobufs_depth_limit_is_judged_alike() -> None:
    """Each NodeDef is checked at the depth it has in the model (``_wire.envelope``)."""
    need(accelerator.wire is not None, "speclint._wire is not built")
    verdicts = set()
    for depth in range(20, 40):
        data = _nested(depth)
        try:
            messages.SavedModel.FromString(data)
            accepted = True
        except Exception:
            accepted = False
        verdicts.add(accepted)
        assert (lazy_read.load(data) is not None) is accepted, depth
    assert verdicts == {True, False}  # the sweep crossed the limit


def test_mutated_models_read_alike_or_are_handed_back() -> None:
    """Bytes changed in names, ops and inputs (and anywhere): never a crash, never a different index."""
    need(accelerator.wire is not None, "speclint._wire is not built")
    seeds = [p.read_bytes() for p in sorted(MODELS.glob("*/saved_model.pb")) if p.stat().st_size < 300_000]
    rng = random.Random(13)
    compared = 0
    for _ in range(400):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            position = rng.randrange(len(data))
            if rng.random() < 0.8:
                for _ in range(64):  # a printable byte: inside a name, an op type or an input
                    if 33 <= data[position] < 127:
                        data[position] = ord(rng.choice("ab01:^_/"))
                        break
                    position = rng.randrange(len(data))
            else:
                data[position] = rng.randrange(256)
        mutated = bytes(data)
        got = wire_tables(mutated)
        if got is None:
            continue
        assert got == python_tables(mutated)
        compared += 1
    assert compared > 50
