"""speclint/read/object_graph.py: what ``tf.saved_model.load`` hands a consumer, read from the object graph.

The object graphs of real golden TF2 fixtures, parsed with speclint's proto subset.
"""

from __future__ import annotations

from typing import Any

from speclint.proto import messages
from speclint.read.object_graph import read_object_graph, trace_arguments
from tests.conftest import MODELS, need


def object_graph(name: str) -> dict[str, Any]:
    path = MODELS / name / "saved_model.pb"
    need(path.is_file(), f"golden fixture {name} missing (run golden/make_fixtures.py)")
    saved = messages.SavedModel()
    saved.ParseFromString(path.read_bytes())
    return read_object_graph(saved.meta_graphs[0].object_graph_def)


def test_the_root_s_api_attributes_and_its_call() -> None:
    found = object_graph("tf2-feature-vector")
    assert found["root"]["children"] == [
        "__call__",
        "regularization_losses",
        "signatures",
        "trainable_variables",
        "variables",
    ]
    assert found["attributes"]["variables"]["variable_count"] == 4
    assert found["attributes"]["regularization_losses"] == {
        "present": True,
        "kind": "user_object",
        "identifier": "trackable_list_wrapper",
        "variable_count": 0,
        "function_count": 0,
        "item_count": 0,
    }
    call = found["call"]
    assert (call["present"], call["kind"], call["arg_names"]) == (True, "function", ["images"])
    assert call["consumer_calls"] == [
        {"where": "root __call__ as obj(images)", "call": "obj(images)", "training": None, "traces": [1], "error": None}
    ]
    (trace,) = call["concrete_functions"]
    assert trace["label"] == "__call__ trace 1 (images: float32[?,32,32,3])"
    assert trace["output"] == {"kind": "tensor", "dtype": "DT_FLOAT", "shape": [-1, 8], "name": "unknown"}


def test_python_defaults_decide_which_trace_each_documented_call_reaches() -> None:
    call = object_graph("tf2-optional-endpoints")["call"]
    assert call["defaults"] == {
        "training": {"kind": "bool", "value": False},
        "return_endpoints": {"kind": "bool", "value": False},
    }
    reached = {c["call"]: c["traces"] for c in call["consumer_calls"]}
    assert reached["obj(images)"] == reached["obj(images, training=False)"] == [1]
    assert reached["obj(images, training=True)"] == [3]
    labels = [t["label"] for t in call["concrete_functions"]]
    assert labels[1] == "__call__ trace 2 (images: float32[?,32,32,3], training=False, return_endpoints=True)"
    assert trace_arguments(call["concrete_functions"][2]) == [
        "images: float32[?,32,32,3]",
        "training=True",
        "return_endpoints=False",
    ]


def test_a_model_without_call_says_so() -> None:
    call = object_graph("tf2-no-call")["call"]
    assert call == {
        "present": False,
        "kind": None,
        "where": "root object",
        "concrete_functions": [],
        "consumer_calls": [],
    }
