"""The static stage runs on every protobuf major version from 4.25 to 7.x, with identical output.

Each version gets a throwaway virtualenv with only protobuf and jsonschema_rs (no TensorFlow),
then the real command line runs on fixtures (binary and text format) and must print exactly
what it prints under the protobuf of the test environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO, need

VERSIONS = ["protobuf>=4.25,<5", "protobuf>=5,<6", "protobuf>=6,<7", "protobuf>=7,<8"]
SAMPLE = ["tf1-hub-feature-vector", "tf1-hub-feature-vector-pbtxt", "tf2-feature-vector-training", "tf1-input-sparse"]


def _run(python: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [python, "-m", "speclint", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
    )


@pytest.mark.parametrize("requirement", VERSIONS)
def test_same_facts_and_report_on_each_protobuf_major(requirement: str, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", requirement, "jsonschema-rs"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    need(install.returncode == 0, f"cannot install {requirement}: {install.stderr[-300:]}")
    version = subprocess.run(
        [python, "-c", "import google.protobuf as p; print(p.__version__)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    models = [str(MODELS / name) for name in SAMPLE]
    for args in (["show", "--format", "json", *models], ["--format", "json", *models]):
        theirs, ours = _run(python, *args), _run(sys.executable, *args)
        assert theirs.returncode == ours.returncode, (version, theirs.stderr)
        assert theirs.stdout == ours.stdout, f"protobuf {version} reads differently"
        assert "Traceback" not in theirs.stderr


def test_same_facts_and_report_with_protobufs_python_layer() -> None:
    """``speclint.proto.messages`` builds its pool with upb directly when upb runs; with another
    implementation (here protobuf's pure Python one) it takes protobuf's public API: same output."""
    models = [str(MODELS / name) for name in SAMPLE]
    env = {**os.environ, "PYTHONPATH": str(REPO), "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION": "python"}
    for args in (["show", "--format", "json", *models], ["--format", "json", *models]):
        python_layer = subprocess.run(
            [sys.executable, "-m", "speclint", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=120
        )
        upb = _run(sys.executable, *args)
        assert python_layer.returncode == upb.returncode, python_layer.stderr
        assert python_layer.stdout == upb.stdout
        assert "Traceback" not in python_layer.stderr
    check = (
        "import google.protobuf.descriptor_pool as p, speclint.proto.messages as m;"
        "print(type(m.POOL) is type(p.Default()))"
    )
    same_pool = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert same_pool.stdout.strip() == "True", same_pool.stderr  # upb: the very type protobuf's layer builds
