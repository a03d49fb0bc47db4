"""The static security scan and its rules (SL600-SL603) on real and hand-built models.

The real reader and the real rule engine run on every ``sec-*`` fixture (each must be flagged,
naming the op and where it is), on the conforming fixtures and on the corpus (nothing flagged;
above all no ``SaveV2``/``RestoreV2`` from the saver every SavedModel carries). Hand-built
protos cover what the fixtures cannot: GraphDefs serialized in constants, conditional ops,
the saver exemption's limits, symlinked assets, Keras metadata in its older places.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from speclint.proto import messages
from speclint.proto.keras_messages import SavedMetadata
from speclint.read import read_model, security
from speclint.read.graph import GraphIndex
from speclint.rules.engine import CompiledRule
from speclint.rules.loader import load_rules
from tests.conftest import MODELS, REPO, corpus_dirs, need, need_tensorflow

RULES = {code: CompiledRule(rule) for code, rule in load_rules().items() if code.startswith("SL6")}
SEC_FIXTURES = {
    # fixture: (rule code, text every finding's message must contain, text in its where;
    # traced functions are named as a reader knows them: __call__ trace N (arguments), or
    # their Python name without TensorFlow's __inference_..._<uid>)
    "sec-readfile": ("SL600", "ReadFile", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-writefile": ("SL600", "WriteFile", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-matchingfiles": ("SL600", "MatchingFiles", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-print-to-file": ("SL600", "PrintV2", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-pyfunc": ("SL600", "PyFunc", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-readfile-in-cond": ("SL600", "ReadFile", "function cond_true"),
    "sec-readfile-in-while": ("SL600", "ReadFile", "function while_body"),
    "sec-init-op-readfile": ("SL600", "ReadFile", "tag-set [] node"),
    "sec-text-line-dataset": ("SL600", "TextLineDataset", "function Dataset_flat_map_read_one_file"),
    "sec-lookup-table-from-file": ("SL600", "InitializeTableFromTextFile", "function _initializer"),
    "sec-summary-writer": ("SL600", "(summary-writer)", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-save-op-in-call": ("SL600", "SaveV2", "__call__ trace 1 (images: float32[?,32,32,3])"),
    "sec-abort": ("SL606", "Abort", "function cond_true"),
    "sec-keras-tfoplambda": ("SL607", "calls tf.io.read_file", "keras_metadata.pb root.layer-3"),
    "sec-keras-custom-layer": ("SL608", "speclint_fixture>Halve", "keras_metadata.pb root.layer-3"),
    "sec-never-run": ("SL605", "never run when the model is loaded or served", "model"),
    "sec-custom-op": ("SL601", "SpeclintNotARealOp", "tag-set [] node"),
    "sec-keras-lambda": ("SL602", "Lambda layer", "keras_metadata.pb root.layer-3"),
    "sec-asset-escape": ("SL603", "../../etc/passwd", "collection 'saved_model_assets'"),
    "sec-scan-incomplete": ("SL604", "not a valid SavedMetadata", "keras_metadata.pb"),
}
CONFORMING = ("tf2-feature-vector", "tf-keras-save", "keras3-export", "tf1-hub-feature-vector")


def findings(facts: dict[str, Any]) -> list[Any]:
    return [finding for rule in RULES.values() for finding in rule.findings(facts)]


def fixture(name: str) -> Path:
    path = MODELS / name
    need(path.is_dir(), f"fixture {name} missing: run golden/make_fixtures.py")
    return path


# ---- real fixtures, real engine ------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(SEC_FIXTURES))
def test_every_security_fixture_is_flagged(name: str) -> None:
    code, needle, where = SEC_FIXTURES[name]
    facts = read_model(str(fixture(name)))
    assert (facts["security"]["errors"] == []) is (code != "SL604")
    found = [f for f in findings(facts) if f.code == code]
    assert found, f"{name}: no {code} finding; security facts: {json.dumps(facts['security'])[:800]}"
    assert all(needle in f.message for f in found), [f.message for f in found]
    assert any(where in f.where for f in found), [f.where for f in found]
    severity = {"SL600": "error", "SL601": "error", "SL602": "warning", "SL603": "error", "SL604": "warning",
                "SL605": "info", "SL606": "error", "SL607": "error", "SL608": "info"}[code]  # fmt: skip
    assert all(f.severity == severity for f in found)


def test_security_findings_say_how_the_op_is_reached() -> None:
    cond = read_model(str(fixture("sec-readfile-in-cond")))["security"]["dangerous_ops"]
    assert any(d["via"] and d["via"].startswith("then_branch of StatelessIf") for d in cond), cond
    assert all(d["argument"] == "/etc/passwd" for d in cond)
    init = read_model(str(fixture("sec-init-op-readfile")))["security"]["dangerous_ops"]
    assert init and all(d["reached_from"] == ["init op"] and d["function"] is None for d in init), init
    table = read_model(str(fixture("sec-lookup-table-from-file")))["security"]["dangerous_ops"]
    assert [d["argument"] for d in table] == ["/etc/passwd"], table
    printed = read_model(str(fixture("sec-print-to-file")))["security"]["dangerous_ops"]
    assert all(d["argument"].startswith("file://") for d in printed)
    saved = read_model(str(fixture("sec-save-op-in-call")))["security"]["dangerous_ops"]
    assert {d["function"] for d in saved} and not any("traced_save" in d["function"] for d in saved), saved


@pytest.mark.parametrize("name", CONFORMING)
def test_conforming_fixtures_have_no_security_finding(name: str) -> None:
    facts = read_model(str(fixture(name)))
    assert findings(facts) == [], [f.message for f in findings(facts)]
    assert facts["security"] == security.empty()
    ops = facts["meta_graphs"][0]["graph"]["all_op_counts"]
    assert {"SaveV2", "RestoreV2"} <= set(ops), "the saver's own checkpoint ops must be there, and be exempt"


def test_no_fixture_outside_sec_has_a_security_finding() -> None:
    need(MODELS.is_dir(), "golden/models missing")
    flagged = {}
    for path in sorted(p for p in MODELS.iterdir() if p.is_dir() and not p.name.startswith("sec-")):
        codes = sorted({f.code for f in findings(read_model(str(path)))})
        if codes:
            flagged[path.name] = codes
    assert flagged == {}


def test_corpus_has_no_saver_false_positive() -> None:
    dirs = corpus_dirs()
    need(bool(dirs), "corpus missing (set SPECLINT_CORPUS)")
    checked = 0
    for path in dirs:
        facts = read_model(str(path))
        scan = facts["security"]
        assert scan["errors"] == [], (path.name, scan["errors"])
        if not facts["meta_graphs"]:
            continue
        checked += 1
        categories = {d["op"]: d["category"] for d in scan["dangerous_ops"]}
        assert "save-restore" not in categories.values(), (path.name, scan["dangerous_ops"])
        assert scan["unknown_ops"] == [], (path.name, scan["unknown_ops"])
    assert checked >= 10


# ---- hand-built models ---------------------------------------------------------------------------
def scan_of(saved_model: Any, model_dir: Path | None = None) -> dict[str, Any]:
    graphs = [GraphIndex(m.graph_def) for m in saved_model.meta_graphs]
    return security.scan(str(model_dir or "/nonexistent"), graphs, saved_model)


def one_graph(tags: tuple[str, ...] = ("serve",)) -> tuple[Any, Any]:
    saved_model = messages.SavedModel()
    meta_graph = saved_model.meta_graphs.add()
    meta_graph.meta_info_def.tags.extend(tags)
    return saved_model, meta_graph


def serve(meta_graph: Any, *names: str) -> None:
    """Make a signature run these top-level nodes (an unreached op is no SL600: it never runs)."""
    graph = meta_graph.graph_def
    graph.node.add(name="serve_all", op="NoOp", input=[f"^{name}" for name in names])
    meta_graph.signature_def["serving_default"].outputs["out"].name = "serve_all:0"


def const(graph: Any, name: str, value: bytes) -> Any:
    node = graph.node.add(name=name, op="Const")
    node.attr["value"].tensor.dtype = 7
    node.attr["value"].tensor.string_val.append(value)
    return node


def test_graph_def_serialized_in_a_constant_is_scanned() -> None:
    inner = messages.GraphDef()
    function = inner.library.function.add()
    function.signature.name = "read_one_file"
    function.node_def.add(name="lines", op="TextLineDataset", input=["filenames"])
    inner.node.add(name="custom", op="SpeclintNotARealOp")
    saved_model, meta_graph = one_graph()
    const(meta_graph.graph_def, "graph_def", inner.SerializeToString())
    meta_graph.graph_def.node.add(name="dataset", op="DatasetFromGraph", input=["graph_def"])
    serve(meta_graph, "dataset")
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == 1
    [dangerous] = scan["dangerous_ops"]
    assert dangerous["op"] == "TextLineDataset" and dangerous["nested_depth"] == 1
    assert dangerous["where"] == (
        "tag-set [serve] node graph_def > serialized GraphDef function read_one_file node lines"
    )
    assert [u["op"] for u in scan["unknown_ops"]] == ["SpeclintNotARealOp"]


def test_nested_graphs_stop_at_the_depth_limit() -> None:
    graph = messages.GraphDef()
    graph.node.add(name="leak", op="ReadFile")
    for level in range(40):
        outer = messages.GraphDef()
        const(outer, f"level{level}", graph.SerializeToString())
        graph = outer
    saved_model, meta_graph = one_graph()
    meta_graph.graph_def.CopyFrom(graph)
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == security.MAX_NESTED_DEPTH
    assert scan["dangerous_ops"] == []
    [error] = scan["errors"]  # the limit is a finding (SL604), never a silent pass
    assert "depth limit 4" in error["message"] and error["where"].endswith(f"node level{39 - 4}")


def test_strings_that_are_not_graphs_are_left_alone() -> None:
    saved_model, meta_graph = one_graph()
    for index, value in enumerate([b"\n\x05hello", b"vocab.txt", b"\x12\x00\x00\x00", b"\n\x02\x0a\x00" * 3]):
        const(meta_graph.graph_def, f"c{index}", value)
    scan = scan_of(saved_model)
    assert scan["nested_graphs_scanned"] == 0 and scan["unknown_ops"] == []


@pytest.mark.parametrize(
    ("op", "attrs", "flagged"),
    [
        ("PrintV2", {}, False),
        ("PrintV2", {"output_stream": b"stderr"}, False),
        ("PrintV2", {"output_stream": b"log(warning)"}, False),
        ("PrintV2", {"output_stream": b"file:///tmp/out.txt"}, True),
        ("Print", {}, False),
        ("DecodeProtoV2", {}, False),
        ("DecodeProtoV2", {"descriptor_source": b"bytes://abc"}, False),
        ("DecodeProtoV2", {"descriptor_source": b"/etc/protos.desc"}, True),
        ("DebugIdentityV2", {}, False),
        ("DebugIdentityV2", {"dump_root": b"/tmp/dump"}, False),  # no such attr: TensorFlow would refuse it
        ("ImmutableConst", {"memory_region_name": b"weights.mmap"}, True),
        ("EagerPyFunc", {"token": b"pyfunc_3"}, True),
    ],
)
def test_conditional_ops(op: str, attrs: dict[str, bytes], flagged: bool) -> None:
    saved_model, meta_graph = one_graph()
    node = meta_graph.graph_def.node.add(name="n", op=op)
    for key, value in attrs.items():
        node.attr[key].s = value
    serve(meta_graph, "n")
    assert bool(scan_of(saved_model)["dangerous_ops"]) is flagged


@pytest.mark.parametrize("op", ["DebugIdentity", "DebugIdentityV2"])
def test_debug_urls_list_attribute(op: str) -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.graph_def.node.add(name="quiet", op=op).attr["debug_urls"].list.SetInParent()
    loud = meta_graph.graph_def.node.add(name="loud", op=op)
    loud.attr["debug_urls"].list.s.append(b"grpc://evil:6064")
    serve(meta_graph, "quiet", "loud")
    [finding] = scan_of(saved_model)["dangerous_ops"]
    assert finding["node"] == "loud" and finding["argument"] == "grpc://evil:6064"


@pytest.mark.parametrize(("filename", "flagged"), [(b"", False), (b"/tmp/cache", True), (None, True)])
def test_cache_dataset_only_with_a_file(filename: bytes | None, flagged: bool) -> None:
    saved_model, meta_graph = one_graph()
    graph = meta_graph.graph_def
    graph.node.add(name="range", op="RangeDataset")
    if filename is None:
        graph.node.add(name="filename", op="Placeholder")
    else:
        const(graph, "filename", filename)
    graph.node.add(name="cache", op="CacheDatasetV2", input=["range", "filename", "resource"])
    serve(meta_graph, "cache")
    assert bool(scan_of(saved_model)["dangerous_ops"]) is flagged


def tf1_with_saver(saver_reached_from_signature: bool) -> Any:
    saved_model, meta_graph = one_graph(())
    graph = meta_graph.graph_def
    graph.node.add(name="images", op="Placeholder")
    graph.node.add(name="w", op="VariableV2")
    graph.node.add(name="features", op="MatMul", input=["images", "w"])
    const(graph, "save/Const", b"model")
    graph.node.add(name="save/SaveV2", op="SaveV2", input=["save/Const", "w"])
    graph.node.add(name="save/control_dependency", op="Identity", input=["save/Const", "^save/SaveV2"])
    graph.node.add(name="save/RestoreV2", op="RestoreV2", input=["save/Const"])
    graph.node.add(name="save/restore_all", op="NoOp", input=["^save/RestoreV2"])
    meta_graph.saver_def.filename_tensor_name = "save/Const:0"
    meta_graph.saver_def.save_tensor_name = "save/control_dependency:0"
    meta_graph.saver_def.restore_op_name = "save/restore_all"
    signature = meta_graph.signature_def["default"]
    signature.inputs["images"].name = "images:0"
    signature.outputs["default"].name = "features:0"
    if saver_reached_from_signature:
        graph.node[2].input.append("^save/SaveV2")  # the output now waits for a checkpoint write
    return saved_model


def test_tf1_saver_is_exempt_but_not_when_a_signature_runs_it() -> None:
    assert scan_of(tf1_with_saver(False))["dangerous_ops"] == []
    [finding] = scan_of(tf1_with_saver(True))["dangerous_ops"]
    assert finding["op"] == "SaveV2"
    assert finding["reached_from"] == ["signature_def['default']", "saver"]


def builder_two_tag_sets(variant: str) -> Any:
    """The v1 Builder's layout: [] with saver save/, then [train] from the same graph plus its own save_1/."""
    saved_model = tf1_with_saver(False)
    train = saved_model.meta_graphs.add()
    train.CopyFrom(saved_model.meta_graphs[0])
    train.meta_info_def.tags.append("train")
    graph = train.graph_def
    const(graph, "save_1/Const", b"model")
    graph.node.add(name="save_1/SaveV2", op="SaveV2", input=["save_1/Const", "w"])
    graph.node.add(name="save_1/control_dependency", op="Identity", input=["save_1/Const", "^save_1/SaveV2"])
    graph.node.add(name="save_1/RestoreV2", op="RestoreV2", input=["save_1/Const"])
    graph.node.add(name="save_1/restore_all", op="NoOp", input=["^save_1/RestoreV2"])
    train.saver_def.filename_tensor_name = "save_1/Const:0"
    train.saver_def.save_tensor_name = "save_1/control_dependency:0"
    train.saver_def.restore_op_name = "save_1/restore_all"
    if variant == "main op":  # [train]'s loader runs [] 's save op with its unfed (constant) file name
        graph.node.add(name="main", op="NoOp", input=["^save/control_dependency"])
        train.collection_def["saved_model_main_op"].node_list.value.append("main")
    elif variant == "own restore op":
        next(n for n in graph.node if n.name == "save_1/restore_all").input.append("^save/SaveV2")
    elif variant == "changed file name":  # [train] 's save/Const is not the node [] feeds
        next(n for n in graph.node if n.name == "save/Const").attr["value"].tensor.string_val[0] = b"/tmp/x"
    elif variant == "no saver in the other tag-set":
        saved_model.meta_graphs[0].ClearField("saver_def")
    elif variant == "op not in the other tag-set":  # [] has no save/SaveV2: [train] 's is no saver of []
        first = saved_model.meta_graphs[0].graph_def
        kept = [n for n in first.node if n.name not in ("save/SaveV2", "save/control_dependency")]
        first.ClearField("node")
        first.node.extend(kept)
    elif variant == "constant path":
        const(graph, "save/evil", b"/tmp/x")
        graph.node.add(name="save/SaveV2_1", op="SaveV2", input=["save/evil", "w"])
    return saved_model


