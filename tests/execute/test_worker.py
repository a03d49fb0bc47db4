"""speclint/execute/worker.py: the worker speaks JSON lines on the stdout it was started with, and nothing else.

Without a TensorFlow that imports, the real worker process sends one ``fatal`` event and exits 3
(``tests/execute/test_execute.py`` runs it with TensorFlow on the golden fixtures).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from speclint.execute.worker import _plain
from tests.conftest import REPO


def test_a_worker_without_tensorflow_sends_one_fatal_event(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "tensorflow"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('print("noise on stdout")\nraise ImportError("no libtensorflow")\n')
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(fake.parent), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", "speclint.execute.worker", "--device", "cpu"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    (line,) = done.stdout.splitlines()  # TensorFlow's own output went to stderr, not into the protocol
    assert json.loads(line) == {"event": "fatal", "kind": "no-tensorflow", "message": "ImportError: no libtensorflow"}
    assert "noise on stdout" in done.stderr


def test_results_are_strict_json() -> None:
    value = {"a": np.float32(0.5), 1: [np.int64(3), (math.nan, math.inf)], "s": "x"}
    assert _plain(value) == {"a": 0.5, "1": [3, [None, None]], "s": "x"}
    json.dumps(_plain(value), allow_nan=False)
