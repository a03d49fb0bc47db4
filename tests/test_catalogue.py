"""speclint/catalogue.py (``speclint rules``, ``speclint rule CODE``): the catalogue and one rule explained."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from speclint.cli import main
from speclint.rules.docs import explain_rule, find_rule
from speclint.rules.ruleset import RuleSet
from tests.conftest import REPO, run_speclint
from tests.report.conftest import fixture_paths


@pytest.fixture(scope="module")
def ruleset() -> RuleSet:
    return RuleSet()


def test_rules_lists_every_code(ruleset: RuleSet, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[0] for line in out.splitlines()[1 : 1 + len(ruleset.rules)]]
    assert listed == sorted(ruleset.rules)
    sl112 = next(line for line in out.splitlines() if line.startswith("SL112 "))
    assert "images-input-dtype" in sl112 and "error" in sl112 and "tf1-fv" in sl112 and "tf2-cls" in sl112
    assert "tf1-fv = tf1-image-feature-vector" in out


def test_rules_json(ruleset: RuleSet, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == sorted(ruleset.rules)
    sl105 = next(r for r in listed if r["code"] == "SL105")
    assert sl105["profiles"] == ["tf1-image-feature-vector"]
    assert sl105["spec"][0]["url"] == "https://www.tensorflow.org/hub/common_signatures/images#feature-vector"


def test_rules_include_a_rule_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    rule = json.loads((REPO / "schemas" / "rules" / "SL112-images-input-dtype.json").read_text(encoding="utf-8"))
    rule.update(code="ACME001", name="acme-input-dtype", examples={})
    del rule["$schema"]
    (pack / "ACME001.json").write_text(json.dumps(rule), encoding="utf-8")
    assert main(["rules", "--rules", str(pack)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("ACME001"))
    assert "tf1-image,tf1-cls,tf1-fv,tf2-image,tf2-cls,tf2-fv" in line  # a pack's rules apply under every profile
    assert main(["rule", "acme001", "--rules", str(pack)]) == 0
    assert capsys.readouterr().out.startswith("# ACME001: acme-input-dtype\n")


def test_rule_explains_sl112(ruleset: RuleSet, capsys: pytest.CaptureFixture[str]) -> None:
    fixture_paths(("tf1-input-uint8", "tf1-hub-feature-vector"))
    assert main(["rule", "SL112"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# SL112: images-input-dtype\n")
    assert "https://www.tensorflow.org/hub/common_signatures/images#input" in out
    assert "https://www.tensorflow.org/hub/common_saved_model_apis/images#input" in out
    for ref in ruleset.rules["SL112"].spec:
        assert f"> {ref.quote}" in out
    assert ruleset.rules["SL112"].why in out
    assert "Target: `/entry_points/*`" in out and '"const": "DT_FLOAT"' in out
    failing = out.split("## Failing example: `tf1-input-uint8`")[1].split("## Passing example")[0]
    assert "images: dtype DT_UINT8, shape (-1, 32, 32, 3)" in failing
    assert "SL112 error tag-set [] signature_def['default']: the image input has dtype DT_UINT8" in failing
    passing = out.split("## Passing example: `tf1-hub-feature-vector`")[1]
    assert "images: dtype DT_FLOAT" in passing and "speclint reports no SL112 finding." in passing


def test_rule_accepts_lower_case_and_names(ruleset: RuleSet) -> None:
    assert find_rule(ruleset, "sl112").code == "SL112"
    assert find_rule(ruleset, "images-input-dtype").code == "SL112"


def test_unknown_code_is_one_line_and_exit_2() -> None:
    completed = run_speclint("rule", "SL999")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "SL999" in completed.stderr
    assert completed.stderr.startswith("speclint: error: unknown rule 'SL999'")


def test_missing_fixtures_fall_back(ruleset: RuleSet, tmp_path: Path) -> None:
    """Built-in rules fall back to the examples shipped as package data, rendered from the same
    fixtures; a rule pack's rule, which has none shipped, says how to build its fixture."""
    fixture_paths(("tf1-input-uint8", "tf1-hub-feature-vector"))
    packaged = explain_rule(ruleset.rules["SL112"], ruleset, fixtures=tmp_path)
    assert packaged == explain_rule(ruleset.rules["SL112"], ruleset)
    custom = ruleset.rules["SL112"]._replace(code="ACME112", builtin=False)
    text = explain_rule(custom, ruleset, fixtures=tmp_path)
    assert "The fixture `golden/models/tf1-input-uint8` is not available here" in text
    assert "python golden/make_fixtures.py --only tf1-hub-feature-vector" in text
    assert "https://www.tensorflow.org/hub/common_signatures/images#input" in text


def test_rule_held_to_another_profile(ruleset: RuleSet, tmp_path: Path) -> None:
    """SL106's failing fixture is a feature-vector module: auto would never run SL106 on it."""
    source = Path(fixture_paths(("tf1-hub-feature-vector",))[0])
    shutil.copytree(REPO / source, tmp_path / "tf1-hub-feature-vector")
    text = explain_rule(ruleset.rules["SL106"], ruleset, fixtures=tmp_path)
    assert "Checked with `--profile tf1-image-classification`" in text
    assert "SL106 error tag-set [] has no signature_def['image_classification']" in text


def test_function_numbers_are_redacted(ruleset: RuleSet) -> None:
    fixture_paths(("tf2-dict-output",))
    text = explain_rule(ruleset.rules["SL132"], ruleset)
    assert "__call__ trace 1 (images: float32[?,32,32,3]) returns a dict" in text
    assert "__inference_" not in text


def test_rule_examples_come_from_an_installed_wheel(tmp_path: Path) -> None:
    """Built and installed for real: no golden/ next to the package, the examples still show,
    rendered from the fixtures when the docs were generated (package data)."""
    import subprocess
    import sys

    fixture_paths(("tf1-input-uint8", "tf1-hub-feature-vector"))
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert build.returncode == 0, build.stderr
    (wheel,) = wheels.glob("speclint-*.whl")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    assert not (target / "golden").exists()
    env = {"PYTHONPATH": str(target)}
    shown = run_speclint("rule", "SL112", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "## Failing example: `tf1-input-uint8`" in shown.stdout
    assert "SL112 error tag-set [] signature_def['default']: the image input has dtype DT_UINT8" in shown.stdout
    assert "speclint reports no SL112 finding." in shown.stdout  # the passing example
    assert "not available here" not in shown.stdout
    assert shown.stdout == (REPO / "docs" / "rules" / "SL112.md").read_text(encoding="utf-8").split("\n\n", 1)[1]
