"""speclint/report/statistics.py: ``--statistics``, findings and places per rule, most frequent first."""

from __future__ import annotations

import json

from speclint.report import ReportContext
from speclint.report.statistics import render, rows
from speclint.rules.rule import Finding, Location
from speclint.rules.ruleset import ModelResult

CONTEXT = ReportContext(rules={}, version="0", baselined=1, unread=(("models/broken", "truncated"),))


def finding(code: str, severity: str, places: int) -> Finding:
    locations = tuple(Location(f"place {i}", f"/p/{i}") for i in range(places))
    return Finding("m", code, "place 0", f"rule-{code}", severity, "message", "/p/0", "spec", locations=locations)


RESULTS = [
    ModelResult("a", "tf2", "tf2-image", "why", [finding("SL125", "info", 1), finding("SL112", "error", 3)]),
    ModelResult("b", "tf2", "tf2-image", "why", [finding("SL112", "error", 1)]),
]


def test_rows_count_findings_and_places_most_frequent_first() -> None:
    assert [tuple(row) for row in rows(RESULTS)] == [
        ("SL112", "rule-SL112", "error", 2, 4),
        ("SL125", "rule-SL125", "info", 1, 1),
    ]


def test_the_text_table_ends_with_the_closing_line() -> None:
    lines = render(RESULTS, CONTEXT, "text").splitlines()
    assert lines[0] == "    2 findings     4 locations SL112  rule-SL112 (error)"
    assert lines[1] == "    1 finding      1 location  SL125  rule-SL125 (info)"
    assert lines[2].startswith(
        "Found 3 findings (2 error, 1 info) at 5 locations in 2 models; 1 of them could not be read"
    )


def test_the_json_form_has_the_rows_and_the_json_report_s_summary() -> None:
    document = json.loads(render(RESULTS, CONTEXT, "json"))
    assert document["statistics"][0] == {
        "code": "SL112",
        "name": "rule-SL112",
        "severity": "error",
        "findings": 2,
        "locations": 4,
    }
    assert document["models"] == 2 and document["unreadable"] == [{"path": "models/broken", "read_error": "truncated"}]
    assert document["summary"] == {
        "error": 2,
        "warning": 0,
        "info": 1,
        "locations": 5,
        "baselined": 1,
        "suppressed": 0,
        "unreadable": 1,
    }
