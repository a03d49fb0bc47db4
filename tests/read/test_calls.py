"""Which traces a documented call reaches: the rules of TensorFlow's loader, and TensorFlow itself.

``speclint.read.calls`` mirrors ``function_deserialization.recreate_function``: bind the call to
the saved FullArgSpec with its defaults, then take the first trace that accepts it, without
converting Python values first, then converting them. The unit tests pin each rule; the parity
test calls every fixture with a ``__call__`` the documented ways with real TensorFlow.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from speclint.read import read_model
from speclint.read.calls import ArgSpec, Call, documented_calls, reached
from tests.conftest import MODELS, REPO, need_tensorflow

IMAGES = {"kind": "tensor", "dtype": "DT_FLOAT", "shape": [-1, 32, 32, 3]}
FALSE, TRUE = {"kind": "bool", "value": False}, {"kind": "bool", "value": True}
PLAIN = Call("obj(images)", None)


def trace(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": [IMAGES, *args], "kwargs": kwargs}


def spec(*names: str, **defaults: Any) -> ArgSpec:
    return ArgSpec(["images", *names], defaults, [], False, True)


def test_defaults_choose_the_trace_and_an_optional_hyperparameter_trace_is_not_reached() -> None:
    """Google's classifiers: return_endpoints=True returns a dict, but only when asked for."""
    traces = [trace(FALSE, TRUE), trace(FALSE, FALSE), trace(TRUE, FALSE)]
    arguments = spec("training", "return_endpoints", training=FALSE, return_endpoints=FALSE)
    assert reached(traces, arguments, PLAIN) == ([1], None)
    assert reached(traces, arguments, Call("obj(images, training=True)", True)) == ([2], None)


def test_a_python_default_reaches_a_tensor_trace_only_by_conversion() -> None:
    """batch_norm_momentum=0.99 meets a float32[] TensorSpec: accepted on the converting pass."""
    momentum = {"kind": "tensor", "dtype": "DT_FLOAT", "shape": []}
    arguments = spec("momentum", momentum={"kind": "float", "value": 0.99})
    assert reached([trace(momentum)], arguments, PLAIN) == ([0], None)
    bool_default = spec("momentum", momentum=FALSE)  # converts to bool, not float32
    assert reached([trace(momentum)], bool_default, PLAIN)[0] == []
    shaped = {"kind": "tensor", "dtype": "DT_FLOAT", "shape": [1]}  # a scalar is no [1]
    assert reached([trace(shaped)], arguments, PLAIN)[0] == []


def test_the_first_trace_that_accepts_without_conversion_wins() -> None:
    tensor_training = {"kind": "tensor", "dtype": "DT_BOOL", "shape": []}
    traces = [trace(tensor_training), trace(FALSE)]
    assert reached(traces, spec("training", training=FALSE), PLAIN) == ([1], None)


def test_python_equality_decides_a_python_value() -> None:
    """TensorFlow compares with ``!=``: a trace for training=0 accepts training=False."""
    zero = {"kind": "int", "value": 0}
    assert reached([trace(zero)], spec("training", training=FALSE), PLAIN) == ([0], None)


def test_a_required_argument_fails_the_call_and_says_which() -> None:
    traces = [trace(TRUE), trace(FALSE)]
    assert reached(traces, spec("training"), PLAIN) == ([], "its argument 'training' has no default value")
    assert reached(traces, spec("training"), Call("obj(images, training=False)", False)) == ([1], None)


def test_training_calls_exist_only_for_a_function_that_takes_training() -> None:
    assert [c.text for c in documented_calls(spec("training", training=FALSE))] == [
        "obj(images)",
        "obj(images, training=False)",
        "obj(images, training=True)",
    ]
    assert [c.text for c in documented_calls(spec())] == ["obj(images)"]


def test_no_saved_argspec_binds_the_images_alone() -> None:
    unknown = ArgSpec([], {}, [], False, False)
    assert reached([trace()], unknown, PLAIN) == ([0], None)
    assert reached([trace(FALSE)], unknown, PLAIN)[0] == []


def test_a_defaults_mismatch_names_what_was_passed() -> None:
    traces, problem = reached([trace(TRUE)], spec("training", training=FALSE), PLAIN)
    assert traces == [] and problem == "no saved trace accepts it (images, training=False)"


# ---- against TensorFlow ------------------------------------------------------------------

