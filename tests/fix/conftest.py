"""Models the fix tests build themselves (tests/fix/make_models.py), once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, need_tensorflow


@pytest.fixture(scope="session")
def hidden_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Models built by tests/fix/make_models.py (the golden script's builder, plus a sigmoid and a tf_keras head)."""
    need_tensorflow()
    out = tmp_path_factory.mktemp("hidden")
    script = REPO / "tests" / "fix" / "make_models.py"
    result = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out
