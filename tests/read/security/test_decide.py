"""speclint/read/security/decide.py: a conditional op is harmless only when the values it is given prove it."""

from __future__ import annotations

import pytest

from tests.read.security.test_security import const, one_graph, scan_of, serve


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
