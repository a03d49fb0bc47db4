"""Without TensorFlow, ``--execute`` says in one line how to install it, and nothing else breaks."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from speclint.errors import SpeclintError
from speclint.execute import ExecuteOptions, execute
from speclint.read import read_model
from tests.conftest import MODELS, REPO

HINT = (
    "pip install 'speclint[execute]' (CPU, tensorflow-cpu) or "
    "pip install 'speclint[execute-gpu]' (GPU, tensorflow[and-cuda])"
)

RUN = """
import sys
from speclint.errors import SpeclintError
from speclint.execute import execute
from speclint.read import read_model
facts = [read_model(sys.argv[1])]
try:
    execute(facts)
except SpeclintError as error:
    print(error)
    sys.exit(2)
print("no error", facts[0].get("probes"))
"""


def test_missing_tensorflow_is_found_without_importing_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "tensorflow" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    facts = [read_model(str(MODELS / "tf1-hub-feature-vector"))]
    with pytest.raises(SpeclintError) as raised:
        execute(facts, ExecuteOptions())
    assert str(raised.value) == f"--execute needs TensorFlow, which is not installed: {HINT}"
    assert "probes" not in facts[0]


def test_a_tensorflow_that_cannot_be_imported_stops_the_run_with_the_same_hint(tmp_path: Path) -> None:
    """A 'tensorflow' that find_spec sees but that fails to import (a broken install) is caught in the worker."""
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ImportError("libtensorflow_framework.so.2: cannot open shared object file")\n'
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake.parent), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(MODELS / "tf1-hub-feature-vector")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0] == (
        "--execute needs TensorFlow, which cannot be imported "
        "(ImportError: libtensorflow_framework.so.2: cannot open shared object file): " + HINT
    )