@pytest.mark.parametrize(
    ("variant", "flagged", "reached_from"),
    [
        ("plain", [], []),
        ("main op", ["save/SaveV2"], ["init op"]),
        ("own restore op", ["save/SaveV2"], ["saver restore op"]),
        ("changed file name", ["save/RestoreV2", "save/SaveV2"], []),
        ("no saver in the other tag-set", ["save/RestoreV2", "save/SaveV2"], []),
        ("op not in the other tag-set", ["save/SaveV2"], []),
        ("constant path", ["save/SaveV2_1"], []),
    ],
)
def test_another_tag_sets_saver_is_exempt_only_where_never_run(
    variant: str, flagged: list[str], reached_from: list[str]
) -> None:
    scan = scan_of(builder_two_tag_sets(variant))
    found = [f for f in scan["dangerous_ops"] + scan["unreached_ops"] if f["meta_graph"] == 1]
    assert sorted(f["node"] for f in found) == flagged
    assert all(f["where"].startswith("tag-set [train] ") and f["reached_from"] == reached_from for f in found)
    # What nothing [train] runs reaches is never an error, only the grouped "never runs" note.
    assert all((f in scan["unreached_ops"]) is (reached_from == []) for f in found)
    # [] keeps its own saver exempt; without a saver_def its save/ is nobody's saver there either.
    others = [f for f in scan["dangerous_ops"] + scan["unreached_ops"] if f["meta_graph"] == 0]
    assert len(others) == (2 if variant == "no saver in the other tag-set" else 0)
    assert scan["never_run"]["count"] == len(scan["unreached_ops"])


