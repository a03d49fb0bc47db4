"""speclint/rules/engine.py: a rule's target resolved in the facts, tested, worded; one root cause, one finding.

Findings are grouped across tag-sets, signatures and ``__call__`` traces and worded without JSON or
TensorFlow's function numbers (real fixtures, real rules); the engine's own steps (JSON Pointer
targets with ``*``, ``when``, the message template, the fingerprint) run on hand-built facts
with the shipped rule SL112.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from speclint.read import read_model
from speclint.rules.engine import CompiledRule, fingerprint, get, group, resolve, resolve_with_where
from speclint.rules.loader import load_rules
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


# ---- the engine's steps on hand-built facts ---------------------------------------------------


def images(dtype: str) -> dict[str, Any]:
    return {"dtype": dtype, "shape": [-1, 224, 224, 3]}


def facts(*entry_points: dict[str, Any]) -> dict[str, Any]:
    return {"path": "models/m", "format": "tf2", "entry_points": list(entry_points)}


@pytest.fixture(scope="module")
def sl112() -> CompiledRule:
    return CompiledRule(load_rules()["SL112"])


def test_a_failing_target_is_one_finding_worded_from_the_rule(sl112: CompiledRule) -> None:
    document = facts(
        {"where": "signature 'a'", "images": images("DT_UINT8")},
        {"where": "signature 'b'", "images": images("DT_FLOAT")},
        {"where": "signature 'c'"},  # no images: outside the rule's ``when``
    )
    (finding,) = sl112.findings(document)
    assert (finding.path, finding.code, finding.severity) == ("models/m", "SL112", "error")
    assert (finding.where, finding.pointer) == ("signature 'a'", "/entry_points/0")
    assert finding.message == (
        "signature 'a': the image input has dtype DT_UINT8; the spec wants DT_FLOAT (float32 RGB values in [0, 1])"
    )
    assert finding.url.endswith("/docs/rules/SL112.md") and "#input" in finding.spec_url
    assert finding.fingerprint == fingerprint("SL112", finding.cause)


def test_a_conforming_model_and_a_model_without_the_target_have_no_finding(sl112: CompiledRule) -> None:
    assert list(sl112.findings(facts({"where": "w", "images": images("DT_FLOAT")}))) == []
    assert list(sl112.findings({"path": "m", "format": "tf2"})) == []


def test_a_model_s_text_that_looks_like_a_placeholder_stays_text(sl112: CompiledRule) -> None:
    (finding,) = sl112.findings(facts({"where": "signature '{found}'", "images": images("{where}")}))
    assert finding.message.startswith("signature '{found}': the image input has dtype {where};")


def test_the_same_cause_in_another_trace_has_the_same_fingerprint(sl112: CompiledRule) -> None:
    one = next(sl112.findings(facts({"where": "a", "images": images("DT_INT32")})))
    other = next(sl112.findings(facts({"where": "b", "images": images("DT_INT32")})))
    third = next(sl112.findings(facts({"where": "a", "images": images("DT_HALF")})))
    assert one.fingerprint == other.fingerprint != third.fingerprint
    assert len(one.fingerprint) == 16 and int(one.fingerprint, 16) >= 0
    assert fingerprint("SL112", "x") != fingerprint("SL113", "x")


def test_a_star_matches_every_item_of_a_list_or_a_dict_and_keys_are_escaped() -> None:
    document = {"list": [1, 2], "map": {"a/b": 3, "c~d": 4}, "scalar": 5}
    assert list(resolve(document, "/list/*")) == [("/list/0", 1), ("/list/1", 2)]
    assert list(resolve(document, "/map/*")) == [("/map/a~1b", 3), ("/map/c~0d", 4)]
    assert list(resolve(document, "/map/a~1b")) == [("/map/a~1b", 3)]
    assert list(resolve(document, "/scalar/*")) == []
    assert list(resolve(document, "/list/2")) == [] and list(resolve(document, "/absent")) == []
    assert list(resolve(document, "")) == [("", document)]


def test_a_target_takes_the_nearest_where_of_itself_or_its_ancestors() -> None:
    document = {"where": "top", "items": [{"where": "first", "x": {"y": 1}}, {"x": {"y": 2}}]}
    assert [(p, w) for p, _, w in resolve_with_where(document, "/items/*/x/y")] == [
        ("/items/0/x/y", "first"),
        ("/items/1/x/y", "top"),
    ]
    assert [w for _, _, w in resolve_with_where({"a": 1}, "/a")] == ["model"]


def test_get_reads_a_relative_pointer_or_none() -> None:
    assert get({"images": {"dtype": "DT_FLOAT"}}, "/images/dtype") == "DT_FLOAT"
    assert get({"images": {}}, "/images/dtype") is None
