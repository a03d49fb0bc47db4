"""graph.LAYOUT_OPS is exactly TensorFlow's registered public ops with a ``data_format`` attribute.

The index reads a node's attributes for its layout only when its op may have one; this proves
with TensorFlow's own registry that no registered op is missed, and that TensorFlow ignores a
``data_format`` on an op that does not declare it (so skipping those loses no channels-first node).
"""

from __future__ import annotations

import os

from speclint.read.graph import LAYOUT_OPS, _registered_ops
from tests.conftest import need_tensorflow


def _registry() -> list[object]:
    need_tensorflow()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tensorflow.core.framework import op_def_pb2
    from tensorflow.python.client import pywrap_tf_session

    buffer = pywrap_tf_session.TF_GetAllOpList()
    try:
        return list(op_def_pb2.OpList.FromString(pywrap_tf_session.TF_GetBuffer(buffer)).op)
    finally:
        pywrap_tf_session.TF_DeleteBuffer(buffer)


def test_layout_ops_match_the_registry() -> None:
    with_layout = {
        op.name for op in _registry() if any(a.name == "data_format" for a in op.attr) and not op.name.startswith("_")
    }
    assert with_layout == LAYOUT_OPS
    assert _registered_ops() >= LAYOUT_OPS


def test_tensorflow_ignores_a_data_format_on_an_op_without_one() -> None:
    """A ``data_format`` on an op that declares none changes nothing: not a channels-first node."""
    need_tensorflow()
    import numpy as np
    import tensorflow as tf

    graph = tf.Graph()
    with graph.as_default():
        images = tf.compat.v1.placeholder(tf.float32, [1, 2, 4, 3], name="images")
        tf.nn.max_pool2d(tf.nn.relu(images, name="relu"), 2, 2, "VALID", name="pool")
    graph_def = graph.as_graph_def()
    for node in graph_def.node:
        if node.name == "relu":
            node.attr["data_format"].s = b"NCHW"
    batch = np.arange(24, dtype=np.float32).reshape(1, 2, 4, 3) - 12
    outputs = []
    for definition in (graph.as_graph_def(), graph_def):
        with tf.Graph().as_default():
            tf.graph_util.import_graph_def(definition, name="")
            with tf.compat.v1.Session() as session:
                outputs.append(session.run("pool:0", {"images:0": batch}))
    assert outputs[0].shape == outputs[1].shape == (1, 1, 2, 3)
    assert np.array_equal(outputs[0], outputs[1])
