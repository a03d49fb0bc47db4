"""The Action's diff step (``action_run.sh diff``) in a simulated pull-request job.

The workspace is a real git repository with the pull request's base commit and a head commit
that changes a model; the step runs ``speclint diff --base <base sha>`` and appends its
section to the job summary.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.action.test_action import run_action
from tests.conftest import need
from tests.diff.test_sources import commit, copy, git


def workspace_repo(tmp_path: Path) -> str:
    """tmp_path/workspace as a checkout: base commit (old model), head commit (new width). Returns the base sha."""
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path / "workspace"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    copy("output-width-changed", "old", root / "models" / "net")
    commit(root, "base")
    base = git(root, "rev-parse", "HEAD").strip()
    copy("output-width-changed", "new", root / "models" / "net")
    commit(root, "head")
    return base


def test_pull_request_diff_annotates_and_summarises(tmp_path: Path) -> None:
    base = workspace_repo(tmp_path)
    run = run_action(tmp_path, command="diff", models=(), diff_base=base, paths="models")
    assert run.completed.returncode == 1, run.completed.stderr
    assert run.command_line == f"speclint: running: speclint diff --base {base} --format github -- models"
    (annotation,) = [line for line in run.annotations if "SC134" in line]  # one change, one annotation
    assert annotation.startswith(
        "::error file=models/net/saved_model.pb,title=SC134 output-width-changed::output width 8 -> 5 in `__call__`"
        "%0Aalso in: signature_def['serving_default'] in tag-set [serve]%0A"
    )
    assert annotation.endswith("/docs/changes/SC134.md")
    assert run.outputs["diff-exit-code"] == "1"
    assert run.summary.startswith("### speclint diff ")
    assert "1 change (1 breaking) at 2 locations in 1 model" in run.summary
    assert f"| models/net | {base}:models/net | models/net | compared | 1 | 0 | 0 |" in run.summary
    assert "| models/net | [SC134](" in run.summary
    assert git(run.workspace, "status", "--porcelain") == ""


def test_compatible_pull_request_passes(tmp_path: Path) -> None:
    base = workspace_repo(tmp_path)
    copy("output-width-changed", "old", tmp_path / "workspace" / "models" / "net")
    commit(tmp_path / "workspace", "revert")
    run = run_action(tmp_path, command="diff", models=(), diff_base=base, paths="models")
    assert run.completed.returncode == 0, run.completed.stderr
    assert run.outputs["diff-exit-code"] == "0"
    assert "no changes for consumers (1 model)" in run.summary


def test_no_base_skips_the_diff(tmp_path: Path) -> None:
    run = run_action(tmp_path, command="diff", event_name="push", event={}, models=("good",), diff_base="")
    assert run.completed.returncode == 0
    assert "skipping speclint diff" in run.stdout
    assert run.summary == "" and "diff-exit-code" not in run.outputs