def tf2_with_functions(saver_def: bool, call_save_from_signature: bool) -> Any:
    saved_model, meta_graph = one_graph()
    graph = meta_graph.graph_def
    save = graph.library.function.add()
    save.signature.name = "__inference__traced_save_12"
    save.signature.input_arg.add(name="prefix")
    save.node_def.add(name="SaveV2", op="SaveV2", input=["prefix"])
    call = graph.library.function.add()
    call.signature.name = "__inference_call_7"
    call.node_def.add(name="relu", op="Relu")
    if call_save_from_signature:
        call.node_def.add(name="nested", op="PartitionedCall").attr["f"].func.name = save.signature.name
    graph.node.add(name="serving_default_images", op="Placeholder")
    serving = graph.node.add(
        name="StatefulPartitionedCall", op="StatefulPartitionedCall", input=["serving_default_images"]
    )
    serving.attr["f"].func.name = call.signature.name
    meta_graph.signature_def["serving_default"].outputs["out"].name = "StatefulPartitionedCall:0"
    if saver_def:
        graph.node.add(name="saver_filename", op="Placeholder")
        saver = graph.node.add(name="StatefulPartitionedCall_1", op="StatefulPartitionedCall", input=["saver_filename"])
        saver.attr["f"].func.name = save.signature.name
        meta_graph.saver_def.save_tensor_name = "StatefulPartitionedCall_1:0"
        meta_graph.saver_def.filename_tensor_name = "saver_filename:0"
    return saved_model


