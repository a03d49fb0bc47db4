"""speclint/read/loading.py: a model file that cannot be read is one clear line naming the file
and the problem (exit 2 when nothing could be read), never a traceback."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import MODELS, assert_one_line_error, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"


def _model_with(tmp_path: Path, name: str, content: bytes) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / name).write_bytes(content)
    return model


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("saved_model.pb", b"", "file is empty"),
        ("saved_model.pb", (GOOD / "saved_model.pb").read_bytes()[:700], "not a valid SavedModel protocol buffer"),
        ("saved_model.pb", bytes(range(256)) * 8, "SavedModel"),
        ("saved_model.pb", b"version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n", "Git LFS pointer"),
        ("saved_model.pb", b"These are the weights, ask Bob for the real file.\n", "text file"),
        ("saved_model.pbtxt", b"node {\n  name: 'x'\n  op: 'Const'\n}\n", "GraphDef"),
        ("saved_model.pbtxt", b"item {\n  id: 1\n  name: 'cat'\n}\n", "label map"),
        ("saved_model.pbtxt", b"meta_graphs { this is not text format", "not a text-format SavedModel"),
        ("saved_model.pbtxt", b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
    ids=["empty", "truncated", "random", "lfs", "note", "graphdef", "labelmap", "garbage", "binary-pbtxt"],
)
def test_unreadable_model_file(tmp_path: Path, name: str, content: bytes, needle: str) -> None:
    model = _model_with(tmp_path, name, content)
    for command in (["show"], ["check"]):
        result = run_speclint(*command, str(model))
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        if command == ["show"]:
            assert_one_line_error(result, needle, name)
        else:
            assert "SL001" in result.stdout and needle in result.stdout


def test_permission_denied(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(GOOD, model)
    target = model / "saved_model.pb"
    os.chmod(target, 0)
    for path in [tmp_path, *tmp_path.parents]:
        os.chmod(path, os.stat(path).st_mode | 0o005) if os.geteuid() == 0 and path.is_relative_to("/tmp") else None
    # Root reads anything, so as root the run drops to nobody once speclint is imported.
    code = (
        "import os, sys, json, shutil, argparse, gettext, locale\n"
        "import hashlib, signal, speclint.cli, speclint.discover, speclint.read, speclint.read.guard, speclint.show\n"
        "if os.geteuid() == 0: os.setgid(65534); os.setuid(65534)\n"
        "sys.exit(speclint.cli.main(['show', sys.argv[1]]))\n"
    )
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", code, str(model)], capture_output=True, text=True, cwd=MODELS.parents[1]
    )
    os.chmod(target, stat.S_IRUSR | stat.S_IWUSR)
    assert result.returncode == 2, result.stderr
    assert_one_line_error(result, "permission denied", "saved_model.pb")


def test_size_cap_refuses_before_reading(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(GOOD, model)
    result = run_speclint("show", "--max-file-size", "100", str(model))
    assert result.returncode == 2
    assert_one_line_error(result, "above the size cap of 100 bytes", "saved_model.pb")
