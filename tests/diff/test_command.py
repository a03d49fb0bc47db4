"""``speclint diff OLD NEW`` as a user runs it: formats, exit codes, errors, nothing written."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from speclint import __version__
from tests.conftest import MODELS, REPO, SHARED, need
from tests.diff.conftest import PAIRS_DIR, snapshot, speclint


def pair(name: str) -> tuple[str, str]:
    return str(PAIRS_DIR / name / "old"), str(PAIRS_DIR / name / "new")


def test_text_report_names_both_sides_and_exits_1_on_breaking() -> None:
    completed = speclint("diff", *pair("output-width-changed"), "--format", "text")
    assert completed.returncode == 1, completed.stderr
    assert "SC134 breaking output width 8 -> 5 in `__call__`" in completed.stdout
    assert "[tf2 -> tf2]" in completed.stdout
    assert "      also in: signature_def['serving_default'] in tag-set [serve]" in completed.stdout
    assert completed.stdout.count("SC134") == 2  # the finding and its rule page: one root cause
    assert completed.stdout.rstrip().endswith("1 change (1 breaking) at 2 locations in 1 model.")


def test_compatible_exits_0() -> None:
    completed = speclint("diff", *pair("compatible"))
    assert completed.returncode == 0, completed.stderr
    assert "No changes for consumers (1 model)." in completed.stdout


def test_fail_on_warning() -> None:
    args = pair("lint-regression")
    assert speclint("diff", *args).returncode == 0
    strict = speclint("diff", *args, "--fail-on", "warning")
    assert strict.returncode == 1
    assert "SC161 warning SL140 channels-last passed in OLD, fails in NEW" in strict.stdout


def test_json_report() -> None:
    completed = speclint("diff", *pair("tf1-to-tf2"), "--format", "json")
    report = json.loads(completed.stdout)
    assert report["diff_report_version"] == 2
    (model,) = report["models"]
    assert (model["old_format"], model["new_format"], model["status"]) == ("tf1-hub", "tf2", "compared")
    assert [f["code"] for f in model["findings"]] == ["SC102"]
    assert report["summary"] == {"breaking": 0, "warning": 1, "info": 0, "unreadable": 0}


def test_github_annotations_point_at_the_new_model() -> None:
    completed = speclint("diff", *pair("dangerous-op-added"), "--format", "github", cwd=PAIRS_DIR)
    annotations = [line for line in completed.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=dangerous-op-added/new/saved_model.pb,title=SC150 dangerous-op-added::dangerous op ReadFile "
        "added: none in OLD, present in NEW (see `speclint check` SL600 for where)%0Aat graph%0A"
        "fix: Remove the op; file access belongs outside the model.%0A"
        f"https://github.com/speclint/speclint/blob/v{__version__}/docs/changes/SC150.md"
    ]


def test_github_is_the_default_under_actions(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    completed = speclint(
        "diff", *pair("output-width-changed"), env={"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    )
    assert completed.stdout.startswith("::error ")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("### speclint diff ")
    assert "\\[SC134\\]" not in text and "[SC134](" in text
    assert "| output width 8 -\\> 5 in \\`\\_\\_call\\_\\_\\` (+1 more) |" in text  # Markdown-escaped


def test_sarif_report_is_valid() -> None:
    need(__import__("importlib").util.find_spec("jsonschema") is not None, "jsonschema is not installed")
    import jsonschema

    completed = speclint("diff", *pair("input-dtype-changed"), "--format", "sarif")
    log = json.loads(completed.stdout)
    schema_path = SHARED / "schemas-external" / "sarif-schema-2.1.0.json"
    need(schema_path.is_file(), "the SARIF schema is missing")
    jsonschema.Draft7Validator(json.loads(schema_path.read_text(encoding="utf-8"))).validate(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"SC123", "SC160"}
    assert all(r["level"] == "error" for r in results)


def test_trees_pair_by_relative_path_and_report_added_and_removed() -> None:
    completed = speclint("diff", *pair("models-added-removed"), "--format", "json")
    assert completed.returncode == 1
    report = json.loads(completed.stdout)
    statuses = {Path(m["path"]).name: m["status"] for m in report["models"]}
    assert statuses == {"fresh": "added", "kept": "compared", "retired": "removed"}


def test_usage_errors_exit_2_with_one_line() -> None:
    completed = speclint("diff", str(PAIRS_DIR / "compatible" / "old"))
    assert completed.returncode == 2
    assert completed.stderr.count("\n") == 1 and "usage: speclint diff OLD NEW" in completed.stderr
    missing = speclint("diff", str(PAIRS_DIR / "compatible" / "old"), "/nonexistent/model")
    assert missing.returncode == 2
    assert "/nonexistent/model: no such file or directory" in missing.stderr


def test_an_unreadable_version_exits_2_naming_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(MODELS / "broken-truncated", broken)
    completed = speclint("diff", str(PAIRS_DIR / "compatible" / "old"), str(broken))
    assert completed.returncode == 2
    (line,) = completed.stderr.splitlines()
    assert line.startswith(f"speclint: error: {broken}/saved_model.pb: cannot read: ")
    assert "Traceback" not in completed.stderr
    assert "(unreadable)" in completed.stdout
    assert "No changes for consumers" not in completed.stdout  # nothing was compared
    assert completed.stdout.rstrip().endswith(
        f"No changes found, but 1 of 1 model could not be compared (unreadable): {broken}."
    )
    report = json.loads(speclint("diff", str(PAIRS_DIR / "compatible" / "old"), str(broken), "--format", "json").stdout)
    assert report["summary"]["unreadable"] == 1 and "cannot read" not in report["models"][0]["read_error"]
    assert report["models"][0]["read_error"].startswith(f"{broken}: saved_model.pb: not a valid SavedModel")
    sarif = json.loads(speclint("diff", str(PAIRS_DIR / "compatible" / "old"), str(broken), "--format", "sarif").stdout)
    assert (
        "could not be compared"
        in sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    )


def test_stderr_escapes_a_hostile_model_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken\n::error::FORGED\x1b[2J"
    shutil.copytree(MODELS / "broken-truncated", broken)
    completed = speclint("diff", str(PAIRS_DIR / "compatible" / "old"), str(broken))
    assert completed.returncode == 2
    (line,) = completed.stderr.splitlines()
    assert "broken\\n::error::FORGED\\x1b[2J/saved_model.pb: cannot read: " in line
    assert "\x1b" not in completed.stderr


def test_nothing_is_written_into_the_models() -> None:
    before = snapshot(PAIRS_DIR / "task-changed")
    for fmt in ("text", "json", "github", "sarif"):
        speclint("diff", *pair("task-changed"), "--format", fmt)
    assert snapshot(PAIRS_DIR / "task-changed") == before


def test_findings_are_sorted_and_stable() -> None:
    first = speclint("diff", *pair("input-renamed"), "--format", "json").stdout
    assert first == speclint("diff", *pair("input-renamed"), "--format", "json").stdout
    codes = [f["code"] for f in json.loads(first)["models"][0]["findings"]]
    assert codes == sorted(codes)
    assert not re.search(r"__inference_\w+_\d", first), "per-save function numbers leak into the report"


def test_one_change_is_one_finding_with_every_place_in_every_format() -> None:
    """A TF1 input rename shows in two signatures of two tag-sets: one finding that keeps all
    four places (issue 11's one root cause, one finding)."""
    args = pair("input-renamed")
    report = json.loads(speclint("diff", *args, "--format", "json").stdout)
    (renamed,) = [f for f in report["models"][0]["findings"] if f["code"] == "SC121"]
    places = [place["where"] for place in renamed["locations"]]
    assert len(places) == len(set(places)) == 4
    assert renamed["where"] == places[0] and places[0] in renamed["message"]
    assert {"tag-set []", "tag-set [train]"} == {place.rsplit(" in ", 1)[1] for place in places}
    text = speclint("diff", *args).stdout
    assert text.count("SC121 breaking") == 1
    assert "also in: " in text and "(1 more)" in text
    github = speclint("diff", *args, "--format", "github").stdout
    assert sum(line.startswith("::error") and "SC121" in line for line in github.splitlines()) == 1
    sarif = json.loads(speclint("diff", *args, "--format", "sarif").stdout)
    (result,) = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "SC121"]
    assert [loc["logicalLocations"][0]["name"] for loc in result["locations"]] == places
    assert all(loc["physicalLocation"]["region"] == {"startLine": 1} for loc in result["locations"])


def test_tf2_call_traces_and_signature_are_one_finding() -> None:
    report = json.loads(speclint("diff", *pair("input-shape-narrowed"), "--format", "json").stdout)
    (narrowed,) = [f for f in report["models"][0]["findings"] if f["code"] == "SC124"]
    places = [place["where"] for place in narrowed["locations"]]
    assert places[0] == "`__call__`" and any("serving_default" in place for place in places)


def test_different_values_stay_different_findings() -> None:
    """Grouping merges one cause only: three attributes removed stay three findings."""
    report = json.loads(speclint("diff", *pair("attribute-removed"), "--format", "json").stdout)
    messages = [f["message"] for f in report["models"][0]["findings"]]
    assert len(messages) == len(set(messages)) > 1


def test_diff_never_imports_tensorflow() -> None:
    code = (
        "import sys\nfrom speclint.cli import main\n"
        f"rc = main(['diff', {str(PAIRS_DIR / 'tf1-to-tf2' / 'old')!r}, {str(PAIRS_DIR / 'tf1-to-tf2' / 'new')!r}])\n"
        "assert rc == 0, rc\nassert 'tensorflow' not in sys.modules, 'diff imported TensorFlow'\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