def test_tf2_saver_function_is_exempt_only_as_the_saver() -> None:
    scan = scan_of(tf2_with_functions(True, call_save_from_signature=False))
    assert scan["dangerous_ops"] == scan["unreached_ops"] == []
    # Without a saver_def nothing feeds its file prefix: a function named like a saver is not one.
    # Nothing runs it either: one grouped note, no error.
    scan = scan_of(tf2_with_functions(False, call_save_from_signature=False))
    [finding] = scan["unreached_ops"]
    assert scan["dangerous_ops"] == [] and scan["never_run"]["ops"] == ["SaveV2"]
    assert finding["function"] == "__inference__traced_save_12" and finding["reached_from"] == []


def _string_const(graph: Any, name: str, value: bytes, packed: bool = False) -> None:
    """A string scalar in ``string_val``, or (``packed``) in ``tensor_content`` as TensorFlow encodes it."""
    node = const(graph, name, value)
    if packed:
        tensor = node.attr["value"].tensor
        tensor.ClearField("string_val")
        tensor.tensor_content = bytes([len(value)]) + value  # one varint length, then the bytes


def _file_name(graph: Any, variant: str) -> str:
    """A file-name tensor built from the saver's fed ``save/Const`` (or not): the name of its node."""
    if variant == "fed":
        return "save/Const"
    if variant in ("constant", "constant in tensor_content"):
        _string_const(graph, "evil", b"/tmp/somewhere/else", packed=variant.endswith("tensor_content"))
        return "evil"
    if variant == "variable":
        graph.node.add(name="v", op="ReadVariableOp", input=["w"])
        return "v"
    if variant == "regex":
        graph.node.add(name="rewritten", op="StaticRegexReplace", input=["save/Const"]).attr["rewrite"].s = b"/x"
        return "rewritten"
    if variant == "gs prefix":
        _string_const(graph, "bucket", b"gs://attacker-bucket/")
        graph.node.add(name="joined", op="StringJoin", input=["bucket", "save/Const"])
        return "joined"
    return "save/Const"


