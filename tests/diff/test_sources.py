"""``speclint diff --base REV PATH``: old files from git objects, nothing written, added/removed reported."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import need
from tests.diff.conftest import PAIRS_DIR, snapshot, speclint


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True, env=env, timeout=60
    ).stdout


def commit(repo: Path, message: str) -> None:
    """Stage everything from scratch: copied files keep their mtimes, and a size- and
    mtime-identical file on a reused inode would look unchanged to git's stat check."""
    git(repo, "rm", "-r", "-q", "--cached", "--ignore-unmatch", ".")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def copy(pair: str, side: str, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(PAIRS_DIR / pair / side, target, copy_function=shutil.copyfile)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """Commit 1: net (old), stable, retired. Commit 2: net (new width), stable, fresh."""
    need(shutil.which("git") is not None, "git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    copy("output-width-changed", "old", root / "models" / "net")
    copy("compatible", "old", root / "models" / "stable")
    copy("compatible", "old", root / "models" / "retired")
    (root / "README.md").write_text("models\n", encoding="utf-8")
    commit(root, "one")
    copy("output-width-changed", "new", root / "models" / "net")
    shutil.rmtree(root / "models" / "retired")
    copy("compatible", "new", root / "models" / "fresh")
    commit(root, "two")
    return root


def test_base_revision_against_the_work_tree(repo: Path, tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = snapshot(repo)  # .git included: not even the index may change
    completed = speclint(
        "diff", "--base", "HEAD~1", "models", "--format", "json", cwd=repo, env={"TMPDIR": str(scratch)}
    )
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    by_path = {m["path"]: m for m in report["models"]}
    assert {p: m["status"] for p, m in by_path.items()} == {
        "models/fresh": "added",
        "models/net": "compared",
        "models/retired": "removed",
        "models/stable": "compared",
    }
    assert by_path["models/net"]["old"] == "HEAD~1:models/net"
    assert "output width 8 -> 5 in `__call__`" in [f["message"] for f in by_path["models/net"]["findings"]]
    assert by_path["models/stable"]["findings"] == []
    assert [f["code"] for f in by_path["models/retired"]["findings"]] == ["SC100"]
    assert [f["code"] for f in by_path["models/fresh"]["findings"]] == ["SC101"]
    assert snapshot(repo) == before, "speclint diff --base wrote into the repository"
    assert list(scratch.iterdir()) == [], "the old model's temporary copy was left behind"
    assert git(repo, "status", "--porcelain") == ""


def test_uncommitted_changes_are_the_new_side(repo: Path) -> None:
    copy("input-dtype-changed", "new", repo / "models" / "stable")
    completed = speclint("diff", "--base", "HEAD", "models/stable", cwd=repo)
    assert completed.returncode == 1
    assert "SC123 breaking input 'images' dtype DT_FLOAT -> DT_UINT8 in `__call__`" in completed.stdout
    assert "HEAD:models/stable -> models/stable" in completed.stdout


def test_same_revision_is_compatible(repo: Path) -> None:
    completed = speclint("diff", "--base", "HEAD", "models", cwd=repo)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_a_path_deleted_in_the_work_tree_reports_its_models_removed(repo: Path) -> None:
    shutil.rmtree(repo / "models" / "net")
    completed = speclint("diff", "--base", "HEAD", "models/net", cwd=repo)
    assert completed.returncode == 1
    assert "SC100 breaking model HEAD:models/net removed: present in OLD, none in NEW" in completed.stdout


def test_bad_revision_and_no_repository_exit_2_with_one_line(repo: Path, tmp_path: Path) -> None:
    completed = speclint("diff", "--base", "no-such-rev", "models", cwd=repo)
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "speclint: error: --base no-such-rev: not a commit in " + str(repo)
    ]
    outside = tmp_path / "outside"
    copy("compatible", "old", outside)
    completed = speclint("diff", "--base", "HEAD", str(outside), cwd=tmp_path)
    assert completed.returncode == 2
    assert "needs a git repository" in completed.stderr and completed.stderr.count("\n") == 1


def test_a_temporary_directory_inside_the_repository_is_refused(repo: Path) -> None:
    inside = repo / "tmp"
    inside.mkdir()
    completed = speclint("diff", "--base", "HEAD~1", "models/net", cwd=repo, env={"TMPDIR": str(inside)})
    assert completed.returncode == 2
    assert "is inside the repository" in completed.stderr
    assert list(inside.iterdir()) == []


def test_a_git_lfs_pointer_is_named_as_such(repo: Path) -> None:
    pointer = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 12345\n"
    (repo / "models" / "stable" / "saved_model.pb").write_bytes(pointer)
    commit(repo, "lfs")
    copy("compatible", "new", repo / "models" / "stable")
    completed = speclint("diff", "--base", "HEAD", "models/stable", cwd=repo)
    assert completed.returncode == 2
    assert completed.stderr.splitlines() == [
        "speclint: error: HEAD:models/stable/saved_model.pb: cannot read: "
        "a Git LFS pointer at HEAD, not the file (speclint reads git objects only)"
    ]


def test_from_a_subdirectory_paths_read_as_the_user_named_them(repo: Path) -> None:
    completed = speclint("diff", "--base", "HEAD~1", ".", "--format", "json", cwd=repo / "models")
    report = json.loads(completed.stdout)
    assert sorted((m["path"], m["old"]) for m in report["models"]) == [
        ("fresh", None),
        ("net", "HEAD~1:models/net"),  # git's own REV:path spelling, from the repository root
        ("retired", "HEAD~1:models/retired"),
        ("stable", "HEAD~1:models/stable"),
    ]
