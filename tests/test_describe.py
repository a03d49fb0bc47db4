"""speclint/describe.py: facts in ``saved_model_cli show --all``'s words (``speclint show``, rule examples).

Real golden fixtures read by the static reader; model strings escaped.
"""

from __future__ import annotations

from typing import Any

from speclint.describe import entry_summary, inline_value, meta_graph_summary, render, tensor_summary
from speclint.read import read_model
from tests.conftest import MODELS, need


def facts(name: str) -> dict[str, Any]:
    need((MODELS / name).is_dir(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    return read_model(str(MODELS / name))


def test_a_tf1_hub_module_is_shown_as_saved_model_cli_shows_it() -> None:
    text = render(facts("tf1-hub-feature-vector"))
    lines = text.splitlines()
    assert lines[0].endswith("tf1-hub-feature-vector: format tf1-hub")
    assert "  tfhub_module.pb: format FORMAT_V3, required features: none" in lines
    assert "  expected image size: 32x32 (from image_module_info)" in lines
    assert "MetaGraphDef with tag-set: 'train' contains the following SignatureDefs:" in lines
    default = lines.index("signature_def['default']:")
    assert lines[default + 1 : default + 6] == [
        "  The given SavedModel SignatureDef contains the following input(s):",
        "    inputs['images'] tensor_info:",
        "        dtype: DT_FLOAT",
        "        shape: (-1, 32, 32, 3)",
        "        name: images:0",
    ]
    assert "  graph: 28 nodes, 0 library functions, 28 ops of 13 types" in lines


def test_a_tf2_model_s_call_traces_are_its_concrete_functions() -> None:
    text = render(facts("tf2-optional-endpoints"))
    assert "Concrete Functions:" in text
    assert "      Argument #3: return_endpoints: bool True" in text
    assert "    Returns: TensorSpec(shape=(-1, 5), dtype=DT_FLOAT)" in text
    entry = entry_summary(facts("tf2-optional-endpoints")["entry_points"][0])
    assert entry == [
        "__call__ trace 1 (images: float32[?,32,32,3], training=False, return_endpoints=False)",
        "  arguments: images, training, return_endpoints",
        "  images: dtype DT_FLOAT, shape (-1, 32, 32, 3)",
        "  returns: dtype DT_FLOAT, shape (-1, 5)",
        "  training: bool False",
    ]


def test_a_model_s_strings_are_escaped() -> None:
    document = facts("tf1-hub-feature-vector")
    signatures = document["meta_graphs"][0]["signatures"]
    signatures["ev\x1b[2Jil"] = signatures.pop("default")
    text = render(document)
    assert "\x1b" not in text and "signature_def['ev\\x1b[2Jil']:" in text


def test_the_short_forms_for_rule_examples() -> None:
    summary = meta_graph_summary(facts("tf1-hub-feature-vector")["meta_graphs"][0])
    assert summary[:4] == [
        "MetaGraphDef with tag-set []",
        "  signature_def['default']",
        "    inputs['images']: dtype DT_FLOAT, shape (-1, 32, 32, 3)",
        "    outputs['default']: dtype DT_FLOAT, shape (-1, 8)",
    ]
    assert tensor_summary(None) == "none" and tensor_summary({"dtype": "DT_HALF", "shape": None}).startswith(
        "dtype DT_HALF"
    )
    assert inline_value({"kind": "bool", "value": True}) == "bool True" and inline_value([1, 2]) == "(1, 2)"
