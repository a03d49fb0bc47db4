"""speclint/rules/rule.py: what a rule is and what it finds, the plain data every reporter reads."""

from __future__ import annotations

from speclint.rules.loader import load_rules
from speclint.rules.rule import SPEC_URLS, Finding, Location, Rule, SpecRef
from speclint.vocabulary import TF1, TF2

TF1_REF = SpecRef("tf1", "#input", "The input images ...")
TF2_REF = SpecRef("tf2", "#feature-vector", "A feature vector ...")


def rule(*spec: SpecRef, **fields: object) -> Rule:
    values: dict = {"code": "SL999", "name": "n", "severity": "error", "since": "0.3.0", "summary": "s"}
    values.update(message="m", why="w", spec=spec, target="/x", schema={})
    return Rule(**{**values, **fields})


def finding(**fields: object) -> Finding:
    values: dict = {"path": "m", "code": "SL100", "where": "w", "name": "n", "severity": "error", "message": "x"}
    values.update(pointer="/p", spec_url="u")
    return Finding(**{**values, **fields})


def test_a_spec_reference_links_its_page_or_its_translation() -> None:
    assert TF1_REF.url == SPEC_URLS["tf1"] + "#input"
    assert TF2_REF.url == "https://www.tensorflow.org/hub/common_saved_model_apis/images#feature-vector"
    translated = TF2_REF._replace(base_url="https://www.tensorflow.org/hub/common_saved_model_apis/images?hl=zh-cn")
    assert translated.url.endswith("/images?hl=zh-cn#feature-vector")


def test_the_spec_section_follows_the_models_format() -> None:
    both = rule(TF1_REF, TF2_REF)
    assert both.spec_for(TF2) is TF2_REF
    assert both.spec_for(TF1) is TF1_REF and both.spec_for(None) is TF1_REF
    assert rule(TF2_REF).spec_for(TF1) is TF2_REF  # one page only: that one, whatever the format


def test_the_cause_is_told_in_english_whatever_the_language() -> None:
    assert rule(TF1_REF, message="entrée {x}", message_en="input {x}").cause_template == "input {x}"
    assert rule(TF1_REF, message="input {x}").cause_template == "input {x}"


def test_a_finding_has_its_own_place_when_it_names_none() -> None:
    assert finding().all_locations == (Location("w", "/p"),)
    places = (Location("a", "/1"), Location("b", "/2"))
    assert finding(locations=places).all_locations == places


def test_a_findings_json_keeps_its_places_and_drops_its_cause() -> None:
    data = finding(cause="why", locations=(Location("a", "/1"),)).to_json()
    assert "cause" not in data
    assert data["locations"] == [{"where": "a", "pointer": "/1"}]
    assert list(data) == [f for f in Finding._fields if f != "cause"]


def test_findings_sort_by_model_then_code_then_place() -> None:
    unsorted = [finding(path="b"), finding(code="SL200"), finding(where="a"), finding()]
    assert [(f.path, f.code, f.where) for f in sorted(unsorted)] == [
        ("b", "SL100", "w"),
        ("m", "SL100", "a"),
        ("m", "SL100", "w"),
        ("m", "SL200", "w"),
    ]


def test_every_shipped_rule_links_an_english_spec_section() -> None:
    for shipped in load_rules().values():
        assert shipped.spec and all(ref.url.startswith(SPEC_URLS[ref.document] + "#") for ref in shipped.spec)
