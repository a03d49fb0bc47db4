"""The TensorFlow-free half of ``fix``: the plan from IN's lint, the proof's arithmetic, OUT's checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.fix.plan import Plan, make_plan, parse_image_size
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
