"""SC103 task-changed fires only when both versions show their task, and says what showed it.

A TF2 classifier with a logits output (MatMul/BiasAdd, like a feature vector's) shows no task;
diff must not turn a guess into a "task changed" (``--profile auto`` does not guess either).
The models are the checked-in fixtures of golden/make_fixtures.py (built by TensorFlow).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import MODELS
from tests.diff.conftest import speclint


def task_findings(old: str, new: str) -> list[str]:
    completed = speclint("diff", str(MODELS / old), str(MODELS / new), "--format", "json", "--select", "SC103")
    assert completed.returncode in (0, 1), completed.stderr
    return [f["message"] for m in json.loads(completed.stdout)["models"] for f in m["findings"]]


def test_auto_profile_does_not_guess_the_task_of_a_logits_classifier() -> None:
    """Neither does diff: a logits output shows no task, so auto holds it to the shared rules."""
    completed = speclint("check", str(MODELS / "tf2-classifier"), "--format", "json")
    assert json.loads(completed.stdout)["models"][0]["profile"] == "tf2-image"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("tf2-feature-vector", "tf2-classifier"),  # logits: no evidence on either side
        ("tf2-classifier", "tf2-feature-vector"),
        ("tf2-softmax-output", "tf2-feature-vector"),  # only OLD shows its task
        ("tf1-no-task-signature", "tf1-hub-classifier"),  # only NEW shows its task
    ],
)
def test_no_task_change_without_evidence_on_both_sides(old: str, new: str) -> None:
    assert task_findings(old, new) == []


def test_tf1_signatures_are_evidence() -> None:
    assert task_findings("tf1-hub-feature-vector", "tf1-hub-classifier") == [
        "task feature-vector -> classification "
        "(OLD: signature image_feature_vector; NEW: signature image_classification)"
    ]


def test_a_softmax_output_is_evidence_across_formats() -> None:
    (message,) = task_findings("tf1-hub-feature-vector", "tf2-softmax-output")
    assert message.startswith("task feature-vector -> classification (OLD: signature image_feature_vector; NEW: ")
    assert message.endswith(" comes from Softmax)")
    assert "__inference" not in message


def test_the_same_task_is_no_change() -> None:
    assert task_findings("tf1-hub-classifier", "tf1-softmax-output") == []
