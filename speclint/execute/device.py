"""Which device the worker runs on.

The choice has two halves: the parent hides GPUs from the worker's environment *before*
TensorFlow is imported (the only reliable way to keep TF off a GPU), and the worker, once
TF is up, names the device it will place ops on.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any


def worker_environment(device: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """The worker's environment: quiet TF logging, no GPU for ``cpu``."""
    env = dict(os.environ if base is None else base)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYTHONUNBUFFERED", "1")
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    return env


def choose(tf: Any, requested: str) -> tuple[str | None, str | None]:
    """``(device, None)`` such as ``"GPU:0"``/``"CPU:0"``, or ``(None, problem)`` for ``gpu`` without one."""
    gpus = tf.config.list_physical_devices("GPU") if requested != "cpu" else []
    for gpu in gpus:  # share the GPU: grow into memory instead of taking all of it at start
        with contextlib.suppress(RuntimeError, ValueError):
            tf.config.experimental.set_memory_growth(gpu, True)
    if gpus:
        return "GPU:0", None
    if requested == "gpu":
        return None, (
            f"--device gpu: TensorFlow {tf.__version__} sees no GPU; install the GPU build with "
            "pip install 'speclint[execute-gpu]' (tensorflow[and-cuda]) or use --device cpu"
        )
    return "CPU:0", None
