"""The TensorFlow-free half of ``fix``: the plan from IN's lint, the proof's arithmetic, OUT's checks."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from speclint.errors import SpeclintError
from speclint.fix.paths import Destination
from speclint.fix.plan import Fix, Plan, make_plan, parse_image_size
from speclint.fix.proof import Linted, Proof, expected_from, judge_equal, judge_lint, original_input
from speclint.read import read_model
from speclint.rules.ruleset import RuleSet
from tests.conftest import MODELS

RULES = RuleSet()


def plan_for(name: str, facts: dict[str, Any] | None = None, **options: Any) -> Plan:
    facts = facts or read_model(str(MODELS / name))
    return make_plan(facts, RULES.check(facts, "auto"), **options)


@pytest.mark.parametrize(
    ("name", "transform", "activation", "cast", "squeeze"),
    [
        ("tf2-input-uint8", "uint8", None, False, ()),
        ("tf1-rescale-255", "scale255", None, False, ()),
        ("tf2-rescale-127", "scale255", None, False, ()),
        ("tf1-softmax-output", None, "Softmax", False, ()),
        ("tf2-output-float64", None, None, True, ()),
        ("tf1-output-rank3", None, None, False, (1,)),
        ("tf2-no-call", None, None, False, ()),
    ],
)
def test_transforms_follow_the_findings(
    name: str, transform: str | None, activation: str | None, cast: bool, squeeze: tuple[int, ...]
) -> None:
    plan = plan_for(name)
    assert (plan.input_transform, plan.activation, plan.cast_output, plan.squeeze_axes) == (
        transform,
        activation,
        cast,
        squeeze,
    )
    assert plan.fixes


def test_unfixable_findings_are_listed_not_fixed() -> None:
    plan = plan_for("tf2-nchw")
    assert plan.fixes == []
    assert {f.code for f in plan.unfixable} == {"SL140"}


def test_tf1_keys_are_picked_or_asked_for() -> None:
    facts = read_model(str(MODELS / "tf1-hub-feature-vector"))
    assert (plan_for("", facts).input_key, plan_for("", facts).output_key) == ("images", "default")
    ambiguous = copy.deepcopy(facts)
    for meta_graph in ambiguous["meta_graphs"]:
        for signature in meta_graph["signatures"].values():
            images = signature["inputs"].pop("images")
            signature["inputs"].update(left=images, right=images)
    with pytest.raises(SpeclintError, match=r"more than one input and none is 'images' \(left, right\).*--input KEY"):
        plan_for("", ambiguous)
    assert plan_for("", ambiguous, input_key="right").input_key == "right"
    with pytest.raises(SpeclintError, match="--input 'middle': no such input"):
        plan_for("", ambiguous, input_key="middle")


def test_image_size_from_flag_when_the_model_has_none() -> None:
    assert plan_for("tf1-input-unknown-size").image_size is None
    plan = plan_for("tf1-input-unknown-size", image_size=(48, 40))
    assert plan.image_size == (48, 40)
    assert {c for fix in plan.fixes for c in fix.codes} == {"SL116", "SL117"}
    assert plan_for("tf1-attachment-mismatch").image_size == (32, 32)  # the graph wins over the attachment


@pytest.mark.parametrize("text", ["224", "0x3", "axb", "2x3x4", "-1x5"])
def test_bad_image_size(text: str) -> None:
    with pytest.raises(SpeclintError, match="expected HxW"):
        parse_image_size(text)


def test_security_findings_refuse_before_any_plan() -> None:
    with pytest.raises(SpeclintError, match=r"refused: the model has security findings \(SL600\)"):
        plan_for("sec-pyfunc")


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


def test_destination_checks(tmp_path: Path) -> None:
    source = tmp_path / "model"
    source.mkdir()
    with pytest.raises(SpeclintError, match="OUT is IN"):
        Destination(str(source), str(tmp_path / "." / "model"))
    with pytest.raises(SpeclintError, match="not a model directory"):
        Destination(str(tmp_path / "missing"), str(tmp_path / "out"))
    made = Destination(str(source), str(tmp_path / "out"))
    made.create()
    (tmp_path / "out" / "saved_model.pb").write_bytes(b"x")
    made.discard()
    assert not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    kept = Destination(str(source), str(tmp_path / "empty"))
    kept.create()
    (tmp_path / "empty" / "variables").mkdir()
    kept.discard()
    assert (tmp_path / "empty").is_dir() and not list((tmp_path / "empty").iterdir())
    with pytest.raises(SpeclintError, match="cannot create"):
        Destination(str(source), str(tmp_path / "no" / "parent")).create()


def test_model_strings_are_printed_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    from speclint.fix.command import _print_plan

    facts = read_model(str(MODELS / "tf1-input-not-named-images"))
    for meta_graph in facts["meta_graphs"]:
        for signature in meta_graph["signatures"].values():
            signature["inputs"]["im\x1b[2Jage"] = signature["inputs"].pop("image")
    plan = plan_for("", facts)
    _print_plan("model", plan)
    shown = capsys.readouterr().out
    assert "\x1b" not in shown
    assert "  fix SL110: rename the input 'im\\x1b[2Jage' to 'images'" in shown
