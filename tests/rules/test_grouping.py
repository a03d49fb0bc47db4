"""One root cause, one finding: grouped across tag-sets, signatures and ``__call__`` traces,
worded without JSON or TensorFlow's function numbers. Real fixtures, real rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.read import read_model
from speclint.rules.engine import group
from speclint.rules.rule import Finding
from speclint.rules.ruleset import ModelResult, RuleSet
from speclint.rules.wording import value_words
from tests.conftest import MODELS, need


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return RuleSet()


def check(ruleset: RuleSet, name: str) -> ModelResult:
    path = MODELS / name
    need(path.is_dir(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    return ruleset.check(read_model(str(path)))


def test_one_placeholder_in_four_signatures_is_one_finding(ruleset: RuleSet) -> None:
    result = check(ruleset, "tf1-input-uint8")
    assert [(f.code, len(f.all_locations)) for f in result.findings] == [("SL112", 4)]
    assert len({place.pointer for place in result.findings[0].all_locations}) == 4


def test_a_dangerous_op_in_two_traces_is_one_finding(ruleset: RuleSet) -> None:
    """sec-readfile traces its lambda twice (signature and __call__): one ReadFile, one finding."""
    result = check(ruleset, "sec-readfile")
    findings = [f for f in result.findings if f.code == "SL600"]
    assert len(findings) == 1 and len(findings[0].all_locations) == 2
    assert "__call__ trace 1 (images: float32[?,32,32,3])" in " ".join(p.where for p in findings[0].all_locations)


def test_different_causes_stay_apart(ruleset: RuleSet) -> None:
    """Three different summary ops in each of two traces: three findings of two places each."""
    result = check(ruleset, "sec-summary-writer")
    findings = [f for f in result.findings if f.code == "SL600"]
    assert len(findings) == 3 and all(len(f.all_locations) == 2 for f in findings)


def test_traces_are_named_by_their_arguments(ruleset: RuleSet) -> None:
    result = check(ruleset, "tf2-training-not-bool")
    messages = [f.message for f in result.findings if f.code == "SL136"]
    assert messages and all(m.startswith("__call__ trace ") for m in messages)
    assert any("(images: float32[?,32,32,3], training=1)" in m and "is int 1;" in m for m in messages)


@pytest.mark.parametrize(
    "value,words",
    [
        ({"kind": "int", "value": 1}, "int 1"),
        ({"height": 64, "width": 64}, "height 64, width 64"),
        (
            {"op": "RealDiv", "node": "truediv", "function": "__inference_f_12", "constant": 127.5},
            "RealDiv node truediv by 127.5",
        ),
        ([-1, 224, 224, 3], "(-1, 224, 224, 3)"),
        (None, "none"),
    ],
)
def test_values_are_worded_not_json(value: object, words: str) -> None:
    assert value_words(value) == words


def test_no_finding_of_the_golden_tree_prints_json_or_function_numbers(ruleset: RuleSet) -> None:
    need(MODELS.is_dir(), "golden fixtures missing")
    messages = [
        text
        for path in sorted(Path(MODELS).iterdir())
        if path.is_dir()
        for finding in ruleset.check(read_model(str(path))).findings
        for text in (finding.message, *(p.where for p in finding.all_locations))
    ]
    assert messages
    assert not [m for m in messages if "{" in m or "__inference_" in m]


def test_group_keeps_order_and_merges_only_equal_causes() -> None:
    def finding(where: str, cause: str) -> Finding:
        return Finding("m", "SL140", where, "channels-last", "warning", f"{where}: x", f"/{where}", "u", cause=cause)

    grouped = group([finding("a", "1"), finding("b", "2"), finding("c", "1")])
    assert [(f.where, [p.where for p in f.all_locations]) for f in grouped] == [("a", ["a", "c"]), ("b", ["b"])]
