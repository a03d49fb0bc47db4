"""speclint/rules/wording.py: TensorFlow's traced-function names reworded by the model's own names.

A ``__call__`` trace is named by its label, any other function of the model by its Python name;
names are matched against the model's function names, never guessed by pattern.
"""

from __future__ import annotations

from typing import Any

from speclint.rules.wording import namer, python_name, redact_function_numbers, trace_names

CALL = "__inference___call___1234"
LAYER = "__inference_mobilenet.00_224_layer_call_fn_56"


def facts() -> dict[str, Any]:
    call = {"concrete_functions": [{"name": CALL, "label": "__call__ trace 1 (images: float32[?,224,224,3])"}]}
    graph = {"functions": {CALL: {}, LAYER: {}}}
    return {"meta_graphs": [{"object_graph": {"call": call}, "graph": graph}]}


def test_function_numbers_are_redacted_for_stable_causes() -> None:
    assert redact_function_numbers("ReadFile in __inference_<lambda>_64 and __inference_f_7'") == (
        "ReadFile in __inference_<lambda>_N and __inference_f_N'"
    )
    assert redact_function_numbers("no function here_12") == "no function here_12"


def test_python_names_keep_their_dots_and_digits() -> None:
    assert python_name(LAYER) == "mobilenet.00_224_layer_call_fn"
    assert python_name("__inference_f") == "f"


def test_a_trace_is_named_by_its_label_and_a_function_by_its_python_name() -> None:
    reword = namer(facts())
    assert trace_names(facts()) == {CALL: "__call__ trace 1 (images: float32[?,224,224,3])"}
    assert reword(f"ReadFile in function {CALL}") == "ReadFile in __call__ trace 1 (images: float32[?,224,224,3])"
    assert reword(f"op in {LAYER}, called from {CALL}.") == (
        "op in mobilenet.00_224_layer_call_fn, called from __call__ trace 1 (images: float32[?,224,224,3])."
    )
    assert reword("nothing to reword") == "nothing to reword"


def test_a_name_the_model_does_not_have_gets_its_python_name_only() -> None:
    reword = namer(facts())
    assert reword("nested __inference_hidden_fn_99 graph") == "nested hidden_fn graph"
    assert namer({})("in __inference_f_1") == "in f"
