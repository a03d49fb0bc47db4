"""speclint/rules/ruleset.py: which rules a model is held to, selection, gates, implied findings, the exit's severities.

Real golden fixtures through ``RuleSet.check``; hand-built selectors and rule tables for the
errors a user or a rule author can make.
"""

from __future__ import annotations

import pytest

from speclint.errors import SpeclintError
from speclint.read import read_model
from speclint.rules.ruleset import (
    ModelResult,
    RuleSet,
    check_implications,
    gating_severities,
    matches,
    not_applicable,
    require_known_codes,
)
from tests.conftest import MODELS, need


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return RuleSet()


def check(ruleset: RuleSet, name: str, *args: object, **kwargs: object) -> ModelResult:
    need((MODELS / name).is_dir(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    return ruleset.check(read_model(str(MODELS / name)), *args, **kwargs)  # type: ignore[arg-type]


def codes(result: ModelResult) -> list[str]:
    return [finding.code for finding in result.findings]


def test_selectors_are_prefixes_and_all() -> None:
    assert matches("SL112", ["SL1"]) and matches("SL112", ["ALL"]) and matches("SL112", ["SL112"])
    assert not matches("SL112", ["SL12"]) and not matches("SL112", [])


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("SL1122", "--select: unknown rule code or prefix 'SL1122'; did you mean SL112?"),
        ("sl11", "--select: unknown rule code or prefix 'sl11'; did you mean SL11?"),
        ("XYZ", "--select: unknown rule code or prefix 'XYZ' (run `speclint rules` to list them)"),
    ],
)
def test_a_selector_that_selects_nothing_is_an_error_with_a_suggestion(selector: str, message: str) -> None:
    with pytest.raises(SpeclintError) as error:
        require_known_codes([selector], ["SL110", "SL112", "SL600"], "--select")
    assert str(error.value) == message
    require_known_codes(["ALL", "SL1", "SL600"], ["SL110", "SL600"], "--select")


def test_not_applicable_fails_only_when_asked() -> None:
    pairs = [("SL002", "info"), ("SL112", "warning")]
    assert list(gating_severities(pairs, fail_not_applicable=False)) == ["warning"]
    assert list(gating_severities(pairs, fail_not_applicable=True)) == ["error", "warning"]


def test_a_model_is_held_to_its_profile(ruleset: RuleSet) -> None:
    result = check(ruleset, "tf1-input-uint8")
    assert (result.profile, codes(result)) == ("tf1-image-feature-vector", ["SL112"])
    assert codes(check(ruleset, "tf1-hub-feature-vector")) == []


def test_a_model_that_takes_no_images_gets_the_gate_only(ruleset: RuleSet) -> None:
    result = check(ruleset, "text-model")
    assert result.profile is None and codes(result) == ["SL002"] and not_applicable(result)
    assert result.profile_reason == "auto: not an image model (SL002)"


def test_security_rules_run_whatever_the_profile(ruleset: RuleSet) -> None:
    for profile in ("auto", "tf2-image-classification", "tf1-image"):
        assert "SL600" in codes(check(ruleset, "sec-pyfunc", profile))


def test_select_and_ignore_choose_among_the_findings(ruleset: RuleSet) -> None:
    assert codes(check(ruleset, "tf1-serving-export")) == ["SL100", "SL142"]
    assert codes(check(ruleset, "tf1-serving-export", select=["SL14"])) == ["SL142"]
    assert codes(check(ruleset, "tf1-serving-export", ignore=["SL142"])) == ["SL100"]


def test_implied_findings_are_listed_under_their_cause_until_it_is_ignored(ruleset: RuleSet) -> None:
    result = check(ruleset, "tf1-serving-export")
    cause = result.findings[0]
    assert cause.code == "SL100" and "Its consequences, not reported apart: SL103 " in cause.message
    assert [f.code for f in result.implied] == ["SL103", "SL104", "SL106", "SL117"]
    uncovered = check(ruleset, "tf1-serving-export", ignore=["SL100"])
    assert codes(uncovered) == ["SL103", "SL104", "SL106", "SL142"]  # the chain ends at the next cause:
    assert [f.code for f in uncovered.implied] == ["SL117"]  # SL117 is implied by SL100 and by SL103
    assert "Its consequences, not reported apart: SL117 " in uncovered.findings[0].message


def test_an_implication_must_name_a_rule_and_never_come_back_to_itself(ruleset: RuleSet) -> None:
    rules = dict(ruleset.rules)
    check_implications(rules)
    rules["SL100"] = rules["SL100"]._replace(implied_by=("SL103",))  # SL103 is implied by SL100
    with pytest.raises(SpeclintError, match="SL100 is implied by itself through implied_by"):
        check_implications(rules)
    rules["SL100"] = rules["SL100"]._replace(implied_by=("SL999",))
    with pytest.raises(SpeclintError, match="implied_by names SL999, which is no rule"):
        check_implications(rules)


def test_the_execution_summary_comes_from_the_probes_record(ruleset: RuleSet) -> None:
    need((MODELS / "tf2-feature-vector").is_dir(), "golden fixture tf2-feature-vector missing")
    facts = read_model(str(MODELS / "tf2-feature-vector"))
    assert ruleset.check(facts).execution is None
    facts["probes"] = {
        "status": "ok",
        "device": "CPU:0",
        "results": {"throughput": {"images_per_second": 50.0, "batch": 16}},
    }
    assert ruleset.check(facts).execution == {
        "status": "ok",
        "reason": None,
        "message": None,
        "device": "CPU:0",
        "images_per_second": 50.0,
        "throughput_batch": 16,
    }
