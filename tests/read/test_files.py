"""speclint/read/files.py: what files a model holds, by name, without following links or reading meanings."""

from __future__ import annotations

import os
from pathlib import Path

from speclint.read.files import entry_size, inventory, list_files, unusable_files
from speclint.read.tree import DirectoryTree
from tests.conftest import MODELS, need


def test_entry_size_is_for_entries_that_are_not_directories(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"12345")
    (tmp_path / "d").mkdir()
    os.symlink(tmp_path / "nowhere", tmp_path / "dangling")
    os.symlink(tmp_path / "d", tmp_path / "to-dir")
    os.mkfifo(tmp_path / "fifo")
    assert entry_size(str(tmp_path / "f")) == 5
    assert entry_size(str(tmp_path / "d")) is None and entry_size(str(tmp_path / "to-dir")) is None
    assert entry_size(str(tmp_path / "missing")) is None
    assert entry_size(str(tmp_path / "dangling")) == len(str(tmp_path / "nowhere"))  # present: a broken model file
    assert entry_size(str(tmp_path / "fifo")) == 0


def test_list_files_is_sorted_capped_and_never_enters_a_linked_directory(tmp_path: Path) -> None:
    (tmp_path / "b" / "c").mkdir(parents=True)
    for name in ("z", "a", "b/x", "b/c/y"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    os.symlink(tmp_path / "b", tmp_path / "link")
    assert list_files(str(tmp_path)) == ["a", "b/c/y", "b/x", "link", "z"]
    assert list_files(str(tmp_path), limit=2) == ["a", "link"]  # the cap is kept while walking
    assert list_files(str(tmp_path / "missing")) == []


def test_the_inventory_of_a_real_tf2_model() -> None:
    model = MODELS / "tf2-feature-vector"
    need(model.is_dir(), "golden fixture tf2-feature-vector missing (run golden/make_fixtures.py)")
    found = inventory(DirectoryTree(str(model)))
    assert found["saved_model"] == {
        "name": "saved_model.pb",
        "size": (model / "saved_model.pb").stat().st_size,
        "encoding": "binary",
    }
    assert found["variables"] == {"directory": True, "index": True, "data_shards": 1}
    assert found["both_pb_and_pbtxt"] is False and found["tfhub_module"] is None


def test_files_a_saved_model_cannot_use_are_named_with_why(tmp_path: Path) -> None:
    for name in ("saved_model.pb", "README.md", "speclint-ignore.toml", ".gitattributes", "model.h5", "assets/ok.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "assets" / "~bad").write_bytes(b"")
    found = unusable_files(DirectoryTree(str(tmp_path)), documentation=lambda name: name == "README.md")
    assert [(f["path"], f["reason"].split(" (")[0]) for f in found] == [
        ("assets/~bad", "its name is not a valid file path"),
        ("model.h5", "a SavedModel cannot use it"),
    ]
    assert len(unusable_files(DirectoryTree(str(tmp_path)), lambda name: False, limit=1)) == 1
