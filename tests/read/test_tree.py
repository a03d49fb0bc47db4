"""speclint/read/tree.py: a model's files by relative path, read only inside the model, whatever its kind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speclint.read.tree import DirectoryTree, is_archive, open_tree, read_bytes
from speclint.safe_io import ReadError
from tests.conftest import MODELS, need


@pytest.fixture
def model(tmp_path: Path) -> Path:
    root = tmp_path / "model"
    (root / "variables").mkdir(parents=True)
    (root / "saved_model.pb").write_bytes(b"pb")
    (root / "variables" / "variables.index").write_bytes(b"index")
    (root / ".hidden").write_bytes(b"")
    (tmp_path / "secret").write_bytes(b"token")
    os.symlink(tmp_path / "secret", root / "leak")
    return root


def test_a_directory_answers_by_relative_path(model: Path) -> None:
    tree = DirectoryTree(str(model))
    assert tree.size("saved_model.pb") == 2 and tree.size("variables") is None and tree.size("missing") is None
    assert tree.is_dir("variables") and not tree.is_dir("saved_model.pb")
    assert tree.listing("variables") == ["variables.index"]
    assert tree.all_files() == [".hidden", "leak", "saved_model.pb", "variables/variables.index"]
    assert tree.top_files() == [".hidden", "leak", "saved_model.pb"]
    assert tree.read("variables/variables.index") == b"index"


def test_a_link_out_of_the_model_is_refused_unread(model: Path) -> None:
    with pytest.raises(ReadError, match="symbolic link to a file outside the model directory"):
        DirectoryTree(str(model)).read("leak")
    with pytest.raises(ReadError, match="outside the model"):
        read_bytes(str(model / "leak"))
    assert read_bytes(str(model / "saved_model.pb")) == b"pb"


def test_a_file_above_the_cap_is_refused(model: Path) -> None:
    with pytest.raises(ReadError):
        DirectoryTree(str(model)).read("variables/variables.index", max_bytes=2)


def test_open_tree_takes_a_directory_or_a_published_archive(model: Path, tmp_path: Path) -> None:
    assert isinstance(open_tree(str(model)), DirectoryTree)
    archive = MODELS / "archive-tf2-feature-vector.tar.gz"
    need(archive.is_file(), "golden fixture archive-tf2-feature-vector.tar.gz missing")
    assert is_archive(str(archive)) and not is_archive(str(model))
    tree = open_tree(str(archive))
    assert not isinstance(tree, DirectoryTree) and tree.size("saved_model.pb")
    (tmp_path / "folder.tar.gz").mkdir()
    assert not is_archive(str(tmp_path / "folder.tar.gz"))  # a directory named like an archive is a directory