CALLED = (
    "tf2-feature-vector",
    "tf2-feature-vector-training",
    "tf2-training-not-bool",
    "tf2-no-image-arg",
    "tf2-dict-output",
    "keras-training-tensor",
    "tf-keras-save",
    "tf-keras-two-heads",
    "tf-keras-teachable-machine",
    "tf2-root-function",
    "tf2-style-transfer",
    "tf2-training-required",
    "tf2-optional-endpoints",
    "tf2-detector",
)
ORACLE = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
out = {}
for path, shape in json.loads(sys.argv[1]):
    obj = tf.saved_model.load(path)
    images = tf.zeros(shape)
    seen = {}
    for text, kwargs in (("obj(images)", {}), ("obj(images, training=False)", {"training": False}),
                         ("obj(images, training=True)", {"training": True})):
        try:
            result = obj(images, **kwargs)
        except (TypeError, ValueError):
            seen[text] = "error"
            continue
        seen[text] = "tensor" if isinstance(result, tf.Tensor) else type(result).__name__
    out[path] = seen
print(json.dumps(out))
"""


def _expected(facts: dict[str, Any]) -> dict[str, str]:
    """What speclint says each documented call returns: the reached trace's output, or an error."""
    call = facts["meta_graphs"][0]["object_graph"]["call"]
    traces = {t["trace"]: t for t in call["concrete_functions"]}
    said = {c["call"]: c for c in call["consumer_calls"]}
    expected = {}
    for text in ("obj(images)", "obj(images, training=False)", "obj(images, training=True)"):
        found = said.get(text)
        if found is None or found["error"] is not None:
            expected[text] = "error"
        else:
            expected[text] = {"tensor": "tensor", "dict": "dict", "list": "list", "tuple": "tuple"}[
                traces[found["traces"][0]]["output"]["kind"]
            ]
    return expected


def _image_shape(facts: dict[str, Any]) -> list[int]:
    first = facts["meta_graphs"][0]["object_graph"]["call"]["concrete_functions"][0]
    tensors = [a for a in first["args"] if a.get("kind") == "tensor"]
    shape = tensors[0]["shape"] if tensors else [-1, 32, 32, 3]
    return [2 if i == 0 else (32 if d == -1 else d) for i, d in enumerate(shape)]


@pytest.mark.tensorflow
def test_documented_calls_reach_what_tensorflow_runs() -> None:
    need_tensorflow()
    facts = {name: read_model(str(MODELS / name)) for name in CALLED}
    pairs = [[str(MODELS / name), _image_shape(facts[name])] for name in CALLED]
    run = subprocess.run(
        [sys.executable, "-c", ORACLE, json.dumps(pairs)], capture_output=True, text=True, cwd=REPO, timeout=600
    )
    assert run.returncode == 0, run.stderr[-3000:]
    oracle = json.loads(run.stdout.strip().splitlines()[-1])
    ours = {str(MODELS / name): _expected(facts[name]) for name in CALLED}
    assert ours == oracle
    assert oracle[str(MODELS / "tf2-optional-endpoints")]["obj(images)"] == "tensor"  # not the endpoints dict
    assert oracle[str(MODELS / "tf2-training-required")]["obj(images)"] == "error"


ATTRIBUTES_ORACLE = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
out = {}
for path in json.loads(sys.argv[1]):
    obj = tf.saved_model.load(path)
    out[path] = {name: [hasattr(obj, name), len(getattr(obj, name, []))]
                 for name in ("variables", "trainable_variables", "regularization_losses")}
print(json.dumps(out))
"""


@pytest.mark.tensorflow
def test_api_attributes_are_what_the_loaded_object_has() -> None:
    """A root that is a function (tf2-root-function) has ``variables`` and ``trainable_variables``
    (a ConcreteFunction's properties, empty) but no ``regularization_losses``; the others as saved."""
    need_tensorflow()
    names = [*CALLED, "tf2-feature-vector", "tf2-no-variables-attrs"]
    names = [name for name in names if (MODELS / name).is_dir() and read_model(str(MODELS / name))["format"] == "tf2"]
    run = subprocess.run(
        [sys.executable, "-c", ATTRIBUTES_ORACLE, json.dumps([str(MODELS / n) for n in names])],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    oracle = json.loads(run.stdout.strip().splitlines()[-1])
    ours = {}
    for name in names:
        attributes = read_model(str(MODELS / name))["meta_graphs"][0]["object_graph"]["attributes"]
        ours[str(MODELS / name)] = {
            key: [value["present"], value.get("item_count", 0)] for key, value in attributes.items()
        }
    assert ours == oracle
    assert oracle[str(MODELS / "tf2-root-function")]["variables"] == [True, 0]
