"""The GitHub Action: action.yml's shape, and its script run in a simulated Actions job.

The script is the one every step of action.yml runs (``scripts/action_run.sh``), with the
environment the runner gives a step: GITHUB_* variables, an event file, the step summary and
output files, the inputs as INPUT_* variables (defaults read from action.yml). speclint is
importable through PYTHONPATH and the pip step is switched off (SPECLINT_ACTION_SKIP_INSTALL),
so it prints what it would install.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from speclint import __version__
from tests.conftest import MODELS, REPO, SHARED, need, need_tensorflow

SCRIPT = REPO / "scripts" / "action_run.sh"
ACTION = REPO / "action.yml"
SARIF_SCHEMA = SHARED / "schemas-external" / "sarif-schema-2.1.0.json"
BASE = "octo-org/models"
FORK = "mallory/models"
FIXTURES = {"good": "tf2-feature-vector", "bad": "tf1-input-uint8", "nan": "probe-nan-on-black"}
EXPECTED_INPUTS = {
    "paths": ".",
    "profile": "auto",
    "format": "github",
    "fail-level": "warning",
    "execute": "false",
    "rules": "",
    "sarif-file": "speclint.sarif",
    "python-version": "3.11",
    "allow-fork-execute": "false",
    "diff-base": "${{ github.event.pull_request.base.sha }}",
    "version": "",
}


def action() -> dict[str, Any]:
    need(importlib.util.find_spec("yaml") is not None, "PyYAML is not installed (it comes with pre-commit)")
    import yaml

    document = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def env_name(input_name: str) -> str:
    return "INPUT_" + input_name.upper().replace("-", "_")


@dataclass
class ActionRun:
    completed: subprocess.CompletedProcess[str]
    workspace: Path
    summary: str
    outputs: dict[str, str]

    @property
    def stdout(self) -> str:
        return self.completed.stdout

    @property
    def annotations(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if re.match(r"::(error|warning|notice) ", line)]

    @property
    def command_line(self) -> str:
        return next(line for line in self.stdout.splitlines() if line.startswith("speclint: running: "))

    @property
    def install_line(self) -> str:
        return next(line for line in self.stdout.splitlines() if "would run: pip install" in line)

    def sarif(self, name: str = "speclint.sarif") -> dict[str, Any]:
        return json.loads((self.workspace / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def run_action(
    tmp_path: Path,
    *,
    command: str = "all",
    event_name: str = "pull_request",
    event: dict[str, Any] | None = None,
    head: str | None = BASE,
    models: tuple[str, ...] = ("good", "bad"),
    _env: dict[str, str] | None = None,
    **inputs: str,
) -> ActionRun:
    """Run the action script as a step would run; ``inputs`` use underscores (fail_level=...)."""
    need(shutil.which("bash") is not None, "bash is not installed")
    workspace = tmp_path / "workspace"
    for name in models:
        if not (workspace / "models" / name).exists():
            shutil.copytree(MODELS / FIXTURES[name], workspace / "models" / name)
    workspace.mkdir(exist_ok=True)
    if event is None:
        pull_request = {"number": 7, "head": {"repo": {"full_name": head}}, "base": {"repo": {"full_name": BASE}}}
        event = {"pull_request": pull_request}
    event_path = tmp_path / "event.json"
    event_path.write_text(json.dumps(event), encoding="utf-8")
    summary, outputs = tmp_path / "step_summary.md", tmp_path / "github_output"
    summary.write_text("", encoding="utf-8")
    outputs.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_", "RUNNER_"))}
    env.update(
        PYTHONPATH=str(REPO),
        SPECLINT_PYTHON=sys.executable,
        SPECLINT_ACTION_SKIP_INSTALL="1",
        GITHUB_ACTIONS="true",
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(outputs),
        GITHUB_EVENT_NAME=event_name,
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_REPOSITORY=BASE,
        GITHUB_ACTION_PATH=str(REPO),
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    env.update(_env or {})
    for name, default in EXPECTED_INPUTS.items():
        env[env_name(name)] = default
    for name, value in inputs.items():
        env[env_name(name.replace("_", "-"))] = value
    completed = subprocess.run(
        ["bash", str(SCRIPT), command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    pairs = [line.split("=", 1) for line in outputs.read_text(encoding="utf-8").splitlines() if "=" in line]
    return ActionRun(completed, workspace, summary.read_text(encoding="utf-8"), dict(pairs))


def validate_sarif(document: dict[str, Any]) -> None:
    need(importlib.util.find_spec("jsonschema") is not None, "jsonschema is not installed")
    need(SARIF_SCHEMA.is_file(), f"SARIF schema not found at {SARIF_SCHEMA} (set SPECLINT_SHARED)")
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = sorted(validator_class(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


# --- action.yml ---------------------------------------------------------------------------


def test_action_inputs_and_defaults() -> None:
    document = action()
    inputs = document["inputs"]
    assert {name: str(spec.get("default", "")) for name, spec in inputs.items()} == EXPECTED_INPUTS
    assert all(spec.get("description") for spec in inputs.values())
    assert document["runs"]["using"] == "composite"


PYTHON_PATH = "${{ steps.python.outputs.python-path }}"
PIP_CACHE = "${{ runner.temp }}/speclint-pip-cache"


def test_action_steps_run_the_script() -> None:
    document = action()
    steps = document["runs"]["steps"]
    assert re.fullmatch(r"actions/setup-python@[0-9a-f]{40}", steps[0]["uses"])  # pinned: tests/test_workflows.py
    assert steps[0]["id"] == "python"
    assert steps[0]["with"] == {"python-version": "${{ inputs.python-version }}", "update-environment": False}
    runs = [step for step in steps if "run" in step]
    assert [step["run"] for step in runs] == [
        f'bash "$GITHUB_ACTION_PATH/scripts/action_run.sh" {command}' for command in ("guard", "install", "run", "diff")
    ]
    script = SCRIPT.read_text(encoding="utf-8")
    consumed = {"python-version"}
    for step in runs:
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "inputs must reach the script through env, never spliced into shell"
        assert step["env"]["SPECLINT_BASE_PYTHON"] == PYTHON_PATH, "every step gets the action's own Python"
        for variable, value in step.get("env", {}).items():
            if variable in ("SPECLINT_BASE_PYTHON", "SPECLINT_PIP_CACHE"):
                assert variable in script
                continue
            match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", value)
            assert match, f"{variable}: {value}"
            assert variable == env_name(match.group(1))
            assert variable in script, f"the script never reads {variable}"
            consumed.add(match.group(1))
    assert consumed == set(document["inputs"]), "every input must reach a step"
    ids = {step.get("id") for step in steps}
    for output in document["outputs"].values():
        step_id = re.fullmatch(r"\$\{\{ steps\.([a-z]+)\.outputs\.[a-z-]+ \}\}", output["value"]).group(1)  # type: ignore[union-attr]
        assert step_id in ids
    assert os.access(SCRIPT, os.X_OK)
    assert script.startswith("#!/usr/bin/env bash") and "set -euo pipefail" in script
    assert '"$PY" -m speclint' not in script, "speclint runs in the action's virtualenv, never the base Python"


def test_execute_caches_the_tensorflow_wheel_where_pip_puts_it() -> None:
    """The cache step runs only when models are executed, and keeps the directory install gives pip."""
    steps = action()["runs"]["steps"]
    (cache,) = [step for step in steps if str(step.get("uses", "")).startswith("actions/cache@")]
    assert cache["if"] == "${{ steps.guard.outputs.execute == 'true' }}"
    assert cache["with"]["path"] == PIP_CACHE
    assert "${{ inputs.python-version }}" in cache["with"]["key"] and "${{ runner.os }}" in cache["with"]["key"]
    install = next(step for step in steps if step.get("run", "").endswith(" install"))
    assert install["env"]["SPECLINT_PIP_CACHE"] == PIP_CACHE
    names = [step.get("id") or step.get("name") for step in steps]
    assert names.index("guard") < steps.index(cache) < steps.index(install), "restored before pip runs"


# --- the script in a simulated job ----------------------------------------------------------


def test_pull_request_from_the_same_repository(tmp_path: Path) -> None:
    run = run_action(tmp_path)
    assert run.completed.returncode == 1, run.stdout + run.completed.stderr  # tf1-input-uint8 breaks SL112
    assert run.completed.stderr == ""
    errors = [line for line in run.annotations if line.startswith("::error ")]
    assert len(errors) == 1 and errors == run.annotations, "one uint8 placeholder, one annotation"
    (line,) = errors
    assert line.startswith("::error file=models/bad/saved_model.pb,title=SL112 images-input-dtype::"), line
    assert "DT_UINT8" in line and "also in: tag-set [] signature_def['image_feature_vector']" in line
    assert "(1 more)%0Afix: Take float32 images" in line
    rule_page = f"https://github.com/speclint/speclint/blob/v{__version__}/docs/rules/SL112.md"
    assert line.endswith(f"%0A{rule_page}")  # the rule page
    assert "speclint: found 1 finding (1 error) at 4 locations in 2 models." in run.stdout
    assert "--execute" not in run.command_line and "--sarif-output speclint.sarif" in run.command_line
    assert run.install_line.endswith(f"pip install {REPO}")

    sarif = run.sarif()
    validate_sarif(sarif)
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == "SL112" and len(result["locations"]) == 4
    for place in result["locations"]:
        assert place["physicalLocation"]["artifactLocation"]["uri"] == "models/bad/saved_model.pb"
        assert place["physicalLocation"]["region"] == {"startLine": 1}  # code scanning needs a region

    assert run.summary.count("### speclint ") == 1, "one run, one summary"
    assert "1 finding (1 error)" in run.summary
    lines = run.summary.splitlines()
    finding_row = next(i for i, line in enumerate(lines) if "[SL112](" in line)
    model_row = next(i for i, line in enumerate(lines) if "| 1 | 0 | 0 |" in line)
    assert finding_row < model_row, "findings first"
    assert "(+3 more)" in lines[finding_row]
    rule_page = f"https://github.com/speclint/speclint/blob/v{__version__}/docs/rules/SL112.md"
    assert f"[SL112]({rule_page})" in lines[finding_row]
    assert "models/bad | tf1-hub | tf1-image-feature-vector | 1 | 0 | 0 |" in run.summary
    assert "| 0 | 0 | 0 |" not in run.summary, "clean models are not rows"
    assert re.search(r"^Clean: 1 model \((\./)?models/good\)\.$", run.summary, re.M)
    assert run.outputs == {"execute": "false", "exit-code": "1", "sarif-file": "speclint.sarif"}


def test_fork_pull_request_is_never_executed(tmp_path: Path) -> None:
    run = run_action(tmp_path, head=FORK, execute="true", models=("good", "bad", "nan"))
    out = run.stdout
    assert run.completed.returncode == 1, out + run.completed.stderr
    assert f"::notice title=speclint::not executing models: this pull_request comes from the fork {FORK}" in out
    assert "--execute" not in run.command_line
    assert "[execute]" not in run.install_line, "TensorFlow must not even be installed"
    assert "SL706" not in out, "the NaN probe only fires when the model runs"
    assert any(line.startswith("::error file=models/bad/saved_model.pb,title=SL112") for line in run.annotations)
    assert "not executing models" in run.summary and "### speclint " in run.summary
    assert run.outputs["execute"] == "false"
    validate_sarif(run.sarif())


def test_fork_pull_request_target_is_not_executed_either(tmp_path: Path) -> None:
    run = run_action(
        tmp_path, command="run", event_name="pull_request_target", head=FORK, execute="true", models=("good",)
    )
    assert run.completed.returncode == 0, run.stdout + run.completed.stderr
    assert "--execute" not in run.command_line


@pytest.mark.parametrize(
    ("event_name", "event", "execute", "allow", "expected"),
    [
        ("push", {"ref": "refs/heads/main"}, "true", "false", "true"),
        ("workflow_dispatch", {}, "true", "false", "true"),
        ("pull_request", {"pull_request": {"head": {"repo": {"full_name": BASE}}}}, "true", "false", "true"),
        ("pull_request", {"pull_request": {"head": {"repo": {"full_name": BASE.upper()}}}}, "true", "false", "true"),
        ("pull_request", {"pull_request": {"head": {"repo": {"full_name": BASE}}}}, "false", "false", "false"),
        ("pull_request", {"pull_request": {"head": {"repo": {"full_name": FORK}}}}, "true", "false", "false"),
        ("pull_request", {"pull_request": {"head": {"repo": {"full_name": FORK}}}}, "TRUE", "true", "true"),
        ("pull_request", {"pull_request": {"head": {"repo": None}}}, "true", "false", "false"),  # a deleted fork
        ("pull_request_target", {"pull_request": {"head": {"repo": {"full_name": FORK}}}}, "true", "false", "false"),
        ("pull_request_review", {"pull_request": {"head": {"repo": {"full_name": FORK}}}}, "true", "false", "false"),
        ("workflow_run", {"workflow_run": {"head_repository": {"full_name": FORK}}}, "true", "false", "false"),
        ("workflow_run", {"workflow_run": {"head_repository": {"full_name": BASE}}}, "true", "false", "true"),
        ("issue_comment", {"issue": {"pull_request": {"url": "x"}}}, "true", "false", "false"),
        ("issue_comment", {"issue": {"number": 3}}, "true", "false", "true"),
    ],
)
def test_guard(tmp_path: Path, event_name: str, event: dict[str, Any], execute: str, allow: str, expected: str) -> None:
    run = run_action(
        tmp_path,
        command="guard",
        event_name=event_name,
        event=event,
        models=(),
        execute=execute,
        allow_fork_execute=allow,
    )
    assert run.completed.returncode == 0, run.completed.stderr
    assert run.outputs == {"execute": expected}
    refused = execute.lower() == "true" and expected == "false"
    assert ("::notice title=speclint::not executing models" in run.stdout) == refused


def test_guard_without_event_file(tmp_path: Path) -> None:
    """The runner always writes one; if it did not, a pull request counts as a fork."""
    need(shutil.which("bash") is not None, "bash is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    output = tmp_path / "out"
    env.update(
        SPECLINT_PYTHON=sys.executable,
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_REPOSITORY=BASE,
        GITHUB_EVENT_PATH=str(tmp_path / "none"),
        GITHUB_OUTPUT=str(output),
        INPUT_EXECUTE="true",
    )
    completed = subprocess.run(["bash", str(SCRIPT), "guard"], env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert output.read_text() == "execute=false\n"
    assert "cannot be determined" in completed.stdout


@pytest.mark.parametrize(
    ("version", "execute", "expected"),
    [
        ("", "false", str(REPO)),
        ("", "true", f"{REPO}[execute]"),
        ("0.2.0", "false", "speclint==0.2.0"),
        ("0.2.0", "true", "speclint[execute]==0.2.0"),
        ("speclint>=0.1,<1", "true", "speclint[execute]>=0.1,<1"),
        (
            "git+https://github.com/octo-org/speclint@v1",
            "true",
            "speclint[execute] @ git+https://github.com/octo-org/speclint@v1",
        ),
        ("./vendor/speclint", "false", "./vendor/speclint"),
    ],
)
def test_install_spec(tmp_path: Path, version: str, execute: str, expected: str) -> None:
    run = run_action(
        tmp_path, command="install", event_name="push", event={}, models=(), version=version, execute=execute
    )
    assert run.completed.returncode == 0, run.completed.stderr
    assert run.install_line.endswith(f"would run: pip install {expected}")


def test_inputs_reach_speclint(tmp_path: Path) -> None:
    """Two paths (newline-separated), text format, no SARIF, a rule pack, fail-level error."""
    pack = tmp_path / "workspace" / "lint" / "acme"
    pack.mkdir(parents=True)
    rule = json.loads((REPO / "schemas" / "rules" / "SL112-images-input-dtype.json").read_text(encoding="utf-8"))
    rule.update(code="ACME001", name="acme-input-dtype", severity="warning", examples={})
    rule.pop("$schema", None)
    (pack / "ACME001.json").write_text(json.dumps(rule), encoding="utf-8")
    run = run_action(
        tmp_path,
        command="run",
        paths="models/good\nmodels/bad",
        format="text",
        sarif_file="",
        rules="lint/acme",
        fail_level="error",
        profile="tf1-image-feature-vector",
    )
    out = run.stdout
    assert run.completed.returncode == 1, out + run.completed.stderr
    assert "--profile tf1-image-feature-vector --fail-level error --rules lint/acme" in run.command_line
    assert run.command_line.endswith("-- models/good models/bad")
    assert "::error" not in out and "SL112 error" in out and "ACME001 warning" in out
    assert "sarif-file" not in run.outputs and not (run.workspace / "speclint.sarif").exists()
    assert run.outputs["exit-code"] == "1"


def test_warnings_pass_at_fail_level_error(tmp_path: Path) -> None:
    run = run_action(tmp_path, command="run", paths="models/good", fail_level="error")
    assert run.completed.returncode == 0, run.stdout + run.completed.stderr
    assert run.outputs["exit-code"] == "0"
    assert "all checks passed" in run.summary


def test_same_repository_executes_when_asked(tmp_path: Path) -> None:
    need_tensorflow()
    run = run_action(tmp_path, execute="true", models=("nan",), paths="models")
    out = run.stdout
    assert run.completed.returncode == 1, out + run.completed.stderr
    assert "not executing" not in out
    assert "--execute" in run.command_line and run.install_line.endswith("[execute]")
    assert any(line.startswith("::error file=models/nan/saved_model.pb,title=SL706 ") for line in run.annotations), out
    assert run.outputs["execute"] == "true"
    sarif = run.sarif()
    validate_sarif(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"SL706"}


def test_a_notice_when_github_would_hide_annotations(tmp_path: Path) -> None:
    """GitHub shows 10 annotations of a level per step: with 12 errors the log says so."""
    for number in range(12):
        shutil.copytree(MODELS / FIXTURES["bad"], tmp_path / "workspace" / "models" / f"bad{number:02d}")
    run = run_action(tmp_path, command="run", models=())
    assert run.completed.returncode == 1, run.stdout + run.completed.stderr
    assert len([line for line in run.annotations if line.startswith("::error ")]) == 12
    notice = "::notice title=speclint::12 error findings, but GitHub shows only 10 annotations of each level per step"
    assert any(line.startswith(notice) for line in run.stdout.splitlines())
    assert "GitHub shows only 10 annotations" in run.summary
    assert run.summary.count("[SL112](") == 12, "the summary has every finding"


def test_a_stale_sarif_file_is_never_reported(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "speclint.sarif").write_text('{"stale": true}', encoding="utf-8")
    run = run_action(tmp_path, command="run", paths="models/missing", models=("good",))
    assert run.completed.returncode == 2
    assert "::error title=speclint::models/missing: no such file or directory" in run.stdout
    assert "sarif-file" not in run.outputs and not (workspace / "speclint.sarif").exists()
    fresh = run_action(tmp_path, command="run", paths="models/good", models=("good",))
    assert fresh.outputs["sarif-file"] == "speclint.sarif" and "stale" not in fresh.sarif()


def test_speclint_runs_in_its_own_virtualenv_under_runner_temp(tmp_path: Path) -> None:
    """The install step targets $RUNNER_TEMP/speclint-venv, and the run step uses that venv."""
    runner_temp = tmp_path / "runner-temp"
    install = run_action(
        tmp_path, command="install", event_name="push", event={}, models=(), _env={"RUNNER_TEMP": str(runner_temp)}
    )
    assert f"in the virtualenv {runner_temp}/speclint-venv would run: pip install" in install.install_line
    venv_python = runner_temp / "speclint-venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n', encoding="utf-8")  # stands for the real venv
    venv_python.chmod(0o755)
    run = run_action(
        tmp_path,
        command="run",
        paths="models/good",
        models=("good",),
        _env={"RUNNER_TEMP": str(runner_temp), "SPECLINT_PYTHON": ""},
    )
    assert run.completed.returncode == 0, run.stdout + run.completed.stderr
    assert f"speclint: with {venv_python}" in run.stdout
