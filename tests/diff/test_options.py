"""``speclint diff`` honours ``[tool.speclint]`` and rule packs in its lint-regression check, as
``check`` does, and ``--select``/``--ignore`` choose change codes; a typo is exit 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from tests.conftest import REPO
from tests.diff.conftest import PAIRS_DIR, speclint


def copy_pair(name: str, tmp_path: Path, pyproject: str | None = None) -> tuple[str, str]:
    """The pair in a project of its own (so the repository's pyproject.toml is not found)."""
    root = tmp_path / "project"
    shutil.copytree(PAIRS_DIR / name, root / name)
    if pyproject is not None:
        (root / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return str(root / name / "old"), str(root / name / "new")


def codes(*args: str) -> list[str]:
    completed = speclint("diff", *args, "--format", "json")
    assert completed.returncode in (0, 1), completed.stderr
    return [f["code"] for m in json.loads(completed.stdout)["models"] for f in m["findings"]]


def test_without_config_the_lint_regression_is_reported(tmp_path: Path) -> None:
    old, new = copy_pair("lint-regression", tmp_path)
    completed = speclint("diff", old, new)
    assert "SC161 warning SL140 channels-last passed in OLD, fails in NEW" in completed.stdout


def test_config_ignore_leaves_the_lint_rule_out(tmp_path: Path) -> None:
    old, new = copy_pair("lint-regression", tmp_path, '[tool.speclint]\nignore = ["SL140"]\n')
    assert "SC161" not in codes(old, new)


def test_config_select_leaves_other_lint_rules_out(tmp_path: Path) -> None:
    old, new = copy_pair("lint-regression", tmp_path, '[tool.speclint]\nselect = ["SL11", "SL6"]\n')
    assert "SC161" not in codes(old, new)
    kept = copy_pair("lint-regression", tmp_path / "kept", '[tool.speclint]\nselect = ["SL14"]\n')
    assert "SC161" in codes(*kept)


def test_per_path_ignore_matches_the_new_model(tmp_path: Path) -> None:
    config = '[tool.speclint]\n[[tool.speclint.per-path]]\npath = "lint-regression/new"\nignore = ["SL140"]\n'
    old, new = copy_pair("lint-regression", tmp_path, config)
    assert "SC161" not in codes(old, new)
    other = '[tool.speclint]\n[[tool.speclint.per-path]]\npath = "elsewhere/*"\nignore = ["SL140"]\n'
    assert "SC161" in codes(*copy_pair("lint-regression", tmp_path / "other", other))


def test_explicit_config_file(tmp_path: Path) -> None:
    old, new = copy_pair("lint-regression", tmp_path)
    config = tmp_path / "speclint.toml"
    config.write_text('[tool.speclint]\nignore = ["SL140"]\n', encoding="utf-8")
    assert "SC161" not in codes(old, new, "--config", str(config))


def test_profile_from_config_and_command_line(tmp_path: Path) -> None:
    """The TF1 profile has no tf2-variables rules (SL133-SL135): forced on a TF2 pair, their
    regressions are not reported; the change rule SC141 still is."""
    old, new = copy_pair("attribute-removed", tmp_path)
    assert {"SC160", "SC161", "SC162"} <= set(codes(old, new))
    old, new = copy_pair(
        "attribute-removed", tmp_path / "cfg", '[tool.speclint]\nprofile = "tf1-image-classification"\n'
    )
    assert set(codes(old, new)) == {"SC141"}
    old, new = copy_pair("attribute-removed", tmp_path / "cli")
    assert set(codes(old, new, "--profile", "tf1-image-classification")) == {"SC141"}
    bad = speclint("diff", old, new, "--profile", "no-such-profile")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no-such-profile" in bad.stderr


def test_rule_pack_regression(tmp_path: Path) -> None:
    """An organisation's rule (images are 32x32) passes on OLD (32) and fails on NEW (24)."""
    page = (REPO / "docs" / "custom-rules.md").read_text(encoding="utf-8")  # the documented example
    example = re.search(r'```json\n(\{"code": "ORG001".*?)\n```', page, re.S)
    assert example
    rule = json.loads(example.group(1).replace("224", "32"))
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "ORG001-input-32.json").write_text(json.dumps(rule), encoding="utf-8")
    old, new = copy_pair("image-size-changed", tmp_path)
    assert not any("ORG001" in line for line in speclint("diff", old, new).stdout.splitlines())
    completed = speclint("diff", old, new, "--rules", str(pack))
    assert "ORG001 input-32 passed in OLD, fails in NEW" in completed.stdout, completed.stdout + completed.stderr
    old, new = copy_pair("image-size-changed", tmp_path / "cfg", f'[tool.speclint]\nrules = ["{pack}"]\n')
    assert "ORG001 input-32 passed in OLD" in speclint("diff", old, new).stdout


def test_unknown_code_in_config_is_exit_2_with_a_suggestion(tmp_path: Path) -> None:
    old, new = copy_pair("lint-regression", tmp_path, '[tool.speclint]\nignore = ["SL14O"]\n')
    completed = speclint("diff", old, new)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1
    assert "unknown rule code or prefix 'SL14O'; did you mean SL14" in completed.stderr


def test_select_and_ignore_choose_change_codes(tmp_path: Path) -> None:
    old, new = str(PAIRS_DIR / "input-dtype-changed" / "old"), str(PAIRS_DIR / "input-dtype-changed" / "new")
    assert codes(old, new) == ["SC123", "SC160"]
    assert codes(old, new, "--select", "SC12") == ["SC123"]
    assert codes(old, new, "--ignore", "SC16") == ["SC123"]
    assert codes(old, new, "--select", "SC1", "--ignore", "SC123") == ["SC160"]
    ignored = speclint("diff", old, new, "--ignore", "SC123,SC160")
    assert ignored.returncode == 0 and "No changes for consumers" in ignored.stdout


def test_unknown_change_code_is_exit_2_with_a_suggestion() -> None:
    old, new = str(PAIRS_DIR / "compatible" / "old"), str(PAIRS_DIR / "compatible" / "new")
    for option, typo in (("--select", "SC1230"), ("--ignore", "SC16O")):
        completed = speclint("diff", old, new, option, typo)
        assert completed.returncode == 2 and completed.stdout == ""
        assert re.fullmatch(
            rf"speclint: error: {option}: unknown change code or prefix {typo!r}; did you mean SC\d+\?\n",
            completed.stderr,
        ), completed.stderr
    lint_code = speclint("diff", old, new, "--select", "SL140")
    assert lint_code.returncode == 2 and "unknown change code or prefix 'SL140'" in lint_code.stderr
