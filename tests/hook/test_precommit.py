"""The real pre-commit hook: ``.pre-commit-hooks.yaml`` installed by pre-commit itself.

A throwaway copy of this checkout's tracked files (uncommitted edits included, fixture models left out) is
committed to a temporary git repository, which pre-commit clones, pip-installs into its own
virtualenv (needs PyPI or a local wheel index) and runs on a user repository holding fixture
models: through ``pre-commit run`` with a config naming the hook repository, through a real
``git commit`` with the hook installed, and once through ``pre-commit try-repo``.

Installing the hook is the slow part (about 15 s). ``run`` and ``git commit`` share one store
(a temporary PRE_COMMIT_HOME), so they install once for the whole module; ``try-repo`` always
uses a store of its own, so it gets one call only, with both models.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO, need, run_speclint

GOOD = "tf2-feature-vector"
BAD = "tf1-input-uint8"  # SL112: the image input is DT_UINT8
HOOK_FILES = ("saved_model.pb", "saved_model.pbtxt", "tfhub_module.pb")
TIMEOUT_S = 900  # the first call builds the hook's virtualenv


@dataclass
class HookRepo:
    path: Path
    rev: str
    home: Path  # PRE_COMMIT_HOME, shared by every call of the module


def _git(cwd: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=cwd, env=_env(), capture_output=True, text=True, check=False, timeout=120
    )
    assert completed.returncode == 0, f"git {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}"
    return completed.stdout.strip()


def _env(home: Path | None = None) -> dict[str, str]:
    """The user's environment, minus what would make the hook use this checkout or GitHub's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PRE_COMMIT", "GIT_"))}
    env.pop("PYTHONPATH", None)  # the hook must run the package pre-commit installed
    env.update(
        GIT_AUTHOR_NAME="speclint tests",
        GIT_AUTHOR_EMAIL="tests@speclint.invalid",
        GIT_COMMITTER_NAME="speclint tests",
        GIT_COMMITTER_EMAIL="tests@speclint.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home)
    return env


def _project_files() -> list[str]:
    """The tracked files of this checkout (as they are in the work tree), without the fixture
    models: never a virtualenv or build output, whatever ``.gitignore`` says (``git add`` a
    new file to have it copied)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "-z"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    return sorted(name for name in listed if name and not name.startswith("golden/models/") and (REPO / name).is_file())


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HookRepo]:
    need(importlib.util.find_spec("pre_commit") is not None, "pre-commit is not installed (pip install pre-commit)")
    need(shutil.which("git") is not None, "git is not installed")
    need((REPO / ".git").exists(), "not a git checkout: cannot list the project's files")
    root = tmp_path_factory.mktemp("hook-repo")
    for name in _project_files():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, target)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "--no-verify", "-m", "speclint as of this test run")
    yield HookRepo(root, _git(root, "rev-parse", "HEAD"), tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    """A repository of models: one that keeps the contract, one that breaks it."""
    repo = tmp_path / "models-repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    shutil.copytree(MODELS / GOOD, repo / "models" / "good")
    shutil.copytree(MODELS / BAD, repo / "models" / "bad")
    return repo


def _files(repo: Path, model: str) -> list[str]:
    """Every file of a model, as pre-commit would pass them (variables/ included: filtered out)."""
    return sorted(p.relative_to(repo).as_posix() for p in (repo / "models" / model).rglob("*") if p.is_file())


def _pre_commit(hook: HookRepo, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        env=_env(hook.home),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_S,
    )


def _config(hook: HookRepo) -> str:
    return f"repos:\n- repo: {hook.path}\n  rev: {hook.rev}\n  hooks:\n  - id: speclint\n"


def _run_hook(hook: HookRepo, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit run`` of the speclint hook, from a config outside the user repository."""
    config = hook.home.parent / f"{hook.home.name}-config.yaml"
    config.write_text(_config(hook), encoding="utf-8")
    return _pre_commit(hook, cwd, "run", "speclint", "--config", str(config), "--verbose", "--color", "never", *args)


def _output(completed: subprocess.CompletedProcess[str]) -> str:
    return completed.stdout + completed.stderr


def test_manifest_is_valid_for_pre_commit() -> None:
    need(importlib.util.find_spec("pre_commit") is not None, "pre-commit is not installed (pip install pre-commit)")
    from pre_commit.clientlib import load_manifest

    hooks = {hook["id"]: hook for hook in load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"speclint", "speclint-execute"}
    static, execute = hooks["speclint"], hooks["speclint-execute"]
    assert static["entry"] == "speclint" and static["language"] == "python"
    assert static["pass_filenames"] and static["require_serial"]
    assert execute["entry"] == "speclint --execute"
    assert execute["stages"] == ["manual"], "executing models must stay opt-in"
    for hook in (static, execute):
        pattern = re.compile(hook["files"])
        for name in (*HOOK_FILES, "speclint-ignore.toml"):  # an edited suppression changes the verdict
            assert pattern.search(f"models/a/{name}") and pattern.search(name)
        for name in (
            "models/a/variables/variables.index",
            "models/a/fingerprint.pb",
            "saved_model.pb.bak",
            "my_saved_model.pb",
            "models/a/keras_metadata.pb",
        ):
            assert not pattern.search(name), name


def test_entry_takes_options_before_files() -> None:
    """pre-commit runs ``ENTRY [args] FILE...``: ``speclint --execute FILE`` must mean ``check``."""
    completed = run_speclint("--fail-level", "error", "--no-progress", str(MODELS / GOOD / "saved_model.pb"))
    assert completed.returncode == 0, completed.stderr
    assert "All checks passed (1 model)." in completed.stdout
    assert run_speclint("--version").stdout.startswith("speclint ")


def test_conforming_model_passes(hook_repo: HookRepo, user_repo: Path) -> None:
    completed = _run_hook(hook_repo, user_repo, "--files", *_files(user_repo, "good"))
    output = _output(completed)
    assert completed.returncode == 0, output
    assert "Passed" in output
    assert "All checks passed (1 model)." in output, output


def test_broken_model_is_blocked_with_its_code(hook_repo: HookRepo, user_repo: Path) -> None:
    files = _files(user_repo, "bad")
    assert "models/bad/tfhub_module.pb" in files and "models/bad/saved_model.pb" in files
    completed = _run_hook(hook_repo, user_repo, "--files", *files)
    output = _output(completed)
    assert completed.returncode == 1, output
    assert "Failed" in output
    assert "SL112" in output and "DT_UINT8" in output
    assert "models/bad" in output
    assert "in 1 model." in output, "two files of one model must give one model, linted once"


def test_all_files_lints_each_model_once(hook_repo: HookRepo, user_repo: Path) -> None:
    _git(user_repo, "add", "-A")
    completed = _run_hook(hook_repo, user_repo, "--all-files")
    output = _output(completed)
    assert completed.returncode == 1, output
    assert "in 2 models." in output, output  # both linted; the clean one only counted (quiet by default)
    assert output.count("models/bad [") == 1 and "models/good" not in output, output


def test_try_repo(hook_repo: HookRepo, user_repo: Path) -> None:
    """What the docs suggest for trying the hook before adding it to a config."""
    files = _files(user_repo, "good") + _files(user_repo, "bad")
    completed = _pre_commit(
        hook_repo,
        user_repo,
        "try-repo",
        str(hook_repo.path),
        "speclint",
        "--ref",
        hook_repo.rev,
        "--verbose",
        "--color",
        "never",
        "--files",
        *files,
    )
    output = _output(completed)
    assert completed.returncode == 1, output
    assert "Failed" in output and "SL112" in output
    assert "models/good" not in output and "in 2 models." in output, output  # clean: counted, not listed


def test_git_commit_is_blocked_by_a_broken_model(hook_repo: HookRepo, user_repo: Path) -> None:
    """The way users meet the hook: .pre-commit-config.yaml, ``pre-commit install``, ``git commit``."""
    (user_repo / ".pre-commit-config.yaml").write_text(_config(hook_repo), encoding="utf-8")
    install = _pre_commit(hook_repo, user_repo, "install")
    assert install.returncode == 0, _output(install)

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-q", "-m", message],
            cwd=user_repo,
            env=_env(hook_repo.home),
            capture_output=True,
            text=True,
            check=False,
            timeout=TIMEOUT_S,
        )

    _git(user_repo, "add", ".pre-commit-config.yaml", "models/good")
    first = commit("a conforming model")
    assert first.returncode == 0, _output(first)
    assert "speclint" in _output(first) and "Passed" in _output(first)
    head = _git(user_repo, "rev-parse", "HEAD")

    _git(user_repo, "add", "models/bad")
    second = commit("a broken model")
    output = _output(second)
    assert second.returncode != 0, output
    assert "SL112" in output and "Failed" in output
    assert _git(user_repo, "rev-parse", "HEAD") == head, "the commit must not have been made"
