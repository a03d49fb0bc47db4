"""speclint/discover.py: paths, trees and files inside models become a sorted, de-duplicated
list of model directories; a path that holds no model is one clear line."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.conftest import MODELS, assert_one_line_error, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"


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
