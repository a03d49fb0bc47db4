"""``--write-baseline`` / ``--baseline``: adopt speclint on a tree with known findings.

The fingerprints must survive a re-export that renumbers TensorFlow's traced functions: two
real exports of the same model, one after 40 throwaway traces, prove it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import MODELS, REPO, need, need_tensorflow, run_speclint

UINT8 = MODELS / "tf1-input-uint8"
SPARSE = MODELS / "tf1-input-sparse"
BUILDER = REPO / "tests" / "rules" / "make_renumbered.py"


def _codes(stdout: str) -> list[str]:
    return [f["code"] for m in json.loads(stdout)["models"] for f in m["findings"]]


def test_baseline_hides_known_findings_and_reports_new_ones(tmp_path: Path) -> None:
    need(UINT8.is_dir() and SPARSE.is_dir(), "golden fixtures missing")
    tree = tmp_path / "repo"
    shutil.copytree(UINT8, tree / "models" / "a")
    baseline = tree / "speclint-baseline.json"
    written = run_speclint(str(tree / "models"), "--write-baseline", str(baseline))
    assert written.returncode == 0, written.stderr
    assert "wrote 1 finding(s) of 1 model(s)" in written.stderr
    recorded = json.loads(baseline.read_text())
    assert list(recorded["models"]) == ["models/a"]  # relative to the baseline file: committable
    again = run_speclint(str(tree / "models"), "--baseline", str(baseline), "--format", "json")
    assert again.returncode == 0, again.stdout
    assert _codes(again.stdout) == [] and json.loads(again.stdout)["summary"]["baselined"] == 1
    shutil.copytree(SPARSE, tree / "models" / "b")  # a new model with a new problem
    new = run_speclint("models", "--baseline", "speclint-baseline.json", cwd=tree)  # another cwd, same file
    assert new.returncode == 1
    assert "SL111" in new.stdout and "SL112" not in new.stdout
    assert "1 finding of the baseline not shown" in new.stdout


def test_bad_baseline_files_are_one_line_errors(tmp_path: Path) -> None:
    need(UINT8.is_dir(), "golden fixtures missing")
    missing = run_speclint(str(UINT8), "--baseline", str(tmp_path / "none.json"))
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "--write-baseline" in missing.stderr
    (tmp_path / "bad.json").write_text("[1, 2]")
    bad = run_speclint(str(UINT8), "--baseline", str(tmp_path / "bad.json"))
    assert bad.returncode == 2 and "not a speclint baseline" in bad.stderr and "Traceback" not in bad.stderr


def test_fingerprints_survive_function_renumbering(tmp_path: Path) -> None:
    need_tensorflow()
    for name, shift in (("first", 0), ("second", 40)):
        subprocess.run(
            [sys.executable, str(BUILDER), str(tmp_path / name / "m"), "--shift", str(shift)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    first = json.loads(run_speclint(str(tmp_path / "first" / "m"), "--format", "json").stdout)
    second = json.loads(run_speclint(str(tmp_path / "second" / "m"), "--format", "json").stdout)
    ones, twos = first["models"][0]["findings"], second["models"][0]["findings"]
    assert [f["code"] for f in ones] == [f["code"] for f in twos] == ["SL112"]  # uint8, its / 255 (SL119) under it
    listed = "Its consequences, not reported apart: SL119 images-input-range at "
    assert ones[0]["message"].endswith(listed + ones[0]["where"])
    functions = [
        json.loads(run_speclint("show", "--format", "json", str(tmp_path / n / "m")).stdout)
        for n in ("first", "second")
    ]
    names = [d[0]["entry_points"][0]["concrete_function"] for d in functions]
    assert names[0] != names[1], "the shift did not renumber the traced function"
    assert [f["fingerprint"] for f in ones] == [f["fingerprint"] for f in twos]
    shutil.copytree(tmp_path / "first" / "m", tmp_path / "tree" / "m")
    baseline = tmp_path / "tree" / "baseline.json"
    assert run_speclint(str(tmp_path / "tree"), "--write-baseline", str(baseline)).returncode == 0
    shutil.rmtree(tmp_path / "tree" / "m")
    shutil.copytree(tmp_path / "second" / "m", tmp_path / "tree" / "m")  # the re-export replaces it
    assert run_speclint(str(tmp_path / "tree"), "--baseline", str(baseline)).returncode == 0