def _sharded(graph: Any, variant: str) -> str:
    """TensorFlow's sharded V2 file name, ``ShardedFilename(StringJoin([name, suffix]), 0, 1)``, or a variant."""
    suffix = {
        "old suffix": b"_temp_0123456789abcdef0123456789abcdef/part",  # TensorFlow < 1.14
        "climbing suffix": b"/../../x",
        "packed climbing suffix": b"/../../tmp/x",  # in tensor_content, string_val empty
    }.get(variant, b"_temp/part")
    _string_const(graph, "suffix", suffix, packed=variant in ("suffix in tensor_content", "packed climbing suffix"))
    if variant == "select":  # TensorFlow's own: .part on s3, _temp/part elsewhere
        graph.node.add(name="is_s3", op="StaticRegexFullMatch", input=["save/Const"]).attr["pattern"].s = b"^s3://.*"
        const(graph, "s3", b".part")
        graph.node.add(name="pick", op="Select", input=["is_s3", "s3", "suffix"])
    if variant == "select other":
        const(graph, "other", b"/etc/cron.d/x")
        graph.node.add(name="is_s3", op="StaticRegexFullMatch", input=["save/Const"]).attr["pattern"].s = b"^s3://.*"
        graph.node.add(name="pick", op="Select", input=["is_s3", "other", "suffix"])
    suffix_node = "pick" if variant.startswith("select") else "suffix"
    join = graph.node.add(name="tmp", op="StringJoin", input=["save/Const", suffix_node])
    if variant == "separator":
        join.attr["separator"].s = b"/../../../tmp/x"
    for name in ("shard", "count"):
        node = graph.node.add(name=name, op="Const")
        node.attr["value"].tensor.dtype = 3
    graph.node.add(name="sharded", op="ShardedFilename", input=["tmp", "shard", "count"])
    return "sharded"


