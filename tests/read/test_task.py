"""speclint/read/task.py: the task a model's structure shows, with what shows it (never a guessed name).

Hand-built facts, one piece of structure at a time; ``tests/rules/test_profiles.py`` runs the
same evidence from real fixtures through ``--profile auto``.
"""

from __future__ import annotations

from typing import Any

import pytest

from speclint.read.task import task_evidence


def facts(*entries: dict[str, Any], model_format: str = "tf2", ops: dict[str, int] | None = None) -> dict[str, Any]:
    meta_graph = {"where": "tag-set [serve]", "graph": {"all_op_counts": ops or {}}}
    return {"format": model_format, "meta_graphs": [meta_graph], "entry_points": list(entries)}


def call(shape: list[int], op: str | None = None, node: str | None = None) -> dict[str, Any]:
    activation = {"op": op, **({"node": node} if node else {})}
    return {"where": "__call__", "api": "tf2-call", "output": {"shape": shape}, "output_activation": activation}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (call([-1, 5], "Softmax", "head/Softmax"), [("classification", "comes from Softmax (node head/Softmax)")]),
        (call([-1, 5], "ArgMax"), [("classification", "is class ids (ArgMax)")]),
        (call([-1, 1280], "Mean"), [("feature-vector", "is a global pool (Mean)")]),
        (call([-1, 1001]), [("classification", "is 1001 wide, as ImageNet classifiers are")]),
        (call([-1, 224, 224, 3], "Sigmoid"), [("dense-prediction", "has shape (-1, 224, 224, 3)")]),
        (call([-1, 1, 1, 1280], "Mean"), [("feature-vector", "is a global pool (Mean)")]),
        (call([-1, 5]), []),
    ],
)
def test_the_output_of_a_call_shows_its_task(entry: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    found = task_evidence(facts(entry))
    assert [(e["task"], e["evidence"].partition("__call__ ")[2]) for e in found] == expected


def test_tf1_task_signatures_are_declared_evidence_first() -> None:
    entries = [{"where": "w", "api": "tf1-signature", "signature": "image_feature_vector", "outputs": []}]
    found = task_evidence(facts(*entries, model_format="tf1-hub"))
    assert found == [
        {"task": "feature-vector", "evidence": "it has a signature_def['image_feature_vector']", "declared": True}
    ]
    assert task_evidence(facts(*entries, model_format="tf2")) == []  # a TF2 model's signature names declare nothing


def test_detection_by_op_or_by_output_keys() -> None:
    by_op = task_evidence(facts(ops={"CombinedNonMaxSuppression": 1, "Conv2D": 3}))
    assert by_op == [{"task": "detection", "evidence": "tag-set [serve] runs CombinedNonMaxSuppression"}]
    entry = {"where": "sig", "output_keys": ["detection_boxes", "num_detections"], "outputs": [{}, {}]}
    assert task_evidence(facts(entry)) == [
        {"task": "detection", "evidence": "sig returns detection_boxes, num_detections"}
    ]


def test_several_outputs_are_one_task_only_when_they_are_a_canned_classifier_s() -> None:
    heads = {"where": "sig", "output_keys": ["a", "b"], "outputs": [{"key": "a"}, {"key": "b"}]}
    assert task_evidence(facts(heads)) == [{"task": "multi-output", "evidence": "sig returns 2 tensors"}]
    canned = {
        "where": "sig",
        "output_keys": ["classes", "probabilities"],
        "outputs": [{"key": "classes"}, {"key": "probabilities", "activation": "Softmax"}],
    }
    assert task_evidence(facts(canned)) == [
        {"task": "classification", "evidence": "sig returns classes, probabilities"}
    ]


def test_the_same_evidence_twice_is_kept_once() -> None:
    entry = call([-1, 5], "Softmax")
    assert len(task_evidence(facts(entry, entry))) == 1
