"""speclint/read/security/values.py: what a string input holds, followed back through the data flow; what
cannot be followed is unresolved, which counts as outside.

Hand-built graphs scanned for the file a ``ReadFile`` opens (the finding's ``argument``).
"""

from __future__ import annotations

from speclint.read.security.values import ASSET, FED, LITERAL, Value, literals, values_text
from tests.read.security.test_security import const, one_graph, scan_of, serve


def argument_of(build: str) -> str | None:
    saved_model, meta_graph = one_graph()
    graph = meta_graph.graph_def
    const(graph, "etc", b"/etc")
    const(graph, "passwd", b"passwd")
    const(graph, "tmp", b"/tmp/x")
    graph.node.add(name="fed", op="Placeholder")
    if build == "join":
        graph.node.add(name="file", op="StringJoin", input=["etc", "passwd"]).attr["separator"].s = b"/"
    elif build == "identity":
        graph.node.add(name="step", op="Identity", input=["tmp"])
        graph.node.add(name="file", op="Identity", input=["step"])
    elif build == "select":
        graph.node.add(name="file", op="SelectV2", input=["fed", "etc", "tmp"])
    elif build == "placeholder":
        graph.node.add(name="file", op="Identity", input=["fed"])
    graph.node.add(name="read", op="ReadFile", input=["file"])
    serve(meta_graph, "read")
    (finding,) = scan_of(saved_model)["dangerous_ops"]
    return finding["argument"]  # type: ignore[no-any-return]


def test_a_path_is_followed_through_joins_identities_and_selects() -> None:
    assert argument_of("join") == "/etc/passwd"
    assert argument_of("identity") == "/tmp/x"
    assert argument_of("select") == "/etc, /tmp/x"  # either branch may run


def test_a_fed_value_is_unresolved_and_still_a_finding() -> None:
    assert argument_of("placeholder") is None


def test_values_are_shown_sorted_up_to_three() -> None:
    assert values_text(None) is None and values_text(frozenset()) is None
    assert values_text(literals([b"d", b"a", b"c", b"b"])) == "a, b, c, ..."
    assert Value(ASSET, b"vocab.txt").text() == "assets/vocab.txt"
    assert Value(FED, b"save/Const:0").text() == "the variables/ path the loader feeds to save/Const:0"
    assert Value(LITERAL, b"\xff").text() == "\\xff"
