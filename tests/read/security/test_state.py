"""speclint/read/security/state.py: the security facts being filled in; nothing capped, nothing failing silently."""

from __future__ import annotations

from speclint.read.security.state import MAX_NESTED_GRAPHS, State, empty, never_run


def test_an_empty_scan_has_every_section() -> None:
    facts = empty()
    assert facts["dangerous_op_count"] == 0 and facts["errors"] == [] and facts["never_run"]["count"] == 0
    assert facts["never_run"] == {"count": 0, "ops": [], "where": "model", "summary": ""}


def test_findings_are_counted_and_never_capped() -> None:
    state = State(empty())
    for index in range(1000):
        state.add("dangerous_ops", {"op": "ReadFile", "node": f"n{index}"})
    state.add("unknown_ops", {"op": "Mystery"})
    state.add("escaping_assets", {"path": "/etc/passwd"})
    result = state.result
    assert result["dangerous_op_count"] == len(result["dangerous_ops"]) == 1000
    assert result["unknown_op_count"] == 1 and result["escaping_assets"] == [{"path": "/etc/passwd"}]
    assert state.nested_budget == MAX_NESTED_GRAPHS


def test_an_error_is_kept_short_with_where_it_happened() -> None:
    state = State(empty())
    state.error("keras_metadata.pb", "x" * 1000)
    state.error("saved_model.pb", "bad", where="tag-set [serve] node n")
    assert state.result["errors"] == [
        {"file": "keras_metadata.pb", "where": "keras_metadata.pb", "message": "x" * 300},
        {"file": "saved_model.pb", "where": "tag-set [serve] node n", "message": "bad"},
    ]


def test_ops_that_never_run_are_one_summary() -> None:
    unreached = [{"op": "ReadFile", "where": f"node r{i}"} for i in range(3)] + [{"op": "WriteFile", "where": "node w"}]
    summary = never_run(unreached)
    assert (summary["count"], summary["ops"], summary["where"]) == (4, ["ReadFile", "WriteFile"], "model")
    assert summary["summary"].startswith(
        "4 ops of the dangerous-op table (ReadFile x3, WriteFile: node r0; node r1; node r2; ...) that no signature"
    )
    assert never_run(unreached[:1])["summary"].startswith("1 op of the dangerous-op table (ReadFile: node r0) ")
