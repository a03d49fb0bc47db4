"""speclint/rules/declared.py: the task a publisher declares chooses the profile, when it names one image contract."""

from __future__ import annotations

from typing import Any

import pytest

from speclint.rules.declared import declared_profile, declared_task


def facts(values: list[str], model_format: str = "tf2", meta_graphs: int = 1) -> dict[str, Any]:
    task = {"values": values, "where": "README.md line 4"}
    return {"format": model_format, "meta_graphs": [{}] * meta_graphs, "claims": {"task": task}}


@pytest.mark.parametrize(
    ("values", "model_format", "profile"),
    [
        (["image-feature-vector"], "tf2", "tf2-image-feature-vector"),
        (["image-classifier"], "tf1-hub", "tf1-image-classification"),
        (["image-classification", "image-classification-logits"], "tf1", "tf1-image-classification"),
    ],
)
def test_one_contract_task_is_the_profile(values: list[str], model_format: str, profile: str) -> None:
    assert declared_profile(facts(values, model_format)) == (
        profile,
        f"auto: declared by README.md line 4 (task: {', '.join(values)})",
    )


def test_a_task_outside_the_contracts_checks_no_profile_and_says_so() -> None:
    profile, reason = declared_profile(facts(["text-embedding"]))  # type: ignore[misc]
    assert profile is None and reason.endswith(
        ": not a task of the image contracts (image-feature-vector, image-classification)"
    )


@pytest.mark.parametrize(
    "document",
    [
        facts(["image-feature-vector", "image-classification"]),  # two contracts: the evidence decides
        facts(["image-feature-vector"], meta_graphs=0),  # unreadable
        facts(["image-feature-vector"], model_format="keras-h5"),
        {"format": "tf2", "meta_graphs": [{}], "claims": {}},
        {"format": "tf2", "meta_graphs": [{}]},
    ],
)
def test_otherwise_the_evidence_decides(document: dict[str, Any]) -> None:
    assert declared_profile(document) is None


def test_the_declared_task_in_words() -> None:
    assert declared_task(facts(["image-classification"])) == "image-classification (README.md line 4)"
    assert declared_task({"claims": None}) is None
