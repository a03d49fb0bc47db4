"""speclint/check.py (``speclint PATH``): exit codes, selection, fail level, user rule packs, broken rule files,
honest summaries for models that could not be read, and options that contradict each other."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import MODELS, REPO, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"
UINT8 = MODELS / "tf1-input-uint8"
PREFIX = MODELS / "tf1-extra-output-unprefixed"  # only an info finding (SL125)
TEXT_MODEL = MODELS / "text-model"  # takes no images: SL002 only


def _codes(stdout: str) -> list[str]:
    return sorted({f["code"] for m in json.loads(stdout)["models"] for f in m["findings"]})


def test_exit_codes() -> None:
    assert run_speclint(str(GOOD)).returncode == 0
    assert run_speclint(str(UINT8)).returncode == 1
    assert run_speclint(str(UINT8), "--exit-zero").returncode == 0
    assert run_speclint(str(PREFIX)).returncode == 0  # info is below the default fail level
    assert run_speclint(str(PREFIX), "--fail-level", "info").returncode == 1
    bad = run_speclint(str(GOOD), "--fail-level", "loud")
    assert bad.returncode == 2 and bad.stderr.startswith("speclint: error: usage:")
    assert run_speclint(str(GOOD), "--profile", "nonsense").returncode == 2


def test_not_applicable_models_pass_unless_asked_to_fail(tmp_path: Path) -> None:
    """A model that takes no images (SL002) fails nothing by default, whatever the fail level; the
    flag or the config key makes it fail; its claims findings (SL206 here) count as always."""
    assert run_speclint(str(TEXT_MODEL)).returncode == 0
    assert run_speclint(str(TEXT_MODEL), "--fail-level", "info").returncode == 0
    failing = run_speclint(str(TEXT_MODEL), "--fail-on-not-applicable")
    assert failing.returncode == 1 and "All checks passed" not in failing.stdout
    assert "1 not applicable (no image input, failing: fail-on-not-applicable)" in failing.stdout
    assert run_speclint(str(TEXT_MODEL), "--fail-on-not-applicable", "--exit-zero").returncode == 0
    claims = run_speclint(str(MODELS / "claims-image-task-text-model"))
    assert claims.returncode == 1 and "SL206 error" in claims.stdout
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.speclint]\nfail-on-not-applicable = true\n")
    assert run_speclint(str(TEXT_MODEL), "--config", str(config)).returncode == 1
    assert run_speclint(str(TEXT_MODEL), "--config", str(config), "--no-fail-on-not-applicable").returncode == 0
    config.write_text('[tool.speclint]\nfail-on-not-applicable = "yes"\n')
    wrong = run_speclint(str(TEXT_MODEL), "--config", str(config))
    assert wrong.returncode == 2 and "fail-on-not-applicable must be true or false" in wrong.stderr


def test_select_and_ignore_take_prefixes() -> None:
    both = run_speclint(str(UINT8), str(PREFIX), "--format", "json")
    assert _codes(both.stdout) == ["SL112", "SL125"]
    assert _codes(run_speclint(str(UINT8), str(PREFIX), "--format", "json", "--select", "SL12").stdout) == ["SL125"]
    assert _codes(run_speclint(str(UINT8), str(PREFIX), "--format", "json", "--ignore", "SL11").stdout) == ["SL125"]


def test_text_report_is_sorted_and_names_the_spec() -> None:
    out = run_speclint(str(UINT8), str(GOOD), "--verbose").stdout  # --verbose: the clean model listed too
    assert out.index("tf1-hub-feature-vector") < out.index("tf1-input-uint8")
    assert "SL112 error tag-set [] signature_def['default']: the image input has dtype DT_UINT8" in out
    assert "https://www.tensorflow.org/hub/common_signatures/images#input" in out
    # one uint8 placeholder, 2 tag-sets x 2 signatures: one finding, every place named once
    assert re.search(r"Found 1 finding \(1 error\) at 4 locations in 2 models\.", out)
    assert out.count("DT_UINT8") == 1
    assert (
        "also in: tag-set [] signature_def['image_feature_vector'], tag-set [train] signature_def['default'] (1 more)"
        in out
    )
    assert "fix: Take float32 images" in out and "/docs/rules/SL112.md" in out


def test_user_rule_pack_from_the_docs(tmp_path: Path) -> None:
    page = (REPO / "docs" / "custom-rules.md").read_text()
    example = re.search(r'```json\n(\{"code": "ORG001".*?)\n```', page, re.S)
    assert example, "the rule-pack example of docs/custom-rules.md"
    pack = tmp_path / "rules"
    pack.mkdir()
    (pack / "ORG001-input-224.json").write_text(example.group(1))
    result = run_speclint(str(GOOD), "--rules", str(pack), "--format", "json")
    assert result.returncode == 1, result.stderr
    finding = json.loads(result.stdout)["models"][0]["findings"][0]
    assert finding["code"] == "ORG001" and "(-1, 32, 32, 3)" in finding["message"]


def test_broken_rule_file_is_fatal(tmp_path: Path) -> None:
    pack = tmp_path / "rules"
    pack.mkdir()
    (pack / "ORG002-broken.json").write_text('{"code": "ORG002", "name": "broken"}')
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2
    assert "ORG002-broken.json: invalid rule file" in result.stderr and "Traceback" not in result.stderr
    (pack / "ORG002-broken.json").write_text("{not json")
    assert "not valid JSON" in run_speclint(str(GOOD), "--rules", str(pack)).stderr
    duplicate = json.loads((REPO / "schemas" / "rules" / "SL112-images-input-dtype.json").read_text())
    (pack / "ORG002-broken.json").write_text(json.dumps(duplicate))
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2 and "rule code SL112 is already used" in result.stderr
    duplicate.update(code="ORG003", schema={"type": "nonsense"})
    (pack / "ORG002-broken.json").write_text(json.dumps(duplicate))
    result = run_speclint(str(GOOD), "--rules", str(pack))
    assert result.returncode == 2 and "invalid JSON Schema in 'schema'" in result.stderr


# ---- honest outcomes: a model that was not read is never a pass --------------------------------

BROKEN = MODELS / "broken-truncated"


def test_an_unreadable_model_is_never_all_checks_passed() -> None:
    """The issue's run: SL001 ignored, the model still counts as not read, in every format."""
    text = run_speclint(str(BROKEN), "--ignore", "SL001")
    assert text.returncode == 2 and "All checks passed" not in text.stdout
    assert text.stdout.rstrip().endswith(f"No findings, but 1 of 1 model could not be read: {BROKEN}.")
    assert text.stderr == "speclint: error: none of the 1 model could be read (the report says why)\n"
    report = json.loads(run_speclint(str(BROKEN), "--ignore", "SL001", "--format", "json").stdout)
    assert report["summary"]["unreadable"] == 1
    assert report["models"][0]["read_error"].startswith("saved_model.pb: not a valid SavedModel protocol buffer")
    sarif = json.loads(run_speclint(str(BROKEN), "--ignore", "SL001", "--format", "sarif").stdout)
    (note,) = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "could not be read" in note["message"]["text"]
    github = run_speclint(str(BROKEN), "--ignore", "SL001", "--format", "github").stdout
    assert "speclint: no findings, but 1 of 1 model could not be read" in github
    html = run_speclint(str(BROKEN), "--ignore", "SL001", "--format", "html").stdout
    assert "1 model could not be read</h2>" in html
    line = json.loads(run_speclint(str(BROKEN), "--ignore", "SL001", "--format", "jsonl").stdout)
    assert line["read_error"].startswith("saved_model.pb: not a valid SavedModel")
    statistics = json.loads(run_speclint(str(BROKEN), "--statistics", "--format", "json").stdout)
    assert statistics["unreadable"][0]["path"] == str(BROKEN)


