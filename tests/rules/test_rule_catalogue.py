"""Every rule file: valid metadata, standard JSON Schema, and a real model that breaks it and one that passes."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from speclint.read import read_model
from speclint.rules.engine import resolve
from speclint.rules.loader import schemas_dir
from speclint.rules.ruleset import RuleSet, matches
from tests.conftest import MODELS, SHARED

RULE_FILES = sorted((schemas_dir() / "rules").glob("*.json"))
RULESET = RuleSet()
CONFORMING = {
    "tf2-feature-vector": "tf2-image-feature-vector",
    "tf2-feature-vector-training": "tf2-image-feature-vector",
    "tf2-feature-vector-dynamic-size": "tf2-image-feature-vector",
    "tf2-classifier": "tf2-image-classification",
    "tf2-classifier-training": "tf2-image-classification",
    "tf1-hub-feature-vector": "tf1-image-feature-vector",
    "tf1-hub-feature-vector-pbtxt": "tf1-image-feature-vector",
    "tf1-hub-classifier": "tf1-image-classification",
}


@cache
def facts_of(name: str) -> dict[str, Any]:
    return read_model(str(MODELS / name))


def _data(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_rule_file_is_valid_and_its_schemas_are_standard(path: Path) -> None:
    meta = json.loads((schemas_dir() / "rule.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(meta)
    data = _data(path)
    jsonschema.Draft202012Validator(meta).validate(data)
    for key in ("schema", "when"):
        if key in data:
            jsonschema.Draft202012Validator.check_schema(data[key])  # the reference implementation accepts it
    assert path.stem == f"{data['code']}-{data['name']}"
    for ref in data["spec"]:
        spec_file = {"tf1": "tf1-hub-common-signatures-images.md", "tf2": "tf2-saved-model-apis-images.md"}[
            ref["document"]
        ]
        spec_path = SHARED / "spec" / spec_file
        if spec_path.exists():
            plain = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", spec_path.read_text())
            text = " ".join(plain.replace("`", "").replace("_", "").replace("*", "").split())
            quote = " ".join(ref["quote"].replace("`", "").replace("_", "").split())
            assert quote.split("; ")[0][:60] in text, f"{data['code']}: quote not found in {spec_file}"


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_builtin_rule_says_what_it_is(path: Path) -> None:
    """Family and stage are data, not code prefixes; a probe rule judges only probe results."""
    data = _data(path)
    assert data["family"] in {
        "reading",
        "tf1-hub",
        "input",
        "output",
        "tf2",
        "graph",
        "claims",
        "checkpoint",
        "suppression",
        "security",
        "probe",
    }
    reads_probes = data["target"].startswith("/probes") or '"probes"' in json.dumps([data.get("when"), data["schema"]])
    assert data["stage"] == ("execute" if reads_probes else "static"), data["code"]
    assert data["family"] != "probe" or data["stage"] == "execute"
    assert data["stage"] == "static" or data["family"] in {"probe", "claims"}  # claims: probes judged against claims
    assert data["fix"].strip() and "\n" not in data["fix"]


def test_codes_and_names_are_unique() -> None:
    codes = [_data(p)["code"] for p in RULE_FILES]
    names = [_data(p)["name"] for p in RULE_FILES]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))


def _profiles_with(code: str) -> list[str]:
    return [name for name, profile in RULESET.profiles.items() if matches(code, profile["rules"])]


def _codes(fixture: str, profile: str) -> set[str]:
    return {f.code for f in RULESET.check(facts_of(fixture), profile).findings}


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.stem for p in RULE_FILES])
def test_rule_has_a_failing_and_a_passing_fixture(path: Path) -> None:
    data = _data(path)
    code, examples = data["code"], data["examples"]
    assert {"fail", "pass"} <= set(examples), f"{code} needs examples.fail and examples.pass"
    for which in ("fail", "pass"):
        assert (MODELS / examples[which]).exists(), f"{code}: fixture {examples[which]} missing from golden/models"
    if data["stage"] == "execute":
        return  # probe rules need --execute; tests/execute runs them on these fixtures
    auto = RULESET.check(facts_of(examples["fail"]))
    profiles = ["auto"] if code in {f.code for f in auto.findings} else _profiles_with(code)
    failing = [
        p for p in profiles if code in (_codes(examples["fail"], p) if p != "auto" else {f.code for f in auto.findings})
    ]
    assert failing, f"{code}: {examples['fail']} does not break it under any profile"
    profile = failing[0]
    passing = RULESET.check(facts_of(examples["pass"]), profile)
    assert code not in {f.code for f in passing.findings}, f"{code}: {examples['pass']} breaks it"


@pytest.mark.parametrize(("fixture", "profile"), sorted(CONFORMING.items()))
def test_conforming_fixtures_have_no_finding_at_all(fixture: str, profile: str) -> None:
    result = RULESET.check(facts_of(fixture), profile)
    assert result.findings == [], [f"{f.code} {f.message}" for f in result.findings]
    # TF1 modules name their task in a signature; a TF2 dense head's output (logits or
    # features alike) shows none, so auto holds them to the rules both tasks share.
    assert RULESET.check(facts_of(fixture)).profile == (profile if fixture.startswith("tf1") else "tf2-image")


def test_auto_profile_says_why() -> None:
    assert RULESET.check(facts_of("tf1-hub-classifier")).profile_reason == (
        "auto: TF1 Hub module taking a 4-D image batch; "
        "image classification: it has a signature_def['image_classification']"
    )
    text_model = RULESET.check(facts_of("text-model"))
    assert text_model.profile is None and [f.code for f in text_model.findings] == ["SL002"]


def test_jsonschema_reference_agrees_with_the_fast_validator() -> None:
    """The rules mean the same under python-jsonschema as under jsonschema_rs, on every fixture."""
    compared = 0
    for path in RULE_FILES:
        data = _data(path)
        reference = jsonschema.Draft202012Validator(data["schema"])
        when = jsonschema.Draft202012Validator(data["when"]) if "when" in data else None
        fast = RULESET.compiled(data["code"])
        for fixture in sorted(p.name for p in MODELS.iterdir() if p.is_dir()):
            for _, target in resolve(facts_of(fixture), data["target"]):
                if when is not None:
                    assert when.is_valid(target) == fast.applies.is_valid(target)  # type: ignore[union-attr]
                assert reference.is_valid(target) == fast.check.is_valid(target), (data["code"], fixture)
                compared += 1
    assert compared > 1000


def test_profile_names_match_the_profile_files() -> None:
    from speclint.rules.profiles import PROFILE_NAMES

    assert sorted(PROFILE_NAMES) == sorted(RULESET.profiles)
