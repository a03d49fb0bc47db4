"""The C accelerator (``speclint._wire`` via ``read.lean``) gives the facts the pure-Python reader gives.

The accelerator reads a binary SavedModel without materialising its NodeDefs; anything it does
not model exactly as protobuf does must send the file back to the full parse. Here both
readers run on every model we have (fixtures, the shared corpus, the hostile corpus, the
synthetic shapes), on hand-made wire oddities (repeated fields that protobuf merges, names
that repeat, wire types that do not match, nesting at protobuf's depth limit) and on mutated
models, and must agree byte for byte: facts, and the index tables themselves.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.proto import messages
from speclint.read import flood, lean, native, read_model
from speclint.read.graph import TOP, GraphIndex, LazyNodes
from speclint.read.loading import read_bytes
from speclint.read.native import pure_python
from tests.conftest import MODELS, REPO, fixture_dirs, need
from tests.hostile import make_corpus

sys.path.insert(0, str(REPO / "benchmarks"))
import shapes

DT_FLOAT, DT_STRING = 1, 7


def both(model: Path) -> tuple[str, str]:
    """The facts of the C path and of the pure-Python path: without the accelerator built there is
    nothing to compare (a pure reader against itself passes vacuously), so that is a loud skip, and
    under SPECLINT_REQUIRE_ALL a failure."""
    need(native.wire is not None, "speclint._wire is not built: the two readers cannot be compared")
    accelerated = json.dumps(read_model(str(model)), sort_keys=True)
    with pure_python():
        pure = json.dumps(read_model(str(model)), sort_keys=True)
    return accelerated, pure


def tables(graph: GraphIndex) -> tuple[Any, ...]:
    """Everything the index answers from, as plain values."""
    return (
        [(name, s.base, list(s.nodes), s.args, s.outputs, s.ret) for name, s in graph.scopes.items()],
        list(graph._names),
        list(graph._ops),
        bytes(graph._kind),
        list(graph._in_start),
        list(graph._edge_src),
        list(graph._edge_index),
        list(graph._out_start),
        list(graph._out_dst),
        list(graph._out_pos),
        sorted(graph._calling),
        sorted(graph._nchw),
        bytes(graph._calls_flags),
    )


def lean_tables(data: bytes) -> list[tuple[Any, ...]] | None:
    loaded = lean.load(data)
    return None if loaded is None else [tables(graph) for graph in loaded[1]]


def pure_tables(data: bytes) -> list[tuple[Any, ...]]:
    with pure_python():
        return [tables(GraphIndex(meta.graph_def)) for meta in messages.SavedModel.FromString(data).meta_graphs]


def write(tmp_path: Path, data: bytes, name: str = "model") -> Path:
    return Path(shapes.write(str(tmp_path / name), data))


# ---- the accelerator is there, and used -----------------------------------------------------
def test_the_accelerator_is_built() -> None:
    """CI installs with a C compiler: a silently missing extension would leave the slow reader."""
    need(native.wire is not None, "speclint._wire is not built (pip install -e . with a C compiler)")
    assert native.reader_name() == "native"


def test_fixture_models_are_read_by_the_accelerator() -> None:
    need(native.wire is not None, "speclint._wire is not built")
    binary = [d / "saved_model.pb" for d in fixture_dirs() if (d / "saved_model.pb").is_file()]
    refused = [p.parent.name for p in binary if lean.load(read_bytes(str(p))) is None]
    assert len(binary) > 50
    assert refused == ["broken-truncated"]  # protobuf refuses it too: the full parse reports why


def test_nodes_are_parsed_only_when_read(tmp_path: Path) -> None:
    need(native.wire is not None, "speclint._wire is not built")
    data = shapes.big_graph(1)
    saved_model, (graph,) = lean.load(data) or (None, [None])
    assert graph is not None and not saved_model.meta_graphs[0].graph_def.node  # the skeleton holds no nodes
    nodes = graph.scopes[TOP].nodes.messages
    assert isinstance(nodes, LazyNodes) and len(nodes) > 3000
    output = saved_model.meta_graphs[0].signature_def["default"].outputs["default"].name
    assert "Conv2D" in graph.path_ops(graph.parse_ref(TOP, "images"), graph.parse_ref(TOP, output))
    assert 0 < len(nodes._cache) <= len(graph._calling)  # only the calls were parsed, to find their functions


# ---- same facts on every model --------------------------------------------------------------
@pytest.mark.parametrize("model", fixture_dirs(), ids=lambda p: p.name)
def test_same_facts_on_fixture_models(model: Path) -> None:
    accelerated, pure = both(model)
    assert accelerated == pure


def test_same_facts_on_the_corpus(corpus: list[Path]) -> None:
    for model in corpus:
        accelerated, pure = both(model)
        assert accelerated == pure, model.name


def test_same_facts_on_the_hostile_corpus(tmp_path: Path) -> None:
    try:
        for name, model in make_corpus.build(tmp_path / "corpus").items():
            if model.is_dir():
                accelerated, pure = both(model)
                assert accelerated == pure, name
    finally:
        make_corpus.remove_tree(tmp_path / "corpus")  # 1,200 levels deep: pytest's clean-up would recurse


@pytest.mark.parametrize("shape", sorted(shapes.SHAPES))
def test_same_tables_on_the_synthetic_shapes(shape: str) -> None:
    need(native.wire is not None, "speclint._wire is not built")
    data = shapes.SHAPES[shape](300)
    assert lean_tables(data) == pure_tables(data)


def test_same_tables_and_facts_on_a_big_graph(tmp_path: Path) -> None:
    need(native.wire is not None, "speclint._wire is not built")
    data = shapes.big_graph(2)
    assert lean_tables(data) == pure_tables(data)
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


def _graph_with_calls(meta: Any) -> None:
    graph = meta.graph_def
    graph.node.add(name="images", op="Placeholder").attr["dtype"].type = DT_FLOAT
    function = graph.library.function.add()
    function.signature.name = "scale"
    function.signature.input_arg.add(name="x", type=DT_FLOAT)
    function.signature.input_arg.add(name="x", type=DT_FLOAT)  # a repeated argument name: the first counts
    function.signature.output_arg.add(name="y", type=DT_FLOAT)
    function.signature.output_arg.add(name="z", type=DT_FLOAT)
    function.node_def.add(name="ten", op="Const").attr["value"].tensor.float_val.append(10.0)
    function.node_def.add(name="mul", op="Mul", input=["x", "ten:output:0", "^x"])
    function.ret["y"] = "mul:z:0"
    function.ret["z"] = "x"
    graph.node.add(name="by_name", op="scale", input=["images", "images"])  # an op naming a function
    graph.node.add(name="named", op="Relu", input=["by_name:z:0", "^images"])  # an output named by the function
    graph.node.add(name="call", op="StatefulPartitionedCall", input=["named", "later:0"]).attr["f"].func.name = "scale"
    odd_inputs = ["call:1", "missing", "images:2:3", "images:x9", "images:99999999999"]
    graph.node.add(name="later", op="Identity", input=odd_inputs)
    conv = graph.node.add(name="conv", op="Conv2D", input=["later"])
    conv.attr["data_format"].s = b"NCHW"
    custom = graph.node.add(name="custom", op="MyOwnOp", input=["conv"])  # unregistered: its data_format counts
    custom.attr["data_format"].s = b"NCDHW"
    relu = graph.node.add(name="relu", op="Relu", input=["custom"])  # registered, no such attribute: ignored
    relu.attr["data_format"].s = b"NCHW"
    listed = graph.node.add(name="listed", op="MaxPool", input=["relu"])
    listed.attr["data_format"].list.s.append(b"NCHW")  # not a string: no layout
    graph.node.add(name="text", op="Const").attr["value"].tensor.dtype = DT_STRING
    signature = meta.signature_def["default"]
    signature.inputs["images"].name = "images:0"
    signature.outputs["default"].name = "listed:0"


def test_calls_named_outputs_arguments_and_layouts(tmp_path: Path) -> None:
    need(native.wire is not None, "speclint._wire is not built")
    data = _model(_graph_with_calls).SerializeToString()
    assert lean.load(data) is not None
    assert lean_tables(data) == pure_tables(data)
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
    saved_model = _model(_graph_with_calls)
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
    need(native.wire is not None, "speclint._wire is not built")
    data = _odd(kind)
    assert (lean.load(data) is not None) is ODDITIES[kind]  # modelled, or handed back to the full parse
    if ODDITIES[kind]:
        assert lean_tables(data) == pure_tables(data)
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
    need(native.wire is not None, "speclint._wire is not built")
    verdicts = set()
    for depth in range(20, 40):
        data = _nested(depth)
        try:
            messages.SavedModel.FromString(data)
            accepted = True
        except Exception:
            accepted = False
        verdicts.add(accepted)
        assert (lean.load(data) is not None) is accepted, depth
    assert verdicts == {True, False}  # the sweep crossed the limit


def test_mutated_models_read_alike_or_are_handed_back() -> None:
    """Bytes changed in names, ops and inputs (and anywhere): never a crash, never a different index."""
    need(native.wire is not None, "speclint._wire is not built")
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
        got = lean_tables(mutated)
        if got is None:
            continue
        assert got == pure_tables(mutated)
        compared += 1
    assert compared > 50


# ---- the floods, C against Python ------------------------------------------------------------
def test_floods_agree_on_random_graphs() -> None:
    need(native.wire is not None, "speclint._wire is not built")
    from array import array

    rng = random.Random(7)
    for _ in range(200):
        size = rng.randint(1, 60)
        edges = rng.randint(0, 150)
        src = array("i", [rng.randint(-1, size - 1) for _ in range(edges)])
        dst = array("i", sorted(rng.randrange(size) for _ in range(edges)))
        pos = array("i", range(edges))
        in_start = array("i", [sum(1 for d in dst if d < node) for node in range(size + 1)])
        expected = flood.by_producer(src, dst, pos, size)
        assert native.by_producer(src, dst, pos, size) == expected
        out_start, out_dst, _ = expected
        calls = bytearray(rng.random() < 0.2 for _ in range(size))
        seeds = [rng.randint(-1, size - 1) for _ in range(3)]
        results = []
        for module in (flood, native.wire):
            visited, reached = bytearray(size), bytearray(size)
            found = module.forward(out_start, out_dst, calls, seeds, visited, reached)
            results.append((sorted(found), visited, reached))
        assert results[0] == results[1]
        kind = bytearray(rng.choice((0, 0, 0, 1, 2)) for _ in range(size))
        index = array("i", [rng.randint(0, 3) for _ in range(edges)])
        seeds = [rng.randint(-1, edges) for _ in range(4)]
        results = []
        for module in (flood, native.wire):
            stamp, seen = array("i", [0] * size), []
            found = module.backward(in_start, src, index, kind, stamp, 1, seeds, seen)
            results.append((sorted(found), sorted(seen), stamp))
        assert results[0] == results[1]
        ops = [rng.choice("ABC") for _ in range(size)]
        nodes = [rng.randint(-2, size + 2) for _ in range(20)]
        assert flood.ops_on(ops, reached, nodes) == native.wire.ops_on(ops, reached, nodes)
