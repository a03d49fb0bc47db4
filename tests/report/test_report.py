"""speclint/report/__init__.py: the closing sentence every text report ends with, and where reports go.

Hand-built results: the sentence must never say "passed" while a model was not read or a
not-applicable model fails the run, and must count causes, places and what was left out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speclint.errors import SpeclintError
from speclint.report import (
    MODULES,
    ReportContext,
    append_step_summary,
    closing_counts,
    counted_findings,
    reporter,
    unread_note,
    write_report,
)
from speclint.rules.rule import Finding, Location
from speclint.rules.ruleset import ModelResult

CONTEXT = ReportContext(rules={}, version="0")


def finding(code: str, severity: str, places: int = 1) -> Finding:
    locations = tuple(Location(f"place {i}", f"/p/{i}") for i in range(places))
    return Finding("m", code, "place 0", "name", severity, "message", "/p/0", "spec", locations=locations)


def result(*findings: Finding, suppressed: int = 0) -> ModelResult:
    model = ModelResult("m", "tf2", "tf2-image", "why", list(findings))
    model.suppressed = suppressed
    return model


def test_findings_are_counted_by_cause_severity_and_place() -> None:
    results = [result(finding("SL112", "error", 3), finding("SL125", "info")), result()]
    assert closing_counts(results) == "Found 2 findings (1 error, 1 info) at 4 locations in 2 models."
    assert closing_counts([result(finding("SL112", "warning"))]) == "Found 1 finding (1 warning) in 1 model."
    assert closing_counts([result()], prefix="speclint: ") == "speclint: all checks passed (1 model)."


def test_a_not_applicable_model_is_counted_apart_and_fails_only_when_asked() -> None:
    results = [result(finding("SL002", "info")), result()]
    assert counted_findings(results[0]) == []
    assert closing_counts(results, CONTEXT) == "All checks passed (2 models; 1 not applicable (no image input))."
    failing = CONTEXT._replace(fail_not_applicable=True)
    assert closing_counts(results, failing) == (
        "No findings in 2 models; 1 not applicable (no image input, failing: fail-on-not-applicable)."
    )


def test_never_passed_while_a_model_was_not_read() -> None:
    unread = tuple((f"models/{i}", "truncated") for i in range(7))
    context = CONTEXT._replace(unread=unread)
    assert unread_note(unread) == "could not be read: models/0, models/1, models/2, models/3, models/4 and 2 more"
    assert closing_counts([result()], context).startswith("No findings, but 7 of 1 model could not be read: models/0")
    with_findings = closing_counts([result(finding("SL112", "error"))], context)
    assert with_findings.startswith("Found 1 finding (1 error) in 1 model; 7 of them could not be read: models/0,")


def test_what_was_left_out_is_said() -> None:
    context = CONTEXT._replace(baselined=2)
    assert closing_counts([result(suppressed=1)], context) == (
        "All checks passed (1 model; 2 findings of the baseline not shown; "
        "1 finding suppressed by speclint-ignore.toml)."
    )


def test_every_format_has_a_reporter() -> None:
    for name in MODULES:
        assert callable(reporter(name))
    assert reporter("concise").__name__ == "render_concise" and reporter("sarif").__module__ == "speclint.report.sarif"


def test_a_report_goes_to_its_file_or_is_one_line_of_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_report("report\n", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "report\n"
    write_report("to stdout\n", None)
    assert capsys.readouterr().out == "to stdout\n"
    with pytest.raises(SpeclintError, match=r"no/such/dir/out\.txt: cannot write report: "):
        write_report("x", str(tmp_path / "no" / "such" / "dir" / "out.txt"))


def test_the_job_summary_is_appended_under_github_actions_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    append_step_summary(lambda: "never\n")
    summary = tmp_path / "summary.md"
    summary.write_text("before\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    append_step_summary(lambda: "## speclint\n")
    assert summary.read_text(encoding="utf-8") == "before\n## speclint\n"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory: cannot be written
    append_step_summary(lambda: "x")
    assert capsys.readouterr().err.startswith(f"speclint: warning: cannot write {tmp_path}: ")
