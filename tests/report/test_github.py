"""GitHub Actions annotations: escaping, levels, file paths, summary line, job summary."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speclint.report import ReportContext, github
from speclint.rules.rule import Finding
from speclint.rules.ruleset import ModelResult
from tests.conftest import run_speclint
from tests.report.conftest import fixture_paths

URL = "https://www.tensorflow.org/hub/common_signatures/images#input"


def finding(path: str, severity: str = "error", message: str = "plain", code: str = "SL112") -> Finding:
    return Finding(
        path, code, "tag-set [] signature_def['default']", "images-input-dtype", severity, message, "/x", URL
    )


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    monkeypatch.chdir(tmp_path / "..")  # the workspace, not the cwd, is the base
    return tmp_path


def model(workspace: Path, name: str, file: str | None = "saved_model.pb") -> str:
    directory = workspace / name
    directory.mkdir(parents=True)
    if file:
        (directory / file).write_bytes(b"")
    return str(directory)


def test_data_and_properties_are_escaped(workspace: Path, context: ReportContext) -> None:
    path = model(workspace, "odd:name,with/commas")
    message = "line one\nline two\r 100% sure: a, b"
    out = github.render([ModelResult(path, "tf1", None, "r", [finding(path, message=message)])], context)
    first = out.splitlines()[0]
    assert first == (
        "::error file=odd%3Aname%2Cwith/commas/saved_model.pb,title=SL112 images-input-dtype::"
        "line one\\nline two\\r 100%25 sure: a, b%0Aat tag-set [] signature_def['default']%0A" + URL.replace("%", "%25")
    )
    assert len(out.splitlines()) == 2  # a newline in a message never starts a new command


def test_escape_functions_follow_the_runner() -> None:
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    assert github.escape_data("%0A") == "%250A"  # escaping is not applied twice


@pytest.mark.parametrize("severity,command", [("error", "::error "), ("warning", "::warning "), ("info", "::notice ")])
def test_levels(severity: str, command: str, workspace: Path, context: ReportContext) -> None:
    path = model(workspace, "m")
    out = github.render([ModelResult(path, "tf1", None, "r", [finding(path, severity)])], context)
    assert out.startswith(command + "file=m/saved_model.pb,")


def test_file_is_the_saved_model_file_or_the_directory(workspace: Path) -> None:
    assert github.model_file(model(workspace, "pb")) == "pb/saved_model.pb"
    assert github.model_file(model(workspace, "txt", "saved_model.pbtxt")) == "txt/saved_model.pbtxt"
    assert github.model_file(model(workspace, "hub-only", "tfhub_module.pb")) == "hub-only"
    both = model(workspace, "both")
    (Path(both) / "saved_model.pbtxt").write_bytes(b"")
    assert github.model_file(both) == "both/saved_model.pb"  # TensorFlow's loader prefers .pb
    outside = workspace.parent / f"{workspace.name}-elsewhere"
    outside.mkdir()
    assert github.model_file(str(outside)) == outside.as_posix()


def test_without_github_workspace_paths_are_relative_to_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / "models" / "a").mkdir(parents=True)
    (tmp_path / "models" / "a" / "saved_model.pb").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    assert github.model_file("models/a") == "models/a/saved_model.pb"
    assert github.model_file(os.path.join(str(tmp_path), "models", "a")) == "models/a/saved_model.pb"


def test_summary_line(workspace: Path, context: ReportContext) -> None:
    path = model(workspace, "m")
    clean = ModelResult(path, "tf2", "tf2-image-feature-vector", "r", [])
    assert github.render([clean], context) == "speclint: all checks passed (1 model).\n"
    dirty = ModelResult(path, "tf1", None, "r", [finding(path), finding(path, "warning", code="SL119")])
    last = github.render([dirty, clean], context).splitlines()[-1]
    assert last == "speclint: found 2 findings (1 error, 1 warning) in 2 models."


def test_step_summary_is_a_markdown_table(workspace: Path, context: ReportContext) -> None:
    path = model(workspace, "m")
    message = "a | b\nc <script> `x`"
    result = ModelResult(path, "tf1-hub", "tf1-image-feature-vector", "r", [finding(path, message=message)])
    text = github.step_summary([result], context)
    lines = text.splitlines()
    assert lines[0].startswith("### speclint ")
    assert "| Model | Format | Profile | Errors | Warnings | Info |" in lines
    row = next(line for line in lines if "tf1-hub" in line)
    assert row.endswith("| 1 | 0 | 0 |")
    finding_row = next(line for line in lines if "[SL112](" in line)
    assert "a \\| b<br>c \\<script\\> \\`x\\`" in finding_row
    assert URL in finding_row
    assert finding_row.count(" | ") == 5  # escaped pipes do not add cells


def test_step_summary_when_clean(workspace: Path, context: ReportContext) -> None:
    path = model(workspace, "m")
    text = github.step_summary([ModelResult(path, "tf2", "tf2-image-feature-vector", "r", [])], context)
    assert "all checks passed" in text.splitlines()[0]
    assert "| Rule |" not in text


def test_real_run() -> None:
    paths = fixture_paths()
    completed = run_speclint("check", "--format", "github", *paths)
    assert completed.returncode == 1, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[-1].startswith("speclint: found ")
    annotations = lines[:-1]
    assert annotations and all(line.startswith(("::error ", "::warning ", "::notice ")) for line in annotations)
    assert any(
        line.startswith("::error file=golden/models/tf1-input-uint8/saved_model.pb,title=SL112 images-input-dtype::")
        for line in annotations
    )
    assert any(line.startswith("::warning file=golden/models/tf1-softmax-output/") for line in annotations)
    again = run_speclint("check", "--format", "github", *paths)
    assert again.stdout == completed.stdout
