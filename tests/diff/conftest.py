"""Shared helpers for the ``speclint diff`` tests: the golden pairs and a runner of the real CLI."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import GOLDEN, REPO

PAIRS_DIR = GOLDEN / "diff"


def pairs_module() -> ModuleType:
    """golden/make_diff_pairs.py, imported by path (it is a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("make_diff_pairs", GOLDEN / "make_diff_pairs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def speclint(*args: str, cwd: Path | str = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed entry point, as a user runs it (a separate process: exit code, stdout, stderr)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    environment.update(PYTHONPATH=str(REPO), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "speclint", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file and directory under root with its size, mtime and mode: nothing may change it."""
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            found[os.path.relpath(path, root)] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return found
