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


def test_codes_take_a_string_or_a_list_and_errors_speak_the_api() -> None:
    model = MODELS / "tf1-input-uint8"
    as_string = speclint.lint(model, select="SL1,SL6", ignore="SL125", config=False)
    as_list = speclint.lint(model, select=["SL1", "SL6"], ignore=("SL125",), config=False)
    assert as_string.to_json() == as_list.to_json()
    assert [f.code for r in speclint.lint(model, select="SL112").results for f in r.findings] == ["SL112"]
    with pytest.raises(SpeclintError, match=r"^select: unknown rule code or prefix 'SL1122'; did you mean"):
        speclint.lint(model, select="SL1122")
    with pytest.raises(SpeclintError, match=r"^jobs must be a positive integer, not 0$"):
        speclint.lint(model, jobs=0)
    with pytest.raises(SpeclintError, match=r"^read_timeout must be a positive number of seconds"):
        speclint.lint(model, read_timeout=-5)
    with pytest.warns(RuntimeWarning, match=r"^jobs 4096 is more than the \d+ CPUs this process may use"):
        speclint.lint(model, jobs=4096, config=False)


def test_wrong_types_raise_type_error_and_no_path_raises() -> None:
    model = MODELS / "tf1-input-uint8"
    with pytest.raises(TypeError, match="select must be a string or a list of strings, not int"):
        speclint.lint(model, select=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="paths must be a path or a list of paths, not int"):
        speclint.lint(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="jobs must be an integer, not str"):
        speclint.lint(model, jobs="2")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'selct'"):
        speclint.iter_lint(model, selct="SL1")
    with pytest.raises(SpeclintError, match="no path given"):
        speclint.lint([])
    assert speclint.SpeclintError is SpeclintError


def test_help_shows_the_api_and_the_package_is_typed() -> None:
    import pydoc

    text = pydoc.render_doc(speclint, renderer=pydoc.plaintext)
    for name in ("lint(paths", "iter_lint(paths", "class Report", "read (package)", "speclint.read(", "SpeclintError"):
        assert name in text, name
    assert (REPO / "speclint" / "py.typed").is_file()
    import tomllib

    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "py.typed" in package_data["speclint"]


def test_read_stays_callable_and_the_reader_an_ordinary_package() -> None:
    """``speclint.read(path)`` is the API; ``speclint.read`` the package, whatever was imported first."""
    code = (
        "import speclint.read.guard as guard, speclint, sys\n"
        "from speclint.read import read_model\n"
        f"facts = speclint.read({str(MODELS / 'tf1-hub-feature-vector')!r})\n"
        "assert facts == read_model(facts['path']) and guard.read_model is read_model\n"
        "assert speclint.read.__name__ == 'speclint.read' and 'speclint.api' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr


def test_an_unreadable_model_among_others_is_exit_1_as_on_the_command_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "saved_model.pb").write_bytes(b"\x0a\xff\xff")
    paths = [broken, MODELS / "tf2-feature-vector"]
    report = speclint.lint(paths, ignore="SL001", config=False)
    assert report.unread and report.unread[0][0] == str(broken)
    assert report.exit_code() == run_speclint(*map(str, paths), "--ignore", "SL001").returncode == 1
    assert "could not be read" in report.render("text") and report.to_dict()["summary"]["unreadable"] == 1
