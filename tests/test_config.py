"""speclint/config.py: ``[tool.speclint]`` found by walking up, per-path settings, the command
line winning, unknown keys a one-line error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import MODELS, run_speclint

UINT8 = MODELS / "tf1-input-uint8"
PREFIX = MODELS / "tf1-extra-output-unprefixed"  # only an info finding (SL125)


def _codes(stdout: str) -> list[str]:
    return sorted({f["code"] for m in json.loads(stdout)["models"] for f in m["findings"]})


def test_config_in_pyproject_and_the_command_line_wins(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UINT8, project / "models" / "legacy" / "m")
    shutil.copytree(PREFIX, project / "models" / "new" / "m")
    (project / "pyproject.toml").write_text(
        '[tool.speclint]\nfail-level = "info"\nignore = ["SL125"]\n'
        '[[tool.speclint.per-path]]\npath = "models/legacy/*"\nignore = ["SL112"]\n'
    )
    result = run_speclint("models", "--format", "json", cwd=project)
    assert result.returncode == 0 and _codes(result.stdout) == []
    result = run_speclint("models", "--format", "json", "--fail-level", "error", "--select", "SL125", cwd=project)
    assert _codes(result.stdout) == []  # ignore from config still applies; select narrows further
    (project / "pyproject.toml").write_text('[tool.speclint]\nfail_level = "info"\n')
    broken = run_speclint("models", cwd=project)
    assert broken.returncode == 2
    assert broken.stderr.strip().count("\n") == 0 and "unknown key 'fail_level'" in broken.stderr


def test_a_config_file_named_on_purpose_must_have_the_table(tmp_path: Path) -> None:
    none = tmp_path / "none.toml"
    none.write_text("[tool.ruff]\nline-length = 100\n")
    result = run_speclint(str(UINT8), "--config", str(none))
    assert result.returncode == 2 and result.stderr == f"speclint: error: {none}: no [tool.speclint] table\n"
    typo = tmp_path / "typo.toml"
    typo.write_text('[tool.speclnt]\nignore = ["SL112"]\n')
    result = run_speclint(str(UINT8), "--config", str(typo))
    assert result.returncode == 2
    assert "no [tool.speclint] table; did you mean [tool.speclint] instead of [tool.speclnt]?" in result.stderr


def test_an_unknown_speclint_table_is_an_error_found_or_named(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UINT8, project / "models" / "m")
    (project / "pyproject.toml").write_text('[tool.speclint-rules]\nignore = ["SL112"]\n')
    for args in (["models"], ["models", "--config", "pyproject.toml"]):
        result = run_speclint(*args, cwd=project)
        assert result.returncode == 2, args
        assert "pyproject.toml: unknown table [tool.speclint-rules] (speclint reads [tool.speclint])" in result.stderr