RESTORE_VARIANTS = ["fed", "constant", "constant in tensor_content", "variable", "regex", "gs prefix"]
SAVE_VARIANTS = ["select", "old suffix", "suffix in tensor_content", "separator", "climbing suffix",
                 "packed climbing suffix", "select other"]  # fmt: skip


@pytest.mark.parametrize("variant", RESTORE_VARIANTS)
def test_tf1_restore_op_exempt_only_on_the_fed_file_name(variant: str) -> None:
    """The restore op runs at load: a restore op in it that reads anything but the fed name is SL600."""
    saved_model = tf1_with_saver(False)
    graph = saved_model.meta_graphs[0].graph_def
    graph.node.add(name="save/RestoreV2_1", op="RestoreV2", input=[_file_name(graph, variant)])
    graph.node.add(name="save/restore_more", op="NoOp", input=["^save/RestoreV2_1"])
    next(n for n in graph.node if n.name == "save/restore_all").input.append("^save/restore_more")
    scan = scan_of(saved_model)
    if variant == "fed":
        assert scan["dangerous_ops"] == scan["unreached_ops"] == []
        return
    [finding] = scan["dangerous_ops"]
    assert finding["node"] == "save/RestoreV2_1" and finding["reached_from"] == ["saver restore op"]
    if variant.startswith("constant"):
        assert finding["argument"] == "/tmp/somewhere/else"  # read from tensor_content as well


@pytest.mark.parametrize("variant", SAVE_VARIANTS)
def test_tf1_sharded_save_exempt_only_as_tensorflow_builds_it(variant: str) -> None:
    """A save op of the save tensor never runs at load; exempt when built exactly as the saver builds it,
    else one grouped note; and any save op that the restore op runs writes at load: SL600."""
    exact = variant in ("select", "old suffix", "suffix in tensor_content")
    for under_restore in (False, True):
        saved_model = tf1_with_saver(False)
        graph = saved_model.meta_graphs[0].graph_def
        graph.node.add(name="save/SaveV2_1", op="SaveV2", input=[_sharded(graph, variant), "w"])
        root = "save/restore_all" if under_restore else "save/control_dependency"
        next(n for n in graph.node if n.name == root).input.append("^save/SaveV2_1")
        scan = scan_of(saved_model)
        if under_restore:
            assert [f["node"] for f in scan["dangerous_ops"]] == ["save/SaveV2_1"], variant
        elif exact:
            assert scan["dangerous_ops"] == scan["unreached_ops"] == [], variant
        else:
            assert scan["dangerous_ops"] == [] and [f["node"] for f in scan["unreached_ops"]] == ["save/SaveV2_1"]


def test_a_saver_function_called_by_a_signature_is_flagged() -> None:
    [finding] = scan_of(tf2_with_functions(True, call_save_from_signature=True))["dangerous_ops"]
    assert finding["function"] == "__inference__traced_save_12"
    assert finding["reached_from"] == ["signature_def['serving_default']", "saver"]
    assert finding["via"] == "f of PartitionedCall node nested in function __inference_call_7"


def test_library_functions_called_by_op_name_are_not_unknown_ops() -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.graph_def.library.function.add().signature.name = "MyHelper"
    meta_graph.graph_def.node.add(name="a", op="MyHelper")
    meta_graph.graph_def.node.add(name="b", op="MyOtherHelper")
    assert [u["op"] for u in scan_of(saved_model)["unknown_ops"]] == ["MyOtherHelper"]


def test_no_cap_hides_a_finding() -> None:
    saved_model, meta_graph = one_graph()
    for index in range(500):
        meta_graph.graph_def.node.add(name=f"r{index}", op="ReadFile")
    meta_graph.graph_def.node.add(name="payload", op="WriteFile")
    serve(meta_graph, *(f"r{index}" for index in range(500)), "payload")
    scan = scan_of(saved_model)
    assert len(scan["dangerous_ops"]) == scan["dangerous_op_count"] == 501
    assert scan["dangerous_ops"][-1]["node"] == "payload"


@pytest.mark.parametrize(
    ("filename", "escapes"),
    [
        ("vocab.txt", False),
        ("sub/dir/vocab.txt", False),
        ("a/../b.txt", False),
        ("./x", False),
        ("../x", True),
        ("a/../../x", True),
        ("/etc/passwd", True),
        ("\\\\server\\share", True),
        ("C:\\Windows\\win.ini", True),
        ("..\\..\\x", True),
        ("x\x00y", True),
    ],
)
def test_escape_reason(filename: str, escapes: bool) -> None:
    assert (security.escape_reason(filename) is not None) is escapes


