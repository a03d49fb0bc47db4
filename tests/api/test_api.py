"""The Python API is what the command line does: same report bytes, same exit code, cheap import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import speclint
from speclint.errors import SpeclintError
from speclint.read import read_model
from tests.conftest import MODELS, REPO, run_speclint

SOME = ["tf2-feature-vector", "tf1-input-uint8", "tf2-nchw", "broken-truncated", "text-model"]


def test_lint_to_json_is_the_json_report_of_the_command_line() -> None:
    paths = [str(MODELS / name) for name in SOME]
    report = speclint.lint(paths)
    cli = run_speclint("--format", "json", *paths)
    assert report.to_json() == cli.stdout
    assert report.exit_code() == cli.returncode == 1
    assert report.to_dict() == json.loads(cli.stdout)
    assert report.render("text") == run_speclint(*paths).stdout


def test_keyword_arguments_are_the_command_line_options() -> None:
    paths = [str(MODELS / name) for name in SOME]
    report = speclint.lint(
        paths, profile="tf1-image-feature-vector", select=["SL1"], ignore=["SL112"], fail_level="error"
    )
    cli = run_speclint(
        "--format", "json", "--profile", "tf1-image-feature-vector", "--select", "SL1", "--ignore", "SL112",
        "--fail-level", "error", *paths,
    )  # fmt: skip
    assert report.to_json() == cli.stdout and report.exit_code() == cli.returncode
    codes = {f.code for r in report.results for f in r.findings}
    assert codes and all(c.startswith("SL1") and c != "SL112" for c in codes)


def test_a_clean_model_exits_zero_and_unreadable_input_exits_two(tmp_path: Path) -> None:
    assert speclint.lint(MODELS / "tf2-feature-vector").exit_code() == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"\x0a\xff\xff")
    report = speclint.lint([broken])
    assert report.exit_code() == run_speclint(str(broken)).returncode == 2


def test_iter_lint_yields_each_model_before_reading_the_next() -> None:
    paths = [str(MODELS / name) for name in SOME]
    stream = speclint.iter_lint(paths)
    first = next(stream)
    assert first.path == str(MODELS / "broken-truncated")  # discovery order is sorted
    rest = list(stream)
    assert [r.path for r in [first, *rest]] == sorted(paths)
    assert [r.findings for r in [first, *rest]] == [r.findings for r in speclint.lint(paths).results]


def test_read_takes_a_model_directory_or_a_file_inside_it() -> None:
    model = MODELS / "tf1-hub-feature-vector"
    assert speclint.read(model) == speclint.read(model / "tfhub_module.pb") == read_model(str(model))
    with pytest.raises(SpeclintError, match=r"holds .* models; read\(\) takes one"):
        speclint.read(MODELS)
    with pytest.raises(SpeclintError, match="no such file or directory"):
        speclint.read(MODELS / "nope")


def test_bad_settings_raise_one_line_errors() -> None:
    with pytest.raises(SpeclintError, match="profile"):
        speclint.lint(MODELS / "tf2-feature-vector", profile="nope")
    with pytest.raises(SpeclintError, match="unknown report format"):
        speclint.lint(MODELS / "tf2-feature-vector").render("pdf")
    with pytest.raises(SpeclintError, match="unknown executor"):
        speclint.lint(MODELS / "tf2-feature-vector", execute=True, executor="spark")


def test_an_unknown_code_is_an_error_and_the_walk_skips_what_check_skips(tmp_path: Path) -> None:
    """The API checks its settings and walks trees exactly as the command line does."""
    with pytest.raises(SpeclintError, match="did you mean"):
        speclint.lint(MODELS / "tf2-feature-vector", select=["SL1122"])
    with pytest.raises(SpeclintError, match="did you mean"):
        speclint.lint(MODELS / "tf2-feature-vector", ignore=["SL60O"])
    import shutil

    shutil.copytree(MODELS / "tf2-feature-vector", tmp_path / "tree" / "model")
    shutil.copytree(MODELS / "tf2-feature-vector", tmp_path / "tree" / ".venv" / "model")
    report = speclint.lint(tmp_path / "tree", config=False)
    assert [Path(result.path).name for result in report.results] == ["model"]
    assert ".venv" not in report.results[0].path


def test_importing_speclint_imports_nothing_else() -> None:
    code = "import sys, speclint; print(sorted(m for m in sys.modules if m.startswith('speclint')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert json.loads(done.stdout.replace("'", '"')) == ["speclint", "speclint.version"]


def test_the_static_command_never_imports_the_api_the_executors_or_ray() -> None:
    """The pre-commit path: ``python -X importtime -m speclint MODEL`` lists every module it imports."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "speclint", str(MODELS / "tf2-feature-vector")],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "speclint.check" in imported  # the listing is real
    unwanted = {
        "speclint.api",
        "speclint.execute",
        "speclint.execute.executors",
        "ray",
        "tensorflow",
        "speclint.report.html",
    }
    assert not imported & unwanted
