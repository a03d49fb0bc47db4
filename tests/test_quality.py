"""The codebase stays ruff- and mypy-clean: checked in the test suite so CI enforces it."""

from __future__ import annotations

import shutil
import subprocess
import sys

from tests.conftest import REPO, need


def _tool(name: str) -> list[str]:
    module = {"ruff": "ruff", "mypy": "mypy"}[name]
    need(shutil.which(name) is not None or _importable(module), f"{name} is not installed (test extra)")
    return [sys.executable, "-m", module]


def _importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def test_ruff_is_clean() -> None:
    result = subprocess.run([*_tool("ruff"), "check", "."], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_is_clean() -> None:
    result = subprocess.run([*_tool("mypy")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout[-4000:]
