"""graph.node_rules.LAYOUT_OPS is exactly TensorFlow's registered public ops with a ``data_format`` attribute.

The index reads a node's attributes for its layout only when its op may have one; this proves
with TensorFlow's own registry that no registered op is missed, and that TensorFlow ignores a
``data_format`` on an op that does not declare it (so skipping those loses no channels-first node).

TensorFlow runs in a child process: a session in the test process would stay behind for the
tests that follow (one of which compiles protos with grpc_tools and crashes next to it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from speclint.read.graph.node_rules import LAYOUT_OPS, registered_ops
from tests.conftest import REPO, need_tensorflow

REGISTRY = """
import json
from tensorflow.core.framework import op_def_pb2
from tensorflow.python.client import pywrap_tf_session

buffer = pywrap_tf_session.TF_GetAllOpList()
try:
    ops = op_def_pb2.OpList.FromString(pywrap_tf_session.TF_GetBuffer(buffer)).op
finally:
    pywrap_tf_session.TF_DeleteBuffer(buffer)
print(json.dumps(sorted(op.name for op in ops if any(a.name == "data_format" for a in op.attr))))
"""

IGNORED = """
import json
import numpy as np
import tensorflow as tf

graph = tf.Graph()
with graph.as_default():
    images = tf.compat.v1.placeholder(tf.float32, [1, 2, 4, 3], name="images")
    tf.nn.max_pool2d(tf.nn.relu(images, name="relu"), 2, 2, "VALID", name="pool")
marked = graph.as_graph_def()
for node in marked.node:
    if node.name == "relu":
        node.attr["data_format"].s = b"NCHW"
batch = np.arange(24, dtype=np.float32).reshape(1, 2, 4, 3) - 12
outputs = []
for definition in (graph.as_graph_def(), marked):
    with tf.Graph().as_default():
        tf.graph_util.import_graph_def(definition, name="")
        with tf.compat.v1.Session() as session:
            outputs.append(session.run("pool:0", {"images:0": batch}).tolist())
print(json.dumps(outputs))
"""


def _tensorflow(script: str) -> object:
    need_tensorflow()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_layout_ops_match_the_registry() -> None:
    with_layout = {name for name in _tensorflow(REGISTRY) if not name.startswith("_")}  # type: ignore[attr-defined]
    assert with_layout == LAYOUT_OPS
    assert registered_ops() >= LAYOUT_OPS


def test_tensorflow_ignores_a_data_format_on_an_op_without_one() -> None:
    """A ``data_format`` on an op that declares none changes nothing: not a channels-first node."""
    plain, marked = _tensorflow(IGNORED)  # type: ignore[misc]
    assert plain == marked
    assert len(plain[0][0]) == 2  # pooled over height and width as channels-last: (1, 1, 2, 3)
