"""Every skip, refusal, failure and limit carries its reason into every report format.

The probes records come from the real plan (refusal, unreadable model) and from the runner's
own record builders, so this needs no TensorFlow; ``test_execute.py`` checks the worker side.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from speclint import __version__
from speclint.execute import ExecuteOptions
from speclint.execute.limits import limit_entry
from speclint.execute.plan import plan, probes_record
from speclint.read import read_model
from speclint.report import ReportContext, html, json_report, sarif, text
from speclint.rules.loader import schemas_dir
from speclint.rules.ruleset import ModelResult, RuleSet
from tests.conftest import MODELS, SHARED, need

Json = dict[str, Any]
DANGER = {"op": "ReadFile", "function": "__inference_call_12", "node": "ReadFile", "category": "file-read"}


def _facts(name: str) -> Json:
    return read_model(str(MODELS / name))


@pytest.fixture(scope="module")
def results() -> list[ModelResult]:
    """One model per way of not being (fully) probed, checked by the real rules."""
    ruleset = RuleSet()
    refused = _facts("tf2-feature-vector")
    refused["security"] = {"dangerous_ops": [DANGER]}
    refused["probes"] = plan(refused, ExecuteOptions())[1]
    unreadable = _facts("broken-truncated")
    unreadable["probes"] = plan(unreadable, ExecuteOptions())[1]
    skipped = _facts("keras3-export")
    skipped["probes"] = probes_record(
        "skipped",
        "loaded with tf.saved_model.load, not probed: the root object has no __call__ concrete function",
        reason="no-call",
        device="CPU:0",
    )
    failed = _facts("checkpoint-no-variables")
    failed["probes"] = probes_record(
        "error",
        "loading failed: the graph of tag-set [serve] holds 4 variables but there is no variables/ directory",
        reason="load-failed",
        device="CPU:0",
    )
    limited = _facts("tf2-feature-vector")
    entry = limit_entry("fine_tuning", "memory", ExecuteOptions(memory_limit_mb=1500), reached_mb=1510.0)
    limited["probes"] = probes_record(
        "ok", reason="limit", device="CPU:0", limits=[entry], limits_summary=entry["summary"]
    )
    limited["probes"]["results"]["throughput"] = {"status": "pass", "images_per_second": 900.0, "batch": 16}
    facts = [refused, unreadable, skipped, failed, limited]
    for document, name in zip(facts, ("refused", "unreadable", "skipped", "failed", "limited"), strict=True):
        document["path"] = name
    return [ruleset.check(document) for document in facts]


@pytest.fixture
def context() -> ReportContext:
    return ReportContext(rules=RuleSet().rules, version=__version__)


REASONS = {
    "refused": ("refused", "unsafe", "refused to execute: the static stage found 1 dangerous op"),
    "unreadable": ("skipped", "unreadable", "not executed: the static stage could not read a SavedModel here"),
    "skipped": ("skipped", "no-call", "not probed: the root object has no __call__"),
    "failed": ("error", "load-failed", "loading failed: the graph of tag-set [serve] holds 4 variables"),
    "limited": ("ok", "limit", "the fine_tuning probe reached 1,510 MiB of resident memory"),
}


def test_the_summary_of_each_model_keeps_status_reason_and_message(results: list[ModelResult]) -> None:
    for result in results:
        status, reason, words = REASONS[result.path]
        assert result.execution is not None
        assert result.execution["status"] == status and result.execution["reason"] == reason
        assert words in result.execution["message"]
    limited = next(r for r in results if r.path == "limited")
    assert limited.execution is not None and limited.execution["throughput_batch"] == 16


def test_text_says_why_a_model_was_not_probed(results: list[ModelResult], context: ReportContext) -> None:
    page = text.render(results, context)
    for name, (status, reason, words) in REASONS.items():
        line = next(line for line in page.splitlines() if f"{status} ({reason})" in line and words in line)
        assert line.startswith("  execution"), (name, line)
    assert "executed on no device: skipped\n" not in page
    assert "  execution: skipped (unreadable): not executed: the static stage could not read" in page
    assert "execution on CPU:0: ok (limit), 900 images/s at batch 16: the fine_tuning probe reached" in page


def test_json_carries_reason_and_message_and_follows_its_schema(
    results: list[ModelResult], context: ReportContext
) -> None:
    document = json_report.document(results, context)
    schema = json.loads((schemas_dir() / "report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    by_path = {model["path"]: model["execution"] for model in document["models"]}
    for name, (status, reason, words) in REASONS.items():
        assert by_path[name]["status"] == status and by_path[name]["reason"] == reason
        assert words in by_path[name]["message"]


def test_sarif_carries_every_skip_as_a_tool_notification(results: list[ModelResult], context: ReportContext) -> None:
    document = sarif.document(results, context)
    schema_path = SHARED / "schemas-external" / "sarif-schema-2.1.0.json"
    need(schema_path.is_file(), f"SARIF schema not found at {schema_path} (set SPECLINT_SHARED)")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(document)
    [invocation] = document["runs"][0]["invocations"]
    notes = {
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: n
        for n in invocation["toolExecutionNotifications"]
    }
    assert len(notes) == len(REASONS)
    for name, (status, reason, words) in REASONS.items():
        note = next(n for uri, n in notes.items() if uri.startswith(name))
        assert note["properties"] == {"status": status, "reason": reason} and words in note["message"]["text"]
    assert notes[next(u for u in notes if u.startswith("skipped"))]["level"] == "note"
    assert notes[next(u for u in notes if u.startswith("failed"))]["level"] == "warning"


def test_sarif_without_execute_has_no_execution_notifications(context: ReportContext) -> None:
    result = RuleSet().check(_facts("tf2-feature-vector"))
    (invocation,) = sarif.document([result], context)["runs"][0]["invocations"]
    assert invocation == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_sarif_keeps_unread_models_beside_execution_notes(results: list[ModelResult], context: ReportContext) -> None:
    """An unreadable model's notification and the --execute notes share the one invocation."""
    unread = context._replace(unread=(("models/broken", "saved_model.pb: truncated"),))
    (invocation,) = sarif.document(results, unread)["runs"][0]["invocations"]
    texts = [note["message"]["text"] for note in invocation["toolExecutionNotifications"]]
    assert len(texts) == len(REASONS) + 1 and any("models/broken" in text for text in texts)


def test_html_says_why_in_the_table_and_the_details(results: list[ModelResult], context: ReportContext) -> None:
    page = html.render(results, context)
    for _name, (status, reason, words) in REASONS.items():
        assert f"{status} ({reason})</td>" in page
        assert words.replace("'", "&#x27;") in page