def test_one_unreadable_model_among_others_fails_the_run() -> None:
    mixed = run_speclint(str(GOOD), str(BROKEN), "--ignore", "SL001")
    assert mixed.returncode == 1  # the others were read: their report stands, the run does not pass
    assert mixed.stdout.rstrip().endswith(f"No findings, but 1 of 2 models could not be read: {BROKEN}.")


def test_exit_zero_covers_findings_and_unreadable_models_not_usage_errors() -> None:
    assert run_speclint(str(BROKEN), "--exit-zero").returncode == 0
    assert run_speclint(str(BROKEN), str(UINT8), "--exit-zero").returncode == 0
    missing = run_speclint(str(GOOD), "/nonexistent/model", "--exit-zero")
    assert missing.returncode == 2 and "/nonexistent/model: no such file or directory" in missing.stderr
    assert run_speclint(str(GOOD), "--exit-zero", "--select", "SL1122").returncode == 2


# ---- conflicts are errors ---------------------------------------------------------------


def test_statistics_follow_the_format() -> None:
    text = run_speclint(str(UINT8), str(PREFIX), "--statistics")
    assert "    1 finding      4 locations SL112  images-input-dtype (error)" in text.stdout
    data = json.loads(run_speclint(str(UINT8), str(PREFIX), "--statistics", "--format", "json").stdout)
    assert data["statistics"][0] == {
        "code": "SL112",
        "name": "images-input-dtype",
        "severity": "error",
        "findings": 1,
        "locations": 4,
    }
    assert data["summary"]["error"] == 1 and data["models"] == 2
    refused = run_speclint(str(UINT8), "--statistics", "--format", "sarif")
    assert refused.returncode == 2 and "--statistics has a text and a json form, not sarif" in refused.stderr


def test_report_and_sarif_report_cannot_share_a_file(tmp_path: Path) -> None:
    target = tmp_path / "report.sarif"
    same = run_speclint(str(UINT8), "-o", str(target), "--sarif-output", str(tmp_path / "." / "report.sarif"))
    assert same.returncode == 2 and "--output and --sarif-output both name" in same.stderr
    assert not target.exists()


def test_numbers_must_be_positive_and_jobs_are_capped() -> None:
    for option, value, word in (
        ("--jobs", "-1", "--jobs must be a positive integer, not -1"),
        ("--jobs", "0", "--jobs must be a positive integer, not 0"),
        ("--read-timeout", "-5", "--read-timeout must be a positive number of seconds, not -5"),
        ("--max-file-size", "0", "--max-file-size must be a positive integer"),
        ("--memory-budget", "-3", "--memory-budget must be a positive integer"),
    ):
        refused = run_speclint(str(GOOD), option, value)
        assert refused.returncode == 2 and word in refused.stderr, (option, refused.stderr)
        assert refused.stderr.count("\n") == 1
    many = run_speclint(str(GOOD), "--jobs", "4096")
    assert many.returncode == 0
    assert re.fullmatch(
        r"speclint: warning: --jobs 4096 is more than the \d+ CPUs this process may use; using \d+\n", many.stderr
    )


def test_baseline_and_resume_need_the_right_format(tmp_path: Path) -> None:
    refused = run_speclint(str(UINT8), "--format", "jsonl", "--baseline", str(tmp_path / "b.json"))
    assert refused.returncode == 2 and "--baseline does not work with --format jsonl" in refused.stderr
    resume = run_speclint(str(UINT8), "--resume", str(tmp_path / "r.jsonl"))
    assert resume.returncode == 2 and "--resume needs --format jsonl" in resume.stderr
