"""speclint/diff/report.py: ``speclint diff``'s verdicts in every format, from findings the real engine makes.

The end-to-end runs (``speclint diff`` on golden pairs, SARIF against its schema) live in
``tests/diff/test_command.py``; here each reporter meets the cases a run rarely shows together: a
change at two places, a model that could not be read, a model added, a path that holds a
terminal escape, a summary longer than its table.
"""

from __future__ import annotations

import json

import pytest

from speclint.diff import report
from speclint.diff.changes import ChangeEngine
from speclint.diff.deltas import delta
from speclint.diff.report import DiffResult
from speclint.rules.loader import load_change_rules

RULES = load_change_rules()
SERVE = "signature_def['{}'] in tag-set [serve]"


def changes(path: str) -> list:
    deltas = [
        delta("dtype-changed", SERVE.format("a"), "DT_FLOAT", "DT_UINT8", side="input", key="images"),
        delta("dtype-changed", SERVE.format("b"), "DT_FLOAT", "DT_UINT8", side="input", key="images"),
        delta("key-added", SERVE.format("a"), None, "extra", side="output"),
    ]
    return ChangeEngine(RULES).judge(path, deltas, "tf2")


def results() -> list[DiffResult]:
    path = "models/net\x1b[2J"
    return [
        DiffResult(path, "v1", "v2", "tf2", "tf2", "compared", changes(path)),
        DiffResult("models/gone", "v1", "v2", None, None, "unreadable", [], unread="truncated protobuf"),
        DiffResult("models/new", None, "v2", None, "tf2", "added", []),
    ]


def test_the_headline_counts_changes_places_and_what_could_not_be_compared() -> None:
    assert report.headline(results()) == (
        "2 changes (1 breaking, 1 info) at 3 locations in 3 models; "
        "1 of them could not be compared (unreadable): models/gone"
    )
    quiet = [r._replace(findings=[]) for r in results()]
    assert report.headline(quiet) == (
        "no changes found, but 1 of 3 models could not be compared (unreadable): models/gone"
    )
    assert report.headline(quiet[2:]) == "no changes for consumers (1 model)"


def test_text_shows_each_model_its_changes_and_the_headline_escaped() -> None:
    text = report.render("text", results(), RULES)
    lines = text.splitlines()
    assert lines[0] == "models/net\\x1b[2J: v1 -> v2 [tf2 -> tf2]"
    assert "models/gone: v1 -> v2 (unreadable)" in lines
    assert "models/new: none -> v2" in lines
    assert lines[-1].startswith("2 changes (1 breaking, 1 info)") and lines[-1].endswith(".")
    assert "\x1b" not in text
    assert sum("SC123 breaking" in line for line in lines) == 1  # one finding for both places


def test_json_counts_by_severity_and_names_each_changes_category() -> None:
    document = json.loads(report.render("json", results(), RULES))
    assert document["diff_report_version"] == report.DIFF_REPORT_VERSION
    assert document["summary"] == {"breaking": 1, "warning": 0, "info": 1, "unreadable": 1}
    compared, gone, _ = document["models"]
    assert gone["read_error"] == "truncated protobuf" and gone["findings"] == []
    dtype = next(f for f in compared["findings"] if f["code"] == "SC123")
    assert dtype["category"] == RULES["SC123"].family
    assert dtype["locations"] == [{"where": SERVE.format("a")}, {"where": SERVE.format("b")}]


def test_github_annotations_take_the_change_levels() -> None:
    lines = report.render("github", results(), RULES).splitlines()
    assert [line.split(" ", 1)[0] for line in lines[:-1]] == ["::error", "::notice"]
    assert all(",title=SC1" in line for line in lines[:-1])
    assert lines[-1] == f"speclint diff: {report.headline(results())}."
    assert "\x1b" not in "\n".join(lines)  # the model's path reaches the Actions log escaped
    assert lines[0].startswith("::error file=models/net\\x1b[2J,title=")


def test_sarif_has_one_result_per_change_and_a_notification_per_unread_model() -> None:
    log = json.loads(report.render("sarif", results(), RULES))
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({f.code for f in changes("m")})
    assert [(r["ruleId"], r["level"], len(r["locations"])) for r in run["results"]] == [
        ("SC123", "error", 2),
        (next(f.code for f in changes("m") if f.severity == "info"), "note", 1),
    ]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run["results"])
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["message"]["text"] == "models/gone: could not be compared: truncated protobuf"


def test_the_step_summary_is_a_table_that_stops_at_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    summary = report.step_summary(results(), "v1..v2")
    assert summary.startswith("### speclint diff v1..v2: 2 changes")
    assert "| 1 | 0 | 1 |" in summary  # breaking, warnings, info of the compared model
    assert "(+1 more) |" in summary  # the dtype change's second place
    assert "... and" not in summary
    monkeypatch.setattr(report, "MAX_SUMMARY_ROWS", 1)
    assert report.step_summary(results(), "v1..v2").rstrip().endswith("... and 1 more; see the job log.")


def test_the_step_summary_escapes_model_strings_and_git_names_utf8_cannot_write() -> None:
    odd = DiffResult("m\udc80\x1b[31md", "HEAD:m\udc80\x1b[31md", "m\udc80", "tf1", "tf1", "compared", [])
    summary = report.step_summary([odd, *results()], "HEAD")
    summary.encode("utf-8")  # a raw surrogate would make writing $GITHUB_STEP_SUMMARY fail
    assert "\x1b" not in summary
    assert "| m\\\\udc80\\\\x1b\\[31md | HEAD:m\\\\udc80\\\\x1b\\[31md | m\\\\udc80 | compared |" in summary
