"""The static stage must work where TensorFlow is absent or broken: it never imports it."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import MODELS, run_speclint


def _poisoned(tmp_path: Path) -> dict[str, str]:
    """A ``tensorflow`` package that explodes on import, first on the path."""
    package = tmp_path / "poison" / "tensorflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('the static stage imported TensorFlow')\n")
    import os

    return {"PYTHONPATH": os.pathsep.join([str(tmp_path / "poison"), str(Path(__file__).resolve().parents[2])])}


def test_show_and_check_run_with_a_tensorflow_that_raises(tmp_path: Path) -> None:
    env = _poisoned(tmp_path)
    shown = run_speclint("show", "--format", "json", str(MODELS / "tf1-hub-feature-vector"), env=env)
    assert shown.returncode == 0, shown.stderr
    facts = json.loads(shown.stdout)
    assert facts[0]["format"] == "tf1-hub"
    checked = run_speclint(str(MODELS), "--format", "json", env=env)
    assert checked.returncode == 1, checked.stderr  # the negative fixtures have findings
    assert "imported TensorFlow" not in checked.stderr
    report = json.loads(checked.stdout)
    assert len(report["models"]) == len([p for p in MODELS.iterdir() if p.is_dir()])


def test_reading_every_fixture_leaves_tensorflow_unimported() -> None:
    import subprocess
    import sys

    code = (
        "import sys, glob\nfrom speclint.read import read_model\nfrom speclint.rules.ruleset import RuleSet\n"
        "rs = RuleSet()\n"
        "[rs.check(read_model(p)) for p in sorted(glob.glob('golden/models/*'))]\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras', 'jsonschema'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=MODELS.parents[1])
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
