"""speclint/rules/profiles.py: ``auto`` follows the declared task, then the structure's evidence, and says why.

Real golden fixtures for what the reader shows; hand-built evidence for the cases no fixture
isolates (both tasks at once, a declared TF1 signature beating a softmax).
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.read import read_model
from speclint.rules.profiles import PROFILE_NAMES, choose, require_known
from tests.conftest import MODELS, need


def facts_of(name: str) -> dict[str, Any]:
    need((MODELS / name).is_dir(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    return read_model(str(MODELS / name))


@pytest.mark.parametrize(
    ("name", "profile", "because"),
    [
        ("tf1-hub-classifier", "tf1-image-classification", "image classification: it has a signature_def"),
        ("tf1-hub-feature-vector", "tf1-image-feature-vector", "TF1 Hub module taking a 4-D image batch;"),
        ("tf1-serving-export", "tf1-image-classification", "comes from Sigmoid (node dense_1/Sigmoid)"),
        ("tf2-feature-vector", "tf2-image", "its structure does not show its task"),
        ("tf2-detector", "tf2-image", "object detection (tag-set [serve] runs CombinedNonMaxSuppression)"),
        ("tf2-style-transfer", "tf2-image", "dense prediction (the output of __call__ trace 1"),
        ("tf-keras-two-heads", "tf2-image", "several outputs (__call__ trace 1"),
        (
            "claims-tf2-classifier",
            "tf2-image-classification",
            "declared by README.md line 5 (task: image-classification)",
        ),
        ("claims-text-task", None, "not a task of the image contracts"),
    ],
)
def test_auto_follows_the_evidence_of_real_models(name: str, profile: str | None, because: str) -> None:
    choice = choose(facts_of(name), "auto")
    assert choice.profile == profile and because in choice.reason and choice.reason.startswith("auto: ")


def evidence(*items: tuple[str, str, bool]) -> dict[str, Any]:
    return {
        "format": "tf2",
        "meta_graphs": [{}],
        "task_evidence": [{"task": t, "evidence": e, **({"declared": True} if d else {})} for t, e, d in items],
    }


def test_evidence_both_ways_is_held_to_the_shared_rules_and_named() -> None:
    choice = choose(evidence(("classification", "a softmax", False), ("feature-vector", "a pool", False)), "auto")
    assert choice.profile == "tf2-image"
    assert "the evidence points both ways (classification: a softmax; feature-vector: a pool)" in choice.reason


def test_a_declared_signature_wins_over_the_output_s_activation() -> None:
    choice = choose(evidence(("classification", "a softmax", False), ("feature-vector", "a signature", True)), "auto")
    assert choice == (
        "tf2-image-feature-vector",
        "auto: TF2 SavedModel taking a 4-D image batch; image feature vector: a signature",
    )


def test_an_unreadable_model_and_a_non_image_format_get_no_profile() -> None:
    assert choose({"format": "tf2", "meta_graphs": []}, "auto") == (None, "auto: the model could not be read")
    assert choose({"format": "keras-h5", "meta_graphs": [{}]}, "auto").profile is None


def test_an_explicit_profile_is_taken_as_configured_and_a_wrong_one_refused() -> None:
    assert choose(facts_of("tf2-feature-vector"), "tf1-image") == ("tf1-image", "chosen by configuration")
    for name in PROFILE_NAMES:
        require_known(name)
    require_known("auto")
    with pytest.raises(
        SpeclintError, match=r"unknown profile 'tf2-image-clasification' \(choose auto or one of tf1-image"
    ):
        choose({}, "tf2-image-clasification")
