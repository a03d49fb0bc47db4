"""speclint/read/security: the static security scan and its rules (SL600-SL603) on real and hand-built models.

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
from speclint.read import read_model, security
from speclint.read.graph.index import GraphIndex
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
