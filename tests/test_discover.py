"""speclint/discover.py: paths, trees and files inside models become a sorted, de-duplicated list of
model directories; a path without a model is one clear line; on existing trees: default excludes,
.gitignore, exclude and extend-exclude.

Each test copies a real golden model into a tree laid out like a repository and runs the real
command line or ``discover``; the assertions name the models found, in order.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from speclint.discover import SUPPRESSIONS_FILE, Exclusion, discover
from tests.conftest import MODELS, REPO, assert_one_line_error, run_speclint

MODEL = MODELS / "tf1-hub-feature-vector"
GOOD = MODEL


def _tree(root: Path, *places: str) -> Path:
    for place in places:
        shutil.copytree(MODEL, root / place)
    return root


def _found(root: Path, exclusion: Exclusion | None = None) -> list[str]:
    return [str(Path(p).relative_to(root)) for p in discover([str(root)], exclusion).models]


def _speclint(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "speclint", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def _listed(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``speclint check -v``: every model checked is named, clean ones included (quiet by default)."""
    return _speclint("check", "--verbose", *args, cwd=cwd)


def _models_in(text: str) -> list[str]:
    return [line.split(" [")[0] for line in text.splitlines() if line and not line.startswith(" ") and " [" in line]


def test_default_excludes(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        "models/a",
        ".git/lfs/objects/m",
        ".venv/lib/python3.11/site-packages/pkg/m",
        "venv/m",
        "lib/site-packages/pkg/m",
        "web/node_modules/x/m",
        "models/__pycache__/m",
    )
    assert _found(tmp_path) == ["models/a"]
    assert _found(tmp_path, Exclusion(exclude=[])) == [
        ".git/lfs/objects/m",
        ".venv/lib/python3.11/site-packages/pkg/m",
        "lib/site-packages/pkg/m",
        "models/__pycache__/m",
        "models/a",
        "venv/m",
        "web/node_modules/x/m",
    ]


def test_a_path_named_on_the_command_line_is_always_checked(tmp_path: Path) -> None:
    _tree(tmp_path, "venv/m")
    assert discover([str(tmp_path / "venv" / "m")]).models == [str(tmp_path / "venv" / "m")]
    assert discover([str(tmp_path / "venv")]).models == [str(tmp_path / "venv" / "m")]  # a walk's top too


def test_gitignore_is_honoured(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("downloads/\n/build\n*-tmp\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / ".gitignore").write_text("old/*\n!old/keep\n")
    _tree(
        tmp_path, "downloads/m", "build/m", "src/build/m", "models/x-tmp", "models/a", "models/old/b", "models/old/keep"
    )
    assert _found(tmp_path) == ["models/a", "models/old/keep", "src/build/m"]
    assert _found(tmp_path, Exclusion(respect_gitignore=False)) == [
        "build/m",
        "downloads/m",
        "models/a",
        "models/old/b",
        "models/old/keep",
        "models/x-tmp",
        "src/build/m",
    ]
    # Walking from inside the repository still reads the .gitignore at its top.
    assert [Path(p).name for p in discover([str(tmp_path / "models")]).models] == ["a", "keep"]


def test_exclude_and_extend_exclude_on_the_command_line(tmp_path: Path) -> None:
    _tree(tmp_path, "models/a", "models/legacy/b", "scratch/c", "venv/d")
    run = _listed("--extend-exclude", "scratch,models/legacy", ".", cwd=tmp_path)
    assert _models_in(run.stdout) == ["models/a"], run.stderr
    run = _listed("--exclude", "scratch", ".", cwd=tmp_path)  # replaces the defaults: venv/ comes back
    assert _models_in(run.stdout) == ["models/a", "models/legacy/b", "venv/d"], run.stderr


def test_exclude_in_config_is_relative_to_the_config_file(tmp_path: Path) -> None:
    _tree(tmp_path, "models/a", "models/legacy/b", "scratch/c")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.speclint]\nextend-exclude = ["models/legacy", "scratch"]\n', encoding="utf-8"
    )
    run = _listed(".", cwd=tmp_path)
    assert _models_in(run.stdout) == ["models/a"], run.stderr
    run = _speclint("check", "--extend-exclude", "a", "models", cwd=tmp_path)  # the config's patterns still apply
    assert run.returncode == 2
    assert (
        "models: no SavedModel found" in run.stderr and "2 directories skipped by exclude or .gitignore" in run.stderr
    )


def test_bad_exclude_config_is_one_line(tmp_path: Path) -> None:
    _tree(tmp_path, "m")
    (tmp_path / "pyproject.toml").write_text('[tool.speclint]\nexclude = "venv"\n', encoding="utf-8")
    run = _speclint("check", ".", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().endswith("exclude must be a list of strings")
    assert run.stderr.count("\n") == 1


def test_gitignore_costs_nothing_without_a_gitignore(tmp_path: Path) -> None:
    """pathspec is imported only when a .gitignore exists (start-up matters to the hook)."""
    _tree(tmp_path, "models/a")
    code = (
        "import sys; from speclint.discover import discover; "
        f"discover([{str(tmp_path)!r}]); print('pathspec' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "False"
    (tmp_path / ".gitignore").write_text("nothing\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "True"


@pytest.mark.parametrize("depth", [1500])
def test_a_deep_tree_with_gitignore_is_walked_in_linear_time(tmp_path: Path, depth: int) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("ignored/\n")
    path = tmp_path
    for _ in range(depth):
        path = path / "d"
        path.mkdir()
    shutil.copytree(MODEL, path / "m")
    import time

    start = time.monotonic()
    found = discover([str(tmp_path)]).models
    assert found == [str(path / "m")]
    assert time.monotonic() - start < 30  # generous; about 0.1 s alone
    from tests.hostile.make_corpus import remove_tree

    remove_tree(tmp_path / "d")


def test_directory_without_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_speclint("show", str(tmp_path / "empty"))
    assert result.returncode == 2
    assert_one_line_error(result, "no SavedModel found", "empty")


def test_missing_path_and_non_model_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = run_speclint("show", str(tmp_path / "nope"), str(tmp_path / "notes.txt"))
    assert result.returncode == 2
    assert_one_line_error(result, "no such file or directory", "nope")
    assert_one_line_error(result, "not a SavedModel file", "notes.txt")


def test_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(GOOD, tree / "a" / "model")
    os.symlink(tree, tree / "a" / "loop")
    os.symlink(tree / "a", tree / "a" / "model2")
    result = run_speclint("show", "--format", "json", str(tree))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"facts_version"') == 1


def test_file_inside_model_maps_to_its_directory_once() -> None:
    result = run_speclint(
        "show", "--format", "json", str(GOOD / "saved_model.pb"), str(GOOD / "tfhub_module.pb"), str(GOOD)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"facts_version"') == 1


def test_a_model_s_suppressions_file_names_its_model(tmp_path: Path) -> None:
    """pre-commit passes an edited ``speclint-ignore.toml``: its model is checked; elsewhere it is no model."""
    model = tmp_path / "m"
    model.mkdir()
    (model / "saved_model.pb").write_bytes(b"")
    (model / SUPPRESSIONS_FILE).write_text("")
    assert discover([str(model / SUPPRESSIONS_FILE)]).models == [str(model)]
    (tmp_path / SUPPRESSIONS_FILE).write_text("")
    found = discover([str(tmp_path / SUPPRESSIONS_FILE)])
    assert found.models == [] and "not a SavedModel file" in found.errors[0]
