"""The JSON report matches its published schema, ``schemas/report.schema.json``."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from speclint.report import ReportContext, json_report
from speclint.rules.ruleset import ModelResult
from tests.conftest import REPO, run_speclint
from tests.report.conftest import fixture_paths

REPORT_SCHEMA = REPO / "schemas" / "report.schema.json"


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(REPORT_SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator().iter_errors(document)]


def test_real_run_matches_the_schema() -> None:
    completed = run_speclint("check", "--format", "json", *fixture_paths())
    assert completed.returncode == 1, completed.stderr
    document = json.loads(completed.stdout)
    assert errors(document) == []
    summary = document["summary"]
    assert summary["error"] >= 2 and summary["warning"] >= 1
    # tf1-input-uint8's one placeholder shows in 4 signatures: one finding, 4 locations
    assert summary["locations"] >= summary["error"] + summary["warning"] + summary["info"] + 3
    uint8 = next(m for m in document["models"] if m["path"].endswith("tf1-input-uint8"))
    assert [(f["code"], len(f["locations"])) for f in uint8["findings"]] == [("SL112", 4)]
    assert uint8["findings"][0]["url"].endswith("/docs/rules/SL112.md") and uint8["findings"][0]["fix"]


def test_unreadable_model_matches_the_schema(real_results: list[ModelResult], context: ReportContext) -> None:
    document = json.loads(json_report.render(real_results, context))
    assert errors(document) == []
    broken = [m for m in document["models"] if m["format"] is None]
    assert len(broken) == 1 and broken[0]["profile"] is None
    assert [f["code"] for f in broken[0]["findings"]] == ["SL001"]


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(extra=1),
        lambda d: d["tool"].update(extra=1),
        lambda d: d["summary"].update(fatal=0),
        lambda d: d["models"][0].update(extra=1),
        lambda d: d["models"][0]["findings"][0].update(extra=1),
        lambda d: d["models"][0]["findings"][0].update(severity="fatal"),
        lambda d: d["models"][0]["findings"][0].pop("spec_url"),
        lambda d: d.update(report_version=2),
    ],
)
def test_schema_is_strict(change: Any, real_results: list[ModelResult], context: ReportContext) -> None:
    document: dict[str, Any] = json.loads(json_report.render(real_results, context))
    document["models"].sort(key=lambda m: -len(m["findings"]))  # a model with findings first
    assert errors(document) == []
    broken = copy.deepcopy(document)
    change(broken)
    assert errors(broken) != []


def test_json_is_deterministic(real_results: list[ModelResult], context: ReportContext) -> None:
    assert json_report.render(real_results, context) == json_report.render(real_results, context)
    outputs = [run_speclint("check", "--format", "json", *fixture_paths()).stdout for _ in range(2)]
    assert outputs[0] == outputs[1]