def test_asset_file_defs_in_both_places(tmp_path: Path) -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.asset_file_def.add(filename="/etc/shadow").tensor_info.name = "asset:0"
    packed = meta_graph.collection_def["saved_model_assets"].any_list.value.add()
    packed.type_url = "type.googleapis.com/tensorflow.AssetFileDef"
    packed.value = messages.AssetFileDef(filename="../../.ssh/id_rsa").SerializeToString()
    garbage = meta_graph.collection_def["saved_model_assets"].any_list.value.add()
    garbage.type_url, garbage.value = "type.googleapis.com/tensorflow.AssetFileDef", b"\xff\xff"
    scan = scan_of(saved_model, tmp_path)
    assert [a["path"] for a in scan["escaping_assets"]] == ["/etc/shadow", "../../.ssh/id_rsa"]
    assert scan["escaping_assets"][0]["where"] == "tag-set [serve] asset_file_def[0]"
    assert scan["errors"] == []


def test_symlinks_under_assets(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "assets" / "sub").mkdir(parents=True)
    (model / "assets" / "vocab.txt").write_text("a\n")
    (model / "assets" / "inside").symlink_to("vocab.txt")
    (model / "assets" / "passwd").symlink_to("/etc/passwd")
    (model / "assets" / "sub" / "up").symlink_to("../../../outside")
    (model / "assets" / "loop").symlink_to("loop")
    (model / "assets.extra").symlink_to(tmp_path)
    scan = security.scan(str(model), [], None)
    found = {a["path"]: a["reason"] for a in scan["escaping_assets"]}
    assert set(found) == {"assets/passwd", "assets/sub/up", "assets.extra"}, found
    assert found["assets/passwd"] == "is a symbolic link to '/etc/passwd', outside the model directory"
    assert scan["errors"] == []


def keras_metadata(*layers: tuple[str, dict[str, Any] | str]) -> bytes:
    metadata = SavedMetadata()
    for index, (path, value) in enumerate(layers):
        node = metadata.nodes.add(node_id=index, node_path=path, identifier="_tf_keras_layer")
        node.metadata = value if isinstance(value, str) else json.dumps(value)
    return metadata.SerializeToString()


def test_keras_lambda_layers(tmp_path: Path) -> None:
    lam = {
        "class_name": "Lambda",
        "name": "scale",
        "config": {"name": "scale", "function_type": "lambda", "module": "__main__", "function": ["4wEA", None, None]},
    }
    sequential = {
        "class_name": "Sequential",
        "config": {"layers": [lam, {"class_name": "Lambda", "config": {"name": "inner"}}]},
    }
    (tmp_path / "keras_metadata.pb").write_bytes(
        keras_metadata(
            ("root", sequential), ("root.layer-0", lam), ("root.layer-1", "{not json"), ("root.layer-2", "[" * 100_000)
        )
    )
    scan = security.scan(str(tmp_path), [], None)
    layers = {layer["layer"]: layer for layer in scan["keras_lambda_layers"]}
    assert set(layers) == {"scale", "inner"}
    assert layers["scale"]["where"] == "keras_metadata.pb root.layer-0 layer 'scale'"  # its own node, not the model's
    assert layers["scale"]["function_type"] == "lambda" and layers["scale"]["module"] == "__main__"
    assert scan["errors"] == []


def test_keras_metadata_in_the_object_graph_and_broken_files(tmp_path: Path) -> None:
    saved_model, meta_graph = one_graph()
    meta_graph.object_graph_def.nodes.add()
    meta_graph.object_graph_def.nodes.add().user_object.metadata = json.dumps({"class_name": "Lambda", "name": "old"})
    (tmp_path / "keras_metadata.pb").write_bytes(b"\xff\xff\xff")
    scan = scan_of(saved_model, tmp_path)
    assert [(x["layer"], x["where"]) for x in scan["keras_lambda_layers"]] == [
        ("old", "tag-set [serve] object graph node 1 layer 'old'")
    ]
    [error] = scan["errors"]
    assert error["file"] == "keras_metadata.pb" and "not a valid SavedMetadata" in error["message"]


def test_unreadable_model_still_gets_a_security_section(tmp_path: Path) -> None:
    (tmp_path / "saved_model.pb").write_bytes(b"\x0a\xff\xff")
    facts = read_model(str(tmp_path))
    assert facts["errors"] and facts["security"] == security.empty()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_model(str(empty))["security"] == security.empty()


