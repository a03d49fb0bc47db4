"""Bad input: a one-line error naming the file and the problem, exit 2 when nothing could be read,
never a traceback, and nothing written into the model directory."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

import pytest

from tests.conftest import CORPUS, MODELS, run_speclint

GOOD = MODELS / "tf1-hub-feature-vector"


def _model_with(tmp_path: Path, name: str, content: bytes) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / name).write_bytes(content)
    return model


def _assert_one_line_error(result, needle: str, file_name: str) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "expected an error line"
    assert all(line.startswith("speclint: error: ") for line in lines), lines
    assert any(file_name in line and needle in line for line in lines), lines


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
        for p in sorted(root.rglob("*"))
    }


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
            _assert_one_line_error(result, needle, name)
        else:
            assert "SL001" in result.stdout and needle in result.stdout


def test_directory_without_model(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_speclint("show", str(tmp_path / "empty"))
    assert result.returncode == 2
    _assert_one_line_error(result, "no SavedModel found", "empty")


def test_missing_path_and_non_model_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = run_speclint("show", str(tmp_path / "nope"), str(tmp_path / "notes.txt"))
    assert result.returncode == 2
    _assert_one_line_error(result, "no such file or directory", "nope")
    _assert_one_line_error(result, "not a SavedModel file", "notes.txt")


def test_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(GOOD, tree / "a" / "model")
    os.symlink(tree, tree / "a" / "loop")
    os.symlink(tree / "a", tree / "a" / "model2")
    result = run_speclint("show", "--format", "json", str(tree))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"facts_version"') == 1


def test_non_utf8_directory_name(tmp_path: Path) -> None:
    odd = os.path.join(os.fsencode(tmp_path), b"mod\xffel")
    shutil.copytree(GOOD, os.fsdecode(odd))
    result = run_speclint("show", os.fsdecode(odd))
    assert result.returncode == 0, result.stderr
    assert "mod\\xffel" in result.stdout
    broken = os.path.join(os.fsencode(tmp_path), b"bro\xfeken")
    os.mkdir(broken)
    with open(os.path.join(broken, b"saved_model.pb"), "wb") as handle:
        handle.write(b"")
    result = run_speclint("show", os.fsdecode(broken))
    assert result.returncode == 2
    _assert_one_line_error(result, "file is empty", "bro\\xfeken")


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
        "import speclint.cli, speclint.discover, speclint.read, speclint.show\n"
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
    _assert_one_line_error(result, "permission denied", "saved_model.pb")


def test_file_inside_model_maps_to_its_directory_once() -> None:
    result = run_speclint(
        "show", "--format", "json", str(GOOD / "saved_model.pb"), str(GOOD / "tfhub_module.pb"), str(GOOD)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"facts_version"') == 1


def test_size_cap_refuses_before_reading(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(GOOD, model)
    result = run_speclint("show", "--max-file-size", "100", str(model))
    assert result.returncode == 2
    _assert_one_line_error(result, "above the size cap of 100 bytes", "saved_model.pb")


def test_every_corpus_model_gives_a_sensible_result(corpus: list[Path]) -> None:
    """Readable ones are shown; broken ones (LFS pointers, a GraphDef .pbtxt) get one line each."""
    before = _tree_digest(CORPUS)
    result = run_speclint("show", "--format", "json", str(CORPUS))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1  # some corpus models are broken on purpose
    import json

    facts = json.loads(result.stdout)
    assert len(facts) == len(corpus)
    broken = {Path(f["path"]).name: f["errors"] for f in facts if f["errors"]}
    assert "Git LFS pointer" in broken["001_tfhub-embeddings-use-tf1-module"][0]["message"]
    assert "GraphDef" in broken["045_posenet-graphdef-named-pbtxt"][0]["message"]
    assert len(result.stderr.strip().splitlines()) == sum(len(e) for e in broken.values())
    checked = run_speclint(str(CORPUS), "--format", "json")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert _tree_digest(CORPUS) == before


def test_nothing_is_written_into_a_read_only_model(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(GOOD, model)
    for path in [model, *model.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    before = _tree_digest(model)
    for args in (["show", str(model)], [str(model)], [str(model), "--format", "sarif"]):
        result = run_speclint(*args)
        assert result.returncode in (0, 1), result.stderr
    assert _tree_digest(model) == before
    assert sorted(os.listdir(model)) == sorted(os.listdir(GOOD))
