"""speclint/fix/proof.py: the proof's arithmetic and its verdicts (IN against OUT, numerically and by lint)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from speclint.fix.plan import Fix, Plan
from speclint.fix.proof import Linted, Proof, expected_from, judge_equal, judge_lint, original_input
from speclint.read import read_model
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS

RULES = RuleSet()


def test_proof_maths() -> None:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((3, 5)).astype(np.float32)
    softmax_plan = Plan("tf2", "tf2-image-classification", activation="Softmax")
    np.testing.assert_allclose(expected_from(logits, softmax_plan).sum(axis=1), 1.0, rtol=1e-12)
    x = rng.random((2, 4, 4, 3), dtype=np.float32)
    as_uint8 = original_input(x, Plan("tf2", "p", input_transform="uint8"))
    assert as_uint8.dtype == np.uint8 and as_uint8.max() <= 255
    np.testing.assert_array_equal(original_input(x, Plan("tf2", "p", input_transform="scale255")), x * 255)


def test_judge_equal_passes_and_fails() -> None:
    images = np.random.default_rng(0).random((3, 4, 4, 3), dtype=np.float32)
    plan = Plan("tf2", "tf2-image-classification", activation="Softmax")

    def original(x: np.ndarray) -> np.ndarray:
        logits = x.reshape(3, -1)[:, :5]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def fixed(x: np.ndarray) -> np.ndarray:
        return x.reshape(3, -1)[:, :5].astype(np.float32)

    good = Proof()
    judge_equal(good, images, original, fixed, plan)
    assert good.ok and good.lines[0].startswith("equal: softmax(OUT(x)) - IN(x) on 3 seeded random images")
    bad = Proof()
    judge_equal(bad, images, original, lambda x: fixed(x) * 2, plan)
    assert not bad.ok and bad.failures[0].startswith("outputs differ: max |softmax(OUT(x)) - IN(x)|")
    wrong_type = Proof()
    judge_equal(wrong_type, images, original, lambda x: fixed(x).astype(np.float64), plan)
    assert wrong_type.failures == ["OUT returns float64, not float32"]


def test_judge_lint_allows_only_what_in_had_and_fix_did_not_claim() -> None:
    facts = read_model(str(MODELS / "tf2-nchw"))
    before = RULES.check(facts, "auto").findings
    plan = Plan("tf2", "tf2-image-feature-vector")
    kept = Proof()
    judge_lint(kept, Linted(before, before, facts), plan)
    assert kept.ok and "(still there, as in IN: SL140)" in kept.lines[0]
    plan.fixes = [Fix(("SL140",), "pretend")]
    claimed = Proof()
    judge_lint(claimed, Linted(before, before, facts), plan)
    assert not claimed.ok and claimed.failures[0].startswith("OUT SL140 warning")


def _fine_tuning_skipped(skip_reason: str) -> tuple[dict[str, Any], list[Any]]:
    """A TF1 Hub module's facts whose Keras fine-tuning probe was skipped for skip_reason, and its findings."""
    facts = read_model(str(MODELS / "tf1-hub-feature-vector"))
    summary = "not applicable: tensorflow_hub refuses trainable=True for the TF1 Hub format"
    result = {"status": "skipped", "summary": summary, "where": "hub.KerasLayer", "skip_reason": skip_reason}
    facts["probes"] = {"results": {"keras_fine_tuning": result}}
    return facts, RULES.check(facts, "auto").findings


@pytest.mark.parametrize(
    ("family", "skip_reason", "ok"),
    [
        ("tf1", "not-applicable", True),  # tensorflow_hub refuses trainable=True for every TF1 Hub module
        ("tf1", "missing-extra", False),  # the Keras probes did not run: nothing proven
        ("tf2", "not-applicable", False),  # a TF2 OUT must be fine-tunable
    ],
)
def test_judge_lint_keeps_sl712_only_for_the_tf1_format(family: str, skip_reason: str, ok: bool) -> None:
    facts, after = _fine_tuning_skipped(skip_reason)
    assert [f.code for f in after] == ["SL712"]
    proof = Proof()
    judge_lint(proof, Linted([], after, facts), Plan(family, f"{family}-image-feature-vector"))
    assert proof.ok is ok
    if ok:
        assert proof.lines[0].startswith("not fixed SL712 info (the TF1 Hub format): ")
    else:
        assert proof.failures[0].startswith("OUT SL712 info: ")
