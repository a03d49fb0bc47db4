"""speclint/read/claims/kaggle.py: model-instance-metadata.json read as kaggle-api reads it (its template)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from speclint.read.claims import kaggle

# ---- Kaggle ----------------------------------------------------------------------------------


def template() -> dict[str, Any]:
    """kaggle-api's documented model-instance-metadata.json template (docs/models_metadata.md)."""
    return {
        "ownerSlug": "INSERT_OWNER_SLUG_HERE",
        "modelSlug": "INSERT_EXISTING_MODEL_SLUG_HERE",
        "instanceSlug": "INSERT_INSTANCE_SLUG_HERE",
        "framework": "INSERT_FRAMEWORK_HERE",
        "overview": "",
        "usage": "Usage Markdown, see below",
        "licenseName": "Apache 2.0",
        "fineTunable": False,
        "trainingData": [],
        "modelInstanceType": "Unspecified",
        "baseModelInstance": "",
        "externalBaseModelUrl": "",
    }


def test_the_unfilled_template_is_malformed_field_by_field() -> None:
    result = kaggle.parse_instance_metadata(json.dumps(template(), indent=2))
    assert [p.line for p in result.problems] == [2, 3, 4, 5]
    assert all("still the template's INSERT_" in p.message for p in result.problems)
    assert result.framework is None and result.fine_tunable is not None and result.fine_tunable.value == "false"


@pytest.mark.parametrize(
    ("written", "member"),
    [
        ("tensorFlow2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("TensorFlow2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("tensorflow1", "MODEL_FRAMEWORK_TENSOR_FLOW_1"),
        ("MODEL_FRAMEWORK_TENSOR_FLOW_2", "MODEL_FRAMEWORK_TENSOR_FLOW_2"),
        ("pyTorch", "MODEL_FRAMEWORK_PY_TORCH"),
        ("pytorch", "MODEL_FRAMEWORK_PY_TORCH"),
        ("tfLite", "MODEL_FRAMEWORK_TF_LITE"),
        ("jax", "MODEL_FRAMEWORK_JAX"),
        ("TensorFlow 2", None),
        ("tensorflow3", None),
        (2, None),
    ],
)
def test_frameworks_are_matched_as_kaggle_api_matches_them(written: Any, member: str | None) -> None:
    assert kaggle.lookup_enum(kaggle.FRAMEWORKS, "MODEL_FRAMEWORK", written) == member


def test_a_filled_template_declares_framework_and_fine_tuning() -> None:
    data = {
        **template(),
        "ownerSlug": "me",
        "modelSlug": "m",
        "instanceSlug": "i",
        "framework": "tensorFlow1",
        "fineTunable": True,
    }
    result = kaggle.parse_instance_metadata(json.dumps(data, indent=2))
    assert result.problems == [] and result.framework_member == "MODEL_FRAMEWORK_TENSOR_FLOW_1"
    assert (result.framework.line, result.fine_tunable.value) == (5, "true")  # type: ignore[union-attr]
    assert kaggle.MODEL_FORMATS[result.framework_member] == ["tf1-hub", "tf1"]


IDENTITY = '"ownerSlug": "a", "modelSlug": "b", "instanceSlug": "c"'


@pytest.mark.parametrize(
    ("text", "line", "needle"),
    [
        ('{\n  "ownerSlug": "me",\n  "modelSlug": \n}', 4, "not valid JSON"),
        ("[]", 1, "one JSON object"),
        (
            "{" + IDENTITY + ', "framework": "jax", "licenseName": ""}',
            1,
            "licence",
        ),
        (
            "{" + IDENTITY + ', "framework": "jax", "licenseName": "MIT",\n"fineTunable": "true"}',
            2,
            "must be true or false",
        ),
        (
            "{" + IDENTITY + ', "framework": "tensorflow", "licenseName": "MIT"}',
            1,
            "not a Kaggle framework",
        ),
        ("{" + IDENTITY + ', "licenseName": "MIT"}', 1, "lacks 'framework'"),
    ],
)
def test_what_kaggle_refuses_is_malformed(text: str, line: int, needle: str) -> None:
    found = kaggle.parse_instance_metadata(text).problems
    assert any(p.line == line and needle in p.message for p in found), found
