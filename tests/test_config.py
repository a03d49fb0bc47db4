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


def test_speclint_toml_files_are_found_as_ruff_finds_its_own(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UINT8, project / "models" / "m")  # one SL112 error
    (project / "pyproject.toml").write_text('[tool.speclint]\nselect = ["SL2"]\n')
    (project / "speclint.toml").write_text('ignore = ["SL112"]\n')  # top-level keys, nearer than pyproject
    result = run_speclint("models", "--format", "json", cwd=project)
    assert result.returncode == 0 and _codes(result.stdout) == [], result.stderr
    (project / ".speclint.toml").write_text('select = ["SL1"]\n')  # .speclint.toml first, as .ruff.toml
    result = run_speclint("models", "--format", "json", cwd=project)
    assert result.returncode == 1 and _codes(result.stdout) == ["SL112"]
    (project / "models" / "speclint.toml").write_text('select = ["SL2"]\n')  # nearest directory wins
    result = run_speclint("models", "--format", "json", cwd=project)
    assert result.returncode == 0 and _codes(result.stdout) == []
    (project / "models" / "speclint.toml").write_text('fail_level = "info"\n')
    result = run_speclint("models", cwd=project)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "models/speclint.toml: unknown key 'fail_level'; did you mean 'fail-level'?" in result.stderr
    explicit = run_speclint("models", "--config", ".speclint.toml", "--format", "json", cwd=project)
    assert explicit.returncode == 1 and _codes(explicit.stdout) == ["SL112"]


def test_a_config_file_inside_a_model_is_skipped(tmp_path: Path) -> None:
    model = tmp_path / "m"
    shutil.copytree(UINT8, model)
    (model / "speclint.toml").write_text('ignore = ["SL1"]\n')  # a model must not configure its own check
    result = run_speclint(str(model), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1 and _codes(result.stdout) == ["SL112"]
    assert result.stderr.count("\n") == 1
    assert "m/speclint.toml: skipped: a config file inside a model directory" in result.stderr


def test_per_path_key_did_you_mean_and_unmatched_pattern_warns_once(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(UINT8, project / "models" / "m")
    (project / "speclint.toml").write_text('[[per-path]]\npath = "models/*"\nignroe = ["SL112"]\n')
    result = run_speclint("models", cwd=project)
    assert result.returncode == 2 and "per-path[0]: unknown key 'ignroe'; did you mean 'ignore'?" in result.stderr
    (project / "speclint.toml").write_text(
        '[[per-path]]\npath = "models/*"\nignore = ["SL112"]\n[[per-path]]\npath = "modles/*"\nignore = ["SL1"]\n'
    )
    result = run_speclint("models", "--format", "json", cwd=project)
    assert result.returncode == 0 and _codes(result.stdout) == []
    warnings = [line for line in result.stderr.splitlines() if "per-path" in line]
    assert warnings == [
        f"speclint: warning: {project / 'speclint.toml'}: per-path pattern 'modles/*' matches no model of the 1 "
        "found (patterns are relative to the config file's directory)"
    ]


def test_lang_in_the_config(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(MODELS / "tf2-nchw", project / "models" / "m")  # SL140 quotes the TF2 page, translated
    (project / "speclint.toml").write_text('lang = "pt-BR"\n')
    result = run_speclint("models", "--format", "json", cwd=project, env={"LANG": "C"})
    english = run_speclint("models", "--format", "json", "--lang", "en", cwd=project, env={"LANG": "C"})
    assert result.returncode == english.returncode == 1
    assert "hl=pt-br" in result.stdout.lower() and "hl=pt-br" not in english.stdout.lower()
    (project / "speclint.toml").write_text('lang = "xx"\n')
    bad = run_speclint("models", cwd=project)
    assert bad.returncode == 2 and "speclint.toml lang: unknown language 'xx'" in bad.stderr


def test_report_file_under_github_actions_has_no_workflow_commands(tmp_path: Path) -> None:
    out = tmp_path / "report.txt"
    env = {"GITHUB_ACTIONS": "true"}
    result = run_speclint(str(UINT8), "-o", str(out), cwd=tmp_path, env=env)
    assert result.returncode == 1 and "::" not in out.read_text() and "SL112 error" in out.read_text()
    log = run_speclint(str(UINT8), cwd=tmp_path, env=env)
    assert log.stdout.count("::error ") == 1  # the log still gets annotations
    asked = run_speclint(str(UINT8), "-o", str(out), "--format", "json", cwd=tmp_path, env=env)
    assert asked.returncode == 1 and json.loads(out.read_text())["summary"]["error"] == 1
    changes = tmp_path / "diff.txt"
    diff = run_speclint("diff", str(UINT8), str(PREFIX), "-o", str(changes), cwd=tmp_path, env=env)
    assert diff.returncode in (0, 1) and changes.read_text() and "::" not in changes.read_text(), diff.stderr


def test_rule_did_you_mean() -> None:
    result = run_speclint("rule", "SL1155")
    assert result.returncode == 2
    assert (
        result.stderr
        == "speclint: error: unknown rule 'SL1155'; did you mean SL115? (run `speclint rules` to list them)\n"
    )
    assert "did you mean channels-last?" in run_speclint("rule", "chanels-last").stderr