# ---- the data files --------------------------------------------------------------------------------
def test_data_tables_are_consistent() -> None:
    security.known_ops.cache_clear()
    start = time.perf_counter()
    known = security.known_ops()
    assert time.perf_counter() - start < 0.1
    assert {"Conv2D", "_Arg", "StatefulPartitionedCall", "ReadFile"} <= known and len(known) > 1500
    calling = security.function_ops()
    assert {"StatefulPartitionedCall", "PartitionedCall", "If", "StatelessWhile", "MapDataset"} <= calling <= known
    table = security.dangerous_ops()
    assert set(table) <= known, sorted(set(table) - known)
    categories = {entry["category"] for entry in table.values()}
    assert {
        "file-read",
        "file-write",
        "python-callback",
        "print-to-file",
        "save-restore",
        "summary-writer",
        "dataset-file",
        "lookup-file",
        "memory-mapped",
    } <= categories
    for op, entry in table.items():
        assert entry["why"] and not entry["why"].endswith("."), op
        assert set(entry) <= {"category", "why", "argument", "only_if", "own_asset"}, op


@pytest.mark.tensorflow
@pytest.mark.parametrize("which", ["known_ops", "function_ops", "tf_functions"])
def test_op_lists_match_tensorflows_registry(which: str) -> None:
    need_tensorflow()
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_known_ops.py"), "--output", "-", "--which", which],
        capture_output=True, text=True, timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    shipped = (REPO / "speclint" / "data" / f"{which}.txt").read_text()

    def names(text: str) -> set[str]:
        return {line for line in text.splitlines() if line and not line.startswith("#")}

    registry, listed = names(result.stdout), names(shipped)
    assert registry <= listed, f"speclint/data/{which}.txt is stale: run python scripts/gen_known_ops.py"
    # The tensorflow wheel registers two GPU copy ops that tensorflow-cpu does not: either may be installed.
    assert listed - registry <= {"_CopyFromGpuToHost", "_CopyFromHostToGpu"}, "run python scripts/gen_known_ops.py"


@pytest.mark.tensorflow
def test_keras_subset_matches_tf_keras() -> None:
    need_tensorflow()
    code = """
import json
from tf_keras.protobuf import saved_metadata_pb2 as k
from speclint.proto.keras_messages import SavedMetadata, KerasSavedObject
def fields(d): return sorted((f.name, f.number, f.type) for f in d.fields)
print(json.dumps([fields(k.SavedMetadata.DESCRIPTOR) == fields(SavedMetadata.DESCRIPTOR),
                  fields(k.SavedObject.DESCRIPTOR) == fields(KerasSavedObject.DESCRIPTOR)]))
"""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, True]


# ---- the side-by-side script -------------------------------------------------------------------
def test_compare_scanners_speclint_part_catches_every_fixture() -> None:
    import importlib.util

    need(MODELS.is_dir() and any(MODELS.glob("sec-*")), "golden/models missing")
    spec = importlib.util.spec_from_file_location("compare_scanners", REPO / "scripts" / "compare_scanners.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    results = module.speclint_results(MODELS)
    assert set(results) == set(SEC_FIXTURES)
    kinds = {name: module.expected(MODELS / name) for name in results}
    wrong = {name: verdict for name, verdict in results.items() if not verdict.right(kinds[name])}
    assert wrong == {}
    notes = {name: verdict.detail for name, verdict in results.items() if kinds[name] == "quiet"}
    assert notes == {"sec-never-run": "note: SL605", "sec-keras-custom-layer": "note: SL608"}
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "compare_scanners.py"), "--speclint-only"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    attacks = sum(kind == "attack" for kind in kinds.values())
    assert f"**{attacks}/{attacks} caught, 2/2 quiet**" in result.stdout
    assert "tensorflow" not in result.stderr.lower()


@pytest.mark.parametrize("nesting", ["func-in-func", "list-in-func", "func-in-list"])
def test_functions_named_deep_inside_attributes_are_reached(nesting: str) -> None:
    """TensorFlow instantiates a function named in a NameAttrList's own attributes too."""
    saved_model, meta_graph = one_graph()
    graph = meta_graph.graph_def
    for name in ("outer", "evil"):
        graph.library.function.add().signature.name = name
    graph.library.function[1].node_def.add(name="leak", op="ReadFile")
    graph.node.add(name="images", op="Placeholder")
    call = graph.node.add(name="call", op="StatefulPartitionedCall", input=["images"])
    if nesting == "func-in-list":
        outer = call.attr["f"].func
        outer.name = "outer"
        outer.attr["branches"].list.func.add().name = "evil"
    else:
        call.attr["f"].func.name = "outer"
        inner = call.attr["f"].func.attr["body"]
        if nesting == "func-in-func":
            inner.func.name = "wrapper"
            inner.func.attr["deeper"].func.name = "evil"
        else:
            inner.list.func.add().name = "evil"
    meta_graph.signature_def["serving_default"].outputs["out"].name = "call:0"
    [finding] = scan_of(saved_model)["dangerous_ops"]
    assert finding["function"] == "evil" and finding["reached_from"] == ["signature_def['serving_default']"]
    assert finding["via"] == "f of StatefulPartitionedCall node call in the graph"
