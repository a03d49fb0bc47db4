"""The data-flow facts of an entry point: preprocessing chains, activations, branches that never run.

Hand-built graphs (speclint's own proto messages, no TensorFlow) pin each walk; the TensorFlow
test proves the claim SL141 now relies on: a Keras Dropout of a TF1 graph, a cond on
``keras_learning_phase``, runs no random op unless a consumer feeds True.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from speclint.proto import messages
from speclint.read import dataflow, read_model
from speclint.read.graph.index import TOP, GraphIndex, Ref
from tests.conftest import MODELS, REPO, need_tensorflow

DT_FLOAT, DT_BOOL = 1, 10


def _node(nodes: Any, name: str, op: str, *inputs: str) -> Any:
    node = nodes.add(name=name, op=op, input=list(inputs))
    node.attr["T"].type = DT_FLOAT
    return node


def _bool_const(nodes: Any, name: str, value: bool) -> None:
    tensor = nodes.add(name=name, op="Const").attr["value"].tensor
    tensor.dtype = DT_BOOL
    tensor.bool_val.append(value)


def _dropout_cond(predicate: str) -> GraphIndex:
    """images -> Switch(pred) -> [true: x * RandomUniform] / [false: Identity] -> Merge -> Relu."""
    graph = messages.GraphDef()
    graph.node.add(name="images", op="Placeholder")
    _bool_const(graph.node, "false", False)
    if predicate == "learning_phase":
        graph.node.add(name="keras_learning_phase", op="PlaceholderWithDefault", input=["false"])
    else:
        graph.node.add(name="keras_learning_phase", op="Placeholder")
    _node(graph.node, "cond/Switch", "Switch", "images", "keras_learning_phase")
    _node(graph.node, "cond/switch_t", "Identity", "cond/Switch:1")
    _node(graph.node, "cond/rate", "Const", "^cond/switch_t")  # dead through its control input
    _node(graph.node, "cond/shape", "Shape", "cond/Switch:1")
    _node(graph.node, "cond/random", "RandomUniform", "cond/shape")
    _node(graph.node, "cond/scaled", "Mul", "cond/random", "cond/rate")
    _node(graph.node, "cond/mul", "Mul", "cond/Switch:1", "cond/scaled")
    _node(graph.node, "cond/keep", "Identity", "cond/Switch")
    _node(graph.node, "cond/Merge", "Merge", "cond/keep", "cond/mul")
    _node(graph.node, "out", "Relu", "cond/Merge")
    return GraphIndex(graph)


@pytest.mark.parametrize(("predicate", "random_runs"), [("learning_phase", False), ("fed", True)])
def test_a_switch_on_a_defaulted_predicate_has_a_dead_side(predicate: str, random_runs: bool) -> None:
    index = _dropout_cond(predicate)
    source, sink = Ref(TOP, "images"), Ref(TOP, "out")
    path = index.path_ops(source, sink)
    assert "RandomUniform" in path  # on a path from the input to the output, either way
    assert ("RandomUniform" in dataflow.live_path_ops(index, source, sink, path)) is random_runs


def _if_graph(predicate: str) -> GraphIndex:
    """images -> If(pred, then=dropout with RandomUniform, else=identity) -> Relu."""
    graph = messages.GraphDef()
    graph.node.add(name="images", op="Placeholder")
    _bool_const(graph.node, "false", False)
    graph.node.add(name="training", op="Placeholder")
    cond = graph.node.add(name="cond", op="StatelessIf", input=[predicate, "images"])
    cond.attr["then_branch"].func.name = "dropout"
    cond.attr["else_branch"].func.name = "keep"
    _node(graph.node, "out", "Relu", "cond")
    for name in ("dropout", "keep"):
        function = graph.library.function.add()
        function.signature.name = name
        function.signature.input_arg.add(name="x")
        function.signature.output_arg.add(name="y")
        if name == "dropout":
            _node(function.node_def, "random", "RandomUniform", "x")
            _node(function.node_def, "mul", "Mul", "x", "random:output:0")
            function.ret["y"] = "mul:z:0"
        else:
            function.ret["y"] = "x"
    return GraphIndex(graph)


@pytest.mark.parametrize(("predicate", "random_runs"), [("false", False), ("training", True)])
def test_an_if_on_a_constant_runs_one_branch(predicate: str, random_runs: bool) -> None:
    index = _if_graph(predicate)
    source, sink = Ref(TOP, "images"), Ref(TOP, "out")
    path = index.path_ops(source, sink)
    assert "RandomUniform" in path
    assert ("RandomUniform" in dataflow.live_path_ops(index, source, sink, path)) is random_runs


def test_rescaling_is_found_behind_resizing_across_layer_functions() -> None:
    """call(resize) -> its output returned -> call(rescale): the walk leaves one function for the next."""
    graph = messages.GraphDef()
    graph.node.add(name="images", op="Placeholder")
    for name, body in (("resize", "ResizeBilinear"), ("rescale", "Mul")):
        function = graph.library.function.add()
        function.signature.name = name
        function.signature.input_arg.add(name="x")
        function.signature.output_arg.add(name="y")
        if body == "Mul":
            tensor = function.node_def.add(name="scale", op="Const").attr["value"].tensor
            tensor.dtype = DT_FLOAT
            tensor.float_val.append(1 / 255)
            _node(function.node_def, "mul", "Mul", "x", "scale:output:0")
        else:
            _node(function.node_def, "resize", "ResizeBilinear", "x")
        function.ret["y"] = (
            f"{body.lower() if body == 'Mul' else 'resize'}:{'z' if body == 'Mul' else 'resized_images'}:0"
        )
    first = graph.node.add(name="call_resize", op="StatefulPartitionedCall", input=["images"])
    first.attr["f"].func.name = "resize"
    second = graph.node.add(name="call_rescale", op="StatefulPartitionedCall", input=["call_resize"])
    second.attr["f"].func.name = "rescale"
    index = GraphIndex(graph)
    (found,) = dataflow.input_rescaling(index, Ref(TOP, "images"))
    assert (found["op"], found["function"], found["kind"], found["multiplier"]) == ("Mul", "rescale", "scale", 0.003922)


def test_the_activation_is_found_behind_a_reshape() -> None:
    graph = messages.GraphDef()
    graph.node.add(name="images", op="Placeholder")
    _node(graph.node, "softmax", "Softmax", "images")
    _node(graph.node, "flat", "Reshape", "softmax")
    _node(graph.node, "out", "Identity", "flat")
    index = GraphIndex(graph)
    assert index.producer(Ref(TOP, "out"))["op"] == "Reshape"
    assert dataflow.activation(index, Ref(TOP, "out")) == {"op": "Softmax", "node": "softmax", "function": None}


def test_the_random_ops_sl141_names_are_the_ones_the_reader_weighs() -> None:
    rule = json.loads((REPO / "schemas" / "rules" / "SL141-no-dropout-on-output.json").read_text())
    assert set(rule["schema"]["not"]["enum"]) == dataflow.RANDOM_OPS


def test_a_tf1_keras_dropout_is_on_the_path_but_not_run_at_inference() -> None:
    facts = read_model(str(MODELS / "tf1-serving-export"))
    serve = next(e for e in facts["entry_points"] if e["tags"] == ["serve"])
    assert "RandomUniform" in serve["path_ops"] and "Switch" in serve["path_ops"]
    assert "RandomUniform" not in serve["inference_path_ops"]


ORACLE = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
v1 = tf.compat.v1
images = np.random.RandomState(0).uniform(0, 1, (4, 32, 32, 3)).astype(np.float32)
with tf.Graph().as_default(), v1.Session() as sess:
    meta = v1.saved_model.loader.load(sess, ["serve"], sys.argv[1])
    signature = meta.signature_def["serving_default"]
    feed = {signature.inputs["input"].name: images}
    output = signature.outputs["output"].name
    default = [sess.run(output, feed) for _ in range(3)]
    training = [sess.run(output, {**feed, "keras_learning_phase:0": True}) for _ in range(3)]
print(json.dumps({
    "default_repeats": all(np.array_equal(default[0], d) for d in default),
    "training_repeats": all(np.array_equal(training[0], t) for t in training),
}))
"""


@pytest.mark.tensorflow
def test_tensorflow_runs_the_dropout_only_when_the_learning_phase_is_fed() -> None:
    need_tensorflow()
    run = subprocess.run(
        [sys.executable, "-c", ORACLE, str(MODELS / "tf1-serving-export")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1]) == {"default_repeats": True, "training_repeats": False}
