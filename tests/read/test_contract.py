"""speclint/read/contract.py: every place a consumer enters a model, described the same way for TF1 and TF2.

The entry points of real golden fixtures (TF1 Hub signatures in every tag-set, the ``__call__``
traces a documented call reaches, a signature-less graph's placeholder), and the image-input
choice on hand-built inputs.
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.read import read_model
from speclint.read.contract import image_input_key, is_image_batch
from tests.conftest import MODELS, need


def entry_points(name: str) -> list[dict[str, Any]]:
    need((MODELS / name).is_dir(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    return list(read_model(str(MODELS / name))["entry_points"])


def test_a_tf1_hub_module_is_entered_through_its_signatures_in_every_tag_set() -> None:
    entries = entry_points("tf1-hub-feature-vector")
    assert [e["where"] for e in entries] == [
        "tag-set [] signature_def['default']",
        "tag-set [] signature_def['image_feature_vector']",
        "tag-set [train] signature_def['default']",
        "tag-set [train] signature_def['image_feature_vector']",
    ]
    first = entries[0]
    assert first["api"] == "tf1-signature" and first["signature"] == "default"
    assert first["images"] == {"name": "images:0", "encoding": "name", "dtype": "DT_FLOAT", "shape": [-1, 32, 32, 3]}
    assert first["output"]["shape"] == [-1, 8]


def test_a_tf2_model_is_entered_through_the_traces_a_documented_call_reaches() -> None:
    (entry,) = entry_points("tf2-feature-vector")
    assert entry["api"] == "tf2-call" and entry["calls"] == ["obj(images)"]
    assert entry["where"] == "__call__ trace 1 (images: float32[?,32,32,3])"
    assert (entry["images"]["shape"], entry["output"]["shape"]) == ([-1, 32, 32, 3], [-1, 8])
    optional = entry_points("tf2-optional-endpoints")
    assert [e["calls"] for e in optional] == [
        ["obj(images)", "obj(images, training=False)"],
        ["obj(images, training=True)"],
    ]


def test_a_graph_without_signatures_offers_its_placeholders() -> None:
    (entry,) = entry_points("tf1-graph-without-signatures")
    assert entry["api"] == "graph" and entry["where"] == "tag-set [tag] placeholder Placeholder (no signature)"
    assert entry["images"]["shape"] == [-1, 32, 32, 1] and entry["output"] is None


@pytest.mark.parametrize(
    ("inputs", "key"),
    [
        ({"images": {"shape": None}, "x": {"shape": [-1, 8, 8, 3], "dtype": "DT_FLOAT"}}, "images"),
        ({"b": {"shape": [-1, 8, 8, 3], "dtype": "DT_UINT8"}, "a": {"shape": [-1, 8], "dtype": "DT_FLOAT"}}, "b"),
        ({"text": {"shape": [-1, 1, 1, 1], "dtype": "DT_STRING"}}, None),
        ({}, None),
    ],
)
def test_the_image_input_is_images_else_the_first_4d_numeric_dense_input(
    inputs: dict[str, Any], key: str | None
) -> None:
    assert image_input_key(inputs) == key


def test_an_image_batch_is_4d_and_numeric() -> None:
    assert is_image_batch({"shape": [-1, -1, -1, 3], "dtype": "DT_HALF"})
    assert not is_image_batch({"shape": [-1, 3], "dtype": "DT_FLOAT"})
    assert not is_image_batch({"shape": None, "dtype": "DT_FLOAT"}) and not is_image_batch(None)
    assert not is_image_batch({"shape": [-1, 2, 2, 3], "dtype": "DT_RESOURCE"})
