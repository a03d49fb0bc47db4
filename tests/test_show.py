"""speclint/show.py: what each model declares; odd names escaped, broken models one line each,
and nothing written into a model directory (``speclint show`` and ``speclint check`` alike)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from tests.conftest import CORPUS, MODELS, assert_one_line_error, run_speclint, tree_digest

GOOD = MODELS / "tf1-hub-feature-vector"


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
    assert_one_line_error(result, "file is empty", "bro\\xfeken")


def test_every_corpus_model_gives_a_sensible_result(corpus: list[Path]) -> None:
    """Readable ones are shown; broken ones (LFS pointers, a GraphDef .pbtxt) get one line each."""
    before = tree_digest(CORPUS)
    result = run_speclint("show", "--format", "json", str(CORPUS))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1  # some corpus models are broken on purpose

    facts = json.loads(result.stdout)
    assert len(facts) == len(corpus)
    broken = {Path(f["path"]).name: f["errors"] for f in facts if f["errors"]}
    assert "Git LFS pointer" in broken["001_tfhub-embeddings-use-tf1-module"][0]["message"]
    assert "GraphDef" in broken["045_posenet-graphdef-named-pbtxt"][0]["message"]
    assert len(result.stderr.strip().splitlines()) == sum(len(e) for e in broken.values())
    checked = run_speclint(str(CORPUS), "--format", "json")
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert tree_digest(CORPUS) == before


def test_nothing_is_written_into_a_read_only_model(tmp_path: Path) -> None:
    model = tmp_path / "model"
    shutil.copytree(GOOD, model)
    for path in [model, *model.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    before = tree_digest(model)
    for args in (["show", str(model)], [str(model)], [str(model), "--format", "sarif"]):
        result = run_speclint(*args)
        assert result.returncode in (0, 1), result.stderr
    assert tree_digest(model) == before
    assert sorted(os.listdir(model)) == sorted(os.listdir(GOOD))


def test_show_walks_as_check_walks(tmp_path: Path) -> None:
    """``[tool.speclint]`` excludes and .gitignore apply to ``show`` too; a wrong PATH is exit 2."""
    (tmp_path / ".git").mkdir()
    for name in ("models/kept", "models/scratch/hidden", "models/ignored/hidden"):
        shutil.copytree(GOOD, tmp_path / name)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "pyproject.toml").write_text('[tool.speclint]\nextend-exclude = ["scratch"]\n')
    result = run_speclint("show", "models", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [Path(f["path"]).name for f in json.loads(result.stdout)] == ["kept"]
    missing = run_speclint("show", "models", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "nowhere: no such file or directory" in missing.stderr
