"""speclint/read/metagraph.py: one MetaGraphDef as facts: tags, signatures with their graph ends, collections, saver.

A real golden TF1 Hub module parsed with speclint's proto subset, and hand-built MetaGraphDefs.
"""

from __future__ import annotations

from speclint.proto import messages
from speclint.read.metagraph import read_meta_graph, tag_set_label
from tests.conftest import MODELS, need


def saved_model(name: str) -> messages.SavedModel:  # type: ignore[valid-type]
    path = MODELS / name / "saved_model.pb"
    need(path.is_file(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    saved = messages.SavedModel()
    saved.ParseFromString(path.read_bytes())
    return saved


def test_a_tf1_hub_module_s_default_tag_set() -> None:
    saved = saved_model("tf1-hub-feature-vector")
    facts, graph = read_meta_graph(0, saved.meta_graphs[0])
    assert (facts["index"], facts["where"], facts["tags"]) == (0, "tag-set []", [])
    assert sorted(facts["signatures"]) == ["default", "image_feature_vector"]
    images = facts["signatures"]["default"]["inputs"]["images"]
    assert images["shape"] == [-1, 32, 32, 3]
    assert images["consumers"] == [{"op": "Conv2D", "node": "TinyNet/Conv2D", "function": None}]
    output = facts["signatures"]["default"]["outputs"]["default"]
    assert output["producer"] == {"op": "MatMul", "node": "TinyNet/MatMul", "function": None}
    assert facts["collections"]["hub_module_attachments"] == {"kind": "bytes_list", "size": 1}
    assert facts["hub_attachments"]["items"]["image_module_info"]["image_module_info"] == {
        "default_image_size": {"height": 32, "width": 32}
    }
    assert facts["saver"] == {"save_tensor_name": "save/control_dependency:0", "restore_op_name": "save/restore_all"}
    assert facts["graph"]["op_counts"]["Conv2D"] == 1 and facts["graph"]["nchw_node_count"] == 0
    assert facts["object_graph"] is None and graph is not None
    assert tag_set_label(saved.meta_graphs[1]) == "tag-set [train]"


def test_an_empty_meta_graph_has_no_signature_no_saver_no_nodes() -> None:
    meta_graph = messages.MetaGraphDef()
    meta_graph.meta_info_def.tags.extend(["serve", "gpu"])
    facts, _ = read_meta_graph(3, meta_graph)
    assert (facts["index"], facts["where"], facts["tags"]) == (3, "tag-set [serve, gpu]", ["serve", "gpu"])
    assert facts["signatures"] == {} and facts["saver"] is None and facts["graph"]["node_count"] == 0
