"""speclint/read/security/saver.py: the model's own saver is exempt only as TensorFlow builds and runs it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.read.security.test_security import const, one_graph, scan_of

RESTORE_VARIANTS = ["fed", "constant", "constant in tensor_content", "variable", "regex", "gs prefix"]
SAVE_VARIANTS = ["select", "old suffix", "suffix in tensor_content", "separator", "climbing suffix",
                 "packed climbing suffix", "select other"]  # fmt: skip


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
