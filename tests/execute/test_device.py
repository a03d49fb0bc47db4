"""speclint/execute/device.py: the worker's environment hides GPUs for ``cpu``; TensorFlow names the device.

The choice itself runs real TensorFlow in a fresh interpreter (this machine has no GPU: ``auto``
is the CPU and ``gpu`` is a one-line error naming the fix).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from speclint.execute.device import worker_environment
from tests.conftest import REPO, need_tensorflow


def test_cpu_hides_every_gpu_before_tensorflow_starts() -> None:
    env = worker_environment("cpu", {"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert env == {"PATH": "/bin", "TF_CPP_MIN_LOG_LEVEL": "0", "PYTHONUNBUFFERED": "1", "CUDA_VISIBLE_DEVICES": "-1"}
    auto = worker_environment("auto", {"CUDA_VISIBLE_DEVICES": "1"})
    assert auto["CUDA_VISIBLE_DEVICES"] == "1" and auto["TF_CPP_MIN_LOG_LEVEL"] == "2"


@pytest.mark.tensorflow
def test_tensorflow_names_the_device_and_a_missing_gpu_is_one_line() -> None:
    need_tensorflow()
    code = (
        "import json, tensorflow as tf\n"
        "from speclint.execute.device import choose\n"
        "print(json.dumps([choose(tf, 'auto'), choose(tf, 'cpu'), choose(tf, 'gpu')]))\n"
    )
    env = worker_environment("cpu")  # hidden GPUs: the answers are the same on any machine
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=REPO, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    auto, cpu, gpu = json.loads(done.stdout.splitlines()[-1])
    assert auto == cpu == ["CPU:0", None]
    assert gpu[0] is None and gpu[1].startswith("--device gpu: TensorFlow ") and "use --device cpu" in gpu[1]
