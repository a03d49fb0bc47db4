"""SARIF: valid against the official OASIS schema, linked to the spec, deterministic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from speclint.project import rule_page_url
from speclint.report import ReportContext, sarif
from speclint.rules.rule import Finding, Rule, SpecRef
from speclint.rules.ruleset import ModelResult, RuleSet
from tests.conftest import REPO, SHARED, need, run_speclint
from tests.report.conftest import fixture_paths

SARIF_SCHEMA = SHARED / "schemas-external" / "sarif-schema-2.1.0.json"


def validate_sarif(document: dict[str, Any]) -> None:
    need(SARIF_SCHEMA.is_file(), f"SARIF schema not found at {SARIF_SCHEMA} (set SPECLINT_SHARED)")
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)  # the draft the file declares
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def test_real_run_is_valid_sarif() -> None:
    paths = fixture_paths()
    completed = run_speclint("check", "--format", "sarif", *paths)
    assert completed.returncode == 1, completed.stderr  # the fixtures include failing ones
    document = json.loads(completed.stdout)
    validate_sarif(document)
    run = document["runs"][0]
    results = run["results"]
    assert {r["ruleId"] for r in results} >= {"SL112", "SL132", "SL142"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "golden/models/tf1-input-uint8/saved_model.pb" in uris
    assert "golden/models/tf2-dict-output/saved_model.pb" in uris


def test_results_and_rules_are_linked(real_results: list[ModelResult], context: ReportContext) -> None:
    document = sarif.document(real_results, context)
    validate_sarif(document)
    assert document["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert document["version"] == "2.1.0"
    driver = document["runs"][0]["tool"]["driver"]
    assert driver["name"] == "speclint"
    assert driver["version"] == context.version
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(context.rules)
    for descriptor in rules:
        rule = context.rules[descriptor["id"]]
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == rule.why
        assert descriptor["helpUri"] == rule_page_url(rule.code)  # the rule's page, which links the spec
        assert rule.fix in descriptor["help"]["text"]
        assert descriptor["properties"]["spec_urls"] == [ref.url for ref in rule.spec]
        assert rule.spec[0].quote.split("`")[0][:40] in descriptor["help"]["text"]
        assert {"error": "error", "warning": "warning", "info": "note"}[rule.severity] == descriptor[
            "defaultConfiguration"
        ]["level"]
        # GitHub ranks security alerts by it; on other rules it would turn them into security alerts
        assert ("security-severity" in descriptor["properties"]) == (rule.family == "security")
        assert rule.family in descriptor["properties"]["tags"]
    for result in document["runs"][0]["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == rules[result["ruleIndex"]]["defaultConfiguration"]["level"]
        assert all(place["physicalLocation"]["region"] == {"startLine": 1} for place in result["locations"])
        assert result["properties"]["rule_url"] == rule_page_url(result["ruleId"])


def test_one_result_per_root_cause_with_every_location(real_results: list[ModelResult], context: ReportContext) -> None:
    """tf1-input-uint8 has one uint8 placeholder in 2 tag-sets x 2 signatures: one result, 4 places."""
    results = sarif.document(real_results, context)["runs"][0]["results"]
    uint8 = [
        r
        for r in results
        if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("golden/models/tf1-input-uint8/")
    ]
    assert [r["ruleId"] for r in uint8] == ["SL112"]
    places = [place["logicalLocations"][0]["name"] for place in uint8[0]["locations"]]
    assert places == [
        "tag-set [] signature_def['default']",
        "tag-set [] signature_def['image_feature_vector']",
        "tag-set [train] signature_def['default']",
        "tag-set [train] signature_def['image_feature_vector']",
    ]


def test_locations_are_relative_to_the_workspace(real_results: list[ModelResult], context: ReportContext) -> None:
    results = sarif.document(real_results, context)["runs"][0]["results"]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    pbtxt = fixture_paths(("tf1-hub-feature-vector-pbtxt",))[0]
    assert not any(uri.startswith(pbtxt) for uri in by_uri)  # a passing model has no result
    relative = by_uri["golden/models/tf2-dict-output/saved_model.pb"]
    assert relative["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert relative["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith("__call__")
    assert relative["properties"]["profile"] == "tf2-image"  # a dense head shows no task: the shared rules
    assert relative["properties"]["pointer"] == "/entry_points/0"
    outside = [uri for uri in by_uri if uri.startswith("file:///")]  # the broken model lives in tmp_path
    assert len(outside) == 1 and outside[0].endswith("/broken-model/saved_model.pb")
    assert "uriBaseId" not in by_uri[outside[0]]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert by_uri[outside[0]]["ruleId"] == "SL001"


def test_pbtxt_models_point_at_the_pbtxt(in_repo: None, ruleset: RuleSet, context: ReportContext) -> None:
    path = fixture_paths(("tf1-hub-feature-vector-pbtxt",))[0]
    finding = Finding(path, "SL125", "model", "extra-output-prefix", "info", "m", "", "https://example.invalid")
    document = sarif.document([ModelResult(path, "tf1-hub", None, "test", [finding])], context)
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == f"{path}/saved_model.pbtxt"
    assert document["runs"][0]["results"][0]["level"] == "note"


def test_fingerprints_are_stable_and_distinct(real_results: list[ModelResult], context: ReportContext) -> None:
    first = sarif.document(real_results, context)["runs"][0]["results"]
    fingerprints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in first]
    assert len(set(fingerprints)) == len(fingerprints)
    assert sarif.render(real_results, context) == sarif.render(real_results, context)
    finding = next(f for r in real_results for f in r.findings)
    assert sarif.fingerprint(finding, "a/saved_model.pb") != sarif.fingerprint(finding, "b/saved_model.pb")


def test_findings_sharing_a_place_get_numbered_fingerprints(in_repo: None, context: ReportContext) -> None:
    """Two findings that hash alike (same code, file and cause) still make two alerts."""
    path = fixture_paths(("tf1-input-uint8",))[0]
    findings = [
        Finding(path, "SL140", "tag-set [serve]", "channels-last", "warning", "node a uses NCHW", p, "https://x")
        for p in ("/a", "/b")
    ]
    results = sarif.document([ModelResult(path, "tf1", None, "r", findings)], context)["runs"][0]["results"]
    first, second = (r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results)
    assert first.endswith(":1") and second.endswith(":2") and first[:-2] == second[:-2]


def test_output_is_sorted_and_deterministic(real_results: list[ModelResult], context: ReportContext) -> None:
    once = sarif.render(real_results, context)
    shuffled = [
        ModelResult(r.path, r.format, r.profile, r.profile_reason, list(reversed(r.findings)))
        for r in reversed(real_results)
    ]
    assert sarif.render(shuffled, context) == once
    results = json.loads(once)["runs"][0]["results"]
    keys = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["ruleId"]) for r in results]
    assert [k[1] for k in keys if k[0].startswith("golden/models/tf1-input-uint8")] == ["SL112"]
    assert str(REPO) not in once  # relative paths only, for models inside the workspace


def test_cli_runs_are_byte_identical() -> None:
    paths = fixture_paths()
    outputs = [run_speclint("check", "--format", "sarif", *paths).stdout for _ in range(2)]
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith("{")


def test_security_rules_carry_security_severity(context: ReportContext) -> None:
    base = context.rules["SL112"]
    security = Rule(
        code="SL699",
        name="no-file-read-ops",
        severity="error",
        since="0.2.0",
        summary="No op reads files.",
        message="{where} reads files",
        why="Loading the model must not read the host's files.",
        spec=(SpecRef("tf2", "#input", "quote"),),
        target="/meta_graphs/*",
        schema={},
        family="security",
    )
    rules = {**context.rules, "SL699": security}
    document = sarif.document([], ReportContext(rules=rules, version=context.version))
    validate_sarif(document)
    descriptors = {d["id"]: d for d in document["runs"][0]["tool"]["driver"]["rules"]}
    assert descriptors["SL699"]["properties"]["security-severity"] == "8.0"
    assert "security" in descriptors["SL699"]["properties"]["tags"]
    assert "security-severity" not in descriptors[base.code]["properties"]
    assert descriptors["SL699"]["helpUri"] == "https://www.tensorflow.org/hub/common_saved_model_apis/images#input"


@pytest.mark.parametrize("severity,level", [("error", "error"), ("warning", "warning"), ("info", "note")])
def test_levels(severity: str, level: str, context: ReportContext, tmp_path: Path) -> None:
    finding = Finding(str(tmp_path), "SL112", "w", "images-input-dtype", severity, "msg", "", "https://x.invalid")
    document = sarif.document([ModelResult(str(tmp_path), None, None, "r", [finding])], context)
    assert document["runs"][0]["results"][0]["level"] == level


def test_one_project_url_builds_every_link(real_results: list[ModelResult], context: ReportContext) -> None:
    """No placeholder host; a fork sets SPECLINT_PROJECT_URL and every rule link follows."""
    for path in [*(REPO / "schemas").glob("*.json"), REPO / "README.md", REPO / "action.yml"]:
        text = path.read_text(encoding="utf-8")
        assert "speclint.invalid" not in text and "OWNER/speclint" not in text, path
    completed = run_speclint(
        "check", "--format", "sarif", *fixture_paths(), env={"SPECLINT_PROJECT_URL": "https://example.org/fork/"}
    )
    document = json.loads(completed.stdout)
    assert document["runs"][0]["tool"]["driver"]["informationUri"] == "https://example.org/fork"
    assert all(
        r["properties"]["rule_url"].startswith("https://example.org/fork/blob/v")
        for r in document["runs"][0]["results"]
    )
