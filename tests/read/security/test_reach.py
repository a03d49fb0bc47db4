"""speclint/read/security/reach.py: which roots run each node and function, so a finding names how it is reached.

Hand-built graphs: a signature, the init op, a library function called through
``PartitionedCall``, and an op nothing runs (never a failing finding, one summary).
"""

from __future__ import annotations

from typing import Any

from tests.read.security.test_security import const, one_graph, scan_of, serve


def model() -> dict[str, Any]:
    saved_model, meta_graph = one_graph()
    graph = meta_graph.graph_def
    const(graph, "path", b"/etc/passwd")
    graph.node.add(name="lonely", op="ReadFile", input=["path"])
    graph.node.add(name="at_init", op="ReadFile", input=["path"])
    graph.node.add(name="init", op="NoOp", input=["^at_init"])
    meta_graph.signature_def["__saved_model_init_op"].outputs["__saved_model_init_op"].name = "init"
    helper = graph.library.function.add()
    helper.signature.name = "helper"
    key = helper.node_def.add(name="key", op="Const")
    key.attr["value"].tensor.dtype = 7
    key.attr["value"].tensor.string_val.append(b"/root/.ssh/id_rsa")
    helper.node_def.add(name="inner", op="ReadFile", input=["key:output:0"])
    graph.node.add(name="call", op="PartitionedCall").attr["f"].func.name = "helper"
    serve(meta_graph, "call")
    return scan_of(saved_model)


def test_each_finding_names_the_roots_that_run_it_and_the_call_that_enters_it() -> None:
    found = {d["node"]: d for d in model()["dangerous_ops"]}
    assert set(found) == {"at_init", "inner"}
    assert (found["at_init"]["reached_from"], found["at_init"]["function"]) == (["init op"], None)
    inner = found["inner"]
    assert inner["function"] == "helper" and inner["reached_from"] == ["signature_def['serving_default']"]
    assert inner["via"] == "f of PartitionedCall node call in the graph"
    assert inner["argument"] == "/root/.ssh/id_rsa"


def test_an_op_nothing_runs_is_one_summary_not_a_finding() -> None:
    scan = model()
    assert [d["node"] for d in scan["unreached_ops"]] == ["lonely"] and scan["unreached_ops"][0]["reached_from"] == []
    assert scan["never_run"]["count"] == 1 and "(ReadFile: tag-set [serve] node lonely)" in scan["never_run"]["summary"]
