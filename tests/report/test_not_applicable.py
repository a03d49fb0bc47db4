"""A model that takes no images (SL002) in every report format: a not-applicable note, counted apart
from the findings, failing nothing unless ``fail-on-not-applicable`` (the command line, the config,
the API); the same verdict in json, jsonl (also resumed), sarif, github and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import speclint
from speclint.read import read_model
from speclint.report import ReportContext, github, json_report, sarif
from speclint.rules.ruleset import ModelResult, RuleSet, gating_severities
from tests.conftest import run_speclint
from tests.report.conftest import fixture_paths
from tests.report.test_json_report import errors
from tests.report.test_sarif import validate_sarif

NAMES = ("text-model", "claims-image-task-text-model", "tf1-hub-feature-vector")


@pytest.fixture(scope="module")
def results() -> list[ModelResult]:
    ruleset = RuleSet()
    return [ruleset.check(read_model(path)) for path in fixture_paths(NAMES)]


@pytest.fixture
def context() -> ReportContext:
    return ReportContext(rules=RuleSet().rules, version="0")


def test_json_marks_the_model_and_counts_it_apart(results: list[ModelResult], context: ReportContext) -> None:
    document = json_report.document(results, context)
    assert errors(document) == []
    flags = {entry["path"].rsplit("/", 1)[1]: entry["not_applicable"] for entry in document["models"]}
    assert flags == {"text-model": True, "claims-image-task-text-model": True, "tf1-hub-feature-vector": False}
    assert {f["severity"] for e in document["models"] for f in e["findings"] if f["code"] == "SL002"} == {"info"}
    summary = document["summary"]
    assert summary["not_applicable"] == 2
    assert (summary["error"], summary["warning"], summary["info"]) == (1, 0, 0)  # SL206; the notes apart


def test_sarif_says_not_applicable_as_sarif_does(results: list[ModelResult], context: ReportContext) -> None:
    document = sarif.document(results, context)
    validate_sarif(document)
    notes = [r for r in document["runs"][0]["results"] if r["ruleId"] == "SL002"]
    assert len(notes) == 2 and all(r["kind"] == "notApplicable" and r["level"] == "none" for r in notes)
    others = [r for r in document["runs"][0]["results"] if r["ruleId"] != "SL002"]
    assert [(r["ruleId"], r["level"], "kind" in r) for r in others] == [("SL206", "error", False)]


def test_github_summary_counts_findings_and_names_the_not_applicable(
    results: list[ModelResult], context: ReportContext
) -> None:
    summary = github.step_summary(results, context)
    assert summary.startswith("### speclint 0: 1 finding (1 error)")
    assert "Not applicable (no image input, SL002): 2 (" in summary
    assert "| SL002" not in summary and "[SL002]" not in summary
    assert github.render(results, context).splitlines()[-1] == (
        "speclint: found 1 finding (1 error) in 3 models; 2 not applicable (no image input)."
    )


def test_gating_severities() -> None:
    found = [("SL002", "info"), ("SL600", "error"), ("SL011", "error"), ("SL125", "info")]
    assert list(gating_severities(found, fail_not_applicable=False)) == ["error", "error", "info"]
    assert list(gating_severities(found, fail_not_applicable=True)) == ["error", "error", "error", "info"]


def test_jsonl_and_a_resumed_run_judge_alike(tmp_path: Path) -> None:
    (text_model,) = fixture_paths(NAMES[:1])
    done = tmp_path / "done.jsonl"
    first = run_speclint("--format", "jsonl", "-o", str(done), text_model)
    assert first.returncode == 0 and json.loads(done.read_text())["not_applicable"] is True
    assert run_speclint("--format", "jsonl", "--resume", str(done), text_model).returncode == 0
    resumed = run_speclint("--format", "jsonl", "--resume", str(done), "--fail-on-not-applicable", text_model)
    assert resumed.returncode == 1


def test_api_report() -> None:
    (text_model,) = fixture_paths(NAMES[:1])
    report = speclint.lint(text_model, config=False)
    assert report.exit_code() == 0 and not report.failed
    strict = speclint.lint(text_model, config=False, fail_on_not_applicable=True)
    assert strict.exit_code() == 1 and strict.failed
    assert "failing: fail-on-not-applicable" in strict.render("concise")
    with pytest.raises(TypeError, match="fail_on_not_applicable must be True or False"):
        speclint.lint(text_model, fail_on_not_applicable="yes")
