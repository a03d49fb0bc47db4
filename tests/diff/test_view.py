"""speclint/diff/view.py: a facts document reduced to what consumers depend on, where TF1 and TF2 meet.

The old sides of the checked-in golden diff pairs (golden/make_diff_pairs.py, built by TensorFlow).
"""

from __future__ import annotations

from typing import Any

from speclint.diff.view import call_key, contract_view, family, tags_text
from speclint.read import read_model
from tests.conftest import need
from tests.diff.conftest import PAIRS_DIR

TENSOR = {"dtype": "DT_FLOAT", "shape": [-1, 32, 32, 3], "encoding": "name"}
OUTPUT = {"dtype": "DT_FLOAT", "shape": [-1, 8], "encoding": "name"}


def view(pair: str, side: str = "old") -> dict[str, Any]:
    path = PAIRS_DIR / pair / side
    need(path.is_dir(), f"golden diff pair {pair} missing (run golden/make_diff_pairs.py)")
    return contract_view(read_model(str(path)))


def test_a_tf2_model_s_view_is_its_call_and_its_signatures() -> None:
    tf2 = view("compatible")
    assert (tf2["format"], tf2["family"], tf2["tag_sets"]) == ("tf2", "tf2", ["[serve]"])
    assert list(tf2["signatures"]) == ["signature_def['serving_default'] in tag-set [serve]"]
    assert list(tf2["call"]) == ["`__call__`"] and tf2["main"] == tf2["call"]["`__call__`"]
    assert (tf2["main"]["images"], tf2["main"]["output"]) == (TENSOR, OUTPUT)
    assert tf2["image_size"] == {"height": 32, "width": 32, "where": "the images input of `__call__`"}
    assert tf2["attributes"] == {"variables": True, "trainable_variables": True, "regularization_losses": True}
    assert tf2["training_argument"] is False and tf2["dangerous_ops"] == tf2["unknown_ops"] == []


def test_a_tf1_hub_module_s_view_meets_tf2_at_its_default_signature() -> None:
    tf1 = view("tf1-to-tf2")
    assert (tf1["family"], tf1["tag_sets"], tf1["call"]) == ("tf1", ["[]", "[train]"], None)
    assert tf1["main"]["where"] == "tag-set [] signature_def['default']"
    assert (tf1["main"]["images"], tf1["main"]["output"]) == (TENSOR, OUTPUT)
    assert tf1["image_size"]["where"] == "hub.get_expected_image_size()"
    assert tf1["task"] == {"task": "feature-vector", "evidence": "signature image_feature_vector"}
    assert view("tf1-to-tf2", "new")["main"]["where"] == "`__call__`"


def test_security_findings_are_part_of_the_view() -> None:
    assert view("dangerous-op-added", "new")["dangerous_ops"] == ["ReadFile"]
    assert view("unknown-op-added", "new")["unknown_ops"] == ["SpeclintCustomRelu"]


def test_the_words_of_the_view() -> None:
    assert (family("tf1-hub"), family("tf1"), family("tf2"), family(None)) == ("tf1", "tf1", "tf2", None)
    assert tags_text([]) == "[]" and tags_text(["serve", "gpu"]) == "[serve, gpu]"
    assert call_key(None) == call_key({"kind": "bool", "value": False}) == "`__call__`"
    assert call_key({"kind": "bool", "value": True}) == "`__call__` (training=True)"
